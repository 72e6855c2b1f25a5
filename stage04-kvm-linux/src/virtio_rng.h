/* virtio_rng.h - a virtio entropy device (virtio 1.1, section 5.4): one
 * queue of buffers the driver posts empty and the device fills with random
 * bytes from the host's kernel.  Linux's driver (HW_RANDOM_VIRTIO) feeds
 * them to /dev/hwrng and the guest's entropy pool. */
#ifndef KVM_LINUX_VIRTIO_RNG_H
#define KVM_LINUX_VIRTIO_RNG_H

#include <stdint.h>

#include "virtio_mmio.h"

struct virtio_rng {
	struct virtio_mmio transport;
	uint64_t requests, bytes;        /* served, for --stats */
};

/* Connects the device to its transport: guest memory and interrupt line. */
void virtio_rng_attach(struct virtio_rng *rng, const struct guest_memory *mem,
		       virtio_irq_line *irq_line, void *irq_context);

/* One request: fills the chain's writable buffers with random bytes and
 * returns how many it wrote, for the used ring. */
uint32_t virtio_rng_serve(void *rng, const struct virtq_chain *chain);

#endif
