/* board.c - the board: which device answers where, where their bytes go,
 * and what ends the VM.
 *
 * A PC of the simplest kind: COM1 (the console, on stdin and stdout) and
 * COM2 (to stderr) at their usual ports and IRQs, the i8042 keyboard
 * controller for its reset line, and the boot timer's port for the kit's
 * init; and, above RAM, a virtio-mmio window for each disk (--disk) and for
 * the network (--net).  The interrupt controllers and the timer are KVM's
 * (vm.c).  Tables
 * that announce more vCPUs to the kernel (an MP table) would be written
 * here too, since they describe the board.
 *
 * The board has no power: it ends the VM.  The i8042's reset pulse, or
 * KVM's system event, is a reboot, or a panic when the panic watcher
 * (kernel_log.c) saw the kernel's panic line first.
 */
#include "board.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>


/* The virtio slots' interrupt lines: free ISA IRQs, as Firecracker uses
 * from 5 on; 8 is the RTC's on a PC. */
static const unsigned slot_irq[VIRTIO_SLOTS] = { 5, 6, 7, 9, 10, 11 };

/* ANCHOR: console-output */
/* Where COM1's bytes go: stdout, at once (the user is watching), and the
 * console's watchers: the boot timer and the panic watcher. */
static void console_output(void *machine, uint8_t byte)
{
	struct machine *m = machine;

	if (m->console_errno)
		return;                   /* the VM ends at this exit */
	/* A failed write ends the VM (EPIPE: the console's reader went
	 * away).  EINTR is the timeout's or the escape's signal, which end
	 * it anyway. */
	if (write(STDOUT_FILENO, &byte, 1) < 0 && errno != EINTR)
		m->console_errno = errno;
	boot_timer_output(&m->timer);
	if (kernel_log_byte(&m->log, byte) == LOG_RUN_INIT)
		boot_timer_run_init(&m->timer);
}
/* ANCHOR_END: console-output */

/* COM2's bytes: to stderr, a second channel out of the guest (a log, a
 * debug console) that does not mix with the console on stdout. */
static void com2_output(void *machine, uint8_t byte)
{
	struct machine *m = machine;

	m->com2_mid_line = byte != '\n';
	if (write(STDERR_FILENO, &byte, 1) != 1) {
		/* stderr is gone: nothing to do */
	}
}

/* A second 16550A: the same device, another base port and IRQ. */
static enum bus_add_result add_com2(struct machine *m)
{
/* BEGIN EXERCISE ex5.2 */
	uart_init(&m->uart2, m->vm.vm_fd, COM2_IRQ, com2_output, m);
	return bus_add(&m->bus, "uart COM2, IRQ 3", COM2_BASE, UART_PORTS, uart_io,
		       &m->uart2);
/* STUB ex5.2
	(void)m;
	(void)com2_output;
	exercise_pending("ex5.2");
	return BUS_ADDED;
END STUB */
/* END EXERCISE ex5.2 */
}

/* A virtio device's interrupt line, as its transport sets it (no line
 * when there is no VM: a dry run, a unit test).  The plain way, each
 * change is a KVM_IRQ_LINE ioctl.  With KVM_IRQFD, a write to the line's
 * eventfd makes KVM pulse it (up, then down: api.rst 4.75), which is an
 * edge; a level would need KVM_IRQFD_FLAG_RESAMPLE and a second eventfd
 * on which KVM says the guest's EOI lowered the line.  The edge is what
 * the guest expects: the MP table declares the ISA IRQs "as the bus has
 * it", which for ISA is edge-triggered (mptable.c), so KVM's I/O APIC
 * delivers only a rising line, whichever way it is raised.  So a write on
 * each rise, none on a fall: the guest sees the same kind of interrupt
 * both ways (and its driver still reads InterruptStatus and writes
 * InterruptACK, as virtio 1.1 section 4.2.3.4 asks).  Firecracker's
 * virtio-mmio devices use irqfd without resampling too.  Called with the
 * transport's lock held, which guards the slot's fields. */
static void virtio_irq(void *slot, bool level)
{
	struct virtio_slot *s = slot;
	struct kvm_irq_level line = { .irq = s->irq, .level = level };
	bool rises = level && !s->level;
	uint64_t one = 1;

	s->level = level;
	if (s->machine->vm.vm_fd < 0)
		return;
	if (s->irqfd < 0) {
		ioctl(s->machine->vm.vm_fd, KVM_IRQ_LINE, &line);
		s->irq_line_ioctls++;
	} else if (rises && write(s->irqfd, &one, sizeof(one)) == sizeof(one)) {
		s->irqfd_signals++;
	}
}

static void virtio_window_io(void *transport, uint64_t offset, bool is_write,
			     uint8_t *data, uint32_t len)
{
	virtio_mmio_access(transport, offset, is_write, data, len);
}

static uint64_t slot_base(int n)
{
	return VIRTIO_MMIO_BASE + (uint64_t)n * VIRTIO_MMIO_WINDOW;
}

static int virtio_devices(const struct machine *m)
{
	return m->ndisks + (m->has_net ? 1 : 0) + (m->has_rng ? 1 : 0);
}

void machine_virtio_cmdline(const struct machine *m, char *buf, size_t size)
{
	size_t used = 0;

	buf[0] = '\0';
	for (int n = 0; n < virtio_devices(m) && used < size; n++)
		used += (size_t)snprintf(buf + used, size - used, "%svirtio_mmio.device=4K@0x%llx:%u",
					 n ? " " : "", (unsigned long long)slot_base(n), slot_irq[n]);
}

/* Puts the virtio device whose transport is t in slot n. */
static enum bus_add_result add_virtio(struct machine *m, int n, struct virtio_mmio *t,
				      const char *what)
{
	struct virtio_slot *s = &m->slots[n];

	*s = (struct virtio_slot){ .machine = m, .transport = t, .irq = slot_irq[n],
				   .irqfd = -1 };
	snprintf(s->name, sizeof(s->name), "%s, IRQ %u", what, s->irq);
	return bus_add_mmio(&m->bus, s->name, slot_base(n), VIRTIO_MMIO_WINDOW,
			    virtio_window_io, t);
}

static enum bus_add_result add_virtio_devices(struct machine *m)
{
	enum bus_add_result added = BUS_ADDED;
	int n = 0;

	for (int d = 0; d < m->ndisks && added == BUS_ADDED; d++, n++) {
		char what[32];

		snprintf(what, sizeof(what), "virtio-blk vd%c%s", 'a' + d,
			 m->disks[d].read_only ? " (read-only)" : "");
		virtio_blk_attach(&m->disks[d], &m->vm.mem, virtio_irq, &m->slots[n]);
		added = add_virtio(m, n, &m->disks[d].transport, what);
	}
	if (m->has_net && added == BUS_ADDED) {
		virtio_net_attach(&m->net, &m->vm.mem, virtio_irq, &m->slots[n]);
		added = add_virtio(m, n++, &m->net.transport, "virtio-net");
	}
	if (m->has_rng && added == BUS_ADDED) {
		virtio_rng_attach(&m->rng, &m->vm.mem, virtio_irq, &m->slots[n]);
		added = add_virtio(m, n, &m->rng.transport, "virtio-rng");
	}
	return added;
}

/* ANCHOR: devices */
enum bus_add_result machine_add_devices(struct machine *m)
{
	enum bus_add_result added;

	pthread_mutex_init(&m->bus.lock, NULL);
	uart_init(&m->uart, m->vm.vm_fd, COM1_IRQ, console_output, m);
	added = bus_add(&m->bus, "uart COM1, IRQ 4", COM1_BASE, UART_PORTS, uart_io,
			&m->uart);
	if (added == BUS_ADDED)
		added = add_com2(m);
	if (added == BUS_ADDED)
		added = bus_add(&m->bus, "i8042 data", I8042_DATA_PORT, 1, i8042_data_io,
				&m->i8042);
	if (added == BUS_ADDED)
		added = bus_add(&m->bus, "i8042 command", I8042_COMMAND_PORT, 1,
				i8042_command_io, &m->i8042);
	if (added == BUS_ADDED)
		added = bus_add(&m->bus, "boot timer", BOOT_TIMER_PORT, 1, boot_timer_io,
				&m->timer);
	if (added == BUS_ADDED)
		added = add_virtio_devices(m);
	return added;
}
/* ANCHOR_END: devices */

/* Says which ioctl KVM refused, and the way that needs neither. */
static int eventfd_refused(struct error_report *err, const char *ioctl_name)
{
	report_set(err, 0, 0, "%s failed: %s; this KVM cannot take virtio notifications "
		   "by eventfd: use --virtio-notify=exit", ioctl_name, strerror(errno));
	return -1;
}

/* ANCHOR: wire-eventfds */
/* Each queue's eventfd fires on a 4-byte write of the queue's index to
 * its device's QueueNotify, as Linux's driver writes it (virtio 1.1,
 * section 4.2.3.3); any other write there still exits to the monitor.  KVM
 * handles the matching writes without leaving the kernel (api.rst 4.59). */
int machine_wire_eventfds(struct machine *m, struct error_report *err)
{
	if (virtio_eventfds_init(&m->eventfds, err) != 0)
		return -1;
	for (int n = 0; n < virtio_devices(m); n++) {
		struct virtio_slot *s = &m->slots[n];
		struct kvm_irqfd irqfd = { .gsi = s->irq };

		for (unsigned q = 0; q < s->transport->ops->queues; q++) {
			struct kvm_ioeventfd notify = {
				.datamatch = q, .len = 4, .flags = KVM_IOEVENTFD_FLAG_DATAMATCH,
				.addr = slot_base(n) + VIRTIO_MMIO_QUEUE_NOTIFY,
			};
			int fd = virtio_eventfds_add(&m->eventfds, s->transport, q, err);

			if (fd < 0)
				return -1;
			notify.fd = fd;
			if (ioctl(m->vm.vm_fd, KVM_IOEVENTFD, &notify) < 0)
				return eventfd_refused(err, "KVM_IOEVENTFD");
		}
		s->irqfd = eventfd(0, EFD_CLOEXEC);
		if (s->irqfd < 0) {
			report_set(err, 0, 0, "virtio: cannot create an eventfd: %s",
				   strerror(errno));
			return -1;
		}
		irqfd.fd = (uint32_t)s->irqfd;
		if (ioctl(m->vm.vm_fd, KVM_IRQFD, &irqfd) < 0)
			return eventfd_refused(err, "KVM_IRQFD");
	}
	return virtio_eventfds_start(&m->eventfds, err);
}
/* ANCHOR_END: wire-eventfds */

void machine_unwire_eventfds(struct machine *m)
{
	if (m->notify != NOTIFY_BY_EVENTFD || m->vm.vm_fd < 0)
		return;                   /* nothing was wired: the plain way, a dry run */
	virtio_eventfds_stop(&m->eventfds);
	for (int n = 0; n < virtio_devices(m); n++)
		if (m->slots[n].irqfd >= 0)
			close(m->slots[n].irqfd);
}

/* ANCHOR: board-end */
enum vm_end machine_end(const struct machine *m)
{
	if (m->console_errno)
		return END_CONSOLE_LOST;
	if (m->i8042.reset_requested)
		return m->log.panic[0] ? END_PANIC : END_REBOOT;
	return VM_RUNNING;
}
/* ANCHOR_END: board-end */

enum vm_end machine_system_event(const struct kvm_run *run)
{
	return run->system_event.type == KVM_SYSTEM_EVENT_CRASH ? END_PANIC : END_REBOOT;
}
