/* opcodes.h - the register machine's instruction set, as one table.
 *
 * An instruction is one 32-bit word, opcode in the low byte:
 *
 *    31      24 23      16 15       8 7        0
 *   +----------+----------+----------+----------+
 *   |    C     |    B     |    A     |  opcode  |   op A B C
 *   +----------+----------+----------+----------+
 *   |         Bx / sBx    |    A     |  opcode  |   op A Bx
 *   +---------------------+----------+----------+
 *   |               sJ               |  opcode  |   jmp sJ
 *   +--------------------------------+----------+
 *
 * Compare-and-jump instructions take a second word: the jump offset, in
 * words, from the instruction after them.  So do the arithmetic forms with
 * a wide constant (addk ...): A and B fill the first word, the constant the
 * second.  Either still costs one dispatch.
 *
 *   X(NAME, "mnemonic", format)
 */
#ifndef REGVM_OPCODES_H
#define REGVM_OPCODES_H

#include <stdbool.h>
#include <stdint.h>

enum format {
	FMT_NONE,      /* halt */
	FMT_A,         /* rA */
	FMT_AB,        /* rA, rB */
	FMT_ABC,       /* rA, rB, rC */
	FMT_ABI,       /* rA, rB, sC (a signed 8-bit constant) */
	FMT_AI,        /* rA, sBx (a signed 16-bit constant) */
	FMT_AK,        /* rA, a constant from the pool (index Bx) */
	FMT_AG,        /* rA, global Bx */
	FMT_AF,        /* rA, function Bx: arguments from rA on, result in rA */
	FMT_J,         /* label: sJ (24 bits) words from the next instruction */
	FMT_AJ,        /* rA, label (sBx) */
	FMT_ABJ,       /* rA, rB, label (in the next word) */
	FMT_AIJ,       /* rA, sBx (a signed 16-bit constant), label (next word) */
	FMT_ABK,       /* rA, rB, a signed 32-bit constant (the next word) */
	FMT_AKJ,       /* rA, a constant from the pool (index Bx), label (next word) */
	FMT_AX,        /* rA, a constant from the pool (index: the next word) */
};

/* ANCHOR: instruction-table */
#define INSTRUCTIONS(X)                         \
	X(HALT,  "halt",  FMT_NONE)             \
	X(LOADI, "loadi", FMT_AI)    /* rA = sBx */            \
	X(LOADK, "loadk", FMT_AK)    /* rA = K[Bx] */          \
	X(MOV,   "mov",   FMT_AB)    /* rA = rB */             \
	X(ADD,   "add",   FMT_ABC)   /* rA = rB + rC */        \
	X(SUB,   "sub",   FMT_ABC)                             \
	X(MUL,   "mul",   FMT_ABC)                             \
	X(DIV,   "div",   FMT_ABC)                             \
	X(MOD,   "mod",   FMT_ABC)                             \
	X(ADDI,  "addi",  FMT_ABI)   /* rA = rB + sC */        \
	X(ADDK,  "addk",  FMT_ABK)   /* rA = rB + next word */ \
	X(MULK,  "mulk",  FMT_ABK)                             \
	X(DIVK,  "divk",  FMT_ABK)   /* by a constant, not 0 */ \
	X(MODK,  "modk",  FMT_ABK)                             \
	X(MIN,   "min",   FMT_ABC)   /* rA = min(rB, rC) */    \
	X(NEG,   "neg",   FMT_AB)    /* rA = -rB */            \
	X(NOT,   "not",   FMT_AB)    /* rA = rB == 0 */        \
	X(EQ,    "eq",    FMT_ABC)   /* rA = rB == rC */       \
	X(NE,    "ne",    FMT_ABC)                             \
	X(LT,    "lt",    FMT_ABC)                             \
	X(LE,    "le",    FMT_ABC)                             \
	X(JMP,   "jmp",   FMT_J)                               \
	X(INCJLT, "incjlt", FMT_ABJ) /* rA += 1; if rA < rB jump */ \
	X(JT,    "jt",    FMT_AJ)    /* if rA != 0 jump */     \
	X(JF,    "jf",    FMT_AJ)    /* if rA == 0 jump */     \
	X(JEQ,   "jeq",   FMT_ABJ)   /* if rA == rB jump */    \
	X(JNE,   "jne",   FMT_ABJ)                             \
	X(JLT,   "jlt",   FMT_ABJ)                             \
	X(JLE,   "jle",   FMT_ABJ)                             \
	X(JEQI,  "jeqi",  FMT_AIJ)   /* if rA == sBx jump */   \
	X(JNEI,  "jnei",  FMT_AIJ)                             \
	X(JLTI,  "jlti",  FMT_AIJ)                             \
	X(JLEI,  "jlei",  FMT_AIJ)                             \
	X(JGTI,  "jgti",  FMT_AIJ)                             \
	X(JGEI,  "jgei",  FMT_AIJ)                             \
	X(JEQK,  "jeqk",  FMT_AKJ)   /* if rA == K[Bx] jump */ \
	X(JNEK,  "jnek",  FMT_AKJ)                             \
	X(JLTK,  "jltk",  FMT_AKJ)                             \
	X(JLEK,  "jlek",  FMT_AKJ)                             \
	X(JGTK,  "jgtk",  FMT_AKJ)                             \
	X(JGEK,  "jgek",  FMT_AKJ)                             \
	X(CALL,  "call",  FMT_AF)                              \
	X(RET,   "ret",   FMT_A)     /* return rA */           \
	X(GETG,  "getg",  FMT_AG)    /* rA = G[Bx] */          \
	X(SETG,  "setg",  FMT_AG)    /* G[Bx] = rA */          \
	X(LOAD,  "load",  FMT_AB)    /* rA = mem[rB] */        \
	X(STORE, "store", FMT_AB)    /* mem[rA] = rB */        \
	X(PRINT, "print", FMT_A)                               \
	X(PUTC,  "putc",  FMT_A)                               \
	X(LOADKX, "loadkx", FMT_AX)  /* rA = K[next word] */
/* ANCHOR_END: instruction-table */

enum opcode {
#define X(name, mnemonic, format) OP_##name,
	INSTRUCTIONS(X)
#undef X
	OPCODE_COUNT
};

struct instruction_info {
	const char *mnemonic;
	enum format format;
};

extern const struct instruction_info reg_instruction_info[OPCODE_COUNT];

/* The ranges of the signed fields, named once for the assembler, the back
 * end and the error messages: sC is 8 bits, sBx 16 (a constant or a jump's
 * offset in words), the constant word of FMT_ABK 32; jmp's sJ, 24 bits as
 * Lua 5.4's is 25, reaches every word of the largest program. */
enum {
	SC_MIN = INT8_MIN, SC_MAX = INT8_MAX,
	SBX_MIN = INT16_MIN, SBX_MAX = INT16_MAX,
	SJ_MIN = -(1 << 23), SJ_MAX = (1 << 23) - 1,
};

/* Fields of an instruction word. */
static inline unsigned op_of(uint32_t w) { return w & 0xff; }
static inline unsigned a_of(uint32_t w) { return (w >> 8) & 0xff; }
static inline unsigned b_of(uint32_t w) { return (w >> 16) & 0xff; }
static inline unsigned c_of(uint32_t w) { return w >> 24; }
static inline int sc_of(uint32_t w) { return (int8_t)(w >> 24); }
static inline unsigned bx_of(uint32_t w) { return w >> 16; }
static inline int sbx_of(uint32_t w) { return (int16_t)(w >> 16); }
static inline int sj_of(uint32_t w) { return (int)((w >> 8) ^ 0x800000) - 0x800000; }

/* Words the instruction takes: 2 for compare-and-jump and the arithmetic
 * forms with a wide constant, else 1. */
int reg_instruction_words(enum format format);

/* Does an instruction of this format jump? */
static inline bool format_jumps(enum format format)
{
	return format == FMT_J || format == FMT_AJ || format == FMT_ABJ || format == FMT_AIJ ||
	       format == FMT_AKJ;
}

/* Where the jump at pc goes: its offset counts from the next instruction,
 * and is sJ for a jmp, sBx for jt and jf, or the next word for a
 * compare-and-jump (the only jumps of two words).  (The verifier and the
 * disassembler ask this; the interpreter's handlers add the same offset to
 * pc as they go.)  The caller checked that the instruction is inside the
 * code; the result may be outside it. */
static inline int64_t jump_target(const uint32_t *code, uint32_t pc)
{
	if (reg_instruction_words(reg_instruction_info[op_of(code[pc])].format) == 2)
		return (int64_t)pc + 2 + (int32_t)code[pc + 1];
	if (op_of(code[pc]) == OP_JMP)
		return (int64_t)pc + 1 + sj_of(code[pc]);
	return (int64_t)pc + 1 + sbx_of(code[pc]);
}

/* The opcode spelled mnemonic, or -1. */
int reg_opcode_by_mnemonic(const char *mnemonic, int length);

#endif
