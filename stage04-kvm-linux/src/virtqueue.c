/* virtqueue.c - taking requests from a split virtqueue and giving them back.
 *
 * The guest is treated as hostile, as Firecracker treats it: a driver may
 * write any value anywhere in its rings, at any time, even while the device
 * reads them.  So:
 *   - every field is copied out of guest memory once, then checked, then
 *     used; nothing is read twice and trusted the second time;
 *   - every address a descriptor names goes through gpa_ptr(), the one gate
 *     into guest memory;
 *   - a chain is at most the queue's size long, so a loop of descriptors
 *     ends in an error for that request, never in a hang;
 *   - lengths are summed in 64 bits and refused past what a used-ring entry
 *     can report.
 */
#include "virtqueue.h"

#include <stddef.h>
#include <string.h>

#include "base/le.h"

enum {
	DESC_SIZE = 16,
	DESC_F_NEXT = 1, DESC_F_WRITE = 2, DESC_F_INDIRECT = 4,
	RING_HEADER = 4,           /* flags u16, idx u16 */
	USED_ELEM_SIZE = 8,
};

static uint64_t avail_bytes(uint16_t size) { return RING_HEADER + 2ull * size; }
static uint64_t used_bytes(uint16_t size) { return RING_HEADER + (uint64_t)USED_ELEM_SIZE * size; }

/* ANCHOR: virtq-layout */
bool virtq_layout_ok(const struct virtq *q, const struct guest_memory *mem)
{
	/* Section 2.6: the table is 16-byte aligned, the available ring
	 * 2-byte, the used ring 4-byte; the size a power of two. */
	if (q->size == 0 || q->size > VIRTQ_MAX_SIZE || (q->size & (q->size - 1)))
		return false;
	if (q->desc % 16 || q->avail % 2 || q->used % 4)
		return false;
	return gpa_ptr(mem, q->desc, (uint64_t)DESC_SIZE * q->size) &&
	       gpa_ptr(mem, q->avail, avail_bytes(q->size)) &&
	       gpa_ptr(mem, q->used, used_bytes(q->size));
}
/* ANCHOR_END: virtq-layout */

/* A 16-bit index of a ring, read once.  The acquire load orders the reads
 * of the ring entries after the index that announced them (the driver
 * writes entries, then the index, with a barrier between).  x86 is
 * little-endian, as the rings are, so the value needs no conversion. */
static uint16_t load_index(const struct guest_memory *mem, uint64_t gpa)
{
	const uint16_t *p = gpa_ptr(mem, gpa, 2);

	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

struct desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags, next;
};

static struct desc read_desc(const struct virtq *q, const struct guest_memory *mem,
			     uint16_t index)
{
	uint8_t raw[DESC_SIZE];

	memcpy(raw, gpa_ptr(mem, q->desc + (uint64_t)index * DESC_SIZE, DESC_SIZE),
	       DESC_SIZE);
	return (struct desc){ .addr = le_get64(raw), .len = le_get32(raw + 8),
			      .flags = le_get16(raw + 12), .next = le_get16(raw + 14) };
}

/* Adds one descriptor's buffer to the chain, checking it. */
static const char *add_buffer(struct virtq_chain *chain, const struct guest_memory *mem,
			      const struct desc *d)
{
	uint8_t *host = gpa_ptr(mem, d->addr, d->len);
	bool writes = d->flags & DESC_F_WRITE;
	uint16_t n = chain->readable + chain->writable;

	if (d->flags & DESC_F_INDIRECT)
		return "an indirect descriptor (VIRTIO_F_INDIRECT_DESC was not offered)";
	if (!host)
		return "a descriptor's buffer is not inside guest RAM";
	if (!writes && chain->writable)
		return "a readable descriptor after a writable one";
	chain->buf[n] = (struct virtq_buffer){ .host = host, .len = d->len };
	if (writes) {
		chain->writable++;
		chain->writable_bytes += d->len;
	} else {
		chain->readable++;
		chain->readable_bytes += d->len;
	}
	if (chain->readable_bytes + chain->writable_bytes > UINT32_MAX)
		return "a chain longer than 4 GiB";
	return NULL;
}

/* ANCHOR: virtq-pop */
enum virtq_pop_result virtq_pop(struct virtq *q, const struct guest_memory *mem,
				struct virtq_chain *chain, const char **why)
{
	uint16_t avail_idx = load_index(mem, q->avail + 2);
	uint16_t pending = (uint16_t)(avail_idx - q->next_avail);
	uint16_t index;

	if (pending == 0)
		return VIRTQ_EMPTY;
	if (pending > q->size) {
		*why = "the available index ran more than the queue's size ahead";
		return VIRTQ_BAD_RING;
	}
	index = load_index(mem, q->avail + RING_HEADER + 2ull * (q->next_avail % q->size));
	if (index >= q->size) {
		*why = "a chain's head is not a descriptor of the table";
		return VIRTQ_BAD_RING;
	}
	q->next_avail++;
	*chain = (struct virtq_chain){ .head = index };
	for (uint16_t count = 0;; count++) {
		struct desc d;

		if (count == q->size) {
			*why = "a chain longer than the queue: its descriptors loop";
			return VIRTQ_BAD_CHAIN;
		}
		d = read_desc(q, mem, index);
		*why = add_buffer(chain, mem, &d);
		if (*why)
			return VIRTQ_BAD_CHAIN;
		if (!(d.flags & DESC_F_NEXT))
			return VIRTQ_CHAIN;
		if (d.next >= q->size) {
			*why = "a descriptor's next is not a descriptor of the table";
			return VIRTQ_BAD_CHAIN;
		}
		index = d.next;
	}
}
/* ANCHOR_END: virtq-pop */

void virtq_unpop(struct virtq *q)
{
	q->next_avail--;
}

void virtq_push(struct virtq *q, const struct guest_memory *mem, uint16_t head,
		uint32_t written)
{
	uint64_t elem = q->used + RING_HEADER + (uint64_t)USED_ELEM_SIZE * (q->next_used % q->size);
	uint8_t raw[USED_ELEM_SIZE];
	uint16_t *idx = gpa_ptr(mem, q->used + 2, 2);

	le_put32(raw, head);
	le_put32(raw + 4, written);
	memcpy(gpa_ptr(mem, elem, sizeof(raw)), raw, sizeof(raw));
	q->next_used++;
	/* The release store publishes the entry before the index that
	 * announces it, the order section 2.6.8 asks of the device. */
	__atomic_store_n(idx, q->next_used, __ATOMIC_RELEASE);
}

/* Walks the buffers of one part (first..first+count) from offset, copying
 * len bytes between them and bytes (into the guest when to_guest); false
 * if the part ends first. */
static bool walk(const struct virtq_chain *chain, uint16_t first, uint16_t count,
		 uint64_t offset, uint8_t *bytes, uint64_t len, bool to_guest)
{
	for (uint16_t i = first; i < first + count && len > 0; i++) {
		const struct virtq_buffer *b = &chain->buf[i];
		uint64_t piece;

		if (offset >= b->len) {
			offset -= b->len;
			continue;
		}
		piece = b->len - offset < len ? b->len - offset : len;
		if (to_guest)
			memcpy(b->host + offset, bytes, piece);
		else
			memcpy(bytes, b->host + offset, piece);
		bytes += piece;
		len -= piece;
		offset = 0;
	}
	return len == 0;
}

bool virtq_read(const struct virtq_chain *chain, uint64_t offset, void *out, uint64_t len)
{
	return walk(chain, 0, chain->readable, offset, out, len, false);
}

bool virtq_write(const struct virtq_chain *chain, uint64_t offset, const void *in,
		 uint64_t len)
{
	/* walk() only reads through the pointer when it copies to the guest. */
	return walk(chain, chain->readable, chain->writable, offset, (void *)in, len, true);
}
