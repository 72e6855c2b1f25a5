/* dis.c - the disassembler. */
#include "dis.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>

#include "opcodes.h"

static uint32_t size_at(const struct program *prog, uint32_t pc)
{
	return 1 + operand_size(instruction_info[prog->code[pc]].operand);
}

/* Marks every address some jump goes to, so it can be given a label. */
static bool *jump_targets(const struct program *prog)
{
	bool *is_target = calloc(prog->code_size, sizeof(*is_target));

	for (uint32_t pc = 0; is_target && pc < prog->code_size; pc += size_at(prog, pc))
		if (instruction_info[prog->code[pc]].operand == OPERAND_TARGET)
			is_target[read_u32(prog->code + pc + 1)] = true;
	return is_target;
}

static void print_instruction(const struct program *prog, uint32_t pc, FILE *out)
{
	const uint8_t *p = prog->code + pc;
	const struct instruction_info *info = &instruction_info[*p];
	fprintf(out, "\t%s", info->mnemonic);
	switch (info->operand) {
	case OPERAND_NONE:
		break;
	case OPERAND_I64:
		fprintf(out, " %" PRId64, read_i64(p + 1));
		break;
	case OPERAND_TARGET:
		fprintf(out, " L%u", read_u32(p + 1));
		break;
	case OPERAND_FUNC:
		fprintf(out, " f%u", read_u16(p + 1));
		break;
	case OPERAND_LOCAL:
		fprintf(out, " %u", p[1]);
		break;
	case OPERAND_GLOBAL:
		fprintf(out, " %u", read_u16(p + 1));
		break;
	case OPERAND_LOCAL_I8:
		fprintf(out, " %u, %d", p[1], (int8_t)p[2]);
		break;
	}
	fprintf(out, "\n");
}

int disassemble(const struct program *prog, FILE *out)
{
	bool *is_target = jump_targets(prog);
	uint32_t fn = 0;

	if (!is_target)
		return -1;

	fprintf(out, "; %u functions, %u globals, %u bytes of code\n",
		prog->function_count, prog->global_count, prog->code_size);
	fprintf(out, ".globals %u\n", prog->global_count);
	for (uint32_t pc = 0; pc < prog->code_size; pc += size_at(prog, pc)) {
		while (fn < prog->function_count && prog->functions[fn].entry == pc) {
			fprintf(out, ".func f%u %u %u\n", fn, prog->functions[fn].arg_count,
				prog->functions[fn].local_count);
			fn++;
		}
		if (is_target[pc])
			fprintf(out, "L%u:\n", pc);
		print_instruction(prog, pc, out);
	}
	free(is_target);
	return 0;
}
