/* asm.c - the assembler.
 *
 *   ; a comment runs to the end of the line
 *   .globals 1                  ; how many globals the program has
 *   .func main 0 1              ; a function: name, arguments, locals
 *   loop:                       ; a label: a code address
 *           push 'A'            ; operands: decimal, 0x hex, 'c' characters
 *           jmp loop
 *
 * It reads the text once, line by line (the lexer is common/lang/asm_lexer.c,
 * shared with the register machine), emitting code as it goes.  A label
 * or function used before it is defined leaves a hole, noted in a list of
 * fix-ups that is filled in at the end (the symbol tables and references
 * are common/lang/asm_symbols.c's, shared too).
 */
#include "asm.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "lang/asm_lexer.h"
#include "lang/asm_symbols.h"
#include "opcodes.h"

enum { MAX_NAME = LEX_MAX_NAME };

/* A hole in the code to fill once every label and function is known. */
struct fixup {
	uint32_t at;             /* where the operand goes */
	bool is_call;            /* a function index, or else a label address */
	struct asm_reference ref;
};

struct assembler {
	struct lexer lx;
	uint8_t *code;
	uint32_t size, capacity;
	struct asm_symbols labels, functions, constants;
	struct fixup *fixups;
	uint32_t fixup_count, fixup_capacity;
	struct function *fn_table;
	uint32_t fn_capacity;
	struct asm_directives directives;  /* .globals, .source and .line */
};

static int emit(struct assembler *a, uint64_t value, int bytes)
{
	uint8_t *code;

	if (a->size + bytes > MAX_CODE_SIZE)
		return lex_error(&a->lx, a->lx.line_start, "program too large (the code "
				 "may be %d bytes)", MAX_CODE_SIZE);
	code = asm_grow(a->code, &a->capacity, a->size + bytes, 1);
	if (!code)
		return lex_error(&a->lx, a->lx.line_start, "out of memory");
	a->code = code;
	for (int i = 0; i < bytes; i++)
		a->code[a->size++] = (value >> (8 * i)) & 0xff;
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

	if (asm_function_name(&a->lx, name, &name_at) != 0 ||
	    lex_unsigned(&a->lx, MAX_LOCALS, &args, "argument count") != 0 ||
	    lex_unsigned(&a->lx, MAX_LOCALS, &locals, "local count") != 0)
		return -1;
	if (args > locals)
		return lex_error(&a->lx, at, "a function's arguments are among its "
				 "locals: the local count must be at least the "
				 "argument count");
	if (asm_define_function(&a->lx, &a->functions, at, name, name_at, MAX_FUNCTIONS) != 0)
		return -1;
	table = asm_grow(a->fn_table, &a->fn_capacity, a->functions.count, sizeof(*table));
	if (!table)
		return lex_error(&a->lx, at, "out of memory");
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

	lex_skip_blanks(&a->lx);
	at = a->lx.p;
	if (lex_name(&a->lx, name) <= 0)
		return lex_error(&a->lx, at, "expected a name after .const");
	if (lex_number(&a->lx, &value) != 0)
		return -1;
	return asm_define(&a->lx, &a->constants, name, at, (uint64_t)value, "constant");
/* STUB ex1.2
	(void)a;
	exercise_todo("ex1.2");
END STUB */
/* END EXERCISE ex1.2 */
}

static const struct asm_own_directives own_directives = {
	directive_func, directive_const, MAX_GLOBALS
};

/* --- instructions --------------------------------------------------------- */

/* A label or function operand: its value is filled in at the end. */
static int symbolic_operand(struct assembler *a, bool is_call, int bytes)
{
	struct fixup *fixups = asm_grow(a->fixups, &a->fixup_capacity,
					a->fixup_count + 1, sizeof(*fixups));

	if (!fixups)
		return lex_error(&a->lx, a->lx.p, "out of memory");
	a->fixups = fixups;
	a->fixups[a->fixup_count] = (struct fixup){ .at = a->size, .is_call = is_call };
	if (asm_read_reference(&a->lx, is_call, &a->fixups[a->fixup_count].ref) != 0)
		return -1;
	a->fixup_count++;
	return emit(a, 0, bytes);
}

/* incl's constant: one signed byte. */
static int small_constant(struct assembler *a, int64_t *value)
{
	const char *at;

	lex_skip_blanks(&a->lx);
	at = a->lx.p;
	if (lex_number(&a->lx, value) != 0)
		return -1;
	if (*value < INT8_MIN || *value > INT8_MAX)
		return lex_error(&a->lx, at, "constant must be -128 to 127");
	return 0;
}

static int operand(struct assembler *a, enum operand_kind kind);

/* A superinstruction's operands, `first, second`: each read and encoded as
 * the instruction it stands for reads and encodes it alone. */
static int operand_pair(struct assembler *a, enum operand_kind first,
			enum operand_kind second)
{
	if (operand(a, first) != 0 || lex_expect(&a->lx, ',') != 0)
		return -1;
	return operand(a, second);
}

static int operand(struct assembler *a, enum operand_kind kind)
{
	int64_t value = 0;
	uint32_t index = 0;

	switch (kind) {
	case OPERAND_NONE:
		return 0;
	case OPERAND_I64:
		/* a number or a .const, as stage 2's operands are */
		if (asm_number_or_constant(&a->lx, &a->constants, &value) != 0)
			return -1;
		return emit(a, (uint64_t)value, 8);
	case OPERAND_TARGET:
		return symbolic_operand(a, false, 4);
	case OPERAND_FUNC:
		return symbolic_operand(a, true, 2);
	case OPERAND_LOCAL:
		if (lex_unsigned(&a->lx, MAX_LOCALS - 1, &index, "local index") != 0)
			return -1;
		return emit(a, index, 1);
	case OPERAND_GLOBAL:
		if (lex_unsigned(&a->lx, MAX_GLOBALS - 1, &index, "global index") != 0)
			return -1;
		return emit(a, index, 2);
	case OPERAND_LOCAL_I8:
		if (lex_unsigned(&a->lx, MAX_LOCALS - 1, &index, "local index") != 0 ||
		    lex_expect(&a->lx, ',') != 0 || small_constant(a, &value) != 0)
			return -1;
		return emit(a, index | (uint64_t)(uint8_t)value << 8, 2);
	case OPERAND_LOCAL_LOCAL:
		return operand_pair(a, OPERAND_LOCAL, OPERAND_LOCAL);
	case OPERAND_LOCAL_I64:
		return operand_pair(a, OPERAND_LOCAL, OPERAND_I64);
	case OPERAND_GLOBAL_I64:
		return operand_pair(a, OPERAND_GLOBAL, OPERAND_I64);
	case OPERAND_LOCAL_LOCAL_TARGET:     /* jltll a, b, L: loadll's pair, then a jump's */
		return operand_pair(a, OPERAND_LOCAL_LOCAL, OPERAND_TARGET);
	case OPERAND_LOCAL_I64_TARGET:       /* jltlk x, k, L: loadlk's pair, then a jump's */
		return operand_pair(a, OPERAND_LOCAL_I64, OPERAND_TARGET);
	}
	return -1;
}

static int instruction(struct assembler *a, const char *at, const char *name)
{
	int op = stack_opcode_by_mnemonic(name, (int)strlen(name));

	if (op < 0)
		return lex_error(&a->lx, at, "unknown instruction %s", name);
	if (!current_function(a))
		return lex_error(&a->lx, at, "instruction before the first .func");
	if (asm_note_line(&a->lx, at, a->size, &a->directives) != 0 ||
	    emit(a, (uint64_t)op, 1) != 0)
		return -1;
	return operand(a, stack_instruction_info[op].operand);
}

/* One line: an optional label, then a directive, an instruction or nothing. */
static int line(struct assembler *a)
{
	char name[MAX_NAME];
	const char *at;
	int length;

	lex_skip_blanks(&a->lx);
	if (a->lx.p < a->lx.end && *a->lx.p == '.')
		return asm_directive(&a->lx, a, &own_directives, &a->directives);
	length = asm_label_and_name(&a->lx, &a->labels, current_function(a) != NULL,
				    a->size, name, &at);
	return length <= 0 ? length : instruction(a, at, name);
}

/* Fills every hole with the address or index it names. */
static int resolve(struct assembler *a)
{
	for (uint32_t i = 0; i < a->fixup_count; i++) {
		const struct fixup *f = &a->fixups[i];
		const struct asm_symbol *s = asm_resolve(&a->lx, f->is_call ? &a->functions :
							 &a->labels, &f->ref,
							 f->is_call ? "function" : "label");

		if (!s)
			return -1;
		for (int b = 0; b < (f->is_call ? 2 : 4); b++)
			a->code[f->at + b] = (s->value >> (8 * b)) & 0xff;
	}
	return 0;
}

static void assembler_free(struct assembler *a)
{
	free(a->code);
	asm_symbols_free(&a->labels);
	asm_symbols_free(&a->constants);
	asm_symbols_free(&a->functions);
	free(a->fixups);
	free(a->fn_table);
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
	if (a.functions.count == 0) {
		report_set(err, a.lx.line, 1, "no .func: a program needs at least one function");
		goto fail;
	}
	if (a.size == 0) {
		report_set(err, a.lx.line, 1, "the program has no instructions");
		goto fail;
	}
	if (resolve(&a) != 0)
		goto fail;
	prog->code = a.code;
	prog->code_size = a.size;
	prog->functions = a.fn_table;
	prog->function_count = a.functions.count;
	prog->global_count = a.directives.global_count;
	prog->lines = a.directives.lines;
	stack_program_set_function_ends(prog);
	a.code = NULL;
	a.fn_table = NULL;
	a.directives.lines = (struct line_table){ 0 };
	assembler_free(&a);
	return 0;
fail:
	assembler_free(&a);
	return -1;
}

int stack_assemble(const char *src, size_t len, struct program *prog,
	     struct error_report *err)
{
	return assemble_text(src, len, false, prog, err);
}

int stack_assemble_compiled(const char *src, size_t len, struct program *prog,
		      struct error_report *err)
{
	return assemble_text(src, len, true, prog, err);
}
