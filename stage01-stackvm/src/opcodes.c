/* opcodes.c - the instruction table, operand sizes, and lookup by mnemonic. */
#include "opcodes.h"

#include <string.h>

const struct instruction_info stack_instruction_info[OPCODE_COUNT] = {
#define X(name, mnemonic, operand, pops, pushes) \
	[OP_##name] = { mnemonic, operand, pops, pushes },
	INSTRUCTIONS(X)
#undef X
};

int stack_operand_size(enum operand_kind kind)
{
	switch (kind) {
	case OPERAND_NONE:   return 0;
	case OPERAND_I64:    return 8;
	case OPERAND_TARGET: return 4;
	case OPERAND_FUNC:   return 2;
	case OPERAND_LOCAL:  return 1;
	case OPERAND_GLOBAL:
	case OPERAND_LOCAL_I8:                /* a local slot and a constant */
	case OPERAND_LOCAL_LOCAL: return 2;
	case OPERAND_LOCAL_I64: return 9;
	case OPERAND_GLOBAL_I64: return 10;
	case OPERAND_LOCAL_LOCAL_TARGET: return 6;
	case OPERAND_LOCAL_I64_TARGET: return 13;
	}
	return 0;
}

uint32_t stack_instruction_size(uint8_t opcode)
{
	return 1 + (uint32_t)stack_operand_size(stack_instruction_info[opcode].operand);
}

int stack_target_offset(enum operand_kind kind)
{
	switch (kind) {
	case OPERAND_TARGET: return 0;
	case OPERAND_LOCAL_LOCAL_TARGET: return 2;
	case OPERAND_LOCAL_I64_TARGET: return 9;
	case OPERAND_NONE:
	case OPERAND_I64:
	case OPERAND_FUNC:
	case OPERAND_LOCAL:
	case OPERAND_GLOBAL:
	case OPERAND_LOCAL_I8:
	case OPERAND_LOCAL_LOCAL:
	case OPERAND_LOCAL_I64:
	case OPERAND_GLOBAL_I64:
		break;
	}
	return -1;
}

int stack_opcode_by_mnemonic(const char *mnemonic, int length)
{
	for (int op = 0; op < OPCODE_COUNT; op++) {
		const char *name = stack_instruction_info[op].mnemonic;

		if ((int)strlen(name) == length && memcmp(name, mnemonic, length) == 0)
			return op;
	}
	return -1;
}
