/* profile.h - run --profile: how often each instruction ran, and each pair
 * of instructions that ran one after the other.  The counts say where a run
 * spends its dispatches, and which pair a superinstruction should fuse
 * (chapter 6). */
#ifndef STACKVM_PROFILE_H
#define STACKVM_PROFILE_H

#include <stdint.h>
#include <stdio.h>

#include "opcodes.h"

struct profile {
	uint64_t total;                              /* dispatches counted */
	uint64_t ops[OPCODE_COUNT];                  /* by opcode */
	uint64_t pairs[OPCODE_COUNT][OPCODE_COUNT];  /* [first][second] */
	int previous;                                /* the last opcode, or -1 */
};

void stack_profile_init(struct profile *p);

/* Counts one dispatch of op; the interpreter calls it before op runs. */
void stack_profile_count(struct profile *p, int op);

/* One line per instruction that ran, the most dispatched first. */
void stack_print_profile(const struct profile *p, FILE *out);

/* The `how_many` most frequent pairs, one line each, the most frequent first. */
void stack_print_pairs(const struct profile *p, int how_many, FILE *out);

#endif
