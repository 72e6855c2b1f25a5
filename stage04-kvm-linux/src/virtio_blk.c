/* virtio_blk.c - the block device: requests from the queue, done on a file.
 *
 * A request is a chain (section 5.2.6):
 *
 *   readable  { type u32, reserved u32, sector u64 }    the header
 *   readable  data to write, or the ranges to discard    (OUT, DISCARD)
 *   writable  data read, or the id                       (IN, GET_ID)
 *   writable  status u8: OK 0, IOERR 1, UNSUPP 2          the last byte
 *
 * The device reads and writes the image with pread() and pwrite() straight
 * into the guest's buffers, and a flush is fdatasync(): what the guest
 * wrote before a flush it was told succeeded is on the disk, whatever
 * happens to the VM or the monitor after.  A discard punches a hole in the
 * image: the file system under it frees those blocks, and they read as
 * zeros after.
 */
#define _GNU_SOURCE                      /* fallocate() and its FALLOC_FL_ flags */
#include "virtio_blk.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/fs.h>

#include "base/le.h"

enum {
	BLK_T_IN = 0, BLK_T_OUT = 1, BLK_T_FLUSH = 4, BLK_T_GET_ID = 8, BLK_T_DISCARD = 11,
	BLK_S_OK = 0, BLK_S_IOERR = 1, BLK_S_UNSUPP = 2,
	HEADER_BYTES = 16, DISCARD_RANGE_BYTES = 16,
	/* The configuration space (section 5.2.4) as far as the discard
	 * fields: the capacity at 0, and at 36 the most sectors and segments
	 * one discard may name and the sectors a range should align to.  The
	 * fields between belong to features not offered, and read as 0. */
	CONFIG_CAPACITY = 0, CONFIG_MAX_DISCARD_SECTORS = 36, CONFIG_MAX_DISCARD_SEG = 40,
	CONFIG_DISCARD_ALIGNMENT = 44, CONFIG_BYTES = 48,
};

#define BLK_F_RO (1ull << 5)
#define BLK_F_FLUSH (1ull << 9)
#define BLK_F_DISCARD (1ull << 13)

static void config_read(void *device, uint32_t offset, uint8_t *data, uint32_t len)
{
	struct virtio_blk *blk = device;
	uint8_t config[CONFIG_BYTES] = { 0 };

	le_put64(config + CONFIG_CAPACITY, blk->sectors);
	le_put32(config + CONFIG_MAX_DISCARD_SECTORS, VIRTIO_BLK_MAX_DISCARD_SECTORS);
	le_put32(config + CONFIG_MAX_DISCARD_SEG, VIRTIO_BLK_MAX_DISCARD_SEG);
	le_put32(config + CONFIG_DISCARD_ALIGNMENT, 1);
	memcpy(data, config + offset, len);
}

/* The capacity is the device's to say: the driver's writes change nothing. */
static void config_write(void *device, uint32_t offset, const uint8_t *data, uint32_t len)
{
	(void)device, (void)offset, (void)data, (void)len;
}

static void notify(void *device, struct virtio_mmio *t, unsigned queue)
{
	virtio_mmio_serve_queue(t, queue, virtio_blk_serve, device);
}

static void reset(void *device)
{
	(void)device;                    /* requests are done at once: no state */
}

static const struct virtio_device_ops blk_ops = {
	.device_id = VIRTIO_ID_BLOCK, .queues = 1, .config_size = CONFIG_BYTES,
	.config_read = config_read, .config_write = config_write,
	.notify = notify, .reset = reset,
};

/* ANCHOR: blk-open */
int virtio_blk_open(struct virtio_blk *blk, const char *path, bool read_only,
		    struct error_report *err)
{
	struct stat st;
	uint64_t bytes;
	const char *name = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;

	memset(blk, 0, sizeof(*blk));
	blk->read_only = read_only;
	blk->fd = open(path, (read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC);
	if (blk->fd < 0) {
		if (!read_only && (errno == EACCES || errno == EROFS || errno == EPERM))
			report_set(err, 0, 0, "--disk %s: %s (add ,ro to use it read-only)",
				   path, strerror(errno));
		else
			report_set(err, 0, 0, "--disk %s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(blk->fd, &st) < 0 || !(S_ISREG(st.st_mode) || S_ISBLK(st.st_mode))) {
		report_set(err, 0, 0, "--disk %s: not a regular file or a block device", path);
		goto fail;
	}
	bytes = (uint64_t)st.st_size;
	if (S_ISBLK(st.st_mode) && ioctl(blk->fd, BLKGETSIZE64, &bytes) < 0) {
		report_set(err, 0, 0, "--disk %s: cannot read its size: %s", path, strerror(errno));
		goto fail;
	}
	if (bytes == 0 || bytes % VIRTIO_BLK_SECTOR) {
		report_set(err, 0, 0, "--disk %s: %llu bytes is not a whole number of %d-byte "
			   "sectors (truncate -s to a multiple of 512)", path,
			   (unsigned long long)bytes, VIRTIO_BLK_SECTOR);
		goto fail;
	}
	blk->sectors = bytes / VIRTIO_BLK_SECTOR;
	/* Unterminated when the name has 20 bytes or more, as the spec allows. */
	memcpy(blk->id, name, strlen(name) < sizeof(blk->id) ? strlen(name) : sizeof(blk->id));
	return 0;
fail:
	close(blk->fd);
	blk->fd = -1;
	return -1;
}
/* ANCHOR_END: blk-open */

void virtio_blk_attach(struct virtio_blk *blk, const struct guest_memory *mem,
		       virtio_irq_line *irq_line, void *irq_context)
{
	uint64_t features = BLK_F_FLUSH | (blk->read_only ? BLK_F_RO : BLK_F_DISCARD);

	virtio_mmio_init(&blk->transport, &blk_ops, blk, features, mem, irq_line, irq_context);
}

void virtio_blk_close(struct virtio_blk *blk)
{
	if (blk->fd >= 0)
		close(blk->fd);
	blk->fd = -1;
}

/* Moves bytes between the image at offset and the chain's buffers of one
 * part, piece by piece: the guest's buffers are used in place. */
static bool transfer(struct virtio_blk *blk, const struct virtq_chain *chain, uint16_t first,
		     uint64_t skip, uint64_t len, uint64_t offset, bool to_guest)
{
	for (uint16_t i = first; len > 0; i++) {
		const struct virtq_buffer *b = &chain->buf[i];
		uint64_t piece;
		ssize_t done;

		if (skip >= b->len) {
			skip -= b->len;
			continue;
		}
		piece = b->len - skip < len ? b->len - skip : len;
		done = to_guest ? pread(blk->fd, b->host + skip, piece, (off_t)offset)
				: pwrite(blk->fd, b->host + skip, piece, (off_t)offset);
		if (done != (ssize_t)piece)
			return false;
		offset += piece;
		len -= piece;
		skip = 0;
	}
	return true;
}

/* Whether [sector, sector + bytes) lies inside the image. */
static bool inside(const struct virtio_blk *blk, uint64_t sector, uint64_t bytes)
{
	uint64_t sectors = bytes / VIRTIO_BLK_SECTOR;

	return bytes % VIRTIO_BLK_SECTOR == 0 && sector <= blk->sectors &&
	       sectors <= blk->sectors - sector;
}

/* GET_ID (section 5.2.6): the disk's id, which is its image's name, into
 * the request's writable bytes before the status byte (room of them).
 * Returns how many it wrote. */
static uint64_t get_id(const struct virtio_blk *blk, const struct virtq_chain *chain,
		       uint64_t room)
{
/* BEGIN EXERCISE ex5.5 */
	uint64_t len = room < VIRTIO_BLK_ID_BYTES ? room : VIRTIO_BLK_ID_BYTES;

	virtq_write(chain, 0, blk->id, len);
	return len;
/* STUB ex5.5
	(void)blk, (void)chain, (void)room;
	exercise_pending("ex5.5");
	return 0;
END STUB */
/* END EXERCISE ex5.5 */
}

/* DISCARD (section 5.2.6): the request's data after the header, bytes of
 * it, is a list of ranges, each { sector u64, num_sectors u32, flags u32 }.
 * Frees every range, or none, and returns the request's status. */
static uint8_t discard(const struct virtio_blk *blk, const struct virtq_chain *chain,
		       uint64_t bytes)
{
/* BEGIN EXERCISE ex5.6 */
	uint8_t ranges[VIRTIO_BLK_MAX_DISCARD_SEG][DISCARD_RANGE_BYTES];
	uint64_t count = bytes / DISCARD_RANGE_BYTES;

	if (blk->read_only || bytes == 0 || bytes % DISCARD_RANGE_BYTES ||
	    count > VIRTIO_BLK_MAX_DISCARD_SEG || !virtq_read(chain, HEADER_BYTES, ranges, bytes))
		return BLK_S_IOERR;
	/* All of them checked, in this copy, before any is freed: a request
	 * that fails leaves the disk as it was, and the guest cannot change a
	 * range between its check and its use. */
	for (uint64_t i = 0; i < count; i++) {
		uint32_t sectors = le_get32(ranges[i] + 8);

		if (le_get32(ranges[i] + 12) != 0)       /* "unmap" is for write-zeroes only */
			return BLK_S_UNSUPP;
		if (sectors > VIRTIO_BLK_MAX_DISCARD_SECTORS ||
		    !inside(blk, le_get64(ranges[i]), (uint64_t)sectors * VIRTIO_BLK_SECTOR))
			return BLK_S_IOERR;
	}
	for (uint64_t i = 0; i < count; i++) {
		off_t offset = (off_t)(le_get64(ranges[i]) * VIRTIO_BLK_SECTOR);
		off_t len = (off_t)le_get32(ranges[i] + 8) * VIRTIO_BLK_SECTOR;

		if (len > 0 && fallocate(blk->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
					 offset, len) < 0)
			return BLK_S_IOERR;
	}
	return BLK_S_OK;
/* STUB ex5.6
	(void)blk, (void)chain, (void)bytes;
	exercise_pending("ex5.6");
	return BLK_S_UNSUPP;
END STUB */
/* END EXERCISE ex5.6 */
}

/* ANCHOR: blk-serve */
uint32_t virtio_blk_serve(void *device, const struct virtq_chain *chain)
{
	struct virtio_blk *blk = device;
	uint8_t header[HEADER_BYTES], status = BLK_S_OK;
	uint64_t data_out, data_in, sector, offset;
	uint32_t type;

	/* No room for the status byte: nothing can be answered. */
	if (chain->writable_bytes == 0 || !virtq_read(chain, 0, header, sizeof(header)))
		return 0;
	type = le_get32(header);
	sector = le_get64(header + 8);
	data_out = chain->readable_bytes - HEADER_BYTES;
	data_in = chain->writable_bytes - 1;
	offset = sector * VIRTIO_BLK_SECTOR;
	switch (type) {
	case BLK_T_IN:
		blk->requests[BLK_READS]++;
		if (!inside(blk, sector, data_in) ||
		    !transfer(blk, chain, chain->readable, 0, data_in, offset, true))
			status = BLK_S_IOERR;
		break;
	case BLK_T_OUT:
		blk->requests[BLK_WRITES]++;
		if (blk->read_only || !inside(blk, sector, data_out) ||
		    !transfer(blk, chain, 0, HEADER_BYTES, data_out, offset, false))
			status = BLK_S_IOERR;
		data_in = 0;
		break;
	case BLK_T_FLUSH:
		blk->requests[BLK_FLUSHES]++;
		if (!blk->read_only && fdatasync(blk->fd) < 0)
			status = BLK_S_IOERR;
		data_in = 0;
		break;
	case BLK_T_GET_ID:
		blk->requests[BLK_OTHERS]++;
		data_in = get_id(blk, chain, data_in);
		break;
	case BLK_T_DISCARD:
		blk->requests[BLK_DISCARDS]++;
		status = discard(blk, chain, data_out);
		data_in = 0;
		break;
	default:
		blk->requests[BLK_OTHERS]++;
		status = BLK_S_UNSUPP;
		data_in = 0;
		break;
	}
	virtq_write(chain, chain->writable_bytes - 1, &status, 1);
	return (uint32_t)(status == BLK_S_OK ? data_in + 1 : 1);
}
/* ANCHOR_END: blk-serve */
