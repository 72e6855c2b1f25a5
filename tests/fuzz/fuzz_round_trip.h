/* fuzz_round_trip.h - the promise both bytecode harnesses check on every file
 * their verifier accepts: its disassembly assembles back to the same bytes
 * (dis.h).  The two machines name these functions alike but for their
 * prefix (stack_, reg_): a harness defines VM(name) to add its own before
 * it includes this file, so one check serves both.  A broken promise
 * aborts, which libFuzzer reports as a crash. */
#ifndef FUZZ_ROUND_TRIP_H
#define FUZZ_ROUND_TRIP_H

#include <stdlib.h>
#include <string.h>

#include "asm.h"
#include "dis.h"

static void check_round_trip(const struct program *prog, const uint8_t *data, size_t size)
{
	struct error_report err = { 0 };
	struct program back;
	char *text = NULL;
	size_t length = 0, back_size;
	uint8_t *bytes;
	FILE *out = open_memstream(&text, &length);

	if (!out || VM(disassemble)(prog, out) != 0 || fclose(out) != 0)
		abort();                    /* out of memory: not the promise */
	if (VM(assemble)(text, length, &back, &err) != 0) {
		fprintf(stderr, "round trip: the disassembly does not assemble: "
			"%d:%d: %s\n%s", err.line, err.col, err.message, text);
		abort();
	}
	back_size = VM(program_save)(&back, &bytes);
	if (back_size != size || memcmp(bytes, data, size) != 0) {
		fprintf(stderr, "round trip: the disassembly assembles to other "
			"bytes\n%s", text);
		abort();
	}
	free(bytes);
	VM(program_free)(&back);
	free(text);
}

#endif
