/* asm_symbols.c - the assemblers' symbol tables and fix-ups (asm_symbols.h). */
#include "lang/asm_symbols.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void *asm_grow(void *items, uint32_t *capacity, uint32_t needed, size_t size)
{
	uint32_t n = *capacity ? *capacity : 64;
	void *bigger;

	if (needed <= *capacity)
		return items;
	while (n < needed)
		n *= 2;
	bigger = realloc(items, (size_t)n * size);
	if (bigger)
		*capacity = n;
	return bigger;
}

const struct asm_symbol *asm_find(const struct asm_symbols *table, const char *name)
{
	uint32_t i;

	return symtab_find_name(&table->index, name, &i) ? &table->items[i] : NULL;
}

int asm_define(struct lexer *lx, struct asm_symbols *table, const char *name,
	       const char *at, uint64_t value, const char *what)
{
	const struct asm_symbol *old = asm_find(table, name);
	struct asm_symbol *items;

	if (old)
		return lex_error(lx, at, "%s '%s' is already defined at line %d",
				 what, name, old->line);
	items = asm_grow(table->items, &table->capacity, table->count + 1, sizeof(*items));
	if (!items)
		return lex_error(lx, at, "out of memory");
	table->items = items;
	if (symtab_add_name(&table->index, name, table->count) != 0)
		return lex_error(lx, at, "out of memory");
	table->items[table->count] = (struct asm_symbol){ .value = value, .line = lx->line };
	snprintf(table->items[table->count++].name, LEX_MAX_NAME, "%s", name);
	return 0;
}

void asm_symbols_free(struct asm_symbols *table)
{
	free(table->items);
	symtab_free(&table->index);
}

int asm_number_or_constant(struct lexer *lx, const struct asm_symbols *constants,
			   int64_t *value)
{
	char name[LEX_MAX_NAME];
	const struct asm_symbol *constant;
	const char *at;
	int length;

	lex_skip_blanks(lx);
	at = lx->p;
	length = lex_name(lx, name);
	if (length < 0)
		return -1;
	if (length == 0)
		return lex_number(lx, value);
	constant = asm_find(constants, name);
	if (!constant)
		return lex_error(lx, at, "unknown constant %s", name);
	*value = (int64_t)constant->value;
	return 0;
}

int asm_read_reference(struct lexer *lx, bool is_call, struct asm_reference *ref)
{
	const char *at;

	lex_skip_blanks(lx);
	at = lx->p;
	if (lex_name(lx, ref->name) <= 0)
		return lex_error(lx, at, is_call ? "expected a function name" :
				 "expected a label");
	lex_position(lx, at, &ref->line, &ref->col);
	return 0;
}

const struct asm_symbol *asm_resolve(const struct lexer *lx, const struct asm_symbols *table,
				     const struct asm_reference *ref, const char *what)
{
	const struct asm_symbol *s = asm_find(table, ref->name);

	if (!s)
		report_set(lx->err, ref->line, ref->col, "unknown %s '%s'", what, ref->name);
	return s;
}

int asm_directive(struct lexer *lx, struct assembler *a, const struct asm_own_directives *own,
		  struct asm_directives *d)
{
	const char *at = lx->p;
	char name[LEX_MAX_NAME];

	if (lex_name(lx, name) < 0)
		return -1;
	if (strcmp(name, ".func") == 0)
		return own->func(a, at);
	if (strcmp(name, ".const") == 0)
		return own->constant(a);
	if (strcmp(name, ".line") == 0)
		return lex_line_directive(lx);
	if (strcmp(name, ".source") == 0)
		return lex_source_directive(lx, d->lines.source);
	if (strcmp(name, ".globals") == 0) {
		if (d->has_globals)
			return lex_error(lx, at, ".globals is given twice");
		d->has_globals = true;
		return lex_unsigned(lx, own->max_globals, &d->global_count, "global count");
	}
	return lex_error(lx, at, "unknown directive %s", name);
}

int asm_function_name(struct lexer *lx, char name[LEX_MAX_NAME], const char **name_at)
{
	lex_skip_blanks(lx);
	*name_at = lx->p;
	if (lex_name(lx, name) <= 0)
		return lex_error(lx, *name_at, "expected a function name after .func");
	return 0;
}

int asm_define_function(struct lexer *lx, struct asm_symbols *functions, const char *at,
			const char *name, const char *name_at, uint32_t max_functions)
{
	if (functions->count == max_functions)
		return lex_error(lx, at, "too many functions (at most %u)", max_functions);
	return asm_define(lx, functions, name, name_at, functions->count, "function");
}

void asm_start(struct lexer *lx, const char *src, size_t len, bool cite_origin,
	       struct error_report *err)
{
	lexer_init(lx, src, len, err);
	lx->cite_origin = cite_origin;
}

int asm_note_line(struct lexer *lx, const char *at, uint32_t pc, struct asm_directives *d)
{
	if (lx->origin_line > 0 && line_table_note(&d->lines, pc, (uint32_t)lx->origin_line,
						   (uint32_t)lx->origin_col) != 0)
		return lex_error(lx, at, "out of memory");
	return 0;
}

int asm_read_lines(struct lexer *lx, struct assembler *a, int (*line)(struct assembler *a))
{
	do {
		if (line(a) != 0)
			return -1;
		if (!lex_at_line_end(lx))
			return lex_error(lx, lx->p, "unexpected text after the instruction");
	} while (lex_next_line(lx));
	return 0;
}

int asm_label_and_name(struct lexer *lx, struct asm_symbols *labels, bool in_function,
		       uint64_t address, char name[LEX_MAX_NAME], const char **at)
{
	int length;

	*at = lx->p;
	length = lex_name(lx, name);
	if (length > 0 && lx->p < lx->end && *lx->p == ':') {
		lx->p++;
		if (!in_function)
			return lex_error(lx, *at, "label before the first .func");
		if (asm_define(lx, labels, name, *at, address, "label") != 0)
			return -1;
		if (lex_at_line_end(lx))
			return 0;
		*at = lx->p;
		length = lex_name(lx, name);
	}
	if (length != 0 || lex_at_line_end(lx))
		return length;
	return lex_error(lx, lx->p, "expected an instruction, a label or a directive");
}
