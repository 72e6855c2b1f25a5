/* boot_timer.h - when did the boot reach each milestone? */
#ifndef KVM_LINUX_BOOT_TIMER_H
#define KVM_LINUX_BOOT_TIMER_H

#include <stdbool.h>
#include <stdint.h>

/* The port the kit's init writes one byte to once userspace runs. */
enum { BOOT_TIMER_PORT = 0x440 };

struct boot_timer {
	uint64_t start_ns;           /* the monitor's start */
	/* Each milestone's time since start_ns; 0 until it happens. */
	uint64_t first_output_ns;    /* the kernel's first byte on the console */
	uint64_t run_init_ns;        /* the kernel's "Run /init as init process" */
	uint64_t init_ns;            /* init's write to BOOT_TIMER_PORT */
};

void boot_timer_start(struct boot_timer *timer);

/* The port handler: any write is init saying it runs. */
void boot_timer_io(void *timer, uint16_t offset, bool is_write, uint8_t *data,
		   uint32_t size);

/* Starts a thread that prints notice on stderr, as one line, if the guest
 * has printed nothing after seconds: a boot that shows nothing for long
 * looks hung, and the monitor may know why it is not.  Returns 0, or -1 if
 * the thread cannot start (the boot goes on without the notice). */
int boot_timer_watch_silence(struct boot_timer *timer, double seconds,
			     const char *notice);

/* The VM has ended: a notice not yet written never will be. */
void boot_timer_end_watch(void);

/* The console's milestones: a byte of output (only the first counts), and
 * the kernel's "Run /init" line (found by kernel_log.c). */
void boot_timer_output(struct boot_timer *timer);
void boot_timer_run_init(struct boot_timer *timer);

#endif
