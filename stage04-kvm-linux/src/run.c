/* run.c - the VM's life: enter the guest, see why it came back (exits.c),
 * do what it asked, until it ends.
 *
 * The VM ends when the guest resets itself through the i8042, triple-
 * faults, or the user or the timeout ends it.  Either signal reaches the
 * vCPU through `running`, its kvm_run page: with several vCPUs, each would
 * be kicked, and the VM stops as one.
 */
#include "run.h"

#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kvm/timeout.h"

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

/* Stage 3's run_vcpu() again, on purpose (the chapter reads it as the
 * difference): the escape joins the timeout, and immediate_exit is cleared
 * after each run because two signals can now come. */
/* ANCHOR: run-loop */
enum vm_end run_machine(struct machine *m, double timeout, struct error_report *err)
{
	const struct kvm_vcpu *vcpu = &m->vm.vcpus[0];
	enum vm_end end = VM_RUNNING;

	/* The handler must see the run page before the timer can fire: a
	 * timeout of a microsecond may ring before the first KVM_RUN. */
	running = vcpu->run;
	if (timeout_arm(timeout, err) != 0) {
		running = NULL;
		return END_ERROR;
	}
	while (end == VM_RUNNING) {
		int ret = ioctl(vcpu->fd, KVM_RUN, 0);

		/* Cleared before the flags are read: a signal landing after
		 * this sets both again, and the next KVM_RUN returns at once.
		 * The fence keeps the compiler from moving the store past the
		 * reads (C orders only volatile accesses among themselves). */
		vcpu->run->immediate_exit = 0;
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
			exit_counts_add(&m->exits, vcpu->run->exit_reason);
			end = handle_exit(m, vcpu, err);
		}
	}
	running = NULL;
	timeout_disarm();
	return end;
}
/* ANCHOR_END: run-loop */
