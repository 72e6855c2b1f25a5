/* stack_side.c - the stack machine's half of the two-machine link test:
 * assembles, verifies and runs a program with stage 1's library, as a
 * comparison harness would.  Its twin reg_side.c does the same with stage 2's;
 * both sides are linked into one binary (test_link_both_machines.py). */
#include <string.h>

#include "asm.h"
#include "interp.h"
#include "verify.h"

int stack_side(const char *text);

int stack_side(const char *text)
{
	struct error_report err = { 0 };
	struct run_options opts = { .dispatch = DISPATCH_SWITCH, .max_steps = 1000 };
	struct run_stats stats = { 0 };
	struct program prog;
	int status;

	if (stack_assemble(text, strlen(text), &prog, &err) != 0)
		return -1;
	status = stack_verify(&prog, &err) == 0 ? stack_run_program(&prog, &opts, &stats, &err) : -1;
	stack_program_free(&prog);
	return status;
}
