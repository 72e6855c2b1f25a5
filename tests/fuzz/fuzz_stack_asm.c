/* The assembler on arbitrary text, then the verifier and a bounded run. */
#include "asm.h"
#include "fuzz_common.h"
#include "interp.h"
#include "verify.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct error_report err = { 0 };
	struct run_options opts = { .dispatch = DISPATCH_THREADED, .max_steps = FUZZ_MAX_STEPS };
	struct run_stats stats = { 0 };
	struct program prog;

	if (stack_assemble((const char *)data, size, &prog, &err) != 0)
		return 0;
	if (stack_verify(&prog, &err) == 0)
		stack_run_program(&prog, &opts, &stats, &err);
	stack_program_free(&prog);
	return 0;
}
