/* boot_timer.c - the boot's timeline, seen from the monitor.
 *
 * Three moments, each measured from the monitor's own start:
 *   - the kernel's first console byte (all before it: the monitor's set-up,
 *     the kernel's early start, decompression for a bzImage);
 *   - "Run /init as init process", the kernel's last line before it starts
 *     userspace;
 *   - init's byte to the boot-timer port: userspace is running.  This is
 *     Firecracker's measure of a boot, and the one --stats reports as
 *     boot_to_init_ms.
 * The console is also where a kernel says it panicked; remembering that
 * line lets the monitor tell a panic (then a reboot, from panic=-1) from
 * an orderly reboot.
 */
#include "boot_timer.h"

#include <string.h>
#include <time.h>

uint64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void boot_timer_start(struct boot_timer *timer)
{
	memset(timer, 0, sizeof(*timer));
	timer->start_ns = monotonic_ns();
}

static void mark(struct boot_timer *timer, uint64_t *milestone)
{
	if (*milestone == 0)
		*milestone = monotonic_ns() - timer->start_ns;
}

void boot_timer_io(void *device, uint16_t offset, bool is_write, uint8_t *data,
		   uint32_t size)
{
	struct boot_timer *timer = device;

	(void)offset;
	if (is_write)
		mark(timer, &timer->init_ns);
	else
		memset(data, 0xff, size);
}

static void console_line(struct boot_timer *timer)
{
	const char *panic = strstr(timer->line, "Kernel panic - not syncing");

	if (strstr(timer->line, "Run /init as init process"))
		mark(timer, &timer->run_init_ns);
	if (panic && !timer->panic[0])
		strncpy(timer->panic, panic, sizeof(timer->panic) - 1);
}

void boot_timer_console(struct boot_timer *timer, uint8_t byte)
{
	mark(timer, &timer->first_output_ns);
	if (byte == '\n' || timer->line_len == sizeof(timer->line) - 1) {
		timer->line[timer->line_len] = '\0';
		console_line(timer);
		timer->line_len = 0;
	}
	if (byte != '\n' && byte != '\r')
		timer->line[timer->line_len++] = (char)byte;
}
