/* opcodes.c - the instruction table and operand encoding. */
#include "opcodes.h"

#include <string.h>

const struct instruction_info instruction_info[OPCODE_COUNT] = {
#define X(name, mnemonic, operand, pops, pushes) \
	[OP_##name] = { mnemonic, operand, pops, pushes },
	INSTRUCTIONS(X)
#undef X
};

int operand_size(enum operand_kind kind)
{
	switch (kind) {
	case OPERAND_NONE:   return 0;
	case OPERAND_I64:    return 8;
	case OPERAND_TARGET: return 4;
	case OPERAND_FUNC:   return 2;
	case OPERAND_LOCAL:  return 1;
	case OPERAND_GLOBAL: return 2;
	}
	return 0;
}

int opcode_by_mnemonic(const char *mnemonic, int length)
{
	for (int op = 0; op < OPCODE_COUNT; op++) {
		const char *name = instruction_info[op].mnemonic;

		if ((int)strlen(name) == length && memcmp(name, mnemonic, length) == 0)
			return op;
	}
	return -1;
}

/* Operands are assembled byte by byte, so the file format does not depend
 * on the host's byte order or alignment. */
int64_t read_i64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return (int64_t)v;
}

uint32_t read_u32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

uint16_t read_u16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}
