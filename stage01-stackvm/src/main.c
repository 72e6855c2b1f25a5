/* main.c - the stackvm command: the driver both interpreters share
 * (common/lang/vm_main.c), given this machine's tools, its --profile and
 * its --stats. */
#include <inttypes.h>
#include <stdio.h>

#include "asm.h"
#include "compile.h"
#include "dis.h"
#include "interp.h"
#include "lang/vm_main.h"
#include "opcodes.h"
#include "verify.h"

static const char usage[] =
	"usage: stackvm asm PROG.sasm -o PROG.sbc   assemble\n"
	"       stackvm dis PROG.sbc                print as assembly\n"
	"       stackvm compile PROG.toy -o OUT [--emit-asm]\n"
	"                                           compile Toy to bytecode (or assembly)\n"
	"       stackvm run [options] PROG          run PROG.toy, PROG.sasm or PROG.sbc\n"
	"\n"
	"run options:\n"
	"  --trace                  one line per instruction on stderr\n"
	"  --stats                  a JSON object of counts as stderr's last line\n"
	"  --profile                dispatches by instruction on stderr\n"
	"  --profile=pairs          the 10 most frequent pairs of instructions\n"
	"  --max-steps N            fail once N instructions have run\n"
	"  --dispatch=switch|threaded   the interpreter loop (default threaded)\n"
	"\n"
	"exit status: 0 ok, 1 the program failed at run time, 2 bad input or usage\n";

enum { NO_PROFILE, PROFILE_OPS, PROFILE_PAIRS };   /* run's extra */

static const struct vm_option options[] = {
	{ "--profile", PROFILE_OPS, false },
	{ "--profile=pairs", PROFILE_PAIRS, false },
	{ NULL, 0, false },
};

/* The one run of the command, for --stats and --profile. */
static struct run_stats stats;
static struct profile profile;

static int run(const struct program *prog, const struct vm_run_request *req,
	       struct error_report *err)
{
	struct run_options opts = { .dispatch = req->dispatch, .trace = req->trace,
				    .max_steps = req->max_steps };

	if (req->extra != NO_PROFILE) {
		stack_profile_init(&profile);
		opts.profile = &profile;
	}
	return stack_run_program(prog, &opts, &stats, err);
}

static void print_profile(const struct vm_run_request *req)
{
	if (req->extra == PROFILE_OPS)
		stack_print_profile(&profile, stderr);
	else if (req->extra == PROFILE_PAIRS)
		stack_print_pairs(&profile, 10, stderr);
}

static uint32_t static_instructions(const struct program *prog)
{
	uint32_t count = 0;

	for (uint32_t pc = 0; pc < prog->code_size; count++)
		pc += stack_instruction_size(prog->code[pc]);
	return count;
}

static void print_stats(const struct program *prog, enum dispatch dispatch)
{
	fprintf(stderr, "{\"dispatches\": %" PRIu64 ", \"instructions\": %u, "
		"\"code_bytes\": %u, \"max_stack\": %d, \"max_call_depth\": %d, "
		"\"calls\": %" PRIu64 ", \"dispatch\": \"%s\"}\n", stats.dispatches,
		static_instructions(prog), prog->code_size, stats.max_stack,
		stats.max_call_depth, stats.calls,
		dispatch == DISPATCH_SWITCH ? "switch" : "threaded");
}

static const struct line_table *lines(const struct program *prog)
{
	return &prog->lines;
}

static const struct vm_machine stackvm = {
	.usage = usage, .assembly_suffix = ".sasm",
	.program_size = sizeof(struct program), .max_file_size = MAX_FILE_SIZE,
	.options = options,
	.assemble = stack_assemble, .assemble_compiled = stack_assemble_compiled,
	.compile_toy = stack_compile_toy,
	.load = stack_program_load, .save = stack_program_save,
	.verify = stack_verify, .disassemble = stack_disassemble,
	.free = stack_program_free, .lines = lines,
	.run = run, .after_run = print_profile, .print_stats = print_stats,
};

int main(int argc, char **argv)
{
	return vm_main(&stackvm, argc, argv);
}
