/* text.h - a growing string, for code generators that write assembly. */
#ifndef COMMON_TEXT_H
#define COMMON_TEXT_H

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"

struct text {
	char *chars;             /* NUL-terminated */
	size_t length, capacity;
	bool out_of_memory;      /* set once an append failed; later ones do nothing */
};

/* Appends printf-style; check out_of_memory once at the end. */
void text_printf(struct text *t, const char *fmt, ...) PRINTF_LIKE(2, 3);
void text_free(struct text *t);

#endif
