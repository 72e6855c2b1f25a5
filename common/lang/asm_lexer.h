/* asm_lexer.h - reading assembly text, shared by both machines' assemblers.
 *
 * Both assemblers read lines of the same shape: an optional label, a
 * mnemonic or directive, operands; `;` starts a comment.  This is the part
 * that does not depend on the instruction set: blanks, names, numbers
 * (decimal, 0x hex, 'c' characters), and errors with line and column.
 */
#ifndef COMMON_ASM_LEXER_H
#define COMMON_ASM_LEXER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/diag.h"
#include "lang/line_table.h"

enum { LEX_MAX_NAME = 64 };

struct lexer {
	const char *p, *end;     /* the text still to read */
	const char *line_start;
	int line;
	struct error_report *err;
	/* `.line L C` says that the code after it comes from line L, column C
	 * of the source a compiler read (a .toy file).  With cite_origin set,
	 * errors cite that position instead of the assembly text's own. */
	bool cite_origin;
	int origin_line, origin_col;
};

void lexer_init(struct lexer *lx, const char *src, size_t len,
		struct error_report *err);

/* The position errors at `at` cite: the assembly's line and column, or the
 * source's from the last `.line` when cite_origin is set. */
void lex_position(const struct lexer *lx, const char *at, int *line, int *col);

/* Reads the operands of `.line L C` (each 1 to LINE_TABLE_MAX_POSITION). */
int lex_line_directive(struct lexer *lx);

/* Reads the operand of `.source "NAME"`, the name of the file the `.line`
 * positions are in, into out (see line_table.h for the characters allowed). */
int lex_source_directive(struct lexer *lx, char out[LINE_TABLE_MAX_SOURCE + 1]);

/* Records an error at the position of at; returns -1. */
int lex_error(struct lexer *lx, const char *at, const char *fmt, ...)
	PRINTF_LIKE(3, 4);

/* Skips blanks and a comment; is the line over? */
void lex_skip_blanks(struct lexer *lx);
bool lex_at_line_end(struct lexer *lx);

/* Moves past the end of the line; false at the end of the text. */
bool lex_next_line(struct lexer *lx);

/* Reads a name ([A-Za-z_.][A-Za-z0-9_.]*) into out: its length, 0 when
 * there is none, -1 (with an error) when it is too long. */
int lex_name(struct lexer *lx, char out[LEX_MAX_NAME]);

/* Reads a number: decimal, 0x hex (all 64 bits, two's complement), or a
 * character literal such as 'A' or '\n'. */
int lex_number(struct lexer *lx, int64_t *value);

/* Reads a number from 0 to max into *out; what names it in errors. */
int lex_unsigned(struct lexer *lx, uint64_t max, uint32_t *out, const char *what);

/* Reads the character c (after blanks), or reports that it is missing. */
int lex_expect(struct lexer *lx, char c);

#endif
