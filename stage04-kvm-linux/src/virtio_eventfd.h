/* virtio_eventfd.h - Firecracker's way of hearing a virtio driver: KVM
 * signals an eventfd for each write to a QueueNotify register
 * (KVM_IOEVENTFD, board.c registers them), so the vCPU that wrote goes on
 * in the guest, and one thread of the monitor waits on every eventfd and
 * calls the device.
 *
 * One thread for all the devices, not one each: a handful of queues fit
 * one poll(), and the threads to stop at the VM's end stay few.  The price
 * is that a device's slow request (a disk's fdatasync) delays the others'
 * notifications; Firecracker's single event loop makes the same choice.
 */
#ifndef KVM_LINUX_VIRTIO_EVENTFD_H
#define KVM_LINUX_VIRTIO_EVENTFD_H

#include <pthread.h>
#include <stdbool.h>

#include "base/diag.h"
#include "virtio_mmio.h"

enum { VIRTIO_EVENTFDS_MAX = 16 };

struct virtio_eventfds {
	int stop_fd;                 /* an eventfd: the thread ends when it is signalled */
	int count;
	int fds[VIRTIO_EVENTFDS_MAX];               /* one per queue, */
	struct virtio_mmio *transports[VIRTIO_EVENTFDS_MAX];   /* whose device */
	unsigned queues[VIRTIO_EVENTFDS_MAX];       /* and which queue */
	pthread_t thread;
	bool running;
};

/* Returns 0, or -1 with err set. */
int virtio_eventfds_init(struct virtio_eventfds *e, struct error_report *err);

/* A new eventfd for queue of t's device: returns it (for KVM_IOEVENTFD), or
 * -1 with err set. */
int virtio_eventfds_add(struct virtio_eventfds *e, struct virtio_mmio *t, unsigned queue,
			struct error_report *err);

/* Starts the thread that waits on the eventfds and, for each signalled,
 * calls virtio_mmio_notify().  Returns 0, or -1 with err set. */
int virtio_eventfds_start(struct virtio_eventfds *e, struct error_report *err);

/* Ends the thread (if it runs) and closes every eventfd. */
void virtio_eventfds_stop(struct virtio_eventfds *e);

#endif
