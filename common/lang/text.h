/* text.h - a growing string, for code generators that write assembly. */
#ifndef COMMON_TEXT_H
#define COMMON_TEXT_H

#include <stdbool.h>
#include <stddef.h>

#include "base/diag.h"

struct text {
	char *chars;             /* NUL-terminated */
	size_t length, capacity;
	bool out_of_memory;      /* set once an append failed; later ones do nothing */
	int line, col;           /* the source position of the last .line, or 0 */
};

/* Appends printf-style; check out_of_memory once at the end. */
void text_printf(struct text *t, const char *fmt, ...) PRINTF_LIKE(2, 3);
void text_free(struct text *t);

/* Says where the code that follows comes from, as a `.line LINE COL`
 * directive, unless the last one said so already: a compiler's output
 * carries its source positions, and the assembler cites them when the
 * program exceeds a limit of the machine (a jump too far, too many
 * constants). */
void text_at_source(struct text *t, int line, int col);

#endif
