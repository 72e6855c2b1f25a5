/* asm.c - the assembler.
 *
 *   ; a comment runs to the end of the line
 *   .globals 1                  ; how many globals the program has
 *   .func main 0 1              ; a function: name, arguments, locals
 *   loop:                       ; a label: a code address
 *           push 'A'            ; operands: decimal, 0x hex, 'c' characters
 *           jmp loop
 *
 * It reads the text once, line by line, emitting code as it goes.  A label
 * or function used before it is defined leaves a hole, noted in a list of
 * fix-ups that is filled in at the end.
 */
#include "asm.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opcodes.h"

enum { MAX_NAME = 64 };

struct symbol {
	char name[MAX_NAME];
	uint64_t value;          /* an address, a function index or a constant */
	int line, col;
};

struct symbols {
	struct symbol *items;
	uint32_t count, capacity;
};

/* A hole in the code to fill once every label and function is known. */
struct fixup {
	uint32_t at;             /* where the operand goes */
	bool is_call;            /* a function index, or else a label address */
	char name[MAX_NAME];
	int line, col;
};

struct assembler {
	const char *p, *end;     /* the text still to read */
	int line;
	const char *line_start;
	struct error_report *err;
	uint8_t *code;
	uint32_t size, capacity;
	struct symbols labels, functions, constants;
	struct fixup *fixups;
	uint32_t fixup_count, fixup_capacity;
	struct function *fn_table;
	uint32_t fn_capacity;
	uint32_t global_count;
	bool has_globals;
};

static int col(const struct assembler *a, const char *at)
{
	return (int)(at - a->line_start) + 1;
}

static int fail_at(struct assembler *a, const char *at, const char *message,
		   const char *detail)
{
	report_set(a->err, a->line, col(a, at), "%s%s", message, detail);
	return -1;
}

static void *grow(void *items, uint32_t *capacity, uint32_t needed, size_t size)
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

static int emit(struct assembler *a, uint64_t value, int bytes)
{
	uint8_t *code;

	if (a->size + bytes > MAX_CODE_SIZE) {
		report_set(a->err, a->line, 1, "program too large");
		return -1;
	}
	code = grow(a->code, &a->capacity, a->size + bytes, 1);
	if (!code) {
		report_set(a->err, a->line, 1, "out of memory");
		return -1;
	}
	a->code = code;
	for (int i = 0; i < bytes; i++)
		a->code[a->size++] = (value >> (8 * i)) & 0xff;
	return 0;
}

static struct symbol *find(struct symbols *table, const char *name)
{
	for (uint32_t i = 0; i < table->count; i++)
		if (strcmp(table->items[i].name, name) == 0)
			return &table->items[i];
	return NULL;
}

static int define(struct assembler *a, struct symbols *table, const char *name,
		  const char *at, uint64_t value, const char *what)
{
	const struct symbol *old = find(table, name);
	struct symbol *items;

	if (old) {
		report_set(a->err, a->line, col(a, at), "%s '%s' is already defined "
			   "at line %d", what, name, old->line);
		return -1;
	}
	items = grow(table->items, &table->capacity, table->count + 1, sizeof(*items));
	if (!items)
		return fail_at(a, at, "out of memory", "");
	table->items = items;
	table->items[table->count] = (struct symbol){ .value = value,
		.line = a->line, .col = col(a, at) };
	snprintf(table->items[table->count++].name, MAX_NAME, "%s", name);
	return 0;
}

/* --- reading the text ---------------------------------------------------- */

static void skip_blanks(struct assembler *a)
{
	while (a->p < a->end && (*a->p == ' ' || *a->p == '\t' || *a->p == '\r'))
		a->p++;
	if (a->p < a->end && *a->p == ';')
		while (a->p < a->end && *a->p != '\n')
			a->p++;
}

static bool at_line_end(struct assembler *a)
{
	skip_blanks(a);
	return a->p == a->end || *a->p == '\n';
}

static bool is_name_char(char c, bool first)
{
	return isalpha((unsigned char)c) || c == '_' || c == '.' ||
	       (!first && isdigit((unsigned char)c));
}

/* Reads a name into out; returns its length, 0 when there is none. */
static int read_name(struct assembler *a, char out[MAX_NAME])
{
	const char *start = a->p;

	if (a->p == a->end || !is_name_char(*a->p, true))
		return 0;
	while (a->p < a->end && is_name_char(*a->p, false))
		a->p++;
	if (a->p - start >= MAX_NAME) {
		fail_at(a, start, "name too long", "");
		return -1;
	}
	memcpy(out, start, a->p - start);
	out[a->p - start] = '\0';
	return (int)(a->p - start);
}

static int read_char_literal(struct assembler *a, int64_t *value)
{
	const char *start = a->p++;
	static const char escapes[] = "n\nt\tr\r0\0\\\\''";

	if (a->p < a->end && *a->p == '\\') {
		const char *e;

		a->p++;
		for (e = escapes; *e && (a->p == a->end || *e != *a->p); e += 2)
			;
		if (!*e)
			return fail_at(a, a->p - 1, "unknown escape in character literal", "");
		*value = (unsigned char)e[1];
		a->p++;
	} else if (a->p < a->end && *a->p != '\n' && *a->p != '\'') {
		*value = (unsigned char)*a->p++;
	} else {
		return fail_at(a, start, "empty character literal", "");
	}
	if (a->p == a->end || *a->p != '\'')
		return fail_at(a, start, "unterminated character literal", "");
	a->p++;
	return 0;
}

/* Reads a number: decimal, 0x hex (all 64 bits, two's complement), or 'c'. */
static int read_number(struct assembler *a, int64_t *value)
{
	const char *start, *body;
	char digits[80];
	char *stop;
	size_t n = 0;

	skip_blanks(a);
	start = a->p;
	if (a->p < a->end && *a->p == '\'')
		return read_char_literal(a, value);
	if (a->p < a->end && *a->p == '-')
		digits[n++] = *a->p++;
	body = a->p;
	while (a->p < a->end && isalnum((unsigned char)*a->p) && n < sizeof(digits) - 1)
		digits[n++] = *a->p++;
	digits[n] = '\0';
	if (body == a->p || !isdigit((unsigned char)*body))
		return fail_at(a, start, "expected a number", "");
	errno = 0;
	if (a->p - body > 2 && body[0] == '0' && (body[1] == 'x' || body[1] == 'X')
	    && digits[0] != '-')
		*value = (int64_t)strtoull(digits, &stop, 16);
	else
		*value = strtoll(digits, &stop, 10);
	if (*stop != '\0')
		return fail_at(a, start, "malformed number", "");
	if (errno == ERANGE)
		return fail_at(a, start, "number does not fit in 64 bits", "");
	return 0;
}

static int read_unsigned(struct assembler *a, uint64_t max, uint32_t *out,
			 const char *what)
{
	const char *start;
	int64_t value;

	skip_blanks(a);
	start = a->p;
	if (read_number(a, &value) != 0)
		return -1;
	if (value < 0 || (uint64_t)value > max) {
		report_set(a->err, a->line, col(a, start), "%s must be 0 to %llu",
			   what, (unsigned long long)max);
		return -1;
	}
	*out = (uint32_t)value;
	return 0;
}

/* --- directives ----------------------------------------------------------- */

static struct function *current_function(struct assembler *a)
{
	return a->functions.count ? &a->fn_table[a->functions.count - 1] : NULL;
}

/* .func NAME ARGS LOCALS */
static int directive_func(struct assembler *a, const char *at)
{
	char name[MAX_NAME];
	const char *name_at;
	uint32_t args, locals;
	struct function *table;

	skip_blanks(a);
	name_at = a->p;
	if (read_name(a, name) <= 0)
		return fail_at(a, name_at, "expected a function name after .func", "");
	if (read_unsigned(a, MAX_LOCALS, &args, "argument count") != 0 ||
	    read_unsigned(a, MAX_LOCALS, &locals, "local count") != 0)
		return -1;
	if (args > locals)
		return fail_at(a, at, "a function's arguments are among its locals: "
			       "the local count must be at least the argument count", "");
	if (a->functions.count == MAX_FUNCTIONS)
		return fail_at(a, at, "too many functions", "");
	if (define(a, &a->functions, name, name_at, a->functions.count, "function") != 0)
		return -1;
	table = grow(a->fn_table, &a->fn_capacity, a->functions.count, sizeof(*table));
	if (!table)
		return fail_at(a, at, "out of memory", "");
	a->fn_table = table;
	a->fn_table[a->functions.count - 1] = (struct function){
		.entry = a->size, .arg_count = (uint16_t)args,
		.local_count = (uint16_t)locals };
	return 0;
}

/* .const NAME VALUE: a name push can use in place of a number. */
static int directive_const(struct assembler *a)
{
/* BEGIN EXERCISE ex1.2 */
	char name[MAX_NAME];
	const char *at;
	int64_t value;

	skip_blanks(a);
	at = a->p;
	if (read_name(a, name) <= 0)
		return fail_at(a, at, "expected a name after .const", "");
	if (read_number(a, &value) != 0)
		return -1;
	return define(a, &a->constants, name, at, (uint64_t)value, "constant");
/* STUB ex1.2
	(void)a;
	exercise_todo("ex1.2");
END STUB */
/* END EXERCISE ex1.2 */
}

static int directive(struct assembler *a)
{
	const char *at = a->p;
	char name[MAX_NAME];

	if (read_name(a, name) < 0)
		return -1;
	if (strcmp(name, ".func") == 0)
		return directive_func(a, at);
	if (strcmp(name, ".const") == 0)
		return directive_const(a);
	if (strcmp(name, ".globals") == 0) {
		if (a->has_globals)
			return fail_at(a, at, ".globals is given twice", "");
		a->has_globals = true;
		return read_unsigned(a, MAX_GLOBALS, &a->global_count, "global count");
	}
	return fail_at(a, at, "unknown directive ", name);
}

/* --- instructions --------------------------------------------------------- */

static int add_fixup(struct assembler *a, const char *name, const char *at,
		     bool is_call)
{
	struct fixup *fixups = grow(a->fixups, &a->fixup_capacity,
				    a->fixup_count + 1, sizeof(*fixups));

	if (!fixups)
		return fail_at(a, at, "out of memory", "");
	a->fixups = fixups;
	a->fixups[a->fixup_count] = (struct fixup){ .at = a->size, .is_call = is_call,
		.line = a->line, .col = col(a, at) };
	snprintf(a->fixups[a->fixup_count++].name, MAX_NAME, "%s", name);
	return 0;
}

/* A label or function operand: its value is filled in at the end. */
static int symbolic_operand(struct assembler *a, bool is_call, int bytes)
{
	char name[MAX_NAME];
	const char *at;

	skip_blanks(a);
	at = a->p;
	if (read_name(a, name) <= 0)
		return fail_at(a, at, is_call ? "expected a function name" :
			       "expected a label", "");
	if (add_fixup(a, name, at, is_call) != 0)
		return -1;
	return emit(a, 0, bytes);
}

/* push's operand: a number, or the name of a .const. */
static int constant_operand(struct assembler *a, int64_t *value)
{
	char name[MAX_NAME];
	const char *at;
	const struct symbol *constant;
	int length;

	skip_blanks(a);
	at = a->p;
	length = read_name(a, name);
	if (length < 0)
		return -1;
	if (length == 0)
		return read_number(a, value);
	constant = find(&a->constants, name);
	if (!constant)
		return fail_at(a, at, "unknown constant ", name);
	*value = (int64_t)constant->value;
	return 0;
}

static int operand(struct assembler *a, enum operand_kind kind)
{
	int64_t value;
	uint32_t index;

	switch (kind) {
	case OPERAND_NONE:
		return 0;
	case OPERAND_I64:
		if (constant_operand(a, &value) != 0)
			return -1;
		return emit(a, (uint64_t)value, 8);
	case OPERAND_TARGET:
		return symbolic_operand(a, false, 4);
	case OPERAND_FUNC:
		return symbolic_operand(a, true, 2);
	case OPERAND_LOCAL:
		if (read_unsigned(a, MAX_LOCALS - 1, &index, "local index") != 0)
			return -1;
		return emit(a, index, 1);
	case OPERAND_GLOBAL:
		if (read_unsigned(a, MAX_GLOBALS - 1, &index, "global index") != 0)
			return -1;
		return emit(a, index, 2);
	}
	return -1;
}

static int instruction(struct assembler *a, const char *at, const char *name)
{
	int op = opcode_by_mnemonic(name, (int)strlen(name));

	if (op < 0)
		return fail_at(a, at, "unknown instruction ", name);
	if (!current_function(a))
		return fail_at(a, at, "instruction before the first .func", "");
	if (emit(a, (uint64_t)op, 1) != 0)
		return -1;
	return operand(a, instruction_info[op].operand);
}

/* One line: an optional label, then a directive, an instruction or nothing. */
static int line(struct assembler *a)
{
	char name[MAX_NAME];
	const char *at;
	int length;

	skip_blanks(a);
	at = a->p;
	if (a->p < a->end && *a->p == '.')
		return directive(a);
	length = read_name(a, name);
	if (length < 0)
		return -1;
	if (length > 0 && a->p < a->end && *a->p == ':') {
		a->p++;
		if (!current_function(a))
			return fail_at(a, at, "label before the first .func", "");
		if (define(a, &a->labels, name, at, a->size, "label") != 0)
			return -1;
		if (at_line_end(a))
			return 0;
		at = a->p;
		length = read_name(a, name);
		if (length < 0)
			return -1;
	}
	if (length == 0) {
		if (at_line_end(a))
			return 0;
		return fail_at(a, a->p, "expected an instruction, a label or a directive", "");
	}
	return instruction(a, at, name);
}

/* Fills every hole with the address or index it names. */
static int resolve(struct assembler *a)
{
	for (uint32_t i = 0; i < a->fixup_count; i++) {
		struct fixup *f = &a->fixups[i];
		struct symbol *s = find(f->is_call ? &a->functions : &a->labels, f->name);

		if (!s) {
			report_set(a->err, f->line, f->col, "unknown %s '%s'",
				   f->is_call ? "function" : "label", f->name);
			return -1;
		}
		for (int b = 0; b < (f->is_call ? 2 : 4); b++)
			a->code[f->at + b] = (s->value >> (8 * b)) & 0xff;
	}
	return 0;
}

static void assembler_free(struct assembler *a)
{
	free(a->code);
	free(a->labels.items);
	free(a->constants.items);
	free(a->functions.items);
	free(a->fixups);
	free(a->fn_table);
}

int assemble(const char *src, size_t len, struct program *prog,
	     struct error_report *err)
{
	struct assembler a = { .p = src, .end = src + len, .line = 1,
			       .line_start = src, .err = err };

	memset(prog, 0, sizeof(*prog));
	while (a.p < a.end) {
		if (line(&a) != 0)
			goto fail;
		if (!at_line_end(&a)) {
			fail_at(&a, a.p, "unexpected text after the instruction", "");
			goto fail;
		}
		if (a.p < a.end) {
			a.p++;
			a.line++;
			a.line_start = a.p;
		}
	}
	if (a.functions.count == 0) {
		report_set(err, a.line, 1, "no .func: a program needs at least one function");
		goto fail;
	}
	if (a.size == 0) {
		report_set(err, a.line, 1, "the program has no instructions");
		goto fail;
	}
	if (resolve(&a) != 0)
		goto fail;
	prog->code = a.code;
	prog->code_size = a.size;
	prog->functions = a.fn_table;
	prog->function_count = a.functions.count;
	prog->global_count = a.global_count;
	program_set_function_ends(prog);
	a.code = NULL;
	a.fn_table = NULL;
	assembler_free(&a);
	return 0;
fail:
	assembler_free(&a);
	return -1;
}
