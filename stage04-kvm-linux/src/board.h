/* board.h - the machine the guest sees: the VM, the devices and how they
 * are wired to it, and the lines that end it (reset and power-off). */
#ifndef KVM_LINUX_BOARD_H
#define KVM_LINUX_BOARD_H

#include <linux/kvm.h>
#include <stdbool.h>
#include <stdint.h>

#include "boot_timer.h"
#include "bus.h"
#include "host_quirks.h"
#include "i8042.h"
#include "kernel_log.h"
#include "kvm/kvm_exit.h"
#include "uart.h"
#include "vm.h"

/* Everything the guest can reach, and what the run counted.  The devices
 * are the board's, shared by every vCPU of vm. */
struct machine {
	struct vm vm;
	struct bus bus;
	struct uart uart;
	struct uart uart2;           /* COM2, whose output goes to stderr */
	bool com2_mid_line;          /* COM2's last byte to stderr was no newline */
	int console_errno;           /* why writing the console failed; 0 while it works */
	struct i8042 i8042;
	struct boot_timer timer;
	struct kernel_log log;       /* the panic watcher, on the console's lines */
	struct host_quirks quirks;
	bool trace_exits;
	struct exit_counts exits;
};

enum vm_end {
	VM_RUNNING,          /* not ended: enter the guest again */
	END_REBOOT,          /* the guest reset itself (i8042): a normal end */
	END_ESCAPE,          /* the user typed Ctrl-A x */
	END_PANIC,           /* the kernel panicked, then reset (panic=-1) */
	END_TRIPLE_FAULT,    /* KVM_EXIT_SHUTDOWN */
	END_TIMEOUT,         /* --timeout passed */
	END_CONSOLE_LOST,    /* stdout, the console, cannot be written (its reader left) */
	END_ERROR,           /* an exit the monitor cannot handle; err says */
};

/* Wires the devices to the bus and their interrupt lines to the VM (whose
 * vm_fd may be -1 for a dry run: then nothing raises a line). */
enum bus_add_result machine_add_devices(struct machine *m);

/* After a device access: has the board's reset line (the i8042's pulse)
 * fired, or its console failed?  VM_RUNNING when neither. */
enum vm_end machine_end(const struct machine *m);

/* KVM_EXIT_SYSTEM_EVENT: KVM's own reset, shutdown or crash report. */
enum vm_end machine_system_event(const struct kvm_run *run);

#endif
