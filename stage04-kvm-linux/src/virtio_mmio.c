/* virtio_mmio.c - the register window of a virtio-mmio device (virtio 1.1,
 * section 4.2.2), as Linux's drivers/virtio/virtio_mmio.c drives it:
 *
 *   0x000 MagicValue "virt"  0x004 Version 2      0x008 DeviceID  0x00c VendorID
 *   0x010 DeviceFeatures     0x014 ...Sel         0x020 DriverFeatures, 0x024 ...Sel
 *   0x030 QueueSel   0x034 QueueNumMax   0x038 QueueNum   0x044 QueueReady
 *   0x050 QueueNotify        0x060 InterruptStatus        0x064 InterruptACK
 *   0x070 Status     0x080/84 QueueDesc  0x090/94 QueueDriver  0x0a0/a4 QueueDevice
 *   0x0fc ConfigGeneration   0x100... the device's configuration space
 *
 * Registers are 32 bits wide and the driver must access them so (section
 * 4.2.2.2); any other access to one reads as zero and writes nothing.
 */
#include "virtio_mmio.h"

#include <string.h>

#include "base/le.h"

enum {
	REG_MAGIC = 0x000, REG_VERSION = 0x004, REG_DEVICE_ID = 0x008,
	REG_VENDOR_ID = 0x00c, REG_DEVICE_FEATURES = 0x010,
	REG_DEVICE_FEATURES_SEL = 0x014, REG_DRIVER_FEATURES = 0x020,
	REG_DRIVER_FEATURES_SEL = 0x024, REG_QUEUE_SEL = 0x030,
	REG_QUEUE_NUM_MAX = 0x034, REG_QUEUE_NUM = 0x038, REG_QUEUE_READY = 0x044,
	REG_QUEUE_NOTIFY = VIRTIO_MMIO_QUEUE_NOTIFY, REG_INTERRUPT_STATUS = 0x060,
	REG_INTERRUPT_ACK = 0x064, REG_STATUS = 0x070,
	REG_QUEUE_DESC_LOW = 0x080, REG_QUEUE_DESC_HIGH = 0x084,
	REG_QUEUE_DRIVER_LOW = 0x090, REG_QUEUE_DRIVER_HIGH = 0x094,
	REG_QUEUE_DEVICE_LOW = 0x0a0, REG_QUEUE_DEVICE_HIGH = 0x0a4,
	REG_CONFIG_GENERATION = 0x0fc, REG_CONFIG = 0x100,

	MAGIC_VALUE = 0x74726976,        /* "virt", little-endian */
	MMIO_VERSION = 2,                /* the modern, virtio 1.x interface */
	VENDOR_ID = 0x4b495453,          /* "STIK": any value will do */
	INTERRUPT_USED_BUFFER = 1, INTERRUPT_CONFIG_CHANGE = 2,
};

void virtio_mmio_init(struct virtio_mmio *t, const struct virtio_device_ops *ops,
		      void *device, uint64_t device_features,
		      const struct guest_memory *mem, virtio_irq_line *irq_line,
		      void *irq_context)
{
	memset(t, 0, sizeof(*t));
	pthread_mutex_init(&t->lock, NULL);
	t->ops = ops;
	t->device = device;
	t->device_features = device_features | VIRTIO_F_VERSION_1;
	t->mem = mem;
	t->irq_line = irq_line;
	t->irq_context = irq_context;
}

static void update_irq(struct virtio_mmio *t)
{
	t->irq_line(t->irq_context, t->interrupt_status != 0);
}

/* Writing 0 to Status resets the device: everything the driver set goes
 * back to its initial value (section 4.2.2.1). */
static void reset(struct virtio_mmio *t)
{
	t->driver_features = 0;
	t->device_features_sel = t->driver_features_sel = t->queue_sel = 0;
	t->status = 0;
	t->interrupt_status = 0;
	memset(t->queues, 0, sizeof(t->queues));
	t->ops->reset(t->device);
	update_irq(t);
}

/* Features are negotiated once: the driver may accept only what the device
 * offered, and must accept VERSION_1 from a modern device; FEATURES_OK
 * stays clear otherwise, which tells the driver so (section 3.1.1). */
static void write_status(struct virtio_mmio *t, uint32_t value)
{
	if (value == 0) {
		reset(t);
		return;
	}
	if ((value & VIRTIO_STATUS_FEATURES_OK) && !(t->status & VIRTIO_STATUS_FEATURES_OK) &&
	    ((t->driver_features & ~t->device_features) ||
	     !(t->driver_features & VIRTIO_F_VERSION_1)))
		value &= ~(uint32_t)VIRTIO_STATUS_FEATURES_OK;
	t->status = value & 0xff;
}

static struct virtq *selected(struct virtio_mmio *t)
{
	return t->queue_sel < t->ops->queues ? &t->queues[t->queue_sel] : NULL;
}

/* The queue's registers can change only while it is not ready; making it
 * ready checks the layout once, for every later use. */
static void write_queue(struct virtio_mmio *t, uint64_t reg, uint32_t value)
{
	struct virtq *q = selected(t);

	if (!q || (q->ready && reg != REG_QUEUE_READY))
		return;
	switch (reg) {
	case REG_QUEUE_NUM: q->size = (uint16_t)(value <= VIRTQ_MAX_SIZE ? value : 0); break;
	case REG_QUEUE_DESC_LOW: q->desc = (q->desc & ~0xffffffffull) | value; break;
	case REG_QUEUE_DESC_HIGH: q->desc = (q->desc & 0xffffffffull) | (uint64_t)value << 32; break;
	case REG_QUEUE_DRIVER_LOW: q->avail = (q->avail & ~0xffffffffull) | value; break;
	case REG_QUEUE_DRIVER_HIGH: q->avail = (q->avail & 0xffffffffull) | (uint64_t)value << 32; break;
	case REG_QUEUE_DEVICE_LOW: q->used = (q->used & ~0xffffffffull) | value; break;
	case REG_QUEUE_DEVICE_HIGH: q->used = (q->used & 0xffffffffull) | (uint64_t)value << 32; break;
	case REG_QUEUE_READY:
		if (!value)
			q->ready = false;
		else if (virtq_layout_ok(q, t->mem))
			q->ready = true;
		else
			t->last_error = "a queue's layout is not inside guest RAM or misaligned";
		break;
	default: break;
	}
}

static void notify(struct virtio_mmio *t, uint32_t queue)
{
	if (!(t->status & VIRTIO_STATUS_DRIVER_OK) || (t->status & VIRTIO_STATUS_NEEDS_RESET) ||
	    queue >= t->ops->queues || !t->queues[queue].ready)
		return;
	t->ops->notify(t->device, t, queue);
}

static void write_register(struct virtio_mmio *t, uint64_t reg, uint32_t value)
{
	switch (reg) {
	case REG_DEVICE_FEATURES_SEL: t->device_features_sel = value; break;
	case REG_DRIVER_FEATURES_SEL: t->driver_features_sel = value; break;
	case REG_DRIVER_FEATURES:
		/* Only while negotiating: after FEATURES_OK they are fixed. */
		if (t->driver_features_sel < 2 && !(t->status & VIRTIO_STATUS_FEATURES_OK)) {
			unsigned shift = 32 * t->driver_features_sel;

			t->driver_features = (t->driver_features & ~(0xffffffffull << shift)) |
					     (uint64_t)value << shift;
		}
		break;
	case REG_QUEUE_SEL: t->queue_sel = value; break;
	case REG_QUEUE_NOTIFY:
		t->notify_exits++;
		notify(t, value);
		break;
	case REG_INTERRUPT_ACK:
		t->interrupt_status &= ~value;
		update_irq(t);
		break;
	case REG_STATUS: write_status(t, value); break;
	default: write_queue(t, reg, value); break;
	}
}

static uint32_t read_register(struct virtio_mmio *t, uint64_t reg)
{
	struct virtq *q = selected(t);

	switch (reg) {
	case REG_MAGIC: return MAGIC_VALUE;
	case REG_VERSION: return MMIO_VERSION;
	case REG_DEVICE_ID: return t->ops->device_id;
	case REG_VENDOR_ID: return VENDOR_ID;
	case REG_DEVICE_FEATURES:
		return t->device_features_sel < 2 ?
		       (uint32_t)(t->device_features >> (32 * t->device_features_sel)) : 0;
	case REG_QUEUE_NUM_MAX: return q ? VIRTQ_MAX_SIZE : 0;
	case REG_QUEUE_READY: return q && q->ready;
	case REG_INTERRUPT_STATUS: return t->interrupt_status;
	case REG_STATUS: return t->status;
	case REG_CONFIG_GENERATION: return t->config_generation;
	default: return 0;               /* write-only or unknown */
	}
}

/* ANCHOR: virtio-mmio-access */
void virtio_mmio_access(struct virtio_mmio *t, uint64_t offset, bool is_write,
			uint8_t *data, uint32_t len)
{
	pthread_mutex_lock(&t->lock);
	t->mmio_exits++;
	if (offset >= REG_CONFIG) {
		uint64_t at = offset - REG_CONFIG;
		bool inside = len <= t->ops->config_size && at <= t->ops->config_size - len;

		if (inside && is_write)
			t->ops->config_write(t->device, (uint32_t)at, data, len);
		else if (inside)
			t->ops->config_read(t->device, (uint32_t)at, data, len);
		else if (!is_write)
			memset(data, 0, len);
	} else if (len != 4 || offset % 4) {
		if (!is_write)
			memset(data, 0, len);
	} else if (is_write) {
		write_register(t, offset, le_get32(data));
	} else {
		le_put32(data, read_register(t, offset));
	}
	pthread_mutex_unlock(&t->lock);
}
/* ANCHOR_END: virtio-mmio-access */

void virtio_mmio_notify(struct virtio_mmio *t, unsigned queue)
{
	pthread_mutex_lock(&t->lock);
	t->eventfd_notifies++;
	notify(t, queue);
	pthread_mutex_unlock(&t->lock);
}

void virtio_mmio_used(struct virtio_mmio *t)
{
	t->interrupt_status |= INTERRUPT_USED_BUFFER;
	update_irq(t);
}

/* A ring that makes no sense stops the device: DEVICE_NEEDS_RESET and a
 * configuration-change interrupt tell the driver (section 2.1.2). */
static void needs_reset(struct virtio_mmio *t, const char *why)
{
	t->last_error = why;
	t->status |= VIRTIO_STATUS_NEEDS_RESET;
	t->interrupt_status |= INTERRUPT_CONFIG_CHANGE;
	update_irq(t);
}

/* ANCHOR: virtio-serve-queue */
void virtio_mmio_serve_queue(struct virtio_mmio *t, unsigned queue, virtio_serve *serve,
			     void *device)
{
	struct virtq_chain chain;
	struct virtq *q = &t->queues[queue];
	bool answered = false;
	const char *why = NULL;

	for (;;) {
		enum virtq_pop_result got = virtq_pop(q, t->mem, &chain, &why);

		if (got == VIRTQ_EMPTY)
			break;
		if (got == VIRTQ_BAD_RING) {
			needs_reset(t, why);
			break;
		}
		if (got == VIRTQ_BAD_CHAIN) {
			t->bad_requests++;
			t->last_error = why;
			virtq_push(q, t->mem, chain.head, 0);
		} else {
			virtq_push(q, t->mem, chain.head, serve(device, &chain));
		}
		answered = true;
	}
	if (answered)
		virtio_mmio_used(t);
}
/* ANCHOR_END: virtio-serve-queue */
