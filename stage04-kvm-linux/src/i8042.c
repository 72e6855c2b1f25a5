/* i8042.c - how a PC without ACPI reboots, and what its kernel asks first.
 *
 * The keyboard controller's output port drives the CPU's reset line, and
 * command 0xfe pulses it.  With reboot=k on its command line, Linux
 * reboots that way: it waits until the controller's input buffer is empty
 * (status bit 1 clear on port 0x64), then writes 0xfe to port 0x64.  The
 * monitor has no CPU to reset: it takes the pulse as the end of the VM.
 *
 * While booting, Linux's i8042 driver reads the controller's configuration
 * byte (command 0x20) and runs its self-test (0xaa, answer 0x55).  A
 * controller that never answers costs the boot a second of timeouts, so
 * those few commands are answered; there is no keyboard behind it, and
 * bytes meant for one are dropped.
 */
#include "i8042.h"

#include <string.h>

enum {
	STATUS_OUTPUT_FULL = 0x01,        /* a byte waits at port 0x60 */
	STATUS_SYSTEM = 0x04,             /* the self-test has passed */
	STATUS_UNLOCKED = 0x10,           /* the keyboard is not locked */
	CMD_READ_CONTROL = 0x20,
	CMD_WRITE_CONTROL = 0x60,
	CMD_SELF_TEST = 0xaa,
	CMD_TEST_KEYBOARD_PORT = 0xab,
	CMD_WRITE_OUTPUT_PORT = 0xd1,
	CMD_PULSE_RESET = 0xfe,
	SELF_TEST_PASSED = 0x55,
	PORT_TEST_PASSED = 0x00,
};

static void answer(struct i8042 *i8042, uint8_t byte)
{
	i8042->output = byte;
	i8042->output_full = true;
}

void i8042_data_io(void *device, uint16_t offset, bool is_write, uint8_t *data,
		   uint32_t size)
{
	struct i8042 *i8042 = device;

	(void)offset;
	if (!is_write) {
		memset(data, 0, size);
		data[0] = i8042->output;
		i8042->output_full = false;
		return;
	}
	if (i8042->pending == CMD_WRITE_CONTROL)
		i8042->control = data[0];
	i8042->pending = 0;       /* otherwise: for the keyboard, which is absent */
}

/* ANCHOR: i8042-reset */
void i8042_command_io(void *device, uint16_t offset, bool is_write, uint8_t *data,
		      uint32_t size)
{
	struct i8042 *i8042 = device;

	(void)offset;
	if (!is_write) {
		/* Input buffer (bit 1) always empty: commands take effect at once. */
		memset(data, 0, size);
		data[0] = STATUS_SYSTEM | STATUS_UNLOCKED |
			  (i8042->output_full ? STATUS_OUTPUT_FULL : 0);
		return;
	}
	switch (data[0]) {
	case CMD_PULSE_RESET:
		i8042->reset_requested = true;
		break;
	case CMD_READ_CONTROL:
		answer(i8042, i8042->control);
		break;
	case CMD_SELF_TEST:
		answer(i8042, SELF_TEST_PASSED);
		break;
	case CMD_TEST_KEYBOARD_PORT:
		answer(i8042, PORT_TEST_PASSED);
		break;
	case CMD_WRITE_CONTROL:
	case CMD_WRITE_OUTPUT_PORT:
		i8042->pending = data[0];
		break;
	default:
		break;               /* enable/disable ports and the like: nothing to do */
	}
}
/* ANCHOR_END: i8042-reset */
