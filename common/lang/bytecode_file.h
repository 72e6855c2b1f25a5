/* bytecode_file.h - what both machines' bytecode files have alike (their
 * program.h gives each whole format): a header that starts with a 4-byte
 * magic and a 16-bit version (then 16 bits of 0), a function table of
 * 8-byte entries, and after the code an optional line table.
 *
 * Each check fills err and returns -1 on a bad file, 0 on a good one; the
 * caller has checked nothing before.
 */
#ifndef COMMON_BYTECODE_FILE_H
#define COMMON_BYTECODE_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "base/diag.h"
#include "lang/line_table.h"

struct bytecode_format {
	const char *magic;           /* 4 characters */
	unsigned version;
	size_t header_size;
};

/* One entry of the function table, 8 bytes: u32 entry, u16 arg_count, u16
 * frame (the stack machine's local count, the register machine's register
 * count). */
struct bytecode_function {
	uint32_t entry;
	uint16_t arg_count, frame;
};

/* Is the file as long as the header, with the magic and the version? */
int bytecode_check_start(const struct bytecode_format *f, const uint8_t *data,
			 size_t size, struct error_report *err);

/* Do the tables the header describes, end bytes of the file in all, fit? */
int bytecode_check_end(uint64_t end, size_t size, struct error_report *err);

/* Reads what follows the code, from code_end to size, as a line table
 * whose pcs are below code_units; nothing there is no table. */
int bytecode_read_lines(struct line_table *lines, const uint8_t *data, size_t code_end,
			size_t size, uint32_t code_units, struct error_report *err);

/* The verifiers' checks of a function table, in both machines' words:
 * function i's entry comes after the one before it (previous) and inside
 * the code, function 0's at 0; */
int bytecode_check_entry(uint32_t i, uint32_t entry, uint32_t previous, uint32_t code_end,
			 struct error_report *err);

/* and function 0, where a run starts, takes no arguments. */
int bytecode_check_first_function(uint16_t arg_count, struct error_report *err);

/* Writes the magic and the version at the start of a zeroed header. */
void bytecode_put_start(const struct bytecode_format *f, uint8_t *p);

struct bytecode_function bytecode_get_function(const uint8_t *p);
void bytecode_put_function(uint8_t *p, struct bytecode_function fn);

#endif
