/* opcodes.h - the stack machine's instruction set, as one table.
 *
 * Every tool reads this table: the assembler for spellings and operands, the
 * disassembler and the tracer for printing, the verifier for stack effects.
 * An instruction is one opcode byte followed by its operand, if any.
 *
 *   X(NAME, "mnemonic", operand kind, values popped, values pushed)
 *
 * CALL pops the callee's arguments; its entry says 0 and the verifier asks the
 * function table for the real count.
 *
 * The seven after PUTC are there for the Toy compiler's loops, as in the
 * JVM: a compare-and-jump (if_icmplt and its kin) does in one dispatch what
 * `lt` then `jz` do in two, and `incl` (iinc) adds a small constant to a
 * local without touching the stack.  Chapter 3 measures what they save.
 *
 * The last fifteen are static superinstructions (Ertl and Gregg): pairs the
 * Toy compiler's output executes most, `loadl a; loadl b`, `loadl x; push k`
 * and `loadg x; push k`, each in one dispatch; then the compare-and-jumps
 * of the first two (`jltll a, b, L` for `loadl a; loadl b; jlt L`, and
 * `jltlk x, k, L`), which test a loop without touching the stack.  Chapter 1
 * counts the pairs.
 */
#ifndef STACKVM_OPCODES_H
#define STACKVM_OPCODES_H

#include <stdint.h>

#include "base/le.h"   /* operands are little-endian: le_get16(), ... */

enum operand_kind {
	OPERAND_NONE,
	OPERAND_I64,      /* an 8-byte signed constant */
	OPERAND_TARGET,   /* a 4-byte code address */
	OPERAND_FUNC,     /* a 2-byte function index */
	OPERAND_LOCAL,    /* a 1-byte local slot */
	OPERAND_GLOBAL,   /* a 2-byte global index */
	OPERAND_LOCAL_I8, /* a 1-byte local slot, then a 1-byte signed constant */
	OPERAND_LOCAL_LOCAL, /* two 1-byte local slots */
	OPERAND_LOCAL_I64,   /* a 1-byte local slot, then an 8-byte constant */
	OPERAND_GLOBAL_I64,  /* a 2-byte global index, then an 8-byte constant */
	OPERAND_LOCAL_LOCAL_TARGET, /* two 1-byte local slots, then a 4-byte address */
	OPERAND_LOCAL_I64_TARGET,   /* a local slot, an 8-byte constant, an address */
};

/* ANCHOR: instruction-table */
#define INSTRUCTIONS(X)                                 \
	X(HALT,   "halt",   OPERAND_NONE,   0, 0)       \
	X(PUSH,   "push",   OPERAND_I64,    0, 1)       \
	X(DROP,   "drop",   OPERAND_NONE,   1, 0)       \
	X(DUP,    "dup",    OPERAND_NONE,   1, 2)       \
	X(SWAP,   "swap",   OPERAND_NONE,   2, 2)       \
	X(OVER,   "over",   OPERAND_NONE,   2, 3)       \
	X(ADD,    "add",    OPERAND_NONE,   2, 1)       \
	X(SUB,    "sub",    OPERAND_NONE,   2, 1)       \
	X(MUL,    "mul",    OPERAND_NONE,   2, 1)       \
	X(DIV,    "div",    OPERAND_NONE,   2, 1)       \
	X(MOD,    "mod",    OPERAND_NONE,   2, 1)       \
	X(NEG,    "neg",    OPERAND_NONE,   1, 1)       \
	X(ABS,    "abs",    OPERAND_NONE,   1, 1)       \
	X(NOT,    "not",    OPERAND_NONE,   1, 1)       \
	X(EQ,     "eq",     OPERAND_NONE,   2, 1)       \
	X(NE,     "ne",     OPERAND_NONE,   2, 1)       \
	X(LT,     "lt",     OPERAND_NONE,   2, 1)       \
	X(LE,     "le",     OPERAND_NONE,   2, 1)       \
	X(GT,     "gt",     OPERAND_NONE,   2, 1)       \
	X(GE,     "ge",     OPERAND_NONE,   2, 1)       \
	X(JMP,    "jmp",    OPERAND_TARGET, 0, 0)       \
	X(JZ,     "jz",     OPERAND_TARGET, 1, 0)       \
	X(JNZ,    "jnz",    OPERAND_TARGET, 1, 0)       \
	X(CALL,   "call",   OPERAND_FUNC,   0, 1)       \
	X(RET,    "ret",    OPERAND_NONE,   1, 0)       \
	X(LOADL,  "loadl",  OPERAND_LOCAL,  0, 1)       \
	X(STOREL, "storel", OPERAND_LOCAL,  1, 0)       \
	X(LOADG,  "loadg",  OPERAND_GLOBAL, 0, 1)       \
	X(STOREG, "storeg", OPERAND_GLOBAL, 1, 0)       \
	X(LOAD,   "load",   OPERAND_NONE,   1, 1)       \
	X(STORE,  "store",  OPERAND_NONE,   2, 0)       \
	X(PRINT,  "print",  OPERAND_NONE,   1, 0)       \
	X(PUTC,   "putc",   OPERAND_NONE,   1, 0)       \
	X(JEQ,    "jeq",    OPERAND_TARGET, 2, 0)       \
	X(JNE,    "jne",    OPERAND_TARGET, 2, 0)       \
	X(JLT,    "jlt",    OPERAND_TARGET, 2, 0)       \
	X(JLE,    "jle",    OPERAND_TARGET, 2, 0)       \
	X(JGT,    "jgt",    OPERAND_TARGET, 2, 0)       \
	X(JGE,    "jge",    OPERAND_TARGET, 2, 0)       \
	X(INCL,   "incl",   OPERAND_LOCAL_I8, 0, 0)    \
	X(LOADLL, "loadll", OPERAND_LOCAL_LOCAL, 0, 2) \
	X(LOADLK, "loadlk", OPERAND_LOCAL_I64,   0, 2) \
	X(LOADGK, "loadgk", OPERAND_GLOBAL_I64,  0, 2) \
	X(JEQLL,  "jeqll",  OPERAND_LOCAL_LOCAL_TARGET, 0, 0) \
	X(JNELL,  "jnell",  OPERAND_LOCAL_LOCAL_TARGET, 0, 0) \
	X(JLTLL,  "jltll",  OPERAND_LOCAL_LOCAL_TARGET, 0, 0) \
	X(JLELL,  "jlell",  OPERAND_LOCAL_LOCAL_TARGET, 0, 0) \
	X(JGTLL,  "jgtll",  OPERAND_LOCAL_LOCAL_TARGET, 0, 0) \
	X(JGELL,  "jgell",  OPERAND_LOCAL_LOCAL_TARGET, 0, 0) \
	X(JEQLK,  "jeqlk",  OPERAND_LOCAL_I64_TARGET,   0, 0) \
	X(JNELK,  "jnelk",  OPERAND_LOCAL_I64_TARGET,   0, 0) \
	X(JLTLK,  "jltlk",  OPERAND_LOCAL_I64_TARGET,   0, 0) \
	X(JLELK,  "jlelk",  OPERAND_LOCAL_I64_TARGET,   0, 0) \
	X(JGTLK,  "jgtlk",  OPERAND_LOCAL_I64_TARGET,   0, 0) \
	X(JGELK,  "jgelk",  OPERAND_LOCAL_I64_TARGET,   0, 0)
/* ANCHOR_END: instruction-table */

enum opcode {
#define X(name, mnemonic, operand, pops, pushes) OP_##name,
	INSTRUCTIONS(X)
#undef X
	OPCODE_COUNT
};

struct instruction_info {
	const char *mnemonic;
	enum operand_kind operand;
	int pops, pushes;
};

extern const struct instruction_info stack_instruction_info[OPCODE_COUNT];

/* Bytes an operand of this kind takes after the opcode byte. */
int stack_operand_size(enum operand_kind kind);

/* Bytes an instruction with this opcode takes, the opcode byte included
 * (the opcode must be one of the table's). */
uint32_t stack_instruction_size(uint8_t opcode);

/* Where a jump's 4-byte target address sits among those bytes, or -1 for
 * an instruction that does not jump. */
int stack_target_offset(enum operand_kind kind);

/* The opcode spelled mnemonic, or -1. */
int stack_opcode_by_mnemonic(const char *mnemonic, int length);

#endif
