/* fuzz_common.h - what every harness shares: the machines print what their
 * programs print, which a fuzzer does not want to see. */
#ifndef FUZZ_COMMON_H
#define FUZZ_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { FUZZ_MAX_STEPS = 20000 };   /* bounded execution: no fuzz input hangs */

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (!freopen("/dev/null", "w", stdout))
		return 1;
	return 0;
}

/* The Toy harnesses' generator mode, to reach programs far larger than a
 * fuzzer's inputs: an input "@N|HEAD|UNIT|TAIL" stands for HEAD, N copies of
 * UNIT, then TAIL, so "@100000|print(1|+1|);" is a chain of 100,001 terms.
 * N is capped so that a program stays under 256 KiB: a run stays well under
 * the 10 s that `make fuzz` allows one input, even under the sanitizers.
 * Any other input is used as it is.  Returns a fresh copy; NULL for none. */
enum { FUZZ_MAX_EXPANDED = 256 << 10 };

static inline char *fuzz_expand_toy(const uint8_t *data, size_t size, size_t *out_size)
{
	const char *text = (const char *)data, *end = text + size, *head, *unit, *tail;
	size_t count = 0, length;
	char *out, *p;

	if (size == 0 || text[0] != '@') {
		out = malloc(size + 1);
		if (out && size)
			memcpy(out, data, size);
		*out_size = size;
		return out;
	}
	for (head = text + 1; head < end && *head >= '0' && *head <= '9'; head++)
		count = count < FUZZ_MAX_EXPANDED ? count * 10 + (size_t)(*head - '0') : count;
	if (head == end || *head != '|' ||
	    !(unit = memchr(head + 1, '|', (size_t)(end - head - 1))) ||
	    !(tail = memchr(unit + 1, '|', (size_t)(end - unit - 1))))
		return NULL;
	head++, unit++, tail++;
	length = (size_t)(tail - unit - 1);
	if (length && count > FUZZ_MAX_EXPANDED / length)
		count = FUZZ_MAX_EXPANDED / length;
	*out_size = (size_t)(unit - 1 - head) + count * length + (size_t)(end - tail);
	out = p = malloc(*out_size + 1);
	if (!out)
		return NULL;
	memcpy(p, head, (size_t)(unit - 1 - head));
	p += unit - 1 - head;
	for (size_t i = 0; i < count; i++, p += length)
		memcpy(p, unit, length);
	memcpy(p, tail, (size_t)(end - tail));
	return out;
}

/* The errors an assembler may give for what a back end wrote: the program
 * exceeds a limit of the machine.  Anything else is a back end's bug. */
static inline int fuzz_is_machine_limit(const char *message)
{
	return strstr(message, "program too large") || strstr(message, "too many constants") ||
	       strstr(message, "too far away for this jump");
}

#endif
