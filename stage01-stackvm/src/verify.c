/* verify.c - the verifier, in the manner of the JVM's.
 *
 * It proves, before the first instruction runs, that every path through
 * every function keeps the operand stack between empty and a known bound.
 * It does so by abstract interpretation: instead of values it follows stack
 * depths, from each function's entry (depth 0) along every branch, and insists
 * that two paths meeting at one instruction arrive with the same depth.  Once
 * that holds, the interpreter can pop and push with no bounds checks at all.
 */
#include "verify.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "lang/bytecode_file.h"
#include "opcodes.h"

struct checker {
	struct program *prog;
	struct error_report *err;
	int *depth;          /* stack depth on entry to each pc; -1 = not seen */
	bool *is_start;      /* does an instruction start at this pc? */
	uint32_t *worklist;  /* instructions whose successors need a look */
	uint32_t pending;
};

static const char *name_at(const struct checker *c, uint32_t pc)
{
	return stack_instruction_info[c->prog->code[pc]].mnemonic;
}

static int check_function_table(struct checker *c)
{
	struct program *prog = c->prog;

	for (uint32_t i = 0; i < prog->function_count; i++) {
		const struct function *fn = &prog->functions[i];

		if (bytecode_check_entry(i, fn->entry, i ? fn[-1].entry : 0, prog->code_size,
					 c->err) != 0)
			return -1;
		if (fn->arg_count > fn->local_count || fn->local_count > MAX_LOCALS) {
			report_set(c->err, 0, 0, "function %u: %u arguments and %u "
				   "locals (arguments count among the at most %d locals)",
				   i, fn->arg_count, fn->local_count, MAX_LOCALS);
			return -1;
		}
	}
	return bytecode_check_first_function(prog->functions[0].arg_count, c->err);
}

/* A local operand must name one of the function's locals. */
static int check_local(struct checker *c, const struct function *fn, uint32_t fn_index,
		       uint32_t pc, uint8_t slot)
{
	if (slot < fn->local_count)
		return 0;
	report_set(c->err, 0, 0, "pc %u: %s %u: local index out of range "
		   "(function %u has %u locals)", pc, name_at(c, pc), slot, fn_index,
		   fn->local_count);
	return -1;
}

/* A jump's target must lie inside its own function. */
static int check_target(struct checker *c, const struct function *fn, uint32_t fn_index,
			uint32_t pc, uint32_t target)
{
	if (target >= fn->entry && target < fn->end)
		return 0;
	report_set(c->err, 0, 0, "pc %u: %s %u: jump target outside function %u (%u..%u)",
		   pc, name_at(c, pc), target, fn_index, fn->entry, fn->end - 1);
	return -1;
}

/* Checks one instruction's opcode and operand where it stands. */
static int check_instruction(struct checker *c, const struct function *fn,
			     uint32_t fn_index, uint32_t pc)
{
	struct program *prog = c->prog;
	uint8_t op = prog->code[pc];
	const uint8_t *operand = prog->code + pc + 1;

	if (op >= OPCODE_COUNT) {
		report_set(c->err, 0, 0, "pc %u: unknown opcode 0x%02x", pc, op);
		return -1;
	}
	if (pc + stack_instruction_size(op) > fn->end) {
		report_set(c->err, 0, 0, "pc %u: %s: operand truncated by the end of "
			   "function %u", pc, name_at(c, pc), fn_index);
		return -1;
	}
	switch (stack_instruction_info[op].operand) {
	case OPERAND_TARGET:
		return check_target(c, fn, fn_index, pc, le_get32(operand));
	case OPERAND_LOCAL_LOCAL_TARGET:
		if (check_local(c, fn, fn_index, pc, operand[0]) != 0 ||
		    check_local(c, fn, fn_index, pc, operand[1]) != 0)
			return -1;
		return check_target(c, fn, fn_index, pc, le_get32(operand + 2));
	case OPERAND_LOCAL_I64_TARGET:
		if (check_local(c, fn, fn_index, pc, operand[0]) != 0)
			return -1;
		return check_target(c, fn, fn_index, pc, le_get32(operand + 9));
	case OPERAND_FUNC:
		if (le_get16(operand) >= prog->function_count) {
			report_set(c->err, 0, 0, "pc %u: call %u: call target is not a "
				   "function (the program has %u)", pc,
				   le_get16(operand), prog->function_count);
			return -1;
		}
		break;
	case OPERAND_LOCAL_LOCAL:
		if (check_local(c, fn, fn_index, pc, operand[0]) != 0 ||
		    check_local(c, fn, fn_index, pc, operand[1]) != 0)
			return -1;
		break;
	case OPERAND_LOCAL:
	case OPERAND_LOCAL_I8:
	case OPERAND_LOCAL_I64:
		if (check_local(c, fn, fn_index, pc, operand[0]) != 0)
			return -1;
		break;
	case OPERAND_GLOBAL:
	case OPERAND_GLOBAL_I64:
		if (le_get16(operand) >= prog->global_count) {
			report_set(c->err, 0, 0, "pc %u: %s %u: global index out of "
				   "range (the program has %u globals)", pc,
				   name_at(c, pc), le_get16(operand), prog->global_count);
			return -1;
		}
		break;
	case OPERAND_NONE:
	case OPERAND_I64:
		break;
	}
	return 0;
}

/* Walks a function's code once, marking where instructions start. */
static int decode_function(struct checker *c, uint32_t fn_index)
{
	const struct function *fn = &c->prog->functions[fn_index];

	for (uint32_t pc = fn->entry; pc < fn->end;
	     pc += stack_instruction_size(c->prog->code[pc])) {
		if (check_instruction(c, fn, fn_index, pc) != 0)
			return -1;
		c->is_start[pc] = true;
	}
	return 0;
}

/* Every jump, reachable or not, lands on the first byte of an instruction,
 * as the JVM's verifier insists: code no path reaches is still code, and
 * the disassembler must be able to give each target a label. */
static int check_jump_targets(struct checker *c, uint32_t fn_index)
{
	const struct function *fn = &c->prog->functions[fn_index];

	for (uint32_t pc = fn->entry; pc < fn->end;
	     pc += stack_instruction_size(c->prog->code[pc])) {
		int at = stack_target_offset(stack_instruction_info[c->prog->code[pc]].operand);
		uint32_t target;

		if (at < 0)
			continue;
		target = le_get32(c->prog->code + pc + 1 + at);
		if (!c->is_start[target]) {
			report_set(c->err, 0, 0, "pc %u: %s %u: jump into the middle of "
				   "an instruction", pc, name_at(c, pc), target);
			return -1;
		}
	}
	return 0;
}

/* Records that control reaches pc with the stack at depth.  pc starts an
 * instruction: check_jump_targets() has seen to every jump. */
static int reach(struct checker *c, const struct function *fn, uint32_t from,
		 uint32_t pc, int depth)
{
	if (pc == fn->end) {
		report_set(c->err, 0, 0, "pc %u: %s: execution falls off the end of "
			   "the function without ret or halt", from, name_at(c, from));
		return -1;
	}
	if (c->depth[pc] == -1) {
		c->depth[pc] = depth;
		c->worklist[c->pending++] = pc;
	} else if (c->depth[pc] != depth) {
		report_set(c->err, 0, 0, "pc %u: stack depths differ where paths meet "
			   "(%d from pc %u, %d from an earlier path)", pc, depth, from,
			   c->depth[pc]);
		return -1;
	}
	return 0;
}

/* ANCHOR: stack-depths */
/* Follows every path through one function, tracking the stack's depth. */
static int check_stack_depths(struct checker *c, uint32_t fn_index)
{
	struct program *prog = c->prog;
	struct function *fn = &prog->functions[fn_index];

	c->pending = 0;
	if (reach(c, fn, fn->entry, fn->entry, 0) != 0)
		return -1;
	while (c->pending > 0) {
		uint32_t pc = c->worklist[--c->pending];
		uint8_t op = prog->code[pc];
		const struct instruction_info *info = &stack_instruction_info[op];
		int pops = info->pops, depth = c->depth[pc], at = stack_target_offset(info->operand);
		uint32_t next = pc + stack_instruction_size(prog->code[pc]);

		if (op == OP_CALL)
			pops = prog->functions[le_get16(prog->code + pc + 1)].arg_count;
		if (depth < pops) {
			report_set(c->err, 0, 0, "pc %u: %s: stack underflow (needs %d "
				   "values, has %d on some path)", pc, info->mnemonic,
				   pops, depth);
			return -1;
		}
		depth += info->pushes - pops;
		if (depth > MAX_OPERAND_STACK) {
			report_set(c->err, 0, 0, "pc %u: %s: stack deeper than the limit "
				   "of %d", pc, info->mnemonic, MAX_OPERAND_STACK);
			return -1;
		}
		if (depth > fn->max_stack)
			fn->max_stack = depth;
		if (at >= 0 && reach(c, fn, pc, le_get32(prog->code + pc + 1 + at), depth) != 0)
			return -1;
		if (op != OP_JMP && op != OP_RET && op != OP_HALT &&
		    reach(c, fn, pc, next, depth) != 0)
			return -1;
	}
	return 0;
}
/* ANCHOR_END: stack-depths */

int stack_verify(struct program *prog, struct error_report *err)
{
	struct checker c = { .prog = prog, .err = err };
	int status = -1;

	if (check_function_table(&c) != 0)
		return -1;
	stack_program_set_function_ends(prog);
	c.depth = malloc(prog->code_size * sizeof(*c.depth));
	c.is_start = calloc(prog->code_size, sizeof(*c.is_start));
	c.worklist = malloc(prog->code_size * sizeof(*c.worklist));
	if (!c.depth || !c.is_start || !c.worklist) {
		report_set(err, 0, 0, "out of memory");
		goto out;
	}
	memset(c.depth, -1, prog->code_size * sizeof(*c.depth));
	for (uint32_t i = 0; i < prog->function_count; i++)
		if (decode_function(&c, i) != 0 || check_jump_targets(&c, i) != 0)
			goto out;
	if (line_table_check_starts(&prog->lines, c.is_start, err) != 0)
		goto out;
	for (uint32_t i = 0; i < prog->function_count; i++)
		if (check_stack_depths(&c, i) != 0)
			goto out;
	status = 0;
out:
	free(c.depth);
	free(c.is_start);
	free(c.worklist);
	return status;
}
