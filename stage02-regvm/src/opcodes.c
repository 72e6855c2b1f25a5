/* opcodes.c - the instruction table. */
#include "opcodes.h"

#include <string.h>

const struct instruction_info reg_instruction_info[OPCODE_COUNT] = {
#define X(name, mnemonic, format) [OP_##name] = { mnemonic, format },
	INSTRUCTIONS(X)
#undef X
};

int reg_instruction_words(enum format format)
{
	return format == FMT_ABJ || format == FMT_AIJ || format == FMT_AKJ ||
	       format == FMT_ABK || format == FMT_AX ? 2 : 1;
}

int reg_opcode_by_mnemonic(const char *mnemonic, int length)
{
	for (int op = 0; op < OPCODE_COUNT; op++) {
		const char *name = reg_instruction_info[op].mnemonic;

		if ((int)strlen(name) == length && memcmp(name, mnemonic, length) == 0)
			return op;
	}
	return -1;
}
