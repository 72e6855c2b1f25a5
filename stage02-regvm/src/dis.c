/* dis.c - the disassembler. */
#include "dis.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>

#include "opcodes.h"

void reg_format_instruction(const struct program *prog, uint32_t pc, char *buf, size_t size)
{
	uint32_t w = prog->code[pc];
	const struct instruction_info *info = &reg_instruction_info[op_of(w)];
	const char *m = info->mnemonic;
	unsigned a = a_of(w), b = b_of(w);

	switch (info->format) {
	case FMT_NONE: snprintf(buf, size, "%s", m); break;
	case FMT_A:    snprintf(buf, size, "%s r%u", m, a); break;
	case FMT_AB:   snprintf(buf, size, "%s r%u, r%u", m, a, b); break;
	case FMT_ABC:  snprintf(buf, size, "%s r%u, r%u, r%u", m, a, b, c_of(w)); break;
	case FMT_ABI:  snprintf(buf, size, "%s r%u, r%u, %d", m, a, b, sc_of(w)); break;
	case FMT_AI:   snprintf(buf, size, "%s r%u, %d", m, a, sbx_of(w)); break;
	case FMT_AK:
		snprintf(buf, size, "%s r%u, %" PRId64, m, a, prog->constants[bx_of(w)]);
		break;
	case FMT_AG:   snprintf(buf, size, "%s r%u, %u", m, a, bx_of(w)); break;
	case FMT_AF:   snprintf(buf, size, "%s r%u, f%u", m, a, bx_of(w)); break;
	case FMT_J:
		snprintf(buf, size, "%s L%lld", m, (long long)jump_target(prog->code, pc));
		break;
	case FMT_AJ:
		snprintf(buf, size, "%s r%u, L%lld", m, a, (long long)jump_target(prog->code, pc));
		break;
	case FMT_ABJ:
		snprintf(buf, size, "%s r%u, r%u, L%lld", m, a, b,
			 (long long)jump_target(prog->code, pc));
		break;
	case FMT_AIJ:
		snprintf(buf, size, "%s r%u, %d, L%lld", m, a, sbx_of(w),
			 (long long)jump_target(prog->code, pc));
		break;
	case FMT_ABK:
		snprintf(buf, size, "%s r%u, r%u, %d", m, a, b, (int32_t)prog->code[pc + 1]);
		break;
	case FMT_AKJ:
		snprintf(buf, size, "%s r%u, %" PRId64 ", L%lld", m, a,
			 prog->constants[bx_of(w)], (long long)jump_target(prog->code, pc));
		break;
	case FMT_AX:
		snprintf(buf, size, "%s r%u, %" PRId64, m, a, prog->constants[prog->code[pc + 1]]);
		break;
	}
}

static uint32_t words_at(const struct program *prog, uint32_t pc)
{
	return reg_instruction_words(reg_instruction_info[op_of(prog->code[pc])].format);
}

/* After a call: "; arguments rA..rB", the caller's registers that become
 * the callee's r0, r1, ... ("; no arguments" when it takes none). */
static void print_argument_window(const struct program *prog, uint32_t w, FILE *out)
{
/* BEGIN EXERCISE ex2.3 */
	unsigned args = prog->functions[bx_of(w)].arg_count;

	if (args == 0)
		fprintf(out, "\t; no arguments");
	else
		fprintf(out, "\t; arguments r%u..r%u", a_of(w), a_of(w) + args - 1);
/* STUB ex2.3
	(void)prog;
	(void)w;
	(void)out;
	exercise_pending("ex2.3");
END STUB */
/* END EXERCISE ex2.3 */
}

int reg_disassemble(const struct program *prog, FILE *out)
{
	bool *is_target = calloc(prog->code_words, sizeof(*is_target));
	uint32_t line = 0;           /* the next entry of the line table */
	uint32_t fn = 0;
	char text[64];

	if (!is_target)
		return -1;
	for (uint32_t pc = 0; pc < prog->code_words; pc += words_at(prog, pc))
		if (format_jumps(reg_instruction_info[op_of(prog->code[pc])].format))
			is_target[jump_target(prog->code, pc)] = true;

	fprintf(out, "; %u functions, %u globals, %u constants, %u words of code\n",
		prog->function_count, prog->global_count, prog->constant_count,
		prog->code_words);
	fprintf(out, ".globals %u\n", prog->global_count);
	line_table_print_source(&prog->lines, out);
	for (uint32_t k = 0; k < prog->constant_count; k++)
		fprintf(out, ".const k%u %" PRId64 "\n", k, prog->constants[k]);
	for (uint32_t pc = 0; pc < prog->code_words; pc += words_at(prog, pc)) {
		while (fn < prog->function_count && prog->functions[fn].entry == pc) {
			fprintf(out, ".func f%u %u %u\n", fn, prog->functions[fn].arg_count,
				prog->functions[fn].register_count);
			fn++;
		}
		if (is_target[pc])
			fprintf(out, "L%u:\n", pc);
		line_table_print_at(&prog->lines, &line, pc, out);
		reg_format_instruction(prog, pc, text, sizeof(text));
		fprintf(out, "\t%s", text);
		if (op_of(prog->code[pc]) == OP_CALL)
			print_argument_window(prog, prog->code[pc], out);
		fputc('\n', out);
	}
	free(is_target);
	return 0;
}
