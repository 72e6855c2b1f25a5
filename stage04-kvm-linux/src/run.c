/* run.c - the VM's life: enter the guest, see why it came back, do what it
 * asked, until it ends.
 *
 * With the interrupt controllers and the timer inside KVM, most of what a
 * kernel does never reaches us.  What does: port I/O to the devices of
 * bus.c, MMIO to addresses with no RAM, a triple fault, and on a software
 * KVM the instructions host_quirks.c completes.  The VM ends when the
 * guest resets itself through the i8042, triple-faults, or the user or the
 * timeout ends it.
 */
#include "run.h"

#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/time.h>
#include <unistd.h>

#include "kvm/timeout.h"

/* --- the devices --------------------------------------------------------- */

/* Where the UART's bytes go: stdout, at once (the user is watching), and
 * the boot timer, which watches for the kernel's milestones. */
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
	boot_timer_console(&m->timer, byte);
}

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
static int add_com2(struct machine *m)
{
/* BEGIN EXERCISE ex5.2 */
	uart_init(&m->uart2, m->vm.vm_fd, COM2_IRQ, com2_output, m);
	return bus_add(&m->bus, "uart COM2, IRQ 3", COM2_BASE, UART_PORTS, uart_io,
		       &m->uart2);
/* STUB ex5.2
	(void)m;
	(void)com2_output;
	exercise_pending("ex5.2");
	return 0;
END STUB */
/* END EXERCISE ex5.2 */
}

/* ANCHOR: devices */
int machine_add_devices(struct machine *m)
{
	uart_init(&m->uart, m->vm.vm_fd, COM1_IRQ, console_output, m);
	if (bus_add(&m->bus, "uart COM1, IRQ 4", COM1_BASE, UART_PORTS, uart_io,
		    &m->uart) != 0 || add_com2(m) != 0 ||
	    bus_add(&m->bus, "i8042 data", I8042_DATA_PORT, 1, i8042_data_io,
		    &m->i8042) != 0 ||
	    bus_add(&m->bus, "i8042 command", I8042_COMMAND_PORT, 1,
		    i8042_command_io, &m->i8042) != 0 ||
	    bus_add(&m->bus, "boot timer", BOOT_TIMER_PORT, 1, boot_timer_io,
		    &m->timer) != 0)
		return -1;
	return 0;
}
/* ANCHOR_END: devices */

/* --- signals that end KVM_RUN: the timeout and the escape ---------------- */

static struct kvm_run *volatile running;
static volatile sig_atomic_t timed_out, escaped;

static void kick_vcpu(int signo)
{
	if (signo == SIGALRM)
		timed_out = 1;
	else
		escaped = 1;
	/* Between two KVM_RUNs, this makes the next one return at once. */
	if (running)
		running->immediate_exit = 1;
}

/* A signal to the process reaches the vCPU thread: the input thread
 * blocks them all (console.c). */
void request_escape(void)
{
	kill(getpid(), SIGUSR1);
}

int install_run_signals(struct error_report *err)
{
	struct sigaction sa = { .sa_handler = kick_vcpu };   /* no SA_RESTART */

	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGALRM, &sa, NULL) != 0 || sigaction(SIGUSR1, &sa, NULL) != 0 ||
	    signal(SIGPIPE, SIG_IGN) == SIG_ERR) {
		report_set(err, 0, 0, "cannot install signal handlers: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static int arm_timeout(double timeout, struct error_report *err)
{
	struct itimerval timer;

	if (timeout <= 0)
		return 0;
	timer = timeout_timer(timeout);
	if (setitimer(ITIMER_REAL, &timer, NULL) != 0) {
		report_set(err, 0, 0, "cannot set the timeout: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* --- exits --------------------------------------------------------------- */

/* ANCHOR: handle-io */
static int handle_io(struct machine *m, struct error_report *err)
{
	const struct kvm_run *run = m->vm.run;
	bool is_write = run->io.direction == KVM_EXIT_IO_OUT;
	uint8_t *data = run_data(&m->vm, run->io.data_offset,
				 (size_t)run->io.size * run->io.count);

	if (!data) {
		report_set(err, 0, 0, "port 0x%x: I/O data outside the kvm_run page",
			   run->io.port);
		return -1;
	}
	if (m->trace_exits) {
		const struct port_range *r = bus_find(&m->bus, run->io.port);

		fprintf(stderr, "exit io %s port 0x%x size %u count %u (%s)\n",
			is_write ? "out" : "in", run->io.port, run->io.size,
			run->io.count, r ? r->name : "no device");
	}
	/* count > 1 for the string instructions, ins and outs. */
	for (uint32_t i = 0; i < run->io.count; i++, data += run->io.size)
		bus_port_io(&m->bus, run->io.port, is_write, data, run->io.size);
	return 0;
}
/* ANCHOR_END: handle-io */

static void handle_mmio(struct machine *m)
{
	struct kvm_run *run = m->vm.run;
	uint32_t len = run->mmio.len <= sizeof(run->mmio.data) ? run->mmio.len : 0;

	if (m->trace_exits)
		fprintf(stderr, "exit mmio %s 0x%llx len %u (no device)\n",
			run->mmio.is_write ? "write" : "read", run->mmio.phys_addr,
			run->mmio.len);
	bus_mmio(&m->bus, run->mmio.is_write, run->mmio.data, len);
}

static void describe_internal_error(const struct kvm_run *run, struct error_report *err)
{
	char bytes[120] = "";
	uint32_t n = run->internal.ndata;

	if (n > sizeof(run->internal.data) / sizeof(run->internal.data[0]))
		n = sizeof(run->internal.data) / sizeof(run->internal.data[0]);
	for (uint32_t i = 0; i < n && strlen(bytes) + 20 < sizeof(bytes); i++)
		snprintf(bytes + strlen(bytes), sizeof(bytes) - strlen(bytes), " %llx",
			 run->internal.data[i]);
	report_set(err, 0, 0, "KVM internal error, suberror %u%s%s%s",
		   run->internal.suberror,
		   run->internal.suberror == KVM_INTERNAL_ERROR_EMULATION ?
		   " (an instruction KVM could not emulate)" : "",
		   n ? "; data:" : "", bytes);
}

/* Handles one exit: returns -1 to go on, or how the VM ended. */
static int handle_exit(struct machine *m, struct error_report *err)
{
	struct kvm_run *run = m->vm.run;

	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		if (handle_io(m, err) != 0)
			return END_ERROR;
		if (m->console_errno)
			return END_CONSOLE_LOST;
		if (m->i8042.reset_requested)
			return m->timer.panic[0] ? END_PANIC : END_REBOOT;
		return -1;
	case KVM_EXIT_MMIO:
		handle_mmio(m);
		return -1;
	case KVM_EXIT_INTR:
		return -1;                      /* a signal: the loop checks which */
	case KVM_EXIT_SHUTDOWN:
		return END_TRIPLE_FAULT;
	case KVM_EXIT_SYSTEM_EVENT:
		return run->system_event.type == KVM_SYSTEM_EVENT_CRASH ? END_PANIC :
		       END_REBOOT;
	case KVM_EXIT_INTERNAL_ERROR:
		switch (host_quirks_complete(&m->vm, &m->quirks, err)) {
		case 1:
			return -1;
		case 0:
			describe_internal_error(run, err);
			return END_ERROR;
		default:
			return END_ERROR;
		}
	case KVM_EXIT_FAIL_ENTRY:
		report_set(err, 0, 0, "the CPU refused to enter the guest: hardware "
			   "entry failure reason 0x%llx",
			   run->fail_entry.hardware_entry_failure_reason);
		return END_ERROR;
	default:
		report_set(err, 0, 0, "unexpected exit reason %u (%s)", run->exit_reason,
			   exit_reason_name(run->exit_reason) ?
			   exit_reason_name(run->exit_reason) : "no name");
		return END_ERROR;
	}
}

/* ANCHOR: run-loop */
enum vm_end run_machine(struct machine *m, double timeout, struct error_report *err)
{
	int end = -1;

	/* The handler must see the run page before the timer can fire: a
	 * timeout of a microsecond may ring before the first KVM_RUN. */
	running = m->vm.run;
	if (arm_timeout(timeout, err) != 0) {
		running = NULL;
		return END_ERROR;
	}
	while (end < 0) {
		int ret = ioctl(m->vm.vcpu_fd, KVM_RUN, 0);

		/* Cleared before the flags are read: a signal landing after
		 * this sets both again, and the next KVM_RUN returns at once.
		 * The fence keeps the compiler from moving the store past the
		 * reads (C orders only volatile accesses among themselves). */
		m->vm.run->immediate_exit = 0;
		atomic_signal_fence(memory_order_seq_cst);
		if (timed_out) {
			end = END_TIMEOUT;
		} else if (escaped) {
			end = END_ESCAPE;
		} else if (ret < 0 && errno == EINTR) {
			continue;
		} else if (ret < 0) {
			report_set(err, 0, 0, "KVM_RUN failed: %s", strerror(errno));
			end = END_ERROR;
		} else {
			m->vm_exits++;
			if (m->vm.run->exit_reason < EXIT_REASONS)
				m->by_reason[m->vm.run->exit_reason]++;
			end = handle_exit(m, err);
		}
	}
	running = NULL;
	setitimer(ITIMER_REAL, &(struct itimerval){ 0 }, NULL);
	return (enum vm_end)end;
}
/* ANCHOR_END: run-loop */
