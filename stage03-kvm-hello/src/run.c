/* run.c - the monitor's heart: enter the guest, see why it came back
 * (exits.c), do what it asked, enter it again, until it halts, fails or
 * runs out of time.
 */
#include "run.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>

#include "kvm/clock.h"
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

	if (seconds <= 0)
		return 0;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGALRM, &sa, NULL) != 0) {
		report_set(err, 0, 0, "cannot set the timeout: %s", strerror(errno));
		return -1;
	}
	return timeout_arm(seconds, err);
}

/* Stage 4's run_machine() is this loop again, on purpose (chapter 5 reads
 * it as the difference): the user's escape and KVM's system events join
 * the timeout. */
/* ANCHOR: run-loop */
enum run_step run_vcpu(struct vm *vm, const struct run_options *opts,
		       struct run_stats *stats, struct error_report *err)
{
	struct kvm_run *run = vm->vcpu.run;
	enum run_step step = RUN_GO_ON;

	/* The handler must see the run page before the timer can fire: a
	 * timeout of a microsecond may ring before the first KVM_RUN. */
	running = run;
	if (arm_timeout(opts->timeout, err) != 0) {
		running = NULL;
		return RUN_FAILED;
	}
	while (step == RUN_GO_ON) {
		uint64_t start = monotonic_ns();
		int ret = ioctl(vm->vcpu.fd, KVM_RUN, 0);

		stats->guest_ns += monotonic_ns() - start;
		if (timed_out) {
			report_set(err, 0, 0, "the guest did not halt within %g seconds "
				   "(--timeout)", opts->timeout);
			step = RUN_FAILED;
		} else if (ret < 0 && errno == EINTR) {
			continue;
		} else if (ret < 0) {
			report_set(err, 0, 0, "KVM_RUN failed: %s", strerror(errno));
			step = RUN_FAILED;
		} else {
			exit_counts_add(&stats->exits, run->exit_reason);
			step = handle_exit(run, vm->vcpu.run_size, opts, stats, err);
		}
	}
	running = NULL;
	timeout_disarm();
	return step;
}
/* ANCHOR_END: run-loop */
