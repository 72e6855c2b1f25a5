/* run.c - the monitor's heart: enter the guest, see why it came back,
 * do what it asked, enter it again.
 *
 * KVM_RUN returns whenever the guest does something the CPU cannot finish
 * alone: touches an I/O port, reads memory no RAM backs, halts, or breaks
 * in a way the hardware refuses.  kvm_run->exit_reason says which.  Every
 * reason is handled by name; one we do not expect ends the run with its
 * number, so no exit can leave us spinning or aborting silently.
 */
#include "run.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/time.h>
#include <time.h>

#include "devices.h"
#include "modes.h"
#include "kvm/timeout.h"

/* --- the timeout: a timer signal that kicks the vCPU out of KVM_RUN ------ */

static struct kvm_run *volatile running;   /* for the signal handler */
static volatile sig_atomic_t timed_out;

static void on_alarm(int signo)
{
	(void)signo;
	timed_out = 1;
	/* If the signal lands between two KVM_RUNs, the next one returns at
	 * once with EINTR instead of entering the guest. */
	if (running)
		running->immediate_exit = 1;
}

static int arm_timeout(double seconds, struct error_report *err)
{
	struct sigaction sa = { .sa_handler = on_alarm };   /* no SA_RESTART */
	struct itimerval timer;

	if (seconds <= 0)
		return 0;
	sigemptyset(&sa.sa_mask);
	timer = timeout_timer(seconds);
	if (sigaction(SIGALRM, &sa, NULL) != 0 || setitimer(ITIMER_REAL, &timer, NULL) != 0) {
		report_set(err, 0, 0, "cannot set the timeout: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* --- exits ------------------------------------------------------------- */

/* ANCHOR: handle-io */
/* Port I/O: count bytes of size each, at data_offset in the kvm_run page
 * (count > 1 for the string instructions ins and outs). */
static int handle_io(struct vm *vm, const struct run_options *opts,
		     struct run_stats *stats, struct error_report *err)
{
	const struct kvm_run *run = vm->run;
	bool is_write = run->io.direction == KVM_EXIT_IO_OUT;
	uint8_t *data = run_data(vm, run->io.data_offset,
				 (size_t)run->io.size * run->io.count);
	const struct port_device *dev = find_port_device(run->io.port);

	if (!data) {
		report_set(err, 0, 0, "port 0x%x: I/O data outside the kvm_run page",
			   run->io.port);
		return -1;
	}
	stats->by_port[run->io.port]++;
	if (opts->trace_exits)
		fprintf(stderr, "exit io %s port 0x%x size %u count %u (%s)\n",
			is_write ? "out" : "in", run->io.port, run->io.size,
			run->io.count, dev ? dev->name : "no device");
	for (uint32_t i = 0; i < run->io.count; i++, data += run->io.size) {
		if (dev)
			dev->io(run->io.port, is_write, data, run->io.size);
		else if (!is_write)
			memset(data, 0xff, run->io.size);   /* nothing there: all ones */
	}
	return 0;
}
/* ANCHOR_END: handle-io */

/* The scratch register: MMIO at SCRATCH_MMIO keeps what was written. */
static bool scratch_register(struct kvm_run *run)
{
/* BEGIN EXERCISE ex4.3 */
	static uint8_t value[8];
	uint64_t offset = run->mmio.phys_addr - SCRATCH_MMIO;

	if (run->mmio.phys_addr < SCRATCH_MMIO || offset >= sizeof(value) ||
	    run->mmio.len > sizeof(value) - offset)
		return false;
	if (run->mmio.is_write)
		memcpy(value + offset, run->mmio.data, run->mmio.len);
	else
		memcpy(run->mmio.data, value + offset, run->mmio.len);
	return true;
/* STUB ex4.3
	(void)run;
	exercise_pending("ex4.3");
	return false;
END STUB */
/* END EXERCISE ex4.3 */
}

/* MMIO to an address no RAM backs: reads see all ones, writes vanish. */
static int handle_mmio(struct vm *vm, const struct run_options *opts,
		       struct error_report *err)
{
	struct kvm_run *run = vm->run;
	size_t len = run->mmio.len <= sizeof(run->mmio.data) ? run->mmio.len : 0;

	if (scratch_register(run))
		return 0;

	if (opts->trace_exits)
		fprintf(stderr, "exit mmio %s 0x%llx len %u (no device)\n",
			run->mmio.is_write ? "write" : "read", run->mmio.phys_addr,
			run->mmio.len);
	if (opts->strict_mmio) {
		report_set(err, 0, 0, "guest %s %u bytes at 0x%llx, where there is no "
			   "memory or device (--strict-mmio)",
			   run->mmio.is_write ? "wrote" : "read", run->mmio.len,
			   run->mmio.phys_addr);
		return -1;
	}
	if (!run->mmio.is_write)
		memset(run->mmio.data, 0xff, len);
	return 0;
}

static void describe_internal_error(const struct kvm_run *run, struct error_report *err)
{
	char bytes[80] = "";
	uint32_t n = run->internal.ndata;

	if (n > sizeof(run->internal.data) / sizeof(run->internal.data[0]))
		n = sizeof(run->internal.data) / sizeof(run->internal.data[0]);
	for (uint32_t i = 0; i < n && strlen(bytes) + 20 < sizeof(bytes); i++)
		snprintf(bytes + strlen(bytes), sizeof(bytes) - strlen(bytes), " %llx",
			 run->internal.data[i]);
	report_set(err, 0, 0, "KVM internal error, suberror %u%s%s%s", run->internal.suberror,
		   run->internal.suberror == KVM_INTERNAL_ERROR_EMULATION ?
		   " (the instruction could not be emulated)" : "",
		   n ? "; data:" : "", bytes);
}

/* Handles one exit.  Returns 1 to go on, 0 when the guest halted, -1 when
 * it failed. */
static int handle_exit(struct vm *vm, const struct run_options *opts,
		       struct run_stats *stats, struct error_report *err)
{
	struct kvm_run *run = vm->run;

	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		return handle_io(vm, opts, stats, err) == 0 ? 1 : -1;
	case KVM_EXIT_MMIO:
		return handle_mmio(vm, opts, err) == 0 ? 1 : -1;
	case KVM_EXIT_HLT:
		if (opts->trace_exits)
			fprintf(stderr, "exit hlt\n");
		return 0;
	case KVM_EXIT_INTR:
		return 1;                       /* a signal; the loop checks why */
	case KVM_EXIT_SHUTDOWN:
		report_set(err, 0, 0, "the guest shut down (a triple fault: an "
			   "exception while handling a double fault)");
		return -1;
	case KVM_EXIT_FAIL_ENTRY:
		report_set(err, 0, 0, "the CPU refused to enter the guest: hardware "
			   "entry failure reason 0x%llx",
			   run->fail_entry.hardware_entry_failure_reason);
		return -1;
	case KVM_EXIT_INTERNAL_ERROR:
		describe_internal_error(run, err);
		return -1;
	default:
		report_set(err, 0, 0, "unexpected exit reason %u (%s)", run->exit_reason,
			   exit_reason_name(run->exit_reason) ?
			   exit_reason_name(run->exit_reason) : "no name");
		return -1;
	}
}

/* ANCHOR: run-loop */
int run_vcpu(struct vm *vm, const struct run_options *opts,
	     struct run_stats *stats, struct error_report *err)
{
	int status = 1;

	/* The handler must see the run page before the timer can fire: a
	 * timeout of a microsecond may ring before the first KVM_RUN. */
	running = vm->run;
	if (arm_timeout(opts->timeout, err) != 0) {
		running = NULL;
		return -1;
	}
	while (status == 1) {
		uint64_t start = now_ns();
		int ret = ioctl(vm->vcpu_fd, KVM_RUN, 0);

		stats->guest_ns += now_ns() - start;
		if (timed_out) {
			report_set(err, 0, 0, "the guest did not halt within %g seconds "
				   "(--timeout)", opts->timeout);
			status = -1;
		} else if (ret < 0 && errno == EINTR) {
			continue;
		} else if (ret < 0) {
			report_set(err, 0, 0, "KVM_RUN failed: %s", strerror(errno));
			status = -1;
		} else {
			stats->vm_exits++;
			if (vm->run->exit_reason < EXIT_REASONS)
				stats->by_reason[vm->run->exit_reason]++;
			status = handle_exit(vm, opts, stats, err);
		}
	}
	running = NULL;
	setitimer(ITIMER_REAL, &(struct itimerval){ 0 }, NULL);
	return status;
}
/* ANCHOR_END: run-loop */
