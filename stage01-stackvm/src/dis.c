/* dis.c - the disassembler. */
#include "dis.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>

#include "opcodes.h"

/* Marks every address some jump goes to, so it can be given a label. */
static bool *jump_targets(const struct program *prog)
{
	bool *is_target = calloc(prog->code_size, sizeof(*is_target));

	for (uint32_t pc = 0; is_target && pc < prog->code_size;
	     pc += stack_instruction_size(prog->code[pc])) {
		int at = stack_target_offset(stack_instruction_info[prog->code[pc]].operand);

		if (at >= 0)
			is_target[le_get32(prog->code + pc + 1 + at)] = true;
	}
	return is_target;
}

void stack_format_instruction(const struct program *prog, uint32_t pc, char *buf, size_t size)
{
	const uint8_t *p = prog->code + pc;
	const struct instruction_info *info = &stack_instruction_info[*p];
	const char *m = info->mnemonic;

	switch (info->operand) {
	case OPERAND_NONE:   snprintf(buf, size, "%s", m); break;
	case OPERAND_I64:
		snprintf(buf, size, "%s %" PRId64, m, (int64_t)le_get64(p + 1));
		break;
	case OPERAND_TARGET: snprintf(buf, size, "%s L%u", m, le_get32(p + 1)); break;
	case OPERAND_FUNC:   snprintf(buf, size, "%s f%u", m, le_get16(p + 1)); break;
	case OPERAND_LOCAL:  snprintf(buf, size, "%s %u", m, p[1]); break;
	case OPERAND_GLOBAL: snprintf(buf, size, "%s %u", m, le_get16(p + 1)); break;
	case OPERAND_LOCAL_I8:
		snprintf(buf, size, "%s %u, %d", m, p[1], (int8_t)p[2]);
		break;
	case OPERAND_LOCAL_LOCAL:
		snprintf(buf, size, "%s %u, %u", m, p[1], p[2]);
		break;
	case OPERAND_LOCAL_I64:
		snprintf(buf, size, "%s %u, %" PRId64, m, p[1], (int64_t)le_get64(p + 2));
		break;
	case OPERAND_GLOBAL_I64:
		snprintf(buf, size, "%s %u, %" PRId64, m, le_get16(p + 1),
			 (int64_t)le_get64(p + 3));
		break;
	case OPERAND_LOCAL_LOCAL_TARGET:
		snprintf(buf, size, "%s %u, %u, L%u", m, p[1], p[2], le_get32(p + 3));
		break;
	case OPERAND_LOCAL_I64_TARGET:
		snprintf(buf, size, "%s %u, %" PRId64 ", L%u", m, p[1],
			 (int64_t)le_get64(p + 2), le_get32(p + 10));
		break;
	}
}

int stack_disassemble(const struct program *prog, FILE *out)
{
	bool *is_target = jump_targets(prog);
	uint32_t line = 0;           /* the next entry of the line table */
	uint32_t fn = 0;
	char text[64];

	if (!is_target)
		return -1;

	fprintf(out, "; %u functions, %u globals, %u bytes of code\n",
		prog->function_count, prog->global_count, prog->code_size);
	fprintf(out, ".globals %u\n", prog->global_count);
	line_table_print_source(&prog->lines, out);
	for (uint32_t pc = 0; pc < prog->code_size; pc += stack_instruction_size(prog->code[pc])) {
		while (fn < prog->function_count && prog->functions[fn].entry == pc) {
			fprintf(out, ".func f%u %u %u\n", fn, prog->functions[fn].arg_count,
				prog->functions[fn].local_count);
			fn++;
		}
		if (is_target[pc])
			fprintf(out, "L%u:\n", pc);
		line_table_print_at(&prog->lines, &line, pc, out);
		stack_format_instruction(prog, pc, text, sizeof(text));
		fprintf(out, "\t%s\n", text);
	}
	free(is_target);
	return 0;
}
