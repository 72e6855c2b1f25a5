/* virtio_rng.c - the entropy device: random bytes into the guest's buffers.
 *
 * The simplest virtio device there is: no features of its own, no
 * configuration space, one queue.  The driver posts writable buffers; the
 * device fills them from getrandom(), the host kernel's generator, and
 * gives them back.  A guest that boots with no other entropy source (no
 * disk timings, no keyboard, a CPU whose RDRAND it may not trust) can seed
 * its pool from it early.
 */
#include "virtio_rng.h"

#include <string.h>
#include <sys/random.h>

#include "base/diag.h"

static void no_config(void *device, uint32_t offset, uint8_t *data, uint32_t len)
{
	(void)device, (void)offset, (void)data, (void)len;
}

static void no_config_write(void *device, uint32_t offset, const uint8_t *data, uint32_t len)
{
	(void)device, (void)offset, (void)data, (void)len;
}

static void notify(void *device, struct virtio_mmio *t, unsigned queue)
{
	virtio_mmio_serve_queue(t, queue, virtio_rng_serve, device);
}

static void reset(void *device)
{
	(void)device;                    /* nothing is kept between requests */
}

static const struct virtio_device_ops rng_ops = {
	.device_id = VIRTIO_ID_RNG, .queues = 1, .config_size = 0,
	.config_read = no_config, .config_write = no_config_write,
	.notify = notify, .reset = reset,
};

void virtio_rng_attach(struct virtio_rng *rng, const struct guest_memory *mem,
		       virtio_irq_line *irq_line, void *irq_context)
{
	memset(rng, 0, sizeof(*rng));
	virtio_mmio_init(&rng->transport, &rng_ops, rng, 0, mem, irq_line, irq_context);
}

/* Section 5.4.6: the device fills the buffers the driver may read back,
 * the writable ones, and nothing else (a readable buffer is the driver's
 * memory, which the device has no business writing). */
uint32_t virtio_rng_serve(void *device, const struct virtq_chain *chain)
{
	struct virtio_rng *rng = device;
	uint64_t written = 0;

	rng->requests++;
/* BEGIN EXERCISE ex5.7 */
	for (uint16_t i = chain->readable; i < chain->readable + chain->writable; i++) {
		const struct virtq_buffer *b = &chain->buf[i];
		/* Up to 256 bytes getrandom() always gives all it was asked;
		 * above, a signal can cut it short. */
		ssize_t got = getrandom(b->host, b->len, 0);

		if (got > 0)
			written += (uint64_t)got;
		if (got != (ssize_t)b->len)
			break;           /* the used length counts from the first byte */
	}
/* STUB ex5.7
	(void)chain;
	exercise_pending("ex5.7");
END STUB */
/* END EXERCISE ex5.7 */
	rng->bytes += written;
	return (uint32_t)written;
}
