/* interp.c - the register machine's interpreter: a switch loop and a
 * computed-goto loop over one set of handlers (interp_ops.h), as in
 * stage 1, so that the two machines differ only in their instructions.
 * The loops' frame (LOOP_STATE to reg_run_program) is a deliberate echo
 * of stage01-stackvm/src/interp.c's, to be read beside it. */
#include "interp.h"

#include <inttypes.h>
#include <stdio.h>

#include "dis.h"
#include "base/arith.h"
#include "base/diag.h"
#include "lang/dispatch.h"
#include "lang/vm_fault.h"
#include "lang/vm_memory.h"
#include "opcodes.h"

/* What runs only on --trace stays out of the dispatch loops: inlined, it
 * costs them registers.  (Not marked cold as in stage 1: measured with make
 * compare, that sped this machine's threaded loop but slowed its switch
 * loop by a quarter; BEFORE_EACH_INSTRUCTION's hint keeps it off the path
 * of a dispatch instead.) */
#define OFF_THE_LOOP __attribute__((noinline))

struct frame {
	const uint32_t *return_pc;
	int64_t *fp;                 /* the caller's r0 */
};

static void note_call(struct run_stats *stats, int depth, int registers)
{
	if (depth > stats->max_call_depth)
		stats->max_call_depth = depth;
	if (registers > stats->max_registers)
		stats->max_registers = registers;
}

/* One --trace line: pc, the source position (for a program with a line
 * table), the instruction, and the registers it names with their values
 * before it runs. */
static OFF_THE_LOOP void trace(const struct program *prog, const uint32_t *pc, const int64_t *fp)
{
	uint32_t at = (uint32_t)(pc - prog->code), w = *pc;
	enum format format = reg_instruction_info[op_of(w)].format;
	const struct line_entry *origin = line_table_find(&prog->lines, at);
	char text[64];

	reg_format_instruction(prog, at, text, sizeof(text));
	fprintf(stderr, "%6u  ", at);
	if (origin)
		fprintf(stderr, "%5u:%-4u  ", origin->line, origin->col);
	if (format == FMT_NONE || format == FMT_J) {
		fprintf(stderr, "%s\n", text);
		return;
	}
	fprintf(stderr, "%-28s  r%u=%" PRId64, text, a_of(w), fp[a_of(w)]);
	if (format == FMT_AB || format == FMT_ABC || format == FMT_ABI || format == FMT_ABJ ||
	    format == FMT_ABK)
		fprintf(stderr, " r%u=%" PRId64, b_of(w), fp[b_of(w)]);
	if (format == FMT_ABC)
		fprintf(stderr, " r%u=%" PRId64, c_of(w), fp[c_of(w)]);
	fputc('\n', stderr);
}

/* The loops' local state (kept in registers by the compiler), the fault
 * exit, and the per-dispatch work: the same in both loops. */
#define LOOP_STATE                                                        \
	const uint32_t *code = prog->code, *pc = code;                    \
	const struct function *functions = prog->functions;               \
	const int64_t *constants = prog->constants;                       \
	int64_t *fp = m->cells;                                           \
	int64_t *registers_end = m->cells + REGISTER_CELLS;               \
	int64_t *globals = m->globals, *memory = m->memory;               \
	struct frame *frames = m->frames;                                 \
	int depth = 0;                                                    \
	uint64_t steps = 0;                                               \
	const uint64_t max_steps = opts->max_steps;                       \
	uint64_t checkpoint = opts->trace ? 0 : max_steps;                \
	enum vm_fault fault = FAULT_STEP_LIMIT;                              \
	int64_t fault_value = 0;                                          \
	note_call(stats, 0, functions[0].register_count)

#define FAULT(kind, value) \
	do { fault = (kind); fault_value = (value); goto fail; } while (0)

/* Every dispatch counts itself and makes one test, against checkpoint, that
 * covers both rare events: passing the step limit, and --trace, which keeps
 * checkpoint at the current step so that every instruction comes this way.
 * __builtin_expect says the test almost always fails, so that gcc lays the
 * next dispatch out straight after it; left to guess, it laid out the call
 * to trace() there, and most dispatches took a jump to reach their own
 * indirect jump (chapter 2).  Stage 1's observe() is cold, which tells gcc
 * the same. */
#define BEFORE_EACH_INSTRUCTION                                           \
	if (__builtin_expect(++steps > checkpoint, 0)) {                  \
		if (steps > max_steps)                                    \
			FAULT(FAULT_STEP_LIMIT, (int64_t)max_steps);      \
		trace(prog, pc, fp);                                      \
		checkpoint = steps;                                       \
	}

#define LOOP_END                                                          \
halt:                                                                     \
	stats->dispatches = steps;                                        \
	return 0;                                                         \
fail:                                                                     \
	stats->dispatches = steps - (fault == FAULT_STEP_LIMIT);          \
	vm_describe_fault(err, &prog->lines, (uint32_t)(pc - code),       \
			  reg_instruction_info[op_of(*pc)].mnemonic,      \
			  fault, fault_value, MEMORY_CELLS);              \
	return -1

static int run_switch(const struct program *prog, struct vm_memory *m,
		      const struct run_options *opts, struct run_stats *stats,
		      struct error_report *err)
{
	LOOP_STATE;

	for (;;) {
		BEFORE_EACH_INSTRUCTION;
		switch (op_of(*pc)) {
#define CASE(name) case OP_##name:
#define NEXT continue
#include "interp_ops.h"
#undef CASE
#undef NEXT
		}
	}
	LOOP_END;
}

THREADED_LOOP                  /* lang/dispatch.h: one jump per handler */
static int run_threaded(const struct program *prog, struct vm_memory *m,
			const struct run_options *opts, struct run_stats *stats,
			struct error_report *err)
{
	static const void *const labels[OPCODE_COUNT] = {
#define X(name, mnemonic, format) [OP_##name] = &&op_##name,
		INSTRUCTIONS(X)
#undef X
	};
	LOOP_STATE;

#define CASE(name) op_##name:
#define NEXT do { BEFORE_EACH_INSTRUCTION; goto *labels[op_of(*pc)]; } while (0)
	NEXT;
#include "interp_ops.h"
#undef CASE
#undef NEXT
	LOOP_END;
}

/* The same as stage 1's stack_run_program (chapter 2 echoes chapter 1): set
 * up, run one loop, end. */
int reg_run_program(const struct program *prog, const struct run_options *opts,
		struct run_stats *stats, struct error_report *err)
{
	const struct vm_memory_size size = { .cells = REGISTER_CELLS,
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
