/* i8042.c - how a PC without ACPI reboots.
 *
 * The keyboard controller's output port drives the CPU's reset line, and
 * command 0xfe pulses it.  With reboot=k on its command line, Linux
 * reboots that way: it waits until the controller's input buffer is empty
 * (status bit 1 clear on port 0x64), then writes 0xfe to port 0x64.  The
 * monitor has no CPU to reset: it takes the pulse as the end of the VM.
 * There is no keyboard: status reads say both buffers are empty, data
 * reads return 0.
 */
#include "i8042.h"

#include <string.h>

enum { CMD_PULSE_RESET = 0xfe, STATUS_BUFFERS_EMPTY = 0x00 };

void i8042_data_io(void *i8042, uint16_t offset, bool is_write, uint8_t *data,
		   uint32_t size)
{
	(void)i8042;
	(void)offset;
	if (!is_write)
		memset(data, 0, size);
}

/* ANCHOR: i8042-reset */
void i8042_command_io(void *device, uint16_t offset, bool is_write, uint8_t *data,
		      uint32_t size)
{
	struct i8042 *i8042 = device;

	(void)offset;
	if (!is_write)
		memset(data, STATUS_BUFFERS_EMPTY, size);
	else if (data[0] == CMD_PULSE_RESET)
		i8042->reset_requested = true;
}
/* ANCHOR_END: i8042-reset */
