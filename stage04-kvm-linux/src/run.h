/* run.h - running the VM until it ends, and how it ended. */
#ifndef KVM_LINUX_RUN_H
#define KVM_LINUX_RUN_H

#include <stdbool.h>
#include <stdint.h>

#include "boot_timer.h"
#include "bus.h"
#include "host_quirks.h"
#include "i8042.h"
#include "kvm/kvm_exit.h"
#include "uart.h"
#include "vm.h"

/* Everything the guest can reach, and what the run counted. */
struct machine {
	struct vm vm;
	struct bus bus;
	struct uart uart;
	struct uart uart2;           /* COM2, whose output goes to stderr */
	bool com2_mid_line;          /* COM2's last byte to stderr was no newline */
	int console_errno;           /* why writing the console failed; 0 while it works */
	struct i8042 i8042;
	struct boot_timer timer;
	struct host_quirks quirks;
	bool trace_exits;
	uint64_t vm_exits;
	uint64_t by_reason[EXIT_REASONS];
};

enum vm_end {
	END_REBOOT,          /* the guest reset itself (i8042): a normal end */
	END_ESCAPE,          /* the user typed Ctrl-A x */
	END_PANIC,           /* the kernel panicked, then reset (panic=-1) */
	END_TRIPLE_FAULT,    /* KVM_EXIT_SHUTDOWN */
	END_TIMEOUT,         /* --timeout passed */
	END_CONSOLE_LOST,    /* stdout, the console, cannot be written (its reader left) */
	END_ERROR,           /* an exit the monitor cannot handle; err says */
};

/* Puts the devices on the bus; returns 0 or -1. */
int machine_add_devices(struct machine *m);

/* Runs the vCPU until the VM ends; timeout in seconds, 0 for none. */
enum vm_end run_machine(struct machine *m, double timeout, struct error_report *err);

/* Installs the handlers for the signals that end KVM_RUN (the timeout's,
 * the escape's), and ignores SIGPIPE so that a console nobody reads is a
 * write error; before the input thread starts.  Returns 0 or -1. */
int install_run_signals(struct error_report *err);

/* Called from the input thread when the user types the escape. */
void request_escape(void);

#endif
