/* fuzz_virtqueue.c - stage 4's virtio-mmio transport, virtqueue, block
 * device and entropy device, driven by a hostile driver on plain memory
 * (no KVM).
 *
 * The input is a 5-byte prologue, then the rings:
 *   bytes 0-1    QueueNum, as the driver writes it (any value)
 *   bytes 2-3    the available ring's index, as the driver publishes it
 *   byte 4       bit 0: the disk is read-only; bits 1-2: notifications, 1-4;
 *                bit 3: the entropy device instead of the disk
 *   the rest     guest memory from 0x1000: the descriptor table (0x1000),
 *                then the available ring (0x2000), up to 8 KiB
 * Guest RAM is 64 KiB, the used ring at 0x3000, the disk 64 sectors in a
 * memfd.  Every descriptor address, length, flag and next, every head in
 * the ring and every index is the fuzzer's.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "base/le.h"
#include "fuzz_common.h"
#include "virtio_blk.h"
#include "virtio_rng.h"

enum { RAM = 64 << 10, DESC = 0x1000, AVAIL = 0x2000, USED = 0x3000, SECTORS = 64 };

static struct guest_memory memory;
static char disk_path[64];

static void setup_once(void)
{
	int fd;

	if (memory.host)
		return;
	fd = memfd_create("fuzz-disk", 0);
	if (fd < 0 || ftruncate(fd, SECTORS * VIRTIO_BLK_SECTOR) < 0 ||
	    guest_memory_map(&memory, RAM) != 0)
		abort();
	snprintf(disk_path, sizeof(disk_path), "/proc/self/fd/%d", fd);
}

static void irq_line(void *context, bool level)
{
	(void)context, (void)level;
}

static void reg(struct virtio_mmio *t, uint64_t offset, uint32_t value)
{
	uint8_t data[4];

	le_put32(data, value);
	virtio_mmio_access(t, offset, true, data, 4);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct virtio_blk blk;
	struct virtio_rng rng;
	struct virtio_mmio *t = &blk.transport;
	struct error_report err = { 0 };
	struct virtq *q;
	size_t rings;

	if (size < 5)
		return 0;
	setup_once();
	memset(memory.host, 0, RAM);
	rings = size - 5 < 0x2000 ? size - 5 : 0x2000;
	memcpy(memory.host + DESC, data + 5, rings);
	if (virtio_blk_open(&blk, disk_path, data[4] & 1, &err) != 0)
		abort();
	if (data[4] & 8) {
		virtio_rng_attach(&rng, &memory, irq_line, NULL);
		t = &rng.transport;
	} else {
		virtio_blk_attach(&blk, &memory, irq_line, NULL);
	}
	reg(t, 0x070, 1 | 2);
	reg(t, 0x024, 1);
	reg(t, 0x020, 1);                                  /* VERSION_1 */
	reg(t, 0x070, 1 | 2 | 8);
	reg(t, 0x038, le_get16(data));
	reg(t, 0x080, DESC);
	reg(t, 0x090, AVAIL);
	reg(t, 0x0a0, USED);
	reg(t, 0x044, 1);
	reg(t, 0x070, 1 | 2 | 8 | 4);
	le_put16(memory.host + AVAIL + 2, le_get16(data + 2));
	for (int i = 0; i <= (data[4] >> 1 & 3); i++)
		reg(t, 0x050, 0);
	q = &t->queues[0];
	/* Every chain the device took went back, and a queue that did not
	 * break took every chain the driver offered: as many as the available
	 * index says now, not as the input set it, since a buffer the device
	 * writes may lie over the ring itself (the device re-reads the index,
	 * as it must, and so sees the change). */
	if (q->next_avail != q->next_used ||
	    (q->ready && !(t->status & VIRTIO_STATUS_NEEDS_RESET) &&
	     q->next_avail != le_get16(memory.host + AVAIL + 2)))
		abort();
	virtio_blk_close(&blk);
	return 0;
}
