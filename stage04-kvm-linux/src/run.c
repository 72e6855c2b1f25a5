/* run.c - the VM's life: a thread for each vCPU enters the guest, sees why
 * it came back (exits.c), does what it asked, until the VM ends; then every
 * vCPU stops, and the VM ends as one.
 *
 * What ends it: a vCPU (the guest reset itself through the i8042, a triple
 * fault, an exit the monitor cannot handle), or the main thread (the
 * timeout, the user's Ctrl-A x).  Whichever comes first posts `ended`; the
 * main thread, which waits on it, then stops every vCPU thread and joins
 * them.  Stopping a vCPU that may be inside KVM_RUN, asleep in a HLT, takes
 * a signal to its thread (kvmtool does the same): the kick's handler sets
 * the thread's own kvm_run immediate_exit, so that a kick landing just
 * before KVM_RUN still makes it return at once.
 *
 * The process's signals (the timeout's SIGALRM, the escape's SIGUSR1) go to
 * the main thread: every other thread blocks them.
 */
#include "run.h"

#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kvm/timeout.h"

/* --- signals: the timeout, the escape, and the kick --------------------- */

static sem_t ended;                           /* posted once the VM must end */
static volatile sig_atomic_t timed_out, escaped;
static _Thread_local struct kvm_run *volatile my_run;   /* a vCPU thread's page */

static void on_end_signal(int signo)
{
	if (signo == SIGALRM)
		timed_out = 1;
	else
		escaped = 1;
	sem_post(&ended);                     /* async-signal-safe */
}

static void on_kick(int signo)
{
	(void)signo;
	if (my_run)
		my_run->immediate_exit = 1;
}

/* The input thread blocks every signal, so this reaches the main thread. */
void request_escape(void)
{
	kill(getpid(), SIGUSR1);
}

int install_run_signals(struct error_report *err)
{
	struct sigaction end = { .sa_handler = on_end_signal };   /* no SA_RESTART */
	struct sigaction kick = { .sa_handler = on_kick };

	sigemptyset(&end.sa_mask);
	sigemptyset(&kick.sa_mask);
	if (sem_init(&ended, 0, 0) != 0 || sigaction(SIGALRM, &end, NULL) != 0 ||
	    sigaction(SIGUSR1, &end, NULL) != 0 || sigaction(VCPU_KICK, &kick, NULL) != 0 ||
	    signal(SIGPIPE, SIG_IGN) == SIG_ERR) {
		report_set(err, 0, 0, "cannot install signal handlers: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* --- one vCPU's thread ---------------------------------------------------- */

struct vcpu_thread {
	struct machine *m;
	pthread_t thread;
	struct error_report err;
	unsigned id;
};

static atomic_bool stopping;
static pthread_mutex_t end_lock = PTHREAD_MUTEX_INITIALIZER;

/* The first end wins: a second vCPU that fails while the VM stops does not
 * change how it ended. */
static void end_vm(struct machine *m, enum vm_end end, int by, const struct error_report *err)
{
	pthread_mutex_lock(&end_lock);
	if (m->end == VM_RUNNING) {
		m->end = end;
		m->ended_by = by;
		if (err)
			m->end_error = *err;
		sem_post(&ended);
	}
	pthread_mutex_unlock(&end_lock);
}

/* ANCHOR: run-loop */
static void *run_vcpu(void *arg)
{
	struct vcpu_thread *t = arg;
	const struct kvm_vcpu *vcpu = &t->m->vm.vcpus[t->id];
	enum vm_end end = VM_RUNNING;

	my_run = vcpu->run;
	while (end == VM_RUNNING) {
		int ret = ioctl(vcpu->fd, KVM_RUN, 0);

		/* Cleared before `stopping` is read: a kick landing after this
		 * sets it again, and the next KVM_RUN returns at once. */
		vcpu->run->immediate_exit = 0;
		if (atomic_load(&stopping))
			break;
		/* EAGAIN: an application processor waits inside KVM_RUN for
		 * its INIT and SIPI, and returns this once they have come. */
		if (ret < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (ret < 0) {
			report_set(&t->err, 0, 0, "vCPU %u: KVM_RUN failed: %s", t->id,
				   strerror(errno));
			end = END_ERROR;
		} else {
			exit_counts_add(&t->m->vcpu_exits[t->id], vcpu->run->exit_reason);
			end = handle_exit(t->m, vcpu, &t->err);
		}
	}
	if (end != VM_RUNNING)
		end_vm(t->m, end, (int)t->id, &t->err);
	my_run = NULL;
	return NULL;
}
/* ANCHOR_END: run-loop */

/* Starts vCPU id's thread, with the process's signals blocked in it. */
static int start_vcpu(struct vcpu_thread *t, struct error_report *err)
{
	sigset_t block, old;
	int e;

	sigemptyset(&block);
	sigaddset(&block, SIGALRM);
	sigaddset(&block, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	e = pthread_create(&t->thread, NULL, run_vcpu, t);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (e) {
		report_set(err, 0, 0, "cannot start vCPU %u's thread: %s", t->id, strerror(e));
		return -1;
	}
	return 0;
}

/* ANCHOR: stop-all */
/* Every vCPU leaves KVM_RUN and its thread ends: `stopping` first, then
 * the kick, so that a thread the kick wakes sees why. */
static void stop_vcpus(struct vcpu_thread *threads, unsigned started)
{
	atomic_store(&stopping, true);
	for (unsigned i = 0; i < started; i++) {
		threads[i].m->vm.vcpus[i].run->immediate_exit = 1;
		pthread_kill(threads[i].thread, VCPU_KICK);
	}
	for (unsigned i = 0; i < started; i++)
		pthread_join(threads[i].thread, NULL);
}
/* ANCHOR_END: stop-all */

/* Waits until the VM must end: a vCPU posts `ended`, or a signal does
 * (and interrupts the wait). */
static void wait_for_end(struct machine *m)
{
	while (sem_wait(&ended) != 0 && errno == EINTR)
		;
	if (timed_out)
		end_vm(m, END_TIMEOUT, -1, NULL);
	else if (escaped)
		end_vm(m, END_ESCAPE, -1, NULL);
}

enum vm_end run_machine(struct machine *m, double timeout, struct error_report *err)
{
	struct vcpu_thread threads[VM_MAX_VCPUS];
	unsigned started = 0;

	m->end = VM_RUNNING;
	m->ended_by = -1;
	if (timeout_arm(timeout, err) != 0)
		return END_ERROR;
	for (; started < m->vm.nvcpus; started++) {
		threads[started] = (struct vcpu_thread){ .m = m, .id = started };
		if (start_vcpu(&threads[started], err) != 0) {
			end_vm(m, END_ERROR, -1, err);
			break;
		}
	}
	wait_for_end(m);
	stop_vcpus(threads, started);
	timeout_disarm();
	for (unsigned i = 0; i < m->vm.nvcpus; i++)
		exit_counts_merge(&m->exits, &m->vcpu_exits[i]);
	if (m->end == END_ERROR)
		*err = m->end_error;
	return m->end;
}
