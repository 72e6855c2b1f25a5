/* vm_main.h - the command line both interpreters share: asm, dis, compile
 * and run, their options, and reading a program as Toy, assembly or
 * bytecode by its file's suffix.
 *
 * A stage describes its machine in a struct vm_machine (its tools, its
 * suffix, its own options, its --stats) and its main() is one call to
 * vm_main().  Each stage defines its own struct program; the driver only
 * passes pointers to it between the stage's functions.
 */
#ifndef COMMON_VM_MAIN_H
#define COMMON_VM_MAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "base/diag.h"
#include "lang/line_table.h"
#include "lang/toy.h"

struct program;

/* The interpreter loop: chapter 1 measures both. */
enum dispatch { DISPATCH_SWITCH, DISPATCH_THREADED };

/* What `run` asks of the interpreter. */
struct vm_run_request {
	enum dispatch dispatch;
	bool trace;                  /* --trace */
	uint64_t max_steps;          /* --max-steps, or UINT64_MAX */
	int extra;                   /* the value of the machine's own run option */
};

/* An option one machine adds: a run option sets the request's extra to
 * value (stage 1's --profile); a fuse option is taken by compile and run
 * alike, for the back end (stage 2's --fuse). */
struct vm_option {
	const char *flag;
	int value;
	bool fuse;
};

struct vm_machine {
	const char *usage;           /* --help's text */
	const char *assembly_suffix; /* ".sasm": other files but .toy are bytecode */
	size_t program_size;         /* sizeof(struct program) */
	size_t max_file_size;        /* the largest bytecode file */
	const struct vm_option *options;  /* ended by a NULL flag */
	int (*assemble)(const char *src, size_t len, struct program *prog,
			struct error_report *err);
	int (*assemble_compiled)(const char *src, size_t len, struct program *prog,
				 struct error_report *err);
	char *(*compile_toy)(const struct toy_program *toy,
			     const struct toy_compile_options *opts, struct error_report *err);
	int (*load)(struct program *prog, const uint8_t *data, size_t size,
		    struct error_report *err);
	size_t (*save)(const struct program *prog, uint8_t **out);
	int (*verify)(struct program *prog, struct error_report *err);
	int (*disassemble)(const struct program *prog, FILE *out);
	void (*free)(struct program *prog);
	const struct line_table *(*lines)(const struct program *prog);
	/* Runs a verified program: 0, or -1 with err set. */
	int (*run)(const struct program *prog, const struct vm_run_request *req,
		   struct error_report *err);
	/* What the machine's own run option asks to print after the fault
	 * report, if any (stage 1's profile); may be NULL. */
	void (*after_run)(const struct vm_run_request *req);
	/* --stats: one JSON line on stderr, after stdout is flushed. */
	void (*print_stats)(const struct program *prog, enum dispatch dispatch);
};

/* The whole command: returns main()'s exit status, or exits through die(). */
int vm_main(const struct vm_machine *machine, int argc, char **argv);

#endif
