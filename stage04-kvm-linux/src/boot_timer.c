/* boot_timer.c - the boot's timeline, seen from the monitor.
 *
 * Three moments, each measured from the monitor's own start:
 *   - the kernel's first console byte (all before it: the monitor's set-up,
 *     the kernel's early start, decompression for a bzImage);
 *   - "Run /init as init process", the kernel's last line before it starts
 *     userspace;
 *   - init's byte to the boot-timer port: userspace is running.  This is
 *     Firecracker's measure of a boot, and the one --stats reports as
 *     boot_to_init_ms.
 * The console's lines are read by kernel_log.c, which tells the timer when
 * it sees the second.
 */
#include "boot_timer.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kvm/clock.h"
#include "kvm/timeout.h"

#include "helper_thread.h"

void boot_timer_start(struct boot_timer *timer)
{
	memset(timer, 0, sizeof(*timer));
	timer->start_ns = monotonic_ns();
}

/* Atomic: the silence watch reads first_output_ns from its own thread. */
static void mark(struct boot_timer *timer, uint64_t *milestone)
{
	if (__atomic_load_n(milestone, __ATOMIC_RELAXED) == 0)
		__atomic_store_n(milestone, monotonic_ns() - timer->start_ns,
				 __ATOMIC_RELAXED);
}

void boot_timer_io(void *device, uint16_t offset, bool is_write, uint8_t *data,
		   uint32_t size)
{
	struct boot_timer *timer = device;

	(void)offset;
	if (is_write)
		mark(timer, &timer->init_ns);
	else
		memset(data, 0xff, size);
}

void boot_timer_output(struct boot_timer *timer)
{
	mark(timer, &timer->first_output_ns);
}

void boot_timer_run_init(struct boot_timer *timer)
{
	mark(timer, &timer->run_init_ns);
}

/* --- the silence watch ---------------------------------------------------- */

struct silence_watch {
	struct boot_timer *timer;
	struct timespec delay;
	char *notice;
};

/* Once the VM has ended, the notice would come after the monitor's last
 * words (the --stats object must stay stderr's last line): the lock makes
 * "still silent, so write" one step that boot_timer_end_watch() waits for. */
static pthread_mutex_t watch_lock = PTHREAD_MUTEX_INITIALIZER;
static bool vm_ended;

void boot_timer_end_watch(void)
{
	pthread_mutex_lock(&watch_lock);
	vm_ended = true;
	pthread_mutex_unlock(&watch_lock);
}

static void *watch_silence(void *arg)
{
	struct silence_watch *w = arg;

	while (clock_nanosleep(CLOCK_MONOTONIC, 0, &w->delay, &w->delay) == EINTR)
		continue;
	pthread_mutex_lock(&watch_lock);
	if (!vm_ended && __atomic_load_n(&w->timer->first_output_ns, __ATOMIC_RELAXED) == 0) {
		size_t len = strlen(w->notice);

		/* One write, so the line does not mix with other output; on a
		 * terminal in raw mode a line ends in CR LF. */
		if (isatty(STDERR_FILENO))
			w->notice[len++] = '\r';
		w->notice[len++] = '\n';
		if (write(STDERR_FILENO, w->notice, len) < 0) {
			/* stderr is gone: nobody to tell */
		}
	}
	pthread_mutex_unlock(&watch_lock);
	free(w->notice);
	free(w);
	return NULL;
}

int boot_timer_watch_silence(struct boot_timer *timer, double seconds,
			     const char *notice)
{
	struct silence_watch *w = malloc(sizeof(*w));
	size_t len = strlen(notice);
	struct itimerval delay;
	pthread_t thread;
	int ret;

	if (!w)
		return -1;
	w->timer = timer;
	delay = timeout_timer(seconds);     /* rounded up, as --timeout is */
	w->delay.tv_sec = delay.it_value.tv_sec;
	w->delay.tv_nsec = delay.it_value.tv_usec * 1000L;
	w->notice = malloc(len + 3);       /* and CR LF */
	if (!w->notice) {
		free(w);
		return -1;
	}
	memcpy(w->notice, notice, len + 1);
	ret = helper_thread_start(&thread, watch_silence, w);
	if (ret != 0) {
		free(w->notice);
		free(w);
		return -1;
	}
	pthread_detach(thread);
	return 0;
}
