/* virtio_blk.h - a virtio block device over a raw disk image (virtio 1.1,
 * section 5.2): one request queue; read, write, flush, get-id and discard. */
#ifndef KVM_LINUX_VIRTIO_BLK_H
#define KVM_LINUX_VIRTIO_BLK_H

#include <stdbool.h>
#include <stdint.h>

#include "base/diag.h"
#include "virtio_mmio.h"

/* The most one discard request may free, as the configuration space says:
 * ranges, and sectors in one range (a bound, so that one request cannot
 * keep the vCPU in fallocate() for long). */
enum {
	VIRTIO_BLK_SECTOR = 512, VIRTIO_BLK_ID_BYTES = 20,
	VIRTIO_BLK_MAX_DISCARD_SEG = 32, VIRTIO_BLK_MAX_DISCARD_SECTORS = 1 << 21,
};

/* What --stats counts, by kind of request served. */
enum virtio_blk_count { BLK_READS, BLK_WRITES, BLK_FLUSHES, BLK_DISCARDS, BLK_OTHERS,
			BLK_COUNTS };

struct virtio_blk {
	int fd;
	bool read_only;
	uint64_t sectors;               /* the image's size in 512-byte sectors */
	char id[VIRTIO_BLK_ID_BYTES];   /* what get-id answers: the image's name */
	struct virtio_mmio transport;
	uint64_t requests[BLK_COUNTS];  /* served, by enum virtio_blk_count */
};

/* Opens path (read-only when read_only) and checks that it can serve as a
 * disk: a regular file or block device, a whole number of sectors.  On
 * failure returns -1 with err set to a message naming the fix. */
int virtio_blk_open(struct virtio_blk *blk, const char *path, bool read_only,
		    struct error_report *err);

/* Connects the device to its transport: guest memory and interrupt line. */
void virtio_blk_attach(struct virtio_blk *blk, const struct guest_memory *mem,
		       virtio_irq_line *irq_line, void *irq_context);

void virtio_blk_close(struct virtio_blk *blk);

/* One request, as the queue hands it over: returns the bytes written into
 * the request's buffers (data and status), for the used ring. */
uint32_t virtio_blk_serve(void *blk, const struct virtq_chain *chain);

#endif
