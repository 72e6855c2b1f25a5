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
 * fills in labels and functions used before their definition at the end
 * (with the symbol tables and references of common/lang/asm_symbols.c).
 */
#include "asm.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "lang/asm_lexer.h"
#include "lang/asm_symbols.h"
#include "lang/symtab.h"
#include "opcodes.h"

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
	struct asm_reference ref;
};

struct assembler {
	struct lexer lx;
	uint32_t *code;
	uint32_t words, capacity;
	struct asm_symbols labels, functions;
	struct asm_symbols constants_by_name;  /* .const names -> their values */
	struct fixup *fixups;
	uint32_t fixup_count, fixup_capacity;
	struct function *fn_table;
	uint32_t fn_capacity;
	int64_t *constants;
	uint32_t constant_count, constant_capacity;
	struct symtab constant_index;    /* a value's bytes -> its first pool index */
	struct asm_directives directives;  /* .globals, .source and .line */
};

static int emit(struct assembler *a, uint32_t word)
{
	uint32_t *code;

	if (a->words + 1 > MAX_CODE_WORDS)
		return lex_error(&a->lx, a->lx.line_start, "program too large (the code "
				 "may be %d words)", MAX_CODE_WORDS);
	code = asm_grow(a->code, &a->capacity, a->words + 1, sizeof(*code));
	if (!code)
		return lex_error(&a->lx, a->lx.line_start, "out of memory");
	a->code = code;
	a->code[a->words++] = word;
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
	pool = asm_grow(a->constants, &a->constant_capacity, a->constant_count + 1,
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
	if (asm_number_or_constant(&a->lx, &a->constants_by_name, out) != 0)
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
	struct fixup *fixups = asm_grow(a->fixups, &a->fixup_capacity, a->fixup_count + 1,
					sizeof(*fixups));

	if (!fixups)
		return lex_error(&a->lx, a->lx.p, "out of memory");
	a->fixups = fixups;
	a->fixups[a->fixup_count] = (struct fixup){ .kind = kind, .pc = pc, .base = base };
	if (asm_read_reference(&a->lx, kind == FIX_FUNCTION,
			       &a->fixups[a->fixup_count].ref) != 0)
		return -1;
	a->fixup_count++;
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
		/* loadk: past the 65,536 constants Bx reaches, loadkx (as Lua's
		 * LOADKX), so that a pool of any size loads */
		if (reg(a, &x) || comma(a) ||
		    asm_number_or_constant(&a->lx, &a->constants_by_name, &n) ||
		    constant_index(a, n, true, &index))
			return -1;
		return index < MAX_SHORT_CONSTANTS ? emit(a, word_abx(op, x, index)) :
		       emit(a, word_abx(OP_LOADKX, x, 0)) || emit(a, index);
	case FMT_AX:
		return reg(a, &x) || comma(a) ||
		       asm_number_or_constant(&a->lx, &a->constants_by_name, &n) ||
		       constant_index(a, n, true, &index) ||
		       emit(a, word_abx(op, x, 0)) || emit(a, index);
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
		if (reg(a, &x) || comma(a) ||
		    asm_number_or_constant(&a->lx, &a->constants_by_name, &n) ||
		    constant_index(a, n, true, &index))
			return -1;
		if (index >= MAX_SHORT_CONSTANTS)
			return lex_error(&a->lx, a->lx.p, "%s reaches the first %d constants of "
					 "the pool, and %" PRId64 " is number %u: compare with a "
					 "register loaded by loadk", reg_instruction_info[op].mnemonic,
					 MAX_SHORT_CONSTANTS, n, index);
		return comma(a) || symbol_operand(a, FIX_WORD, pc, pc + 2) ||
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

	if (asm_function_name(&a->lx, name, &name_at) != 0 ||
	    lex_unsigned(&a->lx, MAX_REGISTERS, &args, "argument count") != 0 ||
	    lex_unsigned(&a->lx, MAX_REGISTERS, &regs, "register count") != 0)
		return -1;
	if (args > regs)
		return lex_error(&a->lx, at, "arguments arrive in registers: the "
				 "register count must be at least the argument count");
	if (asm_define_function(&a->lx, &a->functions, at, name, name_at, MAX_FUNCTIONS) != 0)
		return -1;
	table = asm_grow(a->fn_table, &a->fn_capacity, a->functions.count, sizeof(*table));
	if (!table)
		return lex_error(&a->lx, at, "out of memory");
	a->fn_table = table;
	a->fn_table[a->functions.count - 1] = (struct function){ .entry = a->words,
		.arg_count = (uint16_t)args, .register_count = (uint16_t)regs };
	return 0;
}

/* .const NAME VALUE: a name for a value, usable wherever a number is, as on
 * the stack machine (stage 1's directive_const, chapter 1's exercise 1.2).
 * Here it also takes a pool entry of its own, in the order of the .consts (a
 * loadk of the same value shares the first), which is how the disassembler
 * gives a pool back as it was. */
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
	return asm_define(&a->lx, &a->constants_by_name, name, at, (uint64_t)value,
			  "constant");
}

static const struct asm_own_directives own_directives = {
	directive_func, directive_const, MAX_GLOBALS
};

static int line(struct assembler *a)
{
	char name[LEX_MAX_NAME];
	const char *at;
	int length, op;

	lex_skip_blanks(&a->lx);
	if (a->lx.p < a->lx.end && *a->lx.p == '.')
		return asm_directive(&a->lx, a, &own_directives, &a->directives);
	length = asm_label_and_name(&a->lx, &a->labels, a->functions.count > 0, a->words,
				    name, &at);
	if (length <= 0)
		return length;
	op = reg_opcode_by_mnemonic(name, length);
	if (op < 0)
		return lex_error(&a->lx, at, "unknown instruction %s", name);
	if (a->functions.count == 0)
		return lex_error(&a->lx, at, "instruction before the first .func");
	if (asm_note_line(&a->lx, at, a->words, &a->directives) != 0)
		return -1;
	return operands(a, (unsigned)op);
}

/* jmp's offset needs no check: it reaches the whole of the largest program. */
_Static_assert((int)MAX_CODE_WORDS <= (int)SJ_MAX, "jmp reaches every word");

/* Fills every hole with the offset or index it names. */
static int resolve(struct assembler *a)
{
	for (uint32_t i = 0; i < a->fixup_count; i++) {
		const struct fixup *f = &a->fixups[i];
		bool is_call = f->kind == FIX_FUNCTION;
		const struct asm_symbol *s = asm_resolve(&a->lx, is_call ? &a->functions :
							 &a->labels, &f->ref,
							 is_call ? "function" : "label");
		int64_t offset;

		if (!s)
			return -1;
		offset = (int64_t)s->value - f->base;
		if (f->kind == FIX_FUNCTION) {
			a->code[f->pc] |= (uint32_t)s->value << 16;
		} else if (f->kind == FIX_WORD) {
			a->code[f->pc + 1] = (uint32_t)(int32_t)offset;
		} else if (f->kind == FIX_SJ) {
			/* (a program's every word is within reach) */
			a->code[f->pc] |= ((uint32_t)offset & 0xffffff) << 8;
		} else if (offset < SBX_MIN || offset > SBX_MAX) {
			report_set(a->lx.err, f->ref.line, f->ref.col, "label '%s' is too far "
				   "away for this jump (%lld words; it reaches %d to %d)",
				   f->ref.name, (long long)offset, SBX_MIN, SBX_MAX);
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
	asm_symbols_free(&a->labels);
	asm_symbols_free(&a->functions);
	free(a->fixups);
	free(a->fn_table);
	free(a->constants);
	symtab_free(&a->constant_index);
	asm_symbols_free(&a->constants_by_name);
	line_table_free(&a->directives.lines);
}

static int assemble_text(const char *src, size_t len, bool cite_origin,
			 struct program *prog, struct error_report *err)
{
	struct assembler a = { 0 };

	asm_start(&a.lx, src, len, cite_origin, err);
	memset(prog, 0, sizeof(*prog));
	if (asm_read_lines(&a.lx, &a, line) != 0)
		goto fail;
	if (a.functions.count == 0 || a.words == 0) {
		report_set(err, a.lx.line, 1, "no code: a program needs a .func and "
			   "instructions");
		goto fail;
	}
	if (resolve(&a) != 0)
		goto fail;
	*prog = (struct program){ .code = a.code, .code_words = a.words,
		.function_count = a.functions.count, .global_count = a.directives.global_count,
		.constant_count = a.constant_count, .functions = a.fn_table,
		.constants = a.constants, .lines = a.directives.lines };
	reg_program_set_function_ends(prog);
	a.directives.lines = (struct line_table){ 0 };
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
