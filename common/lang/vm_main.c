/* vm_main.c - the command line of both interpreters (vm_main.h). */
#include "lang/vm_main.h"

#include <stdlib.h>
#include <string.h>

#include "base/file.h"

static int has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* The machine's own option spelled arg, or NULL. */
static const struct vm_option *find_option(const struct vm_machine *machine,
					   const char *arg)
{
	for (const struct vm_option *o = machine->options; o->flag; o++)
		if (strcmp(o->flag, arg) == 0)
			return o;
	return NULL;
}

/* Compiles a Toy source file to assembly text that names the file in a
 * `.source` directive, for the line table; exits on a compile error. */
static char *compile_file(const struct vm_machine *machine, const char *path,
			  const unsigned char *src, size_t size, bool fuse)
{
	struct error_report err = { 0 };
	struct toy_program *toy = toy_parse((const char *)src, size, &err);
	char *assembly;

	if (!toy)
		die_report(EXIT_BAD_INPUT, path, &err);
	assembly = machine->compile_toy(toy, &(struct toy_compile_options){ .fuse = fuse },
					&err);
	toy_free(toy);
	if (!assembly)
		die_report(EXIT_BAD_INPUT, path, &err);
	assembly = line_table_name_source(path, assembly);
	if (!assembly)
		die(EXIT_BAD_INPUT, "out of memory");
	return assembly;
}

/* Assembles what the back end wrote for a .toy file. */
static int assemble_toy(const struct vm_machine *machine, const char *path,
			const unsigned char *data, size_t size, bool fuse,
			struct program *prog, struct error_report *err)
{
	char *assembly = compile_file(machine, path, data, size, fuse);
	int status = machine->assemble_compiled(assembly, strlen(assembly), prog, err);

	free(assembly);
	/* The back end writes only what its assembler accepts, so an assembly
	 * error of a compiled program is a limit of the machine that the
	 * program exceeds (too many constants, a jump too far), placed at the
	 * Toy line of the last `.line`. */
	if (status != 0)
		report_prefix(err, "the compiled program exceeds a limit of the machine: ");
	return status;
}

/* Reads a program from Toy (compiled with fuse or not), assembly or
 * bytecode, and verifies it. */
static struct program *load_program(const struct vm_machine *machine, const char *path,
				    bool fuse)
{
	struct error_report err = { 0 };
	bool toy = has_suffix(path, ".toy");
	size_t size;
	unsigned char *data = read_file_or_die(path, toy ? TOY_MAX_SOURCE :
					       machine->max_file_size, &size);
	struct program *prog = calloc(1, machine->program_size);
	int status;

	if (!prog)
		die(EXIT_BAD_INPUT, "out of memory");
	if (toy)
		status = assemble_toy(machine, path, data, size, fuse, prog, &err);
	else if (has_suffix(path, machine->assembly_suffix))
		status = machine->assemble((const char *)data, size, prog, &err);
	else
		status = machine->load(prog, data, size, &err);
	free(data);
	if (status != 0 || machine->verify(prog, &err) != 0)
		die_report(EXIT_BAD_INPUT, path, &err);
	return prog;
}

static void free_program(const struct vm_machine *machine, struct program *prog)
{
	machine->free(prog);
	free(prog);
}

/* Writes a program's bytecode file and frees the program. */
static int save_program(const struct vm_machine *machine, const char *path,
			struct program *prog)
{
	uint8_t *bytes;
	size_t size = machine->save(prog, &bytes);

	if (size == 0)
		die(EXIT_BAD_INPUT, "out of memory");
	write_file_or_die(path, bytes, size);
	free(bytes);
	free_program(machine, prog);
	return EXIT_OK;
}

static int command_asm(const struct vm_machine *machine, int argc, char **argv)
{
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
	return save_program(machine, out, load_program(machine, in, false));
}

/* compile --emit-asm: the back end's assembly text, as it is. */
static int emit_assembly(const struct vm_machine *machine, const char *in,
			 const char *out, bool fuse)
{
	size_t size;
	unsigned char *src = read_file_or_die(in, TOY_MAX_SOURCE, &size);
	char *assembly = compile_file(machine, in, src, size, fuse);

	write_file_or_die(out, assembly, strlen(assembly));
	free(assembly);
	free(src);
	return EXIT_OK;
}

static int command_compile(const struct vm_machine *machine, int argc, char **argv)
{
	const char *in = NULL, *out = NULL;
	bool emit_asm = false, fuse = false;
	const struct vm_option *option;

	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "-o") == 0 && i + 1 < argc)
			out = argv[++i];
		else if (strcmp(argv[i], "--emit-asm") == 0)
			emit_asm = true;
		else if ((option = find_option(machine, argv[i])) && option->fuse)
			fuse = true;
		else if (!in && argv[i][0] != '-')
			in = argv[i];
		else
			die_usage("compile: unexpected argument '%s'", argv[i]);
	}
	if (!in || !out || !has_suffix(in, ".toy"))
		die_usage("compile needs a .toy file and -o OUTPUT");
	if (emit_asm)
		return emit_assembly(machine, in, out, fuse);
	return save_program(machine, out, load_program(machine, in, fuse));
}

static int command_dis(const struct vm_machine *machine, int argc, char **argv)
{
	struct program *prog;

	if (argc != 1 || argv[0][0] == '-')
		die_usage("dis takes one bytecode file");
	prog = load_program(machine, argv[0], false);
	if (machine->disassemble(prog, stdout) != 0)
		die(EXIT_BAD_INPUT, "out of memory");
	free_program(machine, prog);
	return EXIT_OK;
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

/* What run's command line asks for. */
struct run_command {
	struct vm_run_request req;
	const char *path;
	bool stats, fuse;
};

static struct run_command parse_run(const struct vm_machine *machine, int argc, char **argv)
{
	struct run_command c = { .req = { .dispatch = DISPATCH_THREADED,
					  .max_steps = UINT64_MAX } };
	const struct vm_option *option;

	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--trace") == 0)
			c.req.trace = true;
		else if (strcmp(argv[i], "--stats") == 0)
			c.stats = true;
		else if ((option = find_option(machine, argv[i])) && option->fuse)
			c.fuse = true;
		else if (option)
			c.req.extra = option->value;
		else if (strcmp(argv[i], "--max-steps") == 0 && i + 1 < argc)
			c.req.max_steps = parse_count(argv[++i]);
		else if (strncmp(argv[i], "--max-steps=", 12) == 0)
			c.req.max_steps = parse_count(argv[i] + 12);
		else if (strcmp(argv[i], "--dispatch=switch") == 0)
			c.req.dispatch = DISPATCH_SWITCH;
		else if (strcmp(argv[i], "--dispatch=threaded") == 0)
			c.req.dispatch = DISPATCH_THREADED;
		else if (!c.path && argv[i][0] != '-')
			c.path = argv[i];
		else
			die_usage("run: unexpected argument '%s'", argv[i]);
	}
	if (!c.path)
		die_usage("run needs a program file");
	return c;
}

static int command_run(const struct vm_machine *machine, int argc, char **argv)
{
	struct run_command c = parse_run(machine, argc, argv);
	struct error_report err = { 0 };
	struct program *prog = load_program(machine, c.path, c.fuse);
	int status = machine->run(prog, &c.req, &err);

	if (status != 0)
		print_report(line_table_source(machine->lines(prog), c.path), &err);
	if (machine->after_run)
		machine->after_run(&c.req);
	status = finish_stdout(status == 0 ? EXIT_OK : EXIT_GUEST_FAILED);
	if (c.stats)
		machine->print_stats(prog, c.req.dispatch);
	free_program(machine, prog);
	return status;
}

int vm_main(const struct vm_machine *machine, int argc, char **argv)
{
	diag_init(argv[0]);
	check_stdout_at_exit();
	if (argc < 2)
		die_usage("no command given");
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fputs(machine->usage, stdout);
		return EXIT_OK;
	}
	if (strcmp(argv[1], "asm") == 0)
		return command_asm(machine, argc - 2, argv + 2);
	if (strcmp(argv[1], "dis") == 0)
		return command_dis(machine, argc - 2, argv + 2);
	if (strcmp(argv[1], "compile") == 0)
		return command_compile(machine, argc - 2, argv + 2);
	if (strcmp(argv[1], "run") == 0)
		return command_run(machine, argc - 2, argv + 2);
	die_usage("unknown command '%s'", argv[1]);
}
