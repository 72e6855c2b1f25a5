/* line_table.h - where each instruction of a compiled program came from.
 *
 * A Toy back end writes assembly in which `.line L C` says that the code
 * after it comes from line L, column C of the .toy file; the assembler
 * records, for each instruction that starts a new position, an entry
 * (pc, line, col).  An instruction's position is that of the last entry at
 * or before it, so a run-time fault can name `file.toy:line:col`, as clox's
 * chunks let it say `[line N]`.  Both machines keep the table, in memory and
 * at the end of their bytecode files, in the same shape:
 *
 *   size  field (integers little-endian)
 *   4     tag "LINE"
 *   4     entry_count (at least 1, at most one per unit of code)
 *   2     name_length (at most LINE_TABLE_MAX_SOURCE)
 *   n     the source file's name: printable ASCII, no '"' or '\'
 *   12*k  entries: u32 pc (bytes on the stack machine, words on the
 *         register machine), u32 line, u32 col
 *
 * The pcs increase strictly, are inside the code, and each starts an
 * instruction (the verifier checks that); lines and columns are 1 to
 * LINE_TABLE_MAX_POSITION, and no entry repeats the position of the one
 * before it, so that a table has one spelling and `dis` then `asm` gives
 * back the same bytes.
 */
#ifndef COMMON_LINE_TABLE_H
#define COMMON_LINE_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "base/diag.h"

enum {
	LINE_TABLE_MAX_SOURCE = 255,           /* bytes of the source's name */
	LINE_TABLE_MAX_POSITION = INT32_MAX,   /* a line or a column */
	LINE_TABLE_HEADER_SIZE = 10,
	LINE_TABLE_ENTRY_SIZE = 12,
};

/* The largest table code of units units can have, in bytes of a file. */
#define LINE_TABLE_MAX_FILE_SIZE(units) \
	(LINE_TABLE_HEADER_SIZE + LINE_TABLE_MAX_SOURCE + \
	 (size_t)(units) * LINE_TABLE_ENTRY_SIZE)

struct line_entry {
	uint32_t pc, line, col;
};

struct line_table {
	struct line_entry *entries;        /* by increasing pc */
	uint32_t count, capacity;
	char source[LINE_TABLE_MAX_SOURCE + 1];   /* "" when not known */
};

/* Notes that the instruction at pc (past every pc noted before) comes from
 * line:col; nothing is added when that is the position already in force.
 * Returns 0, or -1 when out of memory. */
int line_table_note(struct line_table *t, uint32_t pc, uint32_t line, uint32_t col);

/* The entry in force at pc, or NULL when there is none. */
const struct line_entry *line_table_find(const struct line_table *t, uint32_t pc);

/* Puts a `.source "NAME"` line in front of a compiler's assembly text (and
 * frees it): NAME is name cut to LINE_TABLE_MAX_SOURCE bytes, with every
 * character a table may not hold replaced by '?'.  NULL when out of memory. */
char *line_table_name_source(const char *name, char *assembly);

/* The name to print a position of the table under: its source's, or
 * otherwise (the file the program was read from) when it has none. */
const char *line_table_source(const struct line_table *t, const char *otherwise);

/* May a table's source name hold the byte c? */
int line_table_source_char(unsigned char c);

/* Bytes the table takes in a file: 0 when it has no entries (and is left
 * out).  line_table_write() writes exactly that many. */
size_t line_table_file_size(const struct line_table *t);
void line_table_write(const struct line_table *t, uint8_t *p);

/* The disassemblers' part, so that what they write assembles back to the
 * same table: `.source "NAME"` once (when the table has entries and a
 * name), and before the instruction at pc, `.line L C` when an entry starts
 * there (*next is the entry to look for, 0 at the start; pcs ascending). */
void line_table_print_source(const struct line_table *t, FILE *out);
void line_table_print_at(const struct line_table *t, uint32_t *next, uint32_t pc,
			 FILE *out);

/* Reads a table that fills data[0, size) exactly, for code of code_units
 * units.  Returns 0, or -1 with err set (and t empty). */
int line_table_read(struct line_table *t, const uint8_t *data, size_t size,
		    uint32_t code_units, struct error_report *err);

/* The verifier's part: does every entry's pc start an instruction?
 * Returns 0, or -1 with err set. */
int line_table_check_starts(const struct line_table *t, const bool *is_start,
			    struct error_report *err);

void line_table_free(struct line_table *t);

#endif
