/* The bytecode loader, the verifier, and for what they accept: the round trip
 * through dis and asm, and a bounded run. */
#include "fuzz_common.h"
#define VM(name) stack_##name
#include "fuzz_round_trip.h"
#include "interp.h"
#include "verify.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct error_report err = { 0 };
	struct run_options opts = { .dispatch = DISPATCH_THREADED, .max_steps = FUZZ_MAX_STEPS };
	struct run_stats stats = { 0 };
	struct program prog;

	if (stack_program_load(&prog, data, size, &err) != 0)
		return 0;
	if (stack_verify(&prog, &err) == 0) {
		check_round_trip(&prog, data, size);
		opts.dispatch = size % 2 ? DISPATCH_SWITCH : DISPATCH_THREADED;
		stack_run_program(&prog, &opts, &stats, &err);
	}
	stack_program_free(&prog);
	return 0;
}
