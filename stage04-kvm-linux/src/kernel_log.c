/* kernel_log.c - the panic watcher.
 *
 * A kernel that panics with panic=-1 reboots at once, through the same
 * i8042 pulse as an orderly reboot: only its console line tells the two
 * apart.  So the console is read line by line, and the first panic line
 * kept for the monitor's last words.  The same scan finds the kernel's
 * last line before userspace, a milestone for the boot timer.
 */
#include "kernel_log.h"

#include <string.h>

static enum kernel_log_event finish_line(struct kernel_log *log)
{
	const char *panic = strstr(log->line, "Kernel panic - not syncing");

	if (panic) {
		if (!log->panic[0])
			strncpy(log->panic, panic, sizeof(log->panic) - 1);
		return LOG_PANIC;
	}
	/* "Run /init as init process" from an initramfs, "Run /sbin/init ..."
	 * from a root file system on a disk. */
	return strstr(log->line, "Run /") && strstr(log->line, " as init process") ?
	       LOG_RUN_INIT : LOG_NOTHING;
}

enum kernel_log_event kernel_log_byte(struct kernel_log *log, uint8_t byte)
{
	enum kernel_log_event event = LOG_NOTHING;

	if (byte == '\n' || log->line_len == sizeof(log->line) - 1) {
		log->line[log->line_len] = '\0';
		event = finish_line(log);
		log->line_len = 0;
	}
	if (byte != '\n' && byte != '\r')
		log->line[log->line_len++] = (char)byte;
	return event;
}
