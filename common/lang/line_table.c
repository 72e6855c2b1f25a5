/* line_table.c - a compiled program's source positions (see line_table.h). */
#include "lang/line_table.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/le.h"

#define LINE_TABLE_TAG "LINE"

int line_table_note(struct line_table *t, uint32_t pc, uint32_t line, uint32_t col)
{
	const struct line_entry *last = t->count ? &t->entries[t->count - 1] : NULL;

	if (last && last->line == line && last->col == col)
		return 0;
	if (!t->entries || t->count == t->capacity) {
		uint32_t capacity = t->capacity ? 2 * t->capacity : 64;
		struct line_entry *bigger = realloc(t->entries, capacity * sizeof(*bigger));

		if (!bigger)
			return -1;
		t->entries = bigger;
		t->capacity = capacity;
	}
	t->entries[t->count++] = (struct line_entry){ pc, line, col };
	return 0;
}

const struct line_entry *line_table_find(const struct line_table *t, uint32_t pc)
{
	uint32_t low = 0, high = t->count;   /* the answer is below high */

	while (low < high) {
		uint32_t mid = low + (high - low) / 2;

		if (t->entries[mid].pc <= pc)
			low = mid + 1;
		else
			high = mid;
	}
	return low ? &t->entries[low - 1] : NULL;
}

const char *line_table_source(const struct line_table *t, const char *otherwise)
{
	return t->source[0] ? t->source : otherwise;
}

int line_table_source_char(unsigned char c)
{
	return c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
}

char *line_table_name_source(const char *name, char *assembly)
{
	size_t n = strnlen(name, LINE_TABLE_MAX_SOURCE), length = strlen(assembly);
	char *out = malloc(sizeof(".source \"\"\n") + n + length);
	char *p = out;

	if (out) {
		p += sprintf(p, ".source \"");
		for (size_t i = 0; i < n; i++, p++) {
			*p = name[i];
			if (!line_table_source_char((unsigned char)name[i]))
				*p = '?';
		}
		p += sprintf(p, "\"\n");
		memcpy(p, assembly, length + 1);
	}
	free(assembly);
	return out;
}

size_t line_table_file_size(const struct line_table *t)
{
	if (t->count == 0)
		return 0;
	return LINE_TABLE_HEADER_SIZE + strlen(t->source) +
	       (size_t)t->count * LINE_TABLE_ENTRY_SIZE;
}

void line_table_write(const struct line_table *t, uint8_t *p)
{
	size_t name_length = strlen(t->source);

	if (t->count == 0)
		return;
	memcpy(p, LINE_TABLE_TAG, 4);
	le_put32(p + 4, t->count);
	le_put16(p + 8, (uint16_t)name_length);
	memcpy(p + LINE_TABLE_HEADER_SIZE, t->source, name_length);
	p += LINE_TABLE_HEADER_SIZE + name_length;
	for (uint32_t i = 0; i < t->count; i++, p += LINE_TABLE_ENTRY_SIZE) {
		le_put32(p, t->entries[i].pc);
		le_put32(p + 4, t->entries[i].line);
		le_put32(p + 8, t->entries[i].col);
	}
}

void line_table_print_source(const struct line_table *t, FILE *out)
{
	if (t->count && t->source[0])
		fprintf(out, ".source \"%s\"\n", t->source);
}

void line_table_print_at(const struct line_table *t, uint32_t *next, uint32_t pc,
			 FILE *out)
{
	if (*next < t->count && t->entries[*next].pc == pc) {
		fprintf(out, ".line %u %u\n", t->entries[*next].line, t->entries[*next].col);
		++*next;
	}
}

/* The name and the lengths, before any entry is read. */
static int read_head(struct line_table *t, const uint8_t *data, size_t size,
		     uint32_t code_units, struct error_report *err)
{
	uint32_t count;
	size_t name_length;

	if (size < LINE_TABLE_HEADER_SIZE || memcmp(data, LINE_TABLE_TAG, 4) != 0) {
		report_set(err, 0, 0, "the file goes on %zu byte%s after the code, "
			   "and not with a line table: truncated or corrupt", size,
			   size == 1 ? "" : "s");
		return -1;
	}
	count = le_get32(data + 4);
	name_length = le_get16(data + 8);
	if (count < 1 || count > code_units || name_length > LINE_TABLE_MAX_SOURCE) {
		report_set(err, 0, 0, "bad line table: %u entries (1 to %u allowed), "
			   "a name of %zu bytes (at most %d)", count, code_units,
			   name_length, LINE_TABLE_MAX_SOURCE);
		return -1;
	}
	if (size != LINE_TABLE_HEADER_SIZE + name_length +
		    (uint64_t)count * LINE_TABLE_ENTRY_SIZE) {
		report_set(err, 0, 0, "the line table is %zu bytes but describes "
			   "%u entries: truncated or corrupt", size, count);
		return -1;
	}
	for (size_t i = 0; i < name_length; i++) {
		if (!line_table_source_char(data[LINE_TABLE_HEADER_SIZE + i])) {
			report_set(err, 0, 0, "bad line table: byte %zu of the source's "
				   "name is 0x%02x", i, data[LINE_TABLE_HEADER_SIZE + i]);
			return -1;
		}
	}
	memcpy(t->source, data + LINE_TABLE_HEADER_SIZE, name_length);
	t->source[name_length] = '\0';
	t->count = count;
	return 0;
}

static int check_entry(const struct line_table *t, uint32_t i, uint32_t code_units,
		       struct error_report *err)
{
	const struct line_entry *e = &t->entries[i], *before = i ? e - 1 : NULL;

	if (e->pc >= code_units || (before && e->pc <= before->pc)) {
		report_set(err, 0, 0, "bad line table: entry %u's pc %u is out of order "
			   "or outside the code (%u units)", i, e->pc, code_units);
		return -1;
	}
	if (e->line < 1 || e->line > LINE_TABLE_MAX_POSITION || e->col < 1 ||
	    e->col > LINE_TABLE_MAX_POSITION) {
		report_set(err, 0, 0, "bad line table: entry %u's position %u:%u is "
			   "outside 1 to %d", i, e->line, e->col, LINE_TABLE_MAX_POSITION);
		return -1;
	}
	if (before && before->line == e->line && before->col == e->col) {
		report_set(err, 0, 0, "bad line table: entry %u repeats the position "
			   "of the one before it", i);
		return -1;
	}
	return 0;
}

int line_table_read(struct line_table *t, const uint8_t *data, size_t size,
		    uint32_t code_units, struct error_report *err)
{
	const uint8_t *p;

	*t = (struct line_table){ 0 };
	if (read_head(t, data, size, code_units, err) != 0)
		return -1;
	t->entries = malloc((size_t)t->count * sizeof(*t->entries));
	if (!t->entries) {
		report_set(err, 0, 0, "out of memory");
		line_table_free(t);
		return -1;
	}
	t->capacity = t->count;
	p = data + LINE_TABLE_HEADER_SIZE + strlen(t->source);
	for (uint32_t i = 0; i < t->count; i++, p += LINE_TABLE_ENTRY_SIZE) {
		t->entries[i] = (struct line_entry){ le_get32(p), le_get32(p + 4),
						     le_get32(p + 8) };
		if (check_entry(t, i, code_units, err) != 0) {
			line_table_free(t);
			return -1;
		}
	}
	return 0;
}

int line_table_check_starts(const struct line_table *t, const bool *is_start,
			    struct error_report *err)
{
	for (uint32_t i = 0; i < t->count; i++) {
		if (!is_start[t->entries[i].pc]) {
			report_set(err, 0, 0, "line table entry %u: pc %u is in the middle "
				   "of an instruction", i, t->entries[i].pc);
			return -1;
		}
	}
	return 0;
}

void line_table_free(struct line_table *t)
{
	free(t->entries);
	*t = (struct line_table){ 0 };
}
