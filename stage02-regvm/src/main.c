/* main.c - the regvm command: asm, dis, run. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asm.h"
#include "compile.h"
#include "dis.h"
#include "base/file.h"
#include "interp.h"
#include "opcodes.h"
#include "lang/toy.h"
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

static int has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* Compiles a Toy source file to assembly text that names the file in a
 * `.source` directive, for the line table; exits on a compile error. */
static char *compile_file(const char *path, const unsigned char *src, size_t size,
			  bool fuse)
{
	struct error_report err = { 0 };
	struct toy_program *toy = toy_parse((const char *)src, size, &err);
	char *assembly;

	if (!toy)
		die_report(EXIT_BAD_INPUT, path, &err);
	assembly = reg_compile_toy(toy, &(struct toy_compile_options){ .fuse = fuse }, &err);
	toy_free(toy);
	if (!assembly)
		die_report(EXIT_BAD_INPUT, path, &err);
	assembly = line_table_name_source(path, assembly);
	if (!assembly)
		die(EXIT_BAD_INPUT, "out of memory");
	return assembly;
}

/* Reads a program from Toy (compiled with --fuse or not), assembly or
 * bytecode, and verifies it. */
static void load_program(const char *path, bool fuse, struct program *prog)
{
	struct error_report err = { 0 };
	size_t size;
	unsigned char *data = read_file_or_die(path, has_suffix(path, ".toy") ?
						 TOY_MAX_SOURCE : MAX_FILE_SIZE, &size);
	int status;

	if (has_suffix(path, ".toy")) {
		char *assembly = compile_file(path, data, size, fuse);

		status = reg_assemble_compiled(assembly, strlen(assembly), prog, &err);
		free(assembly);
		/* The back end writes only what its assembler accepts, so
		 * an assembly error of a compiled program is a limit of the
		 * machine that the program exceeds (too many constants, a
		 * jump too far), placed at the Toy line of the last `.line`. */
		if (status != 0)
			report_prefix(&err, "the compiled program exceeds a limit of the "
				      "machine: ");

	} else if (has_suffix(path, ".rasm")) {
		status = reg_assemble((const char *)data, size, prog, &err);
	} else {
		status = reg_program_load(prog, data, size, &err);
	}
	free(data);
	if (status != 0 || reg_verify(prog, &err) != 0)
		die_report(EXIT_BAD_INPUT, path, &err);
}

static void save_program(const char *path, struct program *prog)
{
	uint8_t *bytes;
	size_t size = reg_program_save(prog, &bytes);

	if (size == 0)
		die(EXIT_BAD_INPUT, "out of memory");
	write_file_or_die(path, bytes, size);
	free(bytes);
}

static int command_asm(int argc, char **argv)
{
	struct program prog;
	const char *in = NULL, *out = NULL;

	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "-o") == 0 && i + 1 < argc)
			out = argv[++i];
		else if (!in && argv[i][0] != '-')
			in = argv[i];
		else
			die_usage("asm: unexpected argument '%s'", argv[i]);
	}
	if (!in || !out)
		die_usage("asm needs an input file and -o OUTPUT");
	load_program(in, false, &prog);
	save_program(out, &prog);
	reg_program_free(&prog);
	return EXIT_OK;
}

static int command_compile(int argc, char **argv)
{
	const char *in = NULL, *out = NULL;
	bool emit_asm = false, fuse = false;
	struct program prog;

	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "-o") == 0 && i + 1 < argc)
			out = argv[++i];
		else if (strcmp(argv[i], "--emit-asm") == 0)
			emit_asm = true;
		else if (strcmp(argv[i], "--fuse") == 0)
			fuse = true;
		else if (!in && argv[i][0] != '-')
			in = argv[i];
		else
			die_usage("compile: unexpected argument '%s'", argv[i]);
	}
	if (!in || !out || !has_suffix(in, ".toy"))
		die_usage("compile needs a .toy file and -o OUTPUT");
	if (emit_asm) {
		size_t size;
		unsigned char *src = read_file_or_die(in, TOY_MAX_SOURCE, &size);
		char *assembly = compile_file(in, src, size, fuse);

		write_file_or_die(out, assembly, strlen(assembly));
		free(assembly);
		free(src);
		return EXIT_OK;
	}
	load_program(in, fuse, &prog);
	save_program(out, &prog);
	reg_program_free(&prog);
	return EXIT_OK;
}

static int command_dis(int argc, char **argv)
{
	struct program prog;

	if (argc != 1 || argv[0][0] == '-')
		die_usage("dis takes one bytecode file");
	load_program(argv[0], false, &prog);
	if (reg_disassemble(&prog, stdout) != 0)
		die(EXIT_BAD_INPUT, "out of memory");
	reg_program_free(&prog);
	return EXIT_OK;
}

static uint32_t static_instructions(const struct program *prog)
{
	uint32_t count = 0;

	for (uint32_t pc = 0; pc < prog->code_words; count++)
		pc += reg_instruction_words(reg_instruction_info[op_of(prog->code[pc])].format);
	return count;
}

static void print_stats(const struct program *prog, const struct run_stats *stats,
			enum dispatch dispatch)
{
	fprintf(stderr, "{\"dispatches\": %" PRIu64 ", \"instructions\": %u, "
		"\"code_bytes\": %u, \"max_registers\": %d, \"max_call_depth\": %d, "
		"\"dispatch\": \"%s\"}\n", stats->dispatches,
		static_instructions(prog), prog->code_words * 4, stats->max_registers,
		stats->max_call_depth, dispatch == DISPATCH_SWITCH ? "switch" : "threaded");
}

static uint64_t parse_count(const char *text)
{
	char *end;
	unsigned long long n;

	if (text[0] < '0' || text[0] > '9')
		die_usage("--max-steps needs a whole number, not '%s'", text);
	n = strtoull(text, &end, 10);
	if (*end != '\0')
		die_usage("--max-steps needs a whole number, not '%s'", text);
	return n;
}

static int command_run(int argc, char **argv)
{
	struct run_options opts = { .dispatch = DISPATCH_THREADED, .max_steps = UINT64_MAX };
	struct run_stats stats = { 0 };
	struct error_report err = { 0 };
	struct program prog;
	const char *path = NULL;
	int show_stats = 0, status;
	bool fuse = false;

	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--trace") == 0)
			opts.trace = true;
		else if (strcmp(argv[i], "--fuse") == 0)
			fuse = true;
		else if (strcmp(argv[i], "--stats") == 0)
			show_stats = 1;
		else if (strcmp(argv[i], "--max-steps") == 0 && i + 1 < argc)
			opts.max_steps = parse_count(argv[++i]);
		else if (strncmp(argv[i], "--max-steps=", 12) == 0)
			opts.max_steps = parse_count(argv[i] + 12);
		else if (strcmp(argv[i], "--dispatch=switch") == 0)
			opts.dispatch = DISPATCH_SWITCH;
		else if (strcmp(argv[i], "--dispatch=threaded") == 0)
			opts.dispatch = DISPATCH_THREADED;
		else if (!path && argv[i][0] != '-')
			path = argv[i];
		else
			die_usage("run: unexpected argument '%s'", argv[i]);
	}
	if (!path)
		die_usage("run needs a program file");
	load_program(path, fuse, &prog);
	status = reg_run_program(&prog, &opts, &stats, &err);
	if (status != 0)
		print_report(line_table_source(&prog.lines, path), &err);
	status = finish_stdout(status == 0 ? EXIT_OK : EXIT_GUEST_FAILED);
	if (show_stats)
		print_stats(&prog, &stats, opts.dispatch);
	reg_program_free(&prog);
	return status;
}

int main(int argc, char **argv)
{
	diag_init(argv[0]);
	check_stdout_at_exit();
	if (argc < 2)
		die_usage("no command given");
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fputs(usage, stdout);
		return EXIT_OK;
	}
	if (strcmp(argv[1], "asm") == 0)
		return command_asm(argc - 2, argv + 2);
	if (strcmp(argv[1], "dis") == 0)
		return command_dis(argc - 2, argv + 2);
	if (strcmp(argv[1], "compile") == 0)
		return command_compile(argc - 2, argv + 2);
	if (strcmp(argv[1], "run") == 0)
		return command_run(argc - 2, argv + 2);
	die_usage("unknown command '%s'", argv[1]);
}
