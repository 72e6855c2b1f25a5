/* i8042.h - the PC keyboard controller, as far as booting and rebooting go. */
#ifndef KVM_LINUX_I8042_H
#define KVM_LINUX_I8042_H

#include <stdbool.h>
#include <stdint.h>

enum { I8042_DATA_PORT = 0x60, I8042_COMMAND_PORT = 0x64 };

struct i8042 {
	uint8_t control;         /* the controller's configuration byte ("CTR") */
	uint8_t output;          /* the byte waiting at the data port */
	bool output_full;        /* status bit 0: a byte is waiting */
	uint8_t pending;         /* a command waiting for its data byte, or 0 */
	bool reset_requested;    /* the guest asked the CPU to be reset */
};

void i8042_data_io(void *i8042, uint16_t offset, bool is_write, uint8_t *data,
		   uint32_t size);
void i8042_command_io(void *i8042, uint16_t offset, bool is_write, uint8_t *data,
		      uint32_t size);

#endif
