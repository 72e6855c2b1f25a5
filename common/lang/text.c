/* text.c - a growing string. */
#include "lang/text.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

void text_printf(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (t->out_of_memory)
		return;
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || t->length + (size_t)n + 1 > t->capacity) {
		size_t capacity = t->capacity ? t->capacity : 4096;
		char *bigger;

		while (n >= 0 && t->length + (size_t)n + 1 > capacity)
			capacity *= 2;
		bigger = n < 0 ? NULL : realloc(t->chars, capacity);
		if (!bigger) {
			t->out_of_memory = true;
			return;
		}
		t->chars = bigger;
		t->capacity = capacity;
	}
	va_start(ap, fmt);
	vsnprintf(t->chars + t->length, t->capacity - t->length, fmt, ap);
	va_end(ap);
	t->length += (size_t)n;
}

void text_free(struct text *t)
{
	free(t->chars);
	*t = (struct text){ 0 };
}

void text_at_source(struct text *t, int line, int col)
{
	if (line == t->line && col == t->col)
		return;
	t->line = line;
	t->col = col;
	text_printf(t, ".line %d %d\n", line, col);
}
