/* The Toy front end, the register back end, its assembler and verifier on the
 * result (which must accept it), and a bounded run. */
#include <stdlib.h>
#include <string.h>

#include "asm.h"
#include "compile.h"
#include "fuzz_common.h"
#include "interp.h"
#include "toy.h"
#include "verify.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct error_report err = { 0 };
	struct run_options opts = { .dispatch = DISPATCH_THREADED, .max_steps = FUZZ_MAX_STEPS };
	struct run_stats stats = { 0 };
	struct toy_program *toy = toy_parse((const char *)data, size, &err);
	struct program prog;
	char *assembly;

	if (!toy)
		return 0;
	assembly = compile_toy(toy, (size & 1) != 0, &err);   /* both back ends */
	toy_free(toy);
	if (!assembly)
		return 0;
	/* What the compiler writes, the assembler and verifier must accept
	 * (short of a program too large for the machine). */
	if (assemble(assembly, strlen(assembly), &prog, &err) == 0) {
		if (verify(&prog, &err) != 0)
			abort();
		run_program(&prog, &opts, &stats, &err);
		program_free(&prog);
	} else if (!strstr(err.message, "too large")) {
		abort();
	}
	free(assembly);
	return 0;
}
