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
#include "layout.h"
#include "kvm/kvm_exit.h"
#include "uart.h"
#include "virtio_blk.h"
#include "virtio_eventfd.h"
#include "virtio_net.h"
#include "virtio_rng.h"
#include "vm.h"

enum { BOARD_MAX_DISKS = 4 };

struct machine;

/* A virtio device's place on the board: its register window (slot n is at
 * VIRTIO_MMIO_BASE + n * 4 KiB) and its interrupt line. */
struct virtio_slot {
	struct machine *machine;
	struct virtio_mmio *transport;
	unsigned irq;
	bool level;                  /* the line as the transport last set it */
	int irqfd;                   /* KVM_IRQFD's eventfd, or -1: KVM_IRQ_LINE */
	uint64_t irq_line_ioctls, irqfd_signals;   /* for --stats */
	char name[64];               /* for the device tables: "virtio-blk vda ..." */
};

/* How a virtio driver's "there is work" reaches the monitor and the
 * device's interrupt reaches the guest (--virtio-notify). */
enum virtio_notify {
	NOTIFY_BY_EXIT,      /* QueueNotify an MMIO exit, interrupts by KVM_IRQ_LINE */
	NOTIFY_BY_EVENTFD,   /* KVM_IOEVENTFD and KVM_IRQFD, as Firecracker */
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
	struct virtio_blk disks[BOARD_MAX_DISKS];   /* --disk, opened by main */
	int ndisks;
	struct virtio_net net;                       /* --net, when has_net */
	bool has_net;
	struct virtio_rng rng;                       /* --rng, when has_rng */
	bool has_rng;
	struct virtio_slot slots[VIRTIO_SLOTS];
	enum virtio_notify notify;
	struct virtio_eventfds eventfds;             /* with NOTIFY_BY_EVENTFD */
	bool trace_exits;
	struct exit_counts vcpu_exits[VM_MAX_VCPUS];
	struct exit_counts exits;    /* all vCPUs', once the VM has ended */
	enum vm_end end;             /* how it ended (run.c), */
	int ended_by;                /* by which vCPU (-1: the timeout or the user) */
	struct error_report end_error;
};


/* Wires the devices to the bus and their interrupt lines to the VM (whose
 * vm_fd may be -1 for a dry run: then nothing raises a line). */
enum bus_add_result machine_add_devices(struct machine *m);

/* With NOTIFY_BY_EVENTFD, after machine_add_devices(): an eventfd for
 * each queue's QueueNotify (KVM_IOEVENTFD) and for each device's line
 * (KVM_IRQFD), and the thread that waits on them.  Returns 0, or -1 with
 * err naming the ioctl KVM refused. */
int machine_wire_eventfds(struct machine *m, struct error_report *err);

/* Ends what machine_wire_eventfds() started, once the vCPUs and every
 * other thread that may raise a device's interrupt have stopped (nothing
 * when it was not called). */
void machine_unwire_eventfds(struct machine *m);

/* The part of the kernel's command line that announces the virtio devices
 * the machine will have (its disks, then its network): one
 * virtio_mmio.device=4K@ADDRESS:IRQ each, into buf ("" for none). */
void machine_virtio_cmdline(const struct machine *m, char *buf, size_t size);

/* After a device access: has the board's reset line (the i8042's pulse)
 * fired, or its console failed?  VM_RUNNING when neither. */
enum vm_end machine_end(const struct machine *m);

/* KVM_EXIT_SYSTEM_EVENT: KVM's own reset, shutdown or crash report. */
enum vm_end machine_system_event(const struct kvm_run *run);

#endif
