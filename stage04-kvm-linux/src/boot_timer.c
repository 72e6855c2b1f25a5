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

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kvm/timeout.h"

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

/* Atomic: the silence watch reads first_output_ns from its own thread. */
static void mark(struct boot_timer *timer, uint64_t *milestone)
{
	if (__atomic_load_n(milestone, __ATOMIC_RELAXED) == 0)
		__atomic_store_n(milestone, monotonic_ns() - timer->start_ns,
				 __ATOMIC_RELAXED);
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

/* --- the silence watch ---------------------------------------------------- */

struct silence_watch {
	struct boot_timer *timer;
	struct timespec delay;
	char *notice;
};

/* Once the VM has ended, the notice would come after the monitor's last
 * words (the --stats object must stay stderr's last line): the lock makes
 * "still silent, so write" one step that boot_timer_end_watch() waits for. */
static pthread_mutex_t watch_lock = PTHREAD_MUTEX_INITIALIZER;
static bool vm_ended;

void boot_timer_end_watch(void)
{
	pthread_mutex_lock(&watch_lock);
	vm_ended = true;
	pthread_mutex_unlock(&watch_lock);
}

static void *watch_silence(void *arg)
{
	struct silence_watch *w = arg;

	while (clock_nanosleep(CLOCK_MONOTONIC, 0, &w->delay, &w->delay) == EINTR)
		continue;
	pthread_mutex_lock(&watch_lock);
	if (!vm_ended && __atomic_load_n(&w->timer->first_output_ns, __ATOMIC_RELAXED) == 0) {
		size_t len = strlen(w->notice);

		/* One write, so the line does not mix with other output; on a
		 * terminal in raw mode a line ends in CR LF. */
		if (isatty(STDERR_FILENO))
			w->notice[len++] = '\r';
		w->notice[len++] = '\n';
		if (write(STDERR_FILENO, w->notice, len) < 0) {
			/* stderr is gone: nobody to tell */
		}
	}
	pthread_mutex_unlock(&watch_lock);
	free(w->notice);
	free(w);
	return NULL;
}

int boot_timer_watch_silence(struct boot_timer *timer, double seconds,
			     const char *notice)
{
	struct silence_watch *w = malloc(sizeof(*w));
	size_t len = strlen(notice);
	struct itimerval delay;
	sigset_t all, old;
	pthread_t thread;
	int ret;

	if (!w)
		return -1;
	w->timer = timer;
	delay = timeout_timer(seconds);     /* rounded up, as --timeout is */
	w->delay.tv_sec = delay.it_value.tv_sec;
	w->delay.tv_nsec = delay.it_value.tv_usec * 1000L;
	w->notice = malloc(len + 3);       /* and CR LF */
	if (!w->notice) {
		free(w);
		return -1;
	}
	memcpy(w->notice, notice, len + 1);
	/* Every signal blocked, as in the input thread: the vCPU thread must
	 * be the one they interrupt. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	ret = pthread_create(&thread, NULL, watch_silence, w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (ret != 0) {
		free(w->notice);
		free(w);
		return -1;
	}
	pthread_detach(thread);
	return 0;
}
