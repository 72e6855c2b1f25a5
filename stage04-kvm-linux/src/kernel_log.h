/* kernel_log.h - the panic watcher: the guest's console read line by line
 * for what the kernel says about itself. */
#ifndef KVM_LINUX_KERNEL_LOG_H
#define KVM_LINUX_KERNEL_LOG_H

#include <stddef.h>
#include <stdint.h>

/* What a finished console line said. */
enum kernel_log_event {
	LOG_NOTHING,             /* an ordinary line, or none finished yet */
	LOG_RUN_INIT,            /* "Run /init as init process": userspace next */
	LOG_PANIC,               /* "Kernel panic - not syncing: ...", kept in panic */
};

struct kernel_log {
	char line[160];          /* the line being assembled (a longer one is cut) */
	size_t line_len;
	char panic[160];         /* the first panic line, from "Kernel panic"; "" if none */
};

/* Takes one console byte; at the end of a line, says what the line was. */
enum kernel_log_event kernel_log_byte(struct kernel_log *log, uint8_t byte);

#endif
