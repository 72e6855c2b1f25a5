/* main.c - the regvm command: the driver both interpreters share
 * (common/lang/vm_main.c), given this machine's tools, its --fuse and its
 * --stats. */
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
	"usage: regvm asm PROG.rasm -o PROG.rbc   assemble\n"
	"       regvm dis PROG.rbc                print as assembly\n"
	"       regvm compile PROG.toy -o OUT [--emit-asm] [--fuse]\n"
	"                                         compile Toy to bytecode (or assembly)\n"
	"       regvm run [options] PROG          run PROG.toy, PROG.rasm or PROG.rbc\n"
	"\n"
	"run options:\n"
	"  --trace                  one line per instruction on stderr\n"
	"  --stats                  a JSON object of counts as stderr's last line\n"
	"  --max-steps N            fail once N instructions have run\n"
	"  --dispatch=switch|threaded   the interpreter loop (default threaded)\n"
	"  --fuse                   compile counting loops with incjlt (chapter 6)\n"
	"\n"
	"exit status: 0 ok, 1 the program failed at run time, 2 bad input or usage\n";

static const struct vm_option options[] = {
	{ "--fuse", 0, true },
	{ NULL, 0, false },
};

/* The one run of the command, for --stats. */
static struct run_stats stats;

static int run(const struct program *prog, const struct vm_run_request *req,
	       struct error_report *err)
{
	struct run_options opts = { .dispatch = req->dispatch, .trace = req->trace,
				    .max_steps = req->max_steps };

	return reg_run_program(prog, &opts, &stats, err);
}

static uint32_t static_instructions(const struct program *prog)
{
	uint32_t count = 0;

	for (uint32_t pc = 0; pc < prog->code_words; count++)
		pc += reg_instruction_words(reg_instruction_info[op_of(prog->code[pc])].format);
	return count;
}

static void print_stats(const struct program *prog, enum dispatch dispatch)
{
	fprintf(stderr, "{\"dispatches\": %" PRIu64 ", \"instructions\": %u, "
		"\"code_bytes\": %u, \"max_registers\": %d, \"max_call_depth\": %d, "
		"\"dispatch\": \"%s\"}\n", stats.dispatches,
		static_instructions(prog), prog->code_words * 4, stats.max_registers,
		stats.max_call_depth, dispatch == DISPATCH_SWITCH ? "switch" : "threaded");
}

static const struct line_table *lines(const struct program *prog)
{
	return &prog->lines;
}

static const struct vm_machine regvm = {
	.usage = usage, .assembly_suffix = ".rasm",
	.program_size = sizeof(struct program), .max_file_size = MAX_FILE_SIZE,
	.options = options,
	.assemble = reg_assemble, .assemble_compiled = reg_assemble_compiled,
	.compile_toy = reg_compile_toy,
	.load = reg_program_load, .save = reg_program_save,
	.verify = reg_verify, .disassemble = reg_disassemble,
	.free = reg_program_free, .lines = lines,
	.run = run, .after_run = NULL, .print_stats = print_stats,
};

int main(int argc, char **argv)
{
	return vm_main(&regvm, argc, argv);
}
