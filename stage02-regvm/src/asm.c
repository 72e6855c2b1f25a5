/* asm.c - the register machine's assembler.
 *
 *   .globals 1                ; how many globals
 *   .const BIG 10000000000    ; a name for a value, as in stage 1 (here it
 *                             ; also takes a pool entry: loadk r1, BIG)
 *   .func main 0 3            ; a function: name, arguments, registers
 *   loop:                     ; a label
 *           addi r0, r0, 1    ; operands: rN registers, numbers, labels
 *           jlti r0, 10, loop ; compare and jump, in one dispatch
 *
 * Like stage 1's, it reads the text once (through common/lang/asm_lexer.c) and
 * fills in labels and functions used before their definition at the end.
 */
#include "asm.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lang/asm_lexer.h"
#include "lang/symtab.h"
#include "opcodes.h"

struct symbol {
	char name[LEX_MAX_NAME];
	uint32_t value;          /* a label's word index or a function's index */
	int line;
};

struct symbols {
	struct symbol *items;
	uint32_t count, capacity;
	struct symtab index;     /* name -> position in items */
};

enum fixup_kind {
	FIX_SBX,                 /* a 16-bit offset in the instruction word */
	FIX_SJ,                  /* jmp's 24-bit offset in the instruction word */
	FIX_WORD,                /* a 32-bit offset: the next word */
	FIX_FUNCTION,            /* a 16-bit function index */
};

struct fixup {
	enum fixup_kind kind;
	uint32_t pc;             /* the instruction's first word */
	uint32_t base;           /* offsets count from here: the next instruction */
	char name[LEX_MAX_NAME];
	int line, col;
};

struct assembler {
	struct lexer lx;
	uint32_t *code;
	uint32_t words, capacity;
	struct symbols labels, functions;
	struct symbols constants_by_name;  /* .const names -> their pool index */
	struct fixup *fixups;
	uint32_t fixup_count, fixup_capacity;
	struct function *fn_table;
	uint32_t fn_capacity;
	int64_t *constants;
	uint32_t constant_count, constant_capacity;
	struct symtab constant_index;    /* a value's bytes -> its first pool index */
	uint32_t global_count;
	bool has_globals;
	struct line_table lines;         /* from the `.line` directives */
};

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

static int emit(struct assembler *a, uint32_t word)
{
	uint32_t *code;

	if (a->words + 1 > MAX_CODE_WORDS)
		return lex_error(&a->lx, a->lx.line_start, "program too large (the code "
				 "may be %d words)", MAX_CODE_WORDS);
	code = grow(a->code, &a->capacity, a->words + 1, sizeof(*code));
	if (!code)
		return lex_error(&a->lx, a->lx.line_start, "out of memory");
	a->code = code;
	a->code[a->words++] = word;
	return 0;
}

static struct symbol *find(struct symbols *table, const char *name)
{
	uint32_t i;

	return symtab_find_name(&table->index, name, &i) ? &table->items[i] : NULL;
}

static int define(struct assembler *a, struct symbols *table, const char *name,
		  const char *at, uint32_t value, const char *what)
{
	const struct symbol *old = find(table, name);
	struct symbol *items;

	if (old)
		return lex_error(&a->lx, at, "%s '%s' is already defined at line %d",
				 what, name, old->line);
	items = grow(table->items, &table->capacity, table->count + 1, sizeof(*items));
	if (!items)
		return lex_error(&a->lx, at, "out of memory");
	table->items = items;
	if (symtab_add_name(&table->index, name, table->count) != 0)
		return lex_error(&a->lx, at, "out of memory");
	table->items[table->count] = (struct symbol){ .value = value, .line = a->lx.line };
	snprintf(table->items[table->count++].name, LEX_MAX_NAME, "%s", name);
	return 0;
}

/* The pool index of value, adding it when it is new. */
static int constant_index(struct assembler *a, int64_t value, bool reuse, uint32_t *index)
{
	int64_t *pool;

	bool known = symtab_find(&a->constant_index, &value, sizeof(value), index);

	if (reuse && known)
		return 0;
	if (a->constant_count == MAX_CONSTANTS)
		return lex_error(&a->lx, a->lx.p, "too many constants (the pool holds %d)",
				 MAX_CONSTANTS);
	pool = grow(a->constants, &a->constant_capacity, a->constant_count + 1,
		    sizeof(*pool));
	if (!pool)
		return lex_error(&a->lx, a->lx.p, "out of memory");
	a->constants = pool;
	if (!known && symtab_add(&a->constant_index, &value, sizeof(value),
				 a->constant_count) != 0)
		return lex_error(&a->lx, a->lx.p, "out of memory");
	a->constants[a->constant_count] = value;
	*index = a->constant_count++;
	return 0;
}

/* --- operands ------------------------------------------------------------ */

/* A number, or the name of a .const: the same rule as stage 1's
 * constant_operand() (a deliberate echo: each assembler keeps its own
 * symbol tables). */
static int number(struct assembler *a, int64_t *out)
{
	char name[LEX_MAX_NAME];
	const struct symbol *constant;
	const char *at;
	int length;

	lex_skip_blanks(&a->lx);
	at = a->lx.p;
	length = lex_name(&a->lx, name);
	if (length < 0)
		return -1;
	if (length == 0)
		return lex_number(&a->lx, out);
	constant = find(&a->constants_by_name, name);
	if (!constant)
		return lex_error(&a->lx, at, "unknown constant %s", name);
	*out = a->constants[constant->value];
	return 0;
}

static int comma(struct assembler *a)
{
	return lex_expect(&a->lx, ',');
}

/* rN, N from 0 to 255. */
static int reg(struct assembler *a, unsigned *out)
{
	char name[LEX_MAX_NAME];
	const char *at;
	char *end;
	unsigned long n;

	lex_skip_blanks(&a->lx);
	at = a->lx.p;
	if (lex_name(&a->lx, name) <= 0 || name[0] != 'r' || name[1] < '0' || name[1] > '9')
		return lex_error(&a->lx, at, "expected a register (r0 to r255)");
	n = strtoul(name + 1, &end, 10);
	if (*end != '\0' || n >= MAX_REGISTERS)
		return lex_error(&a->lx, at, "expected a register (r0 to r255)");
	*out = (unsigned)n;
	return 0;
}

static int signed_operand(struct assembler *a, int64_t min, int64_t max, int64_t *out)
{
	const char *at;

	lex_skip_blanks(&a->lx);
	at = a->lx.p;
	if (number(a, out) != 0)
		return -1;
	if (*out < min || *out > max)
		return lex_error(&a->lx, at, "constant must be %lld to %lld (use loadk "
				 "for others)", (long long)min, (long long)max);
	return 0;
}

/* A label or function: recorded now, filled in by resolve(). */
static int symbol_operand(struct assembler *a, enum fixup_kind kind, uint32_t pc,
			  uint32_t base)
{
	struct fixup *fixups;
	const char *at;
	char name[LEX_MAX_NAME];

	lex_skip_blanks(&a->lx);
	at = a->lx.p;
	if (lex_name(&a->lx, name) <= 0)
		return lex_error(&a->lx, at, kind == FIX_FUNCTION ?
				 "expected a function name" : "expected a label");
	fixups = grow(a->fixups, &a->fixup_capacity, a->fixup_count + 1, sizeof(*fixups));
	if (!fixups)
		return lex_error(&a->lx, at, "out of memory");
	a->fixups = fixups;
	a->fixups[a->fixup_count] = (struct fixup){ .kind = kind, .pc = pc, .base = base };
	lex_position(&a->lx, at, &a->fixups[a->fixup_count].line,
		     &a->fixups[a->fixup_count].col);
	snprintf(a->fixups[a->fixup_count++].name, LEX_MAX_NAME, "%s", name);
	return 0;
}

static uint32_t word_abc(unsigned op, unsigned x, unsigned y, unsigned z)
{
	return op | x << 8 | y << 16 | z << 24;
}

static uint32_t word_abx(unsigned op, unsigned x, unsigned bx)
{
	return op | x << 8 | (bx & 0xffff) << 16;
}

/* ANCHOR: operands */
/* Reads the operands of op and emits its word(s). */
static int operands(struct assembler *a, unsigned op)
{
	uint32_t pc = a->words;
	unsigned x = 0, y = 0, z = 0;
	int64_t n = 0;
	uint32_t index = 0;

	switch (reg_instruction_info[op].format) {
	case FMT_NONE:
		return emit(a, op);
	case FMT_A:
		return reg(a, &x) || emit(a, word_abc(op, x, 0, 0));
	case FMT_AB:
		return reg(a, &x) || comma(a) || reg(a, &y) || emit(a, word_abc(op, x, y, 0));
	case FMT_ABC:
		return reg(a, &x) || comma(a) || reg(a, &y) || comma(a) || reg(a, &z) ||
		       emit(a, word_abc(op, x, y, z));
	case FMT_ABI:
		return reg(a, &x) || comma(a) || reg(a, &y) || comma(a) ||
		       signed_operand(a, SC_MIN, SC_MAX, &n) ||
		       emit(a, word_abc(op, x, y, (unsigned)n & 0xff));
	case FMT_AI:
		return reg(a, &x) || comma(a) || signed_operand(a, SBX_MIN, SBX_MAX, &n) ||
		       emit(a, word_abx(op, x, (unsigned)n));
	case FMT_AK:
		return reg(a, &x) || comma(a) || number(a, &n) ||
		       constant_index(a, n, true, &index) || emit(a, word_abx(op, x, index));
	case FMT_AG:
		return reg(a, &x) || comma(a) ||
		       lex_unsigned(&a->lx, MAX_GLOBALS - 1, &index, "global index") ||
		       emit(a, word_abx(op, x, index));
	case FMT_AF:
		return reg(a, &x) || comma(a) || symbol_operand(a, FIX_FUNCTION, pc, 0) ||
		       emit(a, word_abx(op, x, 0));
	case FMT_J:
		return symbol_operand(a, FIX_SJ, pc, pc + 1) || emit(a, op);
	case FMT_AJ:
		return reg(a, &x) || comma(a) || symbol_operand(a, FIX_SBX, pc, pc + 1) ||
		       emit(a, word_abc(op, x, 0, 0));
	case FMT_ABJ:
		return reg(a, &x) || comma(a) || reg(a, &y) || comma(a) ||
		       symbol_operand(a, FIX_WORD, pc, pc + 2) ||
		       emit(a, word_abc(op, x, y, 0)) || emit(a, 0);
	case FMT_AIJ:
		return reg(a, &x) || comma(a) || signed_operand(a, SBX_MIN, SBX_MAX, &n) ||
		       comma(a) || symbol_operand(a, FIX_WORD, pc, pc + 2) ||
		       emit(a, word_abx(op, x, (unsigned)n)) || emit(a, 0);
	case FMT_ABK:
		return reg(a, &x) || comma(a) || reg(a, &y) || comma(a) ||
		       signed_operand(a, INT32_MIN, INT32_MAX, &n) ||
		       emit(a, word_abc(op, x, y, 0)) || emit(a, (uint32_t)n);
	case FMT_AKJ:
		return reg(a, &x) || comma(a) || number(a, &n) ||
		       constant_index(a, n, true, &index) || comma(a) ||
		       symbol_operand(a, FIX_WORD, pc, pc + 2) ||
		       emit(a, word_abx(op, x, index)) || emit(a, 0);
	}
	return -1;
}
/* ANCHOR_END: operands */

/* --- lines ----------------------------------------------------------------- */

/* .func NAME ARGS REGISTERS */
static int directive_func(struct assembler *a, const char *at)
{
	char name[LEX_MAX_NAME];
	const char *name_at;
	uint32_t args, regs;
	struct function *table;

	lex_skip_blanks(&a->lx);
	name_at = a->lx.p;
	if (lex_name(&a->lx, name) <= 0)
		return lex_error(&a->lx, name_at, "expected a function name after .func");
	if (lex_unsigned(&a->lx, MAX_REGISTERS, &args, "argument count") != 0 ||
	    lex_unsigned(&a->lx, MAX_REGISTERS, &regs, "register count") != 0)
		return -1;
	if (args > regs)
		return lex_error(&a->lx, at, "arguments arrive in registers: the "
				 "register count must be at least the argument count");
	if (a->functions.count == MAX_FUNCTIONS)
		return lex_error(&a->lx, at, "too many functions (at most %d)", MAX_FUNCTIONS);
	if (define(a, &a->functions, name, name_at, a->functions.count, "function") != 0)
		return -1;
	table = grow(a->fn_table, &a->fn_capacity, a->functions.count, sizeof(*table));
	if (!table)
		return lex_error(&a->lx, at, "out of memory");
	a->fn_table = table;
	a->fn_table[a->functions.count - 1] = (struct function){ .entry = a->words,
		.arg_count = (uint16_t)args, .register_count = (uint16_t)regs };
	return 0;
}

/* .const NAME VALUE: a name for a value, usable wherever a number is, as on
 * the stack machine.  Here it also takes a pool entry of its own, in the
 * order of the .consts (a loadk of the same value shares the first), which
 * is how the disassembler gives a pool back as it was. */
static int directive_const(struct assembler *a)
{
	char name[LEX_MAX_NAME];
	const char *at;
	int64_t value;
	uint32_t index;

	lex_skip_blanks(&a->lx);
	at = a->lx.p;
	if (lex_name(&a->lx, name) <= 0)
		return lex_error(&a->lx, at, "expected a name after .const");
	if (lex_number(&a->lx, &value) != 0 || constant_index(a, value, false, &index) != 0)
		return -1;
	return define(a, &a->constants_by_name, name, at, index, "constant");
}

static int directive(struct assembler *a)
{
	const char *at = a->lx.p;
	char name[LEX_MAX_NAME];

	if (lex_name(&a->lx, name) < 0)
		return -1;
	if (strcmp(name, ".func") == 0)
		return directive_func(a, at);
	if (strcmp(name, ".globals") == 0) {
		if (a->has_globals)
			return lex_error(&a->lx, at, ".globals is given twice");
		a->has_globals = true;
		return lex_unsigned(&a->lx, MAX_GLOBALS, &a->global_count, "global count");
	}
	if (strcmp(name, ".const") == 0)
		return directive_const(a);
	if (strcmp(name, ".line") == 0)
		return lex_line_directive(&a->lx);
	if (strcmp(name, ".source") == 0)
		return lex_source_directive(&a->lx, a->lines.source);
	return lex_error(&a->lx, at, "unknown directive %s", name);
}

static int line(struct assembler *a)
{
	char name[LEX_MAX_NAME];
	const char *at;
	int length, op;

	lex_skip_blanks(&a->lx);
	at = a->lx.p;
	if (a->lx.p < a->lx.end && *a->lx.p == '.')
		return directive(a);
	length = lex_name(&a->lx, name);
	if (length > 0 && a->lx.p < a->lx.end && *a->lx.p == ':') {
		a->lx.p++;
		if (a->functions.count == 0)
			return lex_error(&a->lx, at, "label before the first .func");
		if (define(a, &a->labels, name, at, a->words, "label") != 0)
			return -1;
		if (lex_at_line_end(&a->lx))
			return 0;
		at = a->lx.p;
		length = lex_name(&a->lx, name);
	}
	if (length < 0)
		return -1;
	if (length == 0)
		return lex_at_line_end(&a->lx) ? 0 : lex_error(&a->lx, a->lx.p,
			"expected an instruction, a label or a directive");
	op = reg_opcode_by_mnemonic(name, length);
	if (op < 0)
		return lex_error(&a->lx, at, "unknown instruction %s", name);
	if (a->functions.count == 0)
		return lex_error(&a->lx, at, "instruction before the first .func");
	if (a->lx.origin_line > 0 && line_table_note(&a->lines, a->words,
			(uint32_t)a->lx.origin_line, (uint32_t)a->lx.origin_col) != 0)
		return lex_error(&a->lx, at, "out of memory");
	return operands(a, (unsigned)op);
}

/* jmp's offset needs no check: it reaches the whole of the largest program. */
_Static_assert((int)MAX_CODE_WORDS <= (int)SJ_MAX, "jmp reaches every word");

/* Fills every hole with the offset or index it names. */
static int resolve(struct assembler *a)
{
	for (uint32_t i = 0; i < a->fixup_count; i++) {
		const struct fixup *f = &a->fixups[i];
		struct symbols *table = f->kind == FIX_FUNCTION ? &a->functions : &a->labels;
		const struct symbol *s = find(table, f->name);
		int64_t offset;

		if (!s) {
			report_set(a->lx.err, f->line, f->col, "unknown %s '%s'",
				   f->kind == FIX_FUNCTION ? "function" : "label", f->name);
			return -1;
		}
		offset = (int64_t)s->value - f->base;
		if (f->kind == FIX_FUNCTION) {
			a->code[f->pc] |= s->value << 16;
		} else if (f->kind == FIX_WORD) {
			a->code[f->pc + 1] = (uint32_t)(int32_t)offset;
		} else if (f->kind == FIX_SJ) {
			/* (a program's every word is within reach) */
			a->code[f->pc] |= ((uint32_t)offset & 0xffffff) << 8;
		} else if (offset < SBX_MIN || offset > SBX_MAX) {
			report_set(a->lx.err, f->line, f->col, "label '%s' is too far away "
				   "for this jump (%lld words; it reaches %d to %d)",
				   f->name, (long long)offset, SBX_MIN, SBX_MAX);
			return -1;
		} else {
			a->code[f->pc] |= ((uint32_t)offset & 0xffff) << 16;
		}
	}
	return 0;
}

static void assembler_free(struct assembler *a)
{
	free(a->code);
	free(a->labels.items);
	symtab_free(&a->labels.index);
	free(a->functions.items);
	symtab_free(&a->functions.index);
	free(a->fixups);
	free(a->fn_table);
	free(a->constants);
	symtab_free(&a->constant_index);
	free(a->constants_by_name.items);
	symtab_free(&a->constants_by_name.index);
	line_table_free(&a->lines);
}

static int assemble_text(const char *src, size_t len, bool cite_origin,
			 struct program *prog, struct error_report *err)
{
	struct assembler a = { 0 };

	lexer_init(&a.lx, src, len, err);
	a.lx.cite_origin = cite_origin;
	memset(prog, 0, sizeof(*prog));
	do {
		if (line(&a) != 0)
			goto fail;
		if (!lex_at_line_end(&a.lx)) {
			lex_error(&a.lx, a.lx.p, "unexpected text after the instruction");
			goto fail;
		}
	} while (lex_next_line(&a.lx));
	if (a.functions.count == 0 || a.words == 0) {
		report_set(err, a.lx.line, 1, "no code: a program needs a .func and "
			   "instructions");
		goto fail;
	}
	if (resolve(&a) != 0)
		goto fail;
	*prog = (struct program){ .code = a.code, .code_words = a.words,
		.function_count = a.functions.count, .global_count = a.global_count,
		.constant_count = a.constant_count, .functions = a.fn_table,
		.constants = a.constants, .lines = a.lines };
	reg_program_set_function_ends(prog);
	a.lines = (struct line_table){ 0 };
	a.code = NULL;
	a.fn_table = NULL;
	a.constants = NULL;
	assembler_free(&a);
	return 0;
fail:
	assembler_free(&a);
	return -1;
}

int reg_assemble(const char *src, size_t len, struct program *prog,
	     struct error_report *err)
{
	return assemble_text(src, len, false, prog, err);
}

int reg_assemble_compiled(const char *src, size_t len, struct program *prog,
		      struct error_report *err)
{
	return assemble_text(src, len, true, prog, err);
}
