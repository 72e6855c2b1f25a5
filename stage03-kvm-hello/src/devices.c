/* devices.c - three tiny devices, and the table that finds them.
 *
 * These are not real hardware: just enough for a guest to write and read
 * bytes.  Stage 4 replaces the first two by a real 16550A UART.  Adding a
 * device means writing a handler and adding one row to the table.
 */
#include "devices.h"

#include <stdio.h>
#include <string.h>

#include "base/diag.h"

static void serial_out(uint16_t port, bool is_write, uint8_t *data, int size)
{
	(void)port;
	if (is_write)
		putchar(data[0]);
	else
		memset(data, 0xff, size);
}

static void debug_out(uint16_t port, bool is_write, uint8_t *data, int size)
{
	(void)port;
	if (is_write) {
		fputc(data[0], stderr);
		return;
	}
/* BEGIN EXERCISE ex4.1 */
	memset(data, 0, size);
	data[0] = DEBUG_PORT;           /* how a guest tells the port is there */
/* STUB ex4.1
	memset(data, 0xff, size);
	exercise_pending("ex4.1");
END STUB */
/* END EXERCISE ex4.1 */
}

/* A read gives the next byte of stdin, zero-extended to the access size,
 * or all ones (0xff, 0xffff, ...) once stdin has no more. */
static void input(uint16_t port, bool is_write, uint8_t *data, int size)
{
	int c;

	(void)port;
	if (is_write)
		return;
	flush_stdout();                 /* a prompt should show before we wait */
	c = getchar();
	memset(data, c == EOF ? 0xff : 0, size);
	if (c != EOF)
		data[0] = (uint8_t)c;
}

/* Bit 0 of a read: a byte of stdin is waiting (the 16550's "data ready"). */
static void input_status(uint16_t port, bool is_write, uint8_t *data, int size)
{
	(void)port;
	if (is_write)
		return;
	memset(data, 0, size);
/* BEGIN EXERCISE ex4.2 */
	int c;

	flush_stdout();
	c = getchar();
	if (c != EOF) {
		ungetc(c, stdin);
		data[0] = 1;
	}
/* STUB ex4.2
	exercise_pending("ex4.2");
END STUB */
/* END EXERCISE ex4.2 */
}

/* ANCHOR: device-table */
static const struct port_device devices[] = {
	{ SERIAL_OUT_PORT, 1, "serial", serial_out },
	{ INPUT_PORT,      1, "input",  input },
	{ INPUT_STATUS_PORT, 1, "input status", input_status },
	{ DEBUG_PORT,      1, "debug",  debug_out },
};
/* ANCHOR_END: device-table */

const struct port_device *find_port_device(uint16_t port)
{
	for (size_t i = 0; i < sizeof(devices) / sizeof(devices[0]); i++)
		if (port >= devices[i].base && port - devices[i].base < devices[i].length)
			return &devices[i];
	return NULL;
}
