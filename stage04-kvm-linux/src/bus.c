/* bus.c - one table from ports to devices.
 *
 * A PC's devices answer at fixed port numbers.  A guest kernel probes many
 * more than we model (the CMOS clock, a second serial port, a floppy
 * controller...): those accesses are not errors.  Reads return all ones,
 * what an ISA bus with nothing plugged in returns, and the kernel's probe
 * concludes the device is absent.  Counting them by port shows, in
 * --stats, exactly what the kernel looked for.
 */
#include "bus.h"

#include <string.h>

enum bus_add_result bus_add(struct bus *bus, const char *name, uint16_t base,
			    uint16_t count, port_handler *handler, void *device)
{
	if (count == 0 || (uint32_t)base + count > 0x10000)
		return BUS_EMPTY_RANGE;
	for (uint32_t port = base; port < (uint32_t)base + count; port++)
		if (bus_find(bus, (uint16_t)port))
			return BUS_OVERLAP;
	if (bus->nranges == BUS_MAX_DEVICES)
		return BUS_FULL;
	bus->ranges[bus->nranges++] = (struct port_range){
		.name = name, .base = base, .count = count,
		.handler = handler, .device = device,
	};
	return BUS_ADDED;
}

const char *bus_add_error(enum bus_add_result result)
{
	static const char *const messages[] = {
		[BUS_ADDED] = "no error",
		[BUS_FULL] = "the device table is full",
		[BUS_OVERLAP] = "two devices claim the same port",
		[BUS_EMPTY_RANGE] = "a device's ports are empty or run past 0xffff",
	};
	return messages[result];
}

/* ANCHOR: bus-find */
const struct port_range *bus_find(const struct bus *bus, uint16_t port)
{
	for (int i = 0; i < bus->nranges; i++) {
		const struct port_range *r = &bus->ranges[i];

		if (port >= r->base && port - r->base < r->count)
			return r;
	}
	return NULL;
}
/* ANCHOR_END: bus-find */

void bus_port_io(struct bus *bus, const struct port_range *r, uint16_t port,
		 bool is_write, uint8_t *data, uint32_t size)
{
	pthread_mutex_lock(&bus->lock);
	if (r) {
		r->handler(r->device, (uint16_t)(port - r->base), is_write, data, size);
	} else {
		bus->unhandled_ports[port]++;
		if (!is_write)
			memset(data, 0xff, size);
	}
	pthread_mutex_unlock(&bus->lock);
}

enum bus_add_result bus_add_mmio(struct bus *bus, const char *name, uint64_t base,
				 uint64_t size, mmio_handler *handler, void *device)
{
	if (size == 0 || base + size < base)
		return BUS_EMPTY_RANGE;
	for (int i = 0; i < bus->nwindows; i++) {
		const struct mmio_range *w = &bus->windows[i];

		if (base < w->base + w->size && w->base < base + size)
			return BUS_OVERLAP;
	}
	if (bus->nwindows == BUS_MAX_DEVICES)
		return BUS_FULL;
	bus->windows[bus->nwindows++] = (struct mmio_range){
		.name = name, .base = base, .size = size, .handler = handler, .device = device,
	};
	return BUS_ADDED;
}

const struct mmio_range *bus_find_mmio(const struct bus *bus, uint64_t addr)
{
	for (int i = 0; i < bus->nwindows; i++) {
		const struct mmio_range *w = &bus->windows[i];

		if (addr >= w->base && addr - w->base < w->size)
			return w;
	}
	return NULL;
}

void bus_mmio(struct bus *bus, uint64_t addr, bool is_write, uint8_t *data, uint32_t len)
{
	const struct mmio_range *w = bus_find_mmio(bus, addr);

	if (w && len <= w->size - (addr - w->base)) {
		w->handler(w->device, addr - w->base, is_write, data, len);
		return;
	}
	__atomic_fetch_add(&bus->unhandled_mmio, 1, __ATOMIC_RELAXED);   /* any vCPU */
	if (!is_write)
		memset(data, 0xff, len);
}
