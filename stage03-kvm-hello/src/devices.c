/* devices.c - three tiny devices, and the table that finds them.
 *
 * These are not real hardware: just enough for a guest to write and read
 * bytes.  Stage 4 replaces the first two by a real 16550A UART.  Adding a
 * device means writing a handler and adding one row to the table.
 */
#include "devices.h"

#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

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

/* Standard input, read with read() (not stdio, whose buffer poll() cannot
 * see), with room for one byte read ahead: the status port reads a byte to
 * learn that one is waiting, and the input port then hands it over. */
static int lookahead = EOF;
static bool input_ended;

/* Blocks until the next byte of stdin, or EOF at its end (or an error). */
static int next_byte(void)
{
	unsigned char c;
	ssize_t n;

	if (input_ended)
		return EOF;
	n = read(STDIN_FILENO, &c, 1);
	if (n == 0)
		input_ended = true;
	return n == 1 ? c : EOF;
}

/* Would a read of stdin return at once (a byte, or the end)?  Never waits:
 * a guest polling for input must not stall on a slow writer. */
static bool input_ready(void)
{
	struct pollfd fd = { .fd = STDIN_FILENO, .events = POLLIN };

	return !input_ended && poll(&fd, 1, 0) == 1;
}

/* A read gives the next byte of stdin, zero-extended to the access size,
 * or all ones (0xff, 0xffff, ...) once stdin has no more. */
static void input(uint16_t port, bool is_write, uint8_t *data, int size)
{
	int c = lookahead;

	(void)port;
	if (is_write)
		return;
	flush_stdout();                 /* a prompt should show before we wait */
	if (c == EOF)
		c = next_byte();
	lookahead = EOF;
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
	flush_stdout();
/* BEGIN EXERCISE ex4.2 */
	if (lookahead == EOF && input_ready())
		lookahead = next_byte();
	if (lookahead != EOF)
		data[0] = 1;
/* STUB ex4.2
	(void)input_ready;
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
