/* interp.h - running a verified program: options, counts and one entry
 * point shaped like stage02-regvm/src/interp.h's (a deliberate echo), with
 * this machine's own limits and counts. */
#ifndef STACKVM_INTERP_H
#define STACKVM_INTERP_H

#include <stdbool.h>
#include <stdint.h>

#include "profile.h"
#include "lang/vm_main.h"     /* enum dispatch */
#include "program.h"

enum {
	MAX_CALL_DEPTH = 100000,     /* frames; deep recursion must work */
	STACK_CELLS = 1 << 22,       /* locals and operands of all frames */
};

struct run_options {
	enum dispatch dispatch;
	bool trace;                  /* one line per instruction on stderr */
	uint64_t max_steps;          /* fail once this many have run */
	struct profile *profile;     /* counts every dispatch, or NULL */
};

struct run_stats {
	uint64_t dispatches;         /* instructions executed */
	int max_stack;               /* stack cells in use at the deepest call */
	int max_call_depth;
	uint64_t calls;              /* CALL instructions executed */
};

/* Runs prog, which stack_verify() accepted.  Returns 0 when it halts, or -1 when
 * it fails at run time, with err naming the pc, instruction and cause, and
 * at the source position the line table gives the instruction, if any
 * (print it under line_table_source()'s name). */
int stack_run_program(const struct program *prog, const struct run_options *opts,
		struct run_stats *stats, struct error_report *err);

#endif
