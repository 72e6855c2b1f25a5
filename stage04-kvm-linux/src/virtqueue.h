/* virtqueue.h - a split virtqueue (virtio 1.1, section 2.6), read from guest
 * memory that the guest may rewrite at any moment.
 *
 * The driver (the guest) puts the head of a chain of descriptors in the
 * available ring; the device (the monitor) takes it, does the request, and
 * puts the head and the number of bytes it wrote in the used ring:
 *
 *   descriptor table  size x { addr u64, len u32, flags u16, next u16 }
 *   available ring    { flags u16, idx u16, ring[size] u16 }      driver writes
 *   used ring         { flags u16, idx u16, ring[size] { id u32, len u32 } }
 *
 * Every index and address in them comes from the guest, so each is read
 * once into the monitor's own memory, checked, and only then used.
 */
#ifndef KVM_LINUX_VIRTQUEUE_H
#define KVM_LINUX_VIRTQUEUE_H

#include <stdbool.h>
#include <stdint.h>

#include "guest_memory.h"

enum { VIRTQ_MAX_SIZE = 256 };       /* QueueNumMax of every queue here */

struct virtq {
	uint16_t size;               /* QueueNum: a power of two, at most the max */
	bool ready;                  /* QueueReady, and the layout was checked */
	uint64_t desc, avail, used;  /* guest physical addresses of the parts */
	uint16_t next_avail;         /* chains taken so far (wraps at 65536) */
	uint16_t next_used;          /* chains returned so far */
};

/* One piece of a request: host memory the checked descriptor names. */
struct virtq_buffer {
	uint8_t *host;
	uint32_t len;
};

/* A chain as the device sees it: the driver's readable buffers first, then
 * those the device writes (section 2.6.4.2 requires that order). */
struct virtq_chain {
	uint16_t head;               /* what goes back in the used ring */
	uint16_t readable, writable; /* counts of buffers in buf[] */
	uint64_t readable_bytes, writable_bytes;
	struct virtq_buffer buf[VIRTQ_MAX_SIZE];
};

enum virtq_pop_result {
	VIRTQ_EMPTY,       /* nothing new in the available ring */
	VIRTQ_CHAIN,       /* *chain holds the next request */
	VIRTQ_BAD_CHAIN,   /* the request at chain->head is malformed: give it
			    * back unanswered (used length 0) and go on */
	VIRTQ_BAD_RING,    /* the rings themselves make no sense: the queue
			    * stops until the driver resets the device */
};

/* Whether the layout the driver wrote (size, three addresses) can be used:
 * each part wholly in RAM and aligned as section 2.6 says. */
bool virtq_layout_ok(const struct virtq *q, const struct guest_memory *mem);

/* Takes the next chain from the available ring.  On a bad chain or ring,
 * *why says what was wrong (for --stats and the tests). */
enum virtq_pop_result virtq_pop(struct virtq *q, const struct guest_memory *mem,
				struct virtq_chain *chain, const char **why);

/* Gives back the chain just taken, untouched, to be taken again later
 * (the device had nothing to put in it yet). */
void virtq_unpop(struct virtq *q);

/* Returns chain head to the driver with the number of bytes written into
 * its buffers. */
void virtq_push(struct virtq *q, const struct guest_memory *mem, uint16_t head,
		uint32_t written);

/* Copies len bytes from offset within the chain's readable part (or into
 * its writable part), whatever the buffers' sizes; false if the part is
 * shorter.  A device must not assume how the driver split a request
 * (section 2.6.4). */
bool virtq_read(const struct virtq_chain *chain, uint64_t offset, void *out,
		uint64_t len);
bool virtq_write(const struct virtq_chain *chain, uint64_t offset,
		 const void *in, uint64_t len);

#endif
