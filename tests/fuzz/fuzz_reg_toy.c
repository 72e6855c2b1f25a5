/* The Toy front end (with fuzz_common.h's generator mode for large
 * programs), the register back end, its assembler and verifier on the
 * result (which must accept it), and a bounded run. */
#include <stdlib.h>
#include <string.h>

#include "asm.h"
#include "compile.h"
#include "fuzz_common.h"
#include "interp.h"
#include "lang/toy.h"
#include "verify.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct error_report err = { 0 };
	struct run_options opts = { .dispatch = DISPATCH_THREADED, .max_steps = FUZZ_MAX_STEPS };
	struct run_stats stats = { 0 };
	size_t length;
	char *source = fuzz_expand_toy(data, size, &length);
	struct toy_program *toy = source ? toy_parse(source, length, &err) : NULL;
	struct program prog;
	char *assembly;

	free(source);
	if (!toy)
		return 0;
	assembly = reg_compile_toy(toy, &(struct toy_compile_options){ .fuse = (size & 1) != 0 },
				   &err);   /* both back ends */
	toy_free(toy);
	if (!assembly)
		return 0;
	/* What the compiler writes, the assembler and verifier must accept,
	 * short of a program beyond a limit of the machine, which must be
	 * reported at a Toy line (the back end wrote a .line first). */
	if (reg_assemble_compiled(assembly, strlen(assembly), &prog, &err) == 0) {
		if (reg_verify(&prog, &err) != 0)
			abort();
		reg_run_program(&prog, &opts, &stats, &err);
		reg_program_free(&prog);
	} else if (!fuzz_is_machine_limit(err.message) || err.line == 0) {
		abort();
	}
	free(assembly);
	return 0;
}
