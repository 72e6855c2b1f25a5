/* asm_lexer.c - reading assembly text (see asm_lexer.h). */
#include "lang/asm_lexer.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void lexer_init(struct lexer *lx, const char *src, size_t len,
		struct error_report *err)
{
	*lx = (struct lexer){ .p = src, .end = src + len, .line_start = src,
			      .line = 1, .err = err };
}

void lex_position(const struct lexer *lx, const char *at, int *line, int *col)
{
	if (lx->cite_origin && lx->origin_line > 0) {
		*line = lx->origin_line;
		*col = lx->origin_col;
	} else {
		*line = lx->line;
		*col = (int)(at - lx->line_start) + 1;
	}
}

/* One number of `.line L C`: what is "line" or "column". */
static int line_position(struct lexer *lx, const char *what, int *out)
{
	const char *at;
	int64_t value = 0;

	lex_skip_blanks(lx);
	at = lx->p;
	if (lex_number(lx, &value) != 0)
		return -1;
	if (value < 1 || value > LINE_TABLE_MAX_POSITION)
		return lex_error(lx, at, "a .line %s must be 1 to %d", what,
				 LINE_TABLE_MAX_POSITION);
	*out = (int)value;
	return 0;
}

int lex_line_directive(struct lexer *lx)
{
	int line = 0, col = 0;

	if (line_position(lx, "line", &line) != 0 ||
	    line_position(lx, "column", &col) != 0)
		return -1;
	lx->origin_line = line;
	lx->origin_col = col;
	return 0;
}

int lex_source_directive(struct lexer *lx, char out[LINE_TABLE_MAX_SOURCE + 1])
{
	const char *start;
	size_t n = 0;

	if (lex_expect(lx, '"') != 0)
		return -1;
	start = lx->p;
	while (lx->p < lx->end && *lx->p != '"' && *lx->p != '\n') {
		if (!line_table_source_char((unsigned char)*lx->p))
			return lex_error(lx, lx->p, "a .source name is printable ASCII "
					 "without '\\'");
		if (n == LINE_TABLE_MAX_SOURCE)
			return lex_error(lx, start, "a .source name is at most %d bytes",
					 LINE_TABLE_MAX_SOURCE);
		out[n++] = *lx->p++;
	}
	if (lx->p == lx->end || *lx->p != '"')
		return lex_error(lx, start - 1, "unterminated .source name");
	lx->p++;
	out[n] = '\0';
	return 0;
}

int lex_error(struct lexer *lx, const char *at, const char *fmt, ...)
{
	char message[sizeof(lx->err->message)];
	va_list ap;
	int line, col;

	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	lex_position(lx, at, &line, &col);
	report_set(lx->err, line, col, "%s", message);
	return -1;
}

void lex_skip_blanks(struct lexer *lx)
{
	while (lx->p < lx->end && (*lx->p == ' ' || *lx->p == '\t' || *lx->p == '\r'))
		lx->p++;
	if (lx->p < lx->end && *lx->p == ';')
		while (lx->p < lx->end && *lx->p != '\n')
			lx->p++;
}

bool lex_at_line_end(struct lexer *lx)
{
	lex_skip_blanks(lx);
	return lx->p == lx->end || *lx->p == '\n';
}

bool lex_next_line(struct lexer *lx)
{
	if (lx->p == lx->end)
		return false;
	lx->p++;
	lx->line++;
	lx->line_start = lx->p;
	return lx->p < lx->end;
}

static bool is_name_char(char c, bool first)
{
	return isalpha((unsigned char)c) || c == '_' || c == '.' ||
	       (!first && isdigit((unsigned char)c));
}

int lex_name(struct lexer *lx, char out[LEX_MAX_NAME])
{
	const char *start = lx->p;

	if (lx->p == lx->end || !is_name_char(*lx->p, true))
		return 0;
	while (lx->p < lx->end && is_name_char(*lx->p, false))
		lx->p++;
	if (lx->p - start >= LEX_MAX_NAME)
		return lex_error(lx, start, "name too long");
	memcpy(out, start, lx->p - start);
	out[lx->p - start] = '\0';
	return (int)(lx->p - start);
}

static int char_literal(struct lexer *lx, int64_t *value)
{
	static const char escapes[] = "n\nt\tr\r0\0\\\\''";
	const char *start = lx->p++;

	if (lx->p < lx->end && *lx->p == '\\') {
		const char *e;

		lx->p++;
		for (e = escapes; *e && (lx->p == lx->end || *e != *lx->p); e += 2)
			;
		if (!*e)
			return lex_error(lx, lx->p - 1, "unknown escape in character literal");
		*value = (unsigned char)e[1];
		lx->p++;
	} else if (lx->p < lx->end && *lx->p != '\n' && *lx->p != '\'') {
		*value = (unsigned char)*lx->p++;
	} else {
		return lex_error(lx, start, "empty character literal");
	}
	if (lx->p == lx->end || *lx->p != '\'')
		return lex_error(lx, start, "unterminated character literal");
	lx->p++;
	return 0;
}

int lex_number(struct lexer *lx, int64_t *value)
{
	const char *start, *body;
	char digits[80];
	char *stop;
	size_t n = 0;

	lex_skip_blanks(lx);
	start = lx->p;
	if (lx->p < lx->end && *lx->p == '\'')
		return char_literal(lx, value);
	if (lx->p < lx->end && *lx->p == '-')
		digits[n++] = *lx->p++;
	body = lx->p;
	while (lx->p < lx->end && isalnum((unsigned char)*lx->p) && n < sizeof(digits) - 1)
		digits[n++] = *lx->p++;
	digits[n] = '\0';
	if (body == lx->p || !isdigit((unsigned char)*body))
		return lex_error(lx, start, "expected a number");
	errno = 0;
	if (lx->p - body > 2 && body[0] == '0' && (body[1] == 'x' || body[1] == 'X') &&
	    digits[0] != '-')
		*value = (int64_t)strtoull(digits, &stop, 16);
	else
		*value = strtoll(digits, &stop, 10);
	if (*stop != '\0')
		return lex_error(lx, start, "malformed number");
	if (errno == ERANGE)
		return lex_error(lx, start, "number does not fit in 64 bits");
	return 0;
}

int lex_unsigned(struct lexer *lx, uint64_t max, uint32_t *out, const char *what)
{
	const char *start;
	int64_t value = 0;

	lex_skip_blanks(lx);
	start = lx->p;
	if (lex_number(lx, &value) != 0)
		return -1;
	if (value < 0 || (uint64_t)value > max)
		return lex_error(lx, start, "%s must be 0 to %llu", what,
				 (unsigned long long)max);
	*out = (uint32_t)value;
	return 0;
}

int lex_expect(struct lexer *lx, char c)
{
	lex_skip_blanks(lx);
	if (lx->p == lx->end || *lx->p != c)
		return lex_error(lx, lx->p, "expected '%c'", c);
	lx->p++;
	return 0;
}
