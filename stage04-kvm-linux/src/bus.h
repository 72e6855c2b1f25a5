/* bus.h - the dispatch tables: which device answers which ports, which
 * answers which MMIO window, and a count of every access nothing answers. */
#ifndef KVM_LINUX_BUS_H
#define KVM_LINUX_BUS_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

/* A device's handler: offset is the port minus the device's base; data
 * holds size bytes (1, 2 or 4), written by the guest or to be filled. */
typedef void port_handler(void *device, uint16_t offset, bool is_write,
			  uint8_t *data, uint32_t size);

struct port_range {
	const char *name;
	uint16_t base, count;
	port_handler *handler;
	void *device;
};

/* An MMIO device's handler: offset from the window's base, len bytes
 * (1 to 8, a KVM MMIO exit's size). */
typedef void mmio_handler(void *device, uint64_t offset, bool is_write,
			  uint8_t *data, uint32_t len);

struct mmio_range {
	const char *name;
	uint64_t base, size;
	mmio_handler *handler;
	void *device;
};

enum { BUS_MAX_DEVICES = 8 };

struct bus {
	/* Port devices but the UART have no lock of their own: with several
	 * vCPUs, each port access is one step under this one. */
	pthread_mutex_t lock;
	struct port_range ranges[BUS_MAX_DEVICES];
	int nranges;
	struct mmio_range windows[BUS_MAX_DEVICES];
	int nwindows;
	uint32_t unhandled_ports[65536];   /* accesses to each port with no device */
	uint64_t unhandled_mmio;           /* MMIO accesses outside every window */
};

enum bus_add_result {
	BUS_ADDED,
	BUS_FULL,            /* BUS_MAX_DEVICES are on the bus already */
	BUS_OVERLAP,         /* a port of the range is another device's */
	BUS_EMPTY_RANGE,     /* count is 0, or the range runs past port 0xffff */
};

/* Adds a device answering count ports from base. */
enum bus_add_result bus_add(struct bus *bus, const char *name, uint16_t base,
			    uint16_t count, port_handler *handler, void *device);

/* What went wrong, for a message: "the device table is full", ... */
const char *bus_add_error(enum bus_add_result result);

/* The device at port, or NULL. */
const struct port_range *bus_find(const struct bus *bus, uint16_t port);

/* One port access to range r, the device bus_find() found at port: to
 * its handler, or, when r is NULL, reads see all ones, writes are dropped,
 * and the port's count goes up. */
void bus_port_io(struct bus *bus, const struct port_range *r, uint16_t port,
		 bool is_write, uint8_t *data, uint32_t size);

/* Adds a device answering the MMIO window [base, base + size). */
enum bus_add_result bus_add_mmio(struct bus *bus, const char *name, uint64_t base,
				 uint64_t size, mmio_handler *handler, void *device);

/* The device whose window holds addr, or NULL. */
const struct mmio_range *bus_find_mmio(const struct bus *bus, uint64_t addr);

/* One MMIO access: to the device whose window holds all len bytes, or
 * else reads see all ones, writes are dropped, and it is counted. */
void bus_mmio(struct bus *bus, uint64_t addr, bool is_write, uint8_t *data, uint32_t len);

#endif
