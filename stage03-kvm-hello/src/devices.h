/* devices.h - the guest's I/O ports, as a table of devices. */
#ifndef KVM_HELLO_DEVICES_H
#define KVM_HELLO_DEVICES_H

#include <stdbool.h>
#include <stdint.h>

enum {
	SERIAL_OUT_PORT = 0x3f8,   /* out: a byte to stdout */
	INPUT_PORT = 0x3f9,        /* in: the next byte of stdin, or all ones */
	INPUT_STATUS_PORT = 0x3fa, /* in: bit 0 set when input is waiting */
	DEBUG_PORT = 0xe9,         /* out: a byte to stderr (Bochs/QEMU's port) */
	SCRATCH_MMIO = 0xe0000000, /* an 8-byte MMIO register that keeps a value */
};

/* One access of size bytes (1, 2 or 4) at port: data holds what the guest
 * wrote, or receives what it reads. */
typedef void port_handler(uint16_t port, bool is_write, uint8_t *data, int size);

struct port_device {
	uint16_t base, length;
	const char *name;
	port_handler *io;
};

/* The device at port, or NULL when nothing is there. */
const struct port_device *find_port_device(uint16_t port);

#endif
