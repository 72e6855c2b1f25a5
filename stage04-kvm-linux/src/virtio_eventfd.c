/* virtio_eventfd.c - the thread that turns eventfd signals into device
 * notifications (virtio_eventfd.h says why one thread serves them all).
 *
 * An eventfd counts: several QueueNotify writes before the thread reads it
 * are one wake-up and one notify, which is enough, since a device serves
 * every chain pending in the queue when it is notified.
 */
#include "virtio_eventfd.h"

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "helper_thread.h"

int virtio_eventfds_init(struct virtio_eventfds *e, struct error_report *err)
{
	*e = (struct virtio_eventfds){ .stop_fd = eventfd(0, EFD_CLOEXEC) };
	if (e->stop_fd < 0) {
		report_set(err, 0, 0, "virtio: cannot create an eventfd: %s", strerror(errno));
		return -1;
	}
	return 0;
}

int virtio_eventfds_add(struct virtio_eventfds *e, struct virtio_mmio *t, unsigned queue,
			struct error_report *err)
{
	int fd;

	if (e->count == VIRTIO_EVENTFDS_MAX) {
		report_set(err, 0, 0, "virtio: more than %d queues to wait on",
			   VIRTIO_EVENTFDS_MAX);
		return -1;
	}
	/* Non-blocking: a read after poll() said ready must not wait. */
	fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (fd < 0) {
		report_set(err, 0, 0, "virtio: cannot create an eventfd: %s", strerror(errno));
		return -1;
	}
	e->fds[e->count] = fd;
	e->transports[e->count] = t;
	e->queues[e->count] = queue;
	e->count++;
	return fd;
}

/* ANCHOR: eventfd-thread */
static void *wait_for_notifications(void *arg)
{
	struct virtio_eventfds *e = arg;
	struct pollfd fds[VIRTIO_EVENTFDS_MAX + 1];

	fds[0] = (struct pollfd){ .fd = e->stop_fd, .events = POLLIN };
	for (int i = 0; i < e->count; i++)
		fds[i + 1] = (struct pollfd){ .fd = e->fds[i], .events = POLLIN };
	for (;;) {
		uint64_t writes;

		if (poll(fds, (nfds_t)e->count + 1, -1) < 0)
			continue;                /* EINTR: every signal is blocked here */
		for (int i = 0; i < e->count; i++)
			if (fds[i + 1].revents && read(e->fds[i], &writes, sizeof(writes)) > 0)
				virtio_mmio_notify(e->transports[i], e->queues[i]);
		/* After the queues: a notification the guest made before the
		 * VM ended is served, and counted, as it would have been by an
		 * exit. */
		if (fds[0].revents)
			return NULL;
	}
}
/* ANCHOR_END: eventfd-thread */

int virtio_eventfds_start(struct virtio_eventfds *e, struct error_report *err)
{
	int ret = helper_thread_start(&e->thread, wait_for_notifications, e);

	if (ret) {
		report_set(err, 0, 0, "virtio: cannot start the notification thread: %s",
			   strerror(ret));
		return -1;
	}
	e->running = true;
	return 0;
}

void virtio_eventfds_stop(struct virtio_eventfds *e)
{
	uint64_t one = 1;

	if (e->running) {
		if (write(e->stop_fd, &one, sizeof(one)) != sizeof(one)) {
			/* cannot fail: the count of a fresh eventfd is far from its limit */
		}
		pthread_join(e->thread, NULL);
		e->running = false;
	}
	for (int i = 0; i < e->count; i++)
		close(e->fds[i]);
	e->count = 0;
	close(e->stop_fd);
	e->stop_fd = -1;
}
