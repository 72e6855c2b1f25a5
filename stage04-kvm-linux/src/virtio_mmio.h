/* virtio_mmio.h - the virtio-over-MMIO transport, version 2 (virtio 1.1,
 * section 4.2): one 4 KiB register window and one interrupt line a device.
 *
 * The transport keeps what every virtio device has (status, features,
 * queues, the interrupt status) and hands a device three things: reads and
 * writes of its configuration space, a notification that a queue has new
 * requests, and a reset.  A device is a file with its ops and its state
 * (virtio_blk.c); this file never knows which kind it serves.
 */
#ifndef KVM_LINUX_VIRTIO_MMIO_H
#define KVM_LINUX_VIRTIO_MMIO_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "guest_memory.h"
#include "virtqueue.h"

enum {
	VIRTIO_MMIO_WINDOW = 0x1000,
	VIRTIO_MAX_QUEUES = 2,
	VIRTIO_ID_NET = 1, VIRTIO_ID_BLOCK = 2, VIRTIO_ID_RNG = 4,
	VIRTIO_MMIO_QUEUE_NOTIFY = 0x050,    /* the register KVM_IOEVENTFD watches */
};

#define VIRTIO_F_VERSION_1 (1ull << 32)

/* Device status bits (section 2.1). */
enum {
	VIRTIO_STATUS_ACKNOWLEDGE = 1, VIRTIO_STATUS_DRIVER = 2,
	VIRTIO_STATUS_DRIVER_OK = 4, VIRTIO_STATUS_FEATURES_OK = 8,
	VIRTIO_STATUS_NEEDS_RESET = 64, VIRTIO_STATUS_FAILED = 128,
};

struct virtio_mmio;

struct virtio_device_ops {
	uint32_t device_id;
	unsigned queues;
	/* Reads or writes len bytes of configuration space at offset; the
	 * transport has checked that they lie inside config_size. */
	uint32_t config_size;
	void (*config_read)(void *device, uint32_t offset, uint8_t *data, uint32_t len);
	void (*config_write)(void *device, uint32_t offset, const uint8_t *data, uint32_t len);
	/* The driver wrote queue to QueueNotify (the queue is ready and the
	 * driver said DRIVER_OK).  Called with the transport's lock held. */
	void (*notify)(void *device, struct virtio_mmio *t, unsigned queue);
	void (*reset)(void *device);
};

/* How the transport raises and lowers its interrupt line. */
typedef void virtio_irq_line(void *context, bool level);

struct virtio_mmio {
	/* vCPU threads reach the registers and, through notify, the
	 * device; the lock makes each access one step. */
	pthread_mutex_t lock;
	const struct virtio_device_ops *ops;
	void *device;
	const struct guest_memory *mem;
	virtio_irq_line *irq_line;
	void *irq_context;
	uint64_t device_features;        /* what the device offers */
	uint64_t driver_features;        /* what the driver accepted */
	uint32_t device_features_sel, driver_features_sel, queue_sel;
	uint32_t status, interrupt_status, config_generation;
	struct virtq queues[VIRTIO_MAX_QUEUES];
	uint64_t bad_requests;           /* chains given back unanswered */
	/* The cost of the conversation, for --stats: every register access
	 * that reached the transport was a vCPU's exit to the monitor; the
	 * driver's "there is work" came either that way or, when KVM turned
	 * the QueueNotify write into an eventfd signal, through
	 * virtio_mmio_notify() without any exit to the monitor. */
	uint64_t mmio_exits, notify_exits, eventfd_notifies;
	const char *last_error;          /* why, the last time */
};

void virtio_mmio_init(struct virtio_mmio *t, const struct virtio_device_ops *ops,
		      void *device, uint64_t device_features,
		      const struct guest_memory *mem, virtio_irq_line *irq_line,
		      void *irq_context);

/* One guest access to the register window: offset from its base, len
 * bytes (a KVM MMIO exit's size). */
void virtio_mmio_access(struct virtio_mmio *t, uint64_t offset, bool is_write,
			uint8_t *data, uint32_t len);

/* The driver wrote queue to QueueNotify, and KVM told the monitor through
 * an eventfd (KVM_IOEVENTFD) rather than an exit: the same as the write,
 * under the transport's lock. */
void virtio_mmio_notify(struct virtio_mmio *t, unsigned queue);

/* For devices: the driver has new used buffers in a queue; raise the
 * interrupt.  Called with the lock held (from notify). */
void virtio_mmio_used(struct virtio_mmio *t);

/* For devices: takes every pending chain of queue in turn, calls serve on
 * each, and gives it back with the byte count serve returns; a malformed
 * chain goes back unanswered, a broken ring stops the queue (the device
 * then needs a reset).  Raises the interrupt once if anything went back. */
typedef uint32_t virtio_serve(void *device, const struct virtq_chain *chain);
void virtio_mmio_serve_queue(struct virtio_mmio *t, unsigned queue, virtio_serve *serve,
			     void *device);

#endif
