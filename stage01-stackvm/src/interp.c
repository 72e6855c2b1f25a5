/* interp.c - the interpreter: two dispatch loops over one set of handlers.
 *
 * A "switch" loop fetches an opcode and jumps through one shared indirect
 * branch (after a range check the compiler adds).  A "threaded" loop ends
 * every handler with its own `goto *labels[*pc]`, a GNU C extension
 * (computed goto), so each handler has its own indirect branch for the
 * CPU's predictor to learn.  Chapter 1 measures both.
 *
 * stage02-regvm/src/interp.c repeats this file's frame of the loops
 * (LOOP_STATE to stack_run_program) on purpose, a deliberate echo: beside
 * it, chapter 2 shows only what a register machine changes.
 */
#include "interp.h"

#include <inttypes.h>
#include <stdio.h>

#include "base/arith.h"
#include "base/diag.h"
#include "dis.h"
#include "lang/dispatch.h"
#include "lang/vm_fault.h"
#include "lang/vm_memory.h"
#include "opcodes.h"

/* What runs only on --trace or --profile stays out of the dispatch
 * loops: inlined there, it costs the loops registers, and the threaded loop
 * up to a quarter of its speed (make compare measures it). */
#define OFF_THE_LOOP __attribute__((noinline, cold))

struct frame {
	const uint8_t *return_pc;
	int64_t *fp;                 /* the caller's locals */
	const struct function *fn;
};

/* Called on every CALL (and once for function 0, with depth 0). */
static void note_call(struct run_stats *stats, int depth, ptrdiff_t cells)
{
/* BEGIN EXERCISE ex1.3 */
	if (depth > 0)
		stats->calls++;
/* STUB ex1.3
	exercise_pending("ex1.3");
END STUB */
/* END EXERCISE ex1.3 */
	if (depth > stats->max_call_depth)
		stats->max_call_depth = depth;
	if (cells > stats->max_stack)
		stats->max_stack = (int)cells;
}

/* Prints one --trace line: pc, the source position (for a program with a
 * line table), the instruction, and the top of the operand stack. */
static void trace(const struct program *prog, const uint8_t *pc,
		  const int64_t *sp, const int64_t *fp, const struct function *fn)
{
	uint32_t at = (uint32_t)(pc - prog->code);
	const struct line_entry *origin = line_table_find(&prog->lines, at);
	const int64_t *bottom = fp + fn->local_count;
	char text[48];

	stack_format_instruction(prog, at, text, sizeof(text));
	fprintf(stderr, "%6u  ", at);
	if (origin)
		fprintf(stderr, "%5u:%-4u  ", origin->line, origin->col);
	fprintf(stderr, "%-20s  stack:%s", text, sp - bottom > 4 ? " ..." : "");
	for (const int64_t *v = sp - 4 > bottom ? sp - 4 : bottom; v < sp; v++)
		fprintf(stderr, " %" PRId64, *v);
	fputc('\n', stderr);
}

/* What --trace and --profile do before an instruction runs. */
static OFF_THE_LOOP void observe(const struct program *prog, const struct run_options *opts,
		    const uint8_t *pc, const int64_t *sp, const int64_t *fp,
		    const struct function *fn)
{
	if (opts->trace)
		trace(prog, pc, sp, fp, fn);
	if (opts->profile)
		stack_profile_count(opts->profile, *pc);
}

/* Everything a loop needs in local variables, where the compiler can keep
 * it in registers.  Function 0's locals start at the bottom of the stack. */
#define LOOP_STATE                                                        \
	const uint8_t *code = prog->code, *pc = code;                     \
	const struct function *functions = prog->functions;               \
	const struct function *fn = &functions[0];                        \
	int64_t *stack = m->cells, *stack_end = m->cells + STACK_CELLS;   \
	int64_t *fp = stack, *sp = stack + fn->local_count;               \
	int64_t *globals = m->globals, *memory = m->memory;               \
	struct frame *frames = m->frames;                                 \
	int depth = 0;                                                    \
	uint64_t steps = 0;                                               \
	const uint64_t max_steps = opts->max_steps;                       \
	uint64_t checkpoint = opts->trace || opts->profile ? 0 : max_steps; \
	enum vm_fault fault = FAULT_STEP_LIMIT;                              \
	int64_t fault_value = 0;                                          \
	note_call(stats, 0, sp + fn->max_stack - stack)

#define FAULT(kind, value) \
	do { fault = (kind); fault_value = (value); goto fail; } while (0)

/* ANCHOR: per-dispatch */
/* Every dispatch counts itself and makes one test, against checkpoint, that
 * covers the rare events: passing the step limit, and --trace or --profile,
 * which keep checkpoint at the current step so that every instruction comes
 * this way. */
#define BEFORE_EACH_INSTRUCTION                                           \
	if (++steps > checkpoint) {                                       \
		if (steps > max_steps)                                    \
			FAULT(FAULT_STEP_LIMIT, (int64_t)max_steps);      \
		observe(prog, opts, pc, sp, fp, fn);                      \
		checkpoint = steps;                                       \
	}
/* ANCHOR_END: per-dispatch */

#define LOOP_END                                                          \
halt:                                                                     \
	stats->dispatches = steps;                                        \
	return 0;                                                         \
fail:                                                                     \
	stats->dispatches = steps - (fault == FAULT_STEP_LIMIT);          \
	vm_describe_fault(err, &prog->lines, (uint32_t)(pc - code),       \
			  stack_instruction_info[*pc].mnemonic,           \
			  fault, fault_value, MEMORY_CELLS);              \
	return -1

/* ANCHOR: switch-loop */
static int run_switch(const struct program *prog, struct vm_memory *m,
		      const struct run_options *opts, struct run_stats *stats,
		      struct error_report *err)
{
	LOOP_STATE;

	for (;;) {
		BEFORE_EACH_INSTRUCTION;
		switch (*pc) {
#define CASE(name) case OP_##name:
#define NEXT continue
#include "interp_ops.h"
#undef CASE
#undef NEXT
		}
	}
	LOOP_END;
}
/* ANCHOR_END: switch-loop */

/* ANCHOR: threaded-loop */
/* THREADED_LOOP (lang/dispatch.h): one indirect jump per handler, not a
 * few that the compiler shares among them. */
THREADED_LOOP
static int run_threaded(const struct program *prog, struct vm_memory *m,
			const struct run_options *opts, struct run_stats *stats,
			struct error_report *err)
{
	static const void *const labels[OPCODE_COUNT] = {
#define X(name, mnemonic, operand, pops, pushes) [OP_##name] = &&op_##name,
		INSTRUCTIONS(X)
#undef X
	};
	LOOP_STATE;

#define CASE(name) op_##name:
#define NEXT do { BEFORE_EACH_INSTRUCTION; goto *labels[*pc]; } while (0)
	NEXT;
#include "interp_ops.h"
#undef CASE
#undef NEXT
	LOOP_END;
}
/* ANCHOR_END: threaded-loop */

/* The same as stage 2's reg_run_program (chapter 2 echoes chapter 1): set
 * up, run one loop, end. */
int stack_run_program(const struct program *prog, const struct run_options *opts,
		struct run_stats *stats, struct error_report *err)
{
	const struct vm_memory_size size = { .cells = STACK_CELLS,
		.globals = prog->global_count, .memory = MEMORY_CELLS,
		.frames = MAX_CALL_DEPTH, .frame_size = sizeof(struct frame) };
	struct vm_memory m;
	int status;

	if (vm_memory_init(&m, &size, err) != 0)
		return -1;
	if (opts->dispatch == DISPATCH_SWITCH)
		status = run_switch(prog, &m, opts, stats, err);
	else
		status = run_threaded(prog, &m, opts, stats, err);
	vm_memory_end(&m);
	return status;
}
