/* board.c - the board: which device answers where, where their bytes go,
 * and what ends the VM.
 *
 * A PC of the simplest kind: COM1 (the console, on stdin and stdout) and
 * COM2 (to stderr) at their usual ports and IRQs, the i8042 keyboard
 * controller for its reset line, and the boot timer's port for the kit's
 * init.  The interrupt controllers and the timer are KVM's (vm.c).  Tables
 * that announce more vCPUs to the kernel (an MP table) would be written
 * here too, since they describe the board.
 *
 * The board has no power: it ends the VM.  The i8042's reset pulse, or
 * KVM's system event, is a reboot, or a panic when the panic watcher
 * (kernel_log.c) saw the kernel's panic line first.
 */
#include "board.h"

#include <errno.h>
#include <unistd.h>

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

/* ANCHOR: devices */
enum bus_add_result machine_add_devices(struct machine *m)
{
	enum bus_add_result added;

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
	return added;
}
/* ANCHOR_END: devices */

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
