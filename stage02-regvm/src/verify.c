/* verify.c - the register machine's verifier.
 *
 * A stack machine's verifier must follow every path to learn how deep the
 * stack is at each instruction.  A register machine names its operands, so
 * most of the proof is local: every register field of every instruction
 * must lie inside its function's frame, every constant, global and function
 * index inside its table.  Only jumps need a second look, to be sure they
 * land on the first word of an instruction of the same function.
 */
#include "verify.h"

#include <stdbool.h>
#include <stdlib.h>

#include "lang/bytecode_file.h"
#include "opcodes.h"

struct checker {
	struct program *prog;
	struct error_report *err;
	bool *is_start;          /* does an instruction start at this word? */
};

static int check_function_table(struct checker *c)
{
	struct program *prog = c->prog;

	for (uint32_t i = 0; i < prog->function_count; i++) {
		const struct function *fn = &prog->functions[i];

		if (bytecode_check_entry(i, fn->entry, i ? fn[-1].entry : 0, prog->code_words,
					 c->err) != 0)
			return -1;
		if (fn->arg_count > fn->register_count ||
		    fn->register_count > MAX_REGISTERS) {
			report_set(c->err, 0, 0, "function %u: %u arguments and %u "
				   "registers (arguments arrive in registers; at most "
				   "%d)", i, fn->arg_count, fn->register_count,
				   MAX_REGISTERS);
			return -1;
		}
	}
	return bytecode_check_first_function(prog->functions[0].arg_count, c->err);
}

static int bad(struct checker *c, uint32_t pc, const char *what, unsigned value,
	       unsigned limit)
{
	report_set(c->err, 0, 0, "pc %u: %s: %s %u out of range (0 to %d)", pc,
		   reg_instruction_info[op_of(c->prog->code[pc])].mnemonic, what, value,
		   (int)limit - 1);
	return -1;
}

/* ANCHOR: check-operands */
/* Checks the fields of the instruction at pc against its function. */
static int check_operands(struct checker *c, const struct function *fn,
			  uint32_t fn_index, uint32_t pc)
{
	const struct program *prog = c->prog;
	uint32_t w = prog->code[pc];
	unsigned regs = fn->register_count;
	const struct function *callee;

	switch (reg_instruction_info[op_of(w)].format) {
	case FMT_NONE:
	case FMT_J:
		return 0;
	case FMT_ABC:
		if (c_of(w) >= regs)
			return bad(c, pc, "register", c_of(w), regs);
		/* fall through */
	case FMT_AB:
	case FMT_ABI:
	case FMT_ABJ:
		if (b_of(w) >= regs)
			return bad(c, pc, "register", b_of(w), regs);
		/* fall through */
	case FMT_A:
	case FMT_AI:
	case FMT_AJ:
	case FMT_AIJ:
		return a_of(w) >= regs ? bad(c, pc, "register", a_of(w), regs) : 0;
	case FMT_AK:
		if (bx_of(w) >= prog->constant_count)
			return bad(c, pc, "constant", bx_of(w), prog->constant_count);
		return a_of(w) >= regs ? bad(c, pc, "register", a_of(w), regs) : 0;
	case FMT_ABK:
		/* The constant is the second word; a divk or modk by 0 is
		 * refused here so that their handlers need not test it. */
		if ((op_of(w) == OP_DIVK || op_of(w) == OP_MODK) && prog->code[pc + 1] == 0) {
			report_set(c->err, 0, 0, "pc %u: %s: division by the constant 0 "
				   "(div and mod by a register fault when they run)", pc,
				   reg_instruction_info[op_of(w)].mnemonic);
			return -1;
		}
		if (b_of(w) >= regs)
			return bad(c, pc, "register", b_of(w), regs);
		return a_of(w) >= regs ? bad(c, pc, "register", a_of(w), regs) : 0;
	case FMT_AKJ:
		if (bx_of(w) >= prog->constant_count)
			return bad(c, pc, "constant", bx_of(w), prog->constant_count);
		return a_of(w) >= regs ? bad(c, pc, "register", a_of(w), regs) : 0;
	case FMT_AX:
		if (prog->code[pc + 1] >= prog->constant_count)
			return bad(c, pc, "constant", prog->code[pc + 1], prog->constant_count);
		return a_of(w) >= regs ? bad(c, pc, "register", a_of(w), regs) : 0;
	case FMT_AG:
		if (bx_of(w) >= prog->global_count)
			return bad(c, pc, "global", bx_of(w), prog->global_count);
		return a_of(w) >= regs ? bad(c, pc, "register", a_of(w), regs) : 0;
	case FMT_AF:
		if (bx_of(w) >= prog->function_count) {
			report_set(c->err, 0, 0, "pc %u: call %u: call target is not a "
				   "function (the program has %u)", pc, bx_of(w),
				   prog->function_count);
			return -1;
		}
		/* The callee's frame starts at rA: its arguments must be inside
		 * our frame, and its result comes back to rA. */
		callee = &prog->functions[bx_of(w)];
		if (a_of(w) + (callee->arg_count ? callee->arg_count : 1) > regs) {
			report_set(c->err, 0, 0, "pc %u: call r%u, function %u: its %u "
				   "arguments run past the %u registers of function %u",
				   pc, a_of(w), bx_of(w), callee->arg_count, regs, fn_index);
			return -1;
		}
		return 0;
	}
	return 0;
}
/* ANCHOR_END: check-operands */

/* The bits of an instruction word its format gives a meaning to.  The rest
 * must be zero: the disassembly has no way to write them, so a file with
 * other bits there would not come back the same from dis and asm. */
static uint32_t used_bits(enum format format)
{
	switch (format) {
	case FMT_NONE:
		return 0x000000ff;          /* the opcode alone */
	case FMT_A:
	case FMT_AX:
		return 0x0000ffff;          /* and A; the second word is whole */
	case FMT_AB:
	case FMT_ABJ:
	case FMT_ABK:
		return 0x00ffffff;          /* and B; the second word is whole */
	case FMT_J:                     /* sJ fills the word past the opcode */
	case FMT_ABC:
	case FMT_ABI:
	case FMT_AI:
	case FMT_AK:
	case FMT_AG:
	case FMT_AF:
	case FMT_AJ:
	case FMT_AIJ:
	case FMT_AKJ:
		break;
	}
	return 0xffffffff;
}

static int check_function(struct checker *c, uint32_t fn_index)
{
	const struct program *prog = c->prog;
	const struct function *fn = &prog->functions[fn_index];
	uint32_t pc, last = fn->entry;

	for (pc = fn->entry; pc < fn->end; pc += reg_instruction_words(
		     reg_instruction_info[op_of(prog->code[pc])].format)) {
		unsigned op = op_of(prog->code[pc]);

		if (op >= OPCODE_COUNT) {
			report_set(c->err, 0, 0, "pc %u: unknown opcode 0x%02x", pc, op);
			return -1;
		}
		if (pc + reg_instruction_words(reg_instruction_info[op].format) > fn->end) {
			enum format format = reg_instruction_info[op].format;

			report_set(c->err, 0, 0, "pc %u: %s: its %s word is cut off "
				   "by the end of function %u", pc,
				   reg_instruction_info[op].mnemonic,
				   format == FMT_ABK ? "constant" : format == FMT_AX ?
				   "index" : "offset", fn_index);
			return -1;
		}
		if (prog->code[pc] & ~used_bits(reg_instruction_info[op].format)) {
			report_set(c->err, 0, 0, "pc %u: %s: unused bits 0x%08x of the "
				   "instruction word are not zero", pc,
				   reg_instruction_info[op].mnemonic,
				   prog->code[pc] & ~used_bits(reg_instruction_info[op].format));
			return -1;
		}
		if (check_operands(c, fn, fn_index, pc) != 0)
			return -1;
		c->is_start[pc] = true;
		last = pc;
	}
	if (op_of(prog->code[last]) != OP_JMP && op_of(prog->code[last]) != OP_RET &&
	    op_of(prog->code[last]) != OP_HALT) {
		report_set(c->err, 0, 0, "pc %u: %s: execution falls off the end of "
			   "function %u without ret, jmp or halt", last,
			   reg_instruction_info[op_of(prog->code[last])].mnemonic, fn_index);
		return -1;
	}
	return 0;
}

/* Every jump lands on an instruction of its own function. */
static int check_jumps(struct checker *c, uint32_t fn_index)
{
	const struct program *prog = c->prog;
	const struct function *fn = &prog->functions[fn_index];

	for (uint32_t pc = fn->entry; pc < fn->end; pc++) {
		int64_t target;

		if (!c->is_start[pc])
			continue;
		if (!format_jumps(reg_instruction_info[op_of(prog->code[pc])].format))
			continue;
		target = jump_target(prog->code, pc);
		if (target < fn->entry || target >= fn->end) {
			report_set(c->err, 0, 0, "pc %u: %s: jump target %lld outside "
				   "function %u (%u..%u)", pc,
				   reg_instruction_info[op_of(prog->code[pc])].mnemonic,
				   (long long)target, fn_index, fn->entry, fn->end - 1);
			return -1;
		}
		if (!c->is_start[target]) {
			report_set(c->err, 0, 0, "pc %u: %s: jump into the middle of an "
				   "instruction (word %lld)", pc,
				   reg_instruction_info[op_of(prog->code[pc])].mnemonic,
				   (long long)target);
			return -1;
		}
	}
	return 0;
}

int reg_verify(struct program *prog, struct error_report *err)
{
	struct checker c = { .prog = prog, .err = err };
	int status = -1;

	if (check_function_table(&c) != 0)
		return -1;
	reg_program_set_function_ends(prog);
	c.is_start = calloc(prog->code_words, sizeof(*c.is_start));
	if (!c.is_start) {
		report_set(err, 0, 0, "out of memory");
		return -1;
	}
	for (uint32_t i = 0; i < prog->function_count; i++)
		if (check_function(&c, i) != 0)
			goto out;
	for (uint32_t i = 0; i < prog->function_count; i++)
		if (check_jumps(&c, i) != 0)
			goto out;
	if (line_table_check_starts(&prog->lines, c.is_start, err) != 0)
		goto out;
	status = 0;
out:
	free(c.is_start);
	return status;
}
