/* bytecode.c - reading and writing the bytecode file (format in program.h).
 * The loader checks the magic, the version and that the lengths add up to
 * the file's size before it reads a table; the code is the verifier's. */
#include "program.h"

#include <stdlib.h>
#include <string.h>

static uint64_t get(const uint8_t *p, int bytes)
{
	uint64_t v = 0;

	for (int i = bytes - 1; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static uint8_t *put(uint8_t *p, uint64_t v, int bytes)
{
	for (int i = 0; i < bytes; i++)
		*p++ = (v >> (8 * i)) & 0xff;
	return p;
}

void program_set_function_ends(struct program *prog)
{
	for (uint32_t i = 0; i < prog->function_count; i++)
		prog->functions[i].end = i + 1 < prog->function_count ?
			prog->functions[i + 1].entry : prog->code_words;
}

static int check_header(struct program *prog, const uint8_t *data, size_t size,
			struct error_report *err)
{
	uint64_t expected;

	if (size < BYTECODE_HEADER_SIZE) {
		report_set(err, 0, 0, "not a bytecode file: %zu bytes is shorter "
			   "than the %d-byte header", size, BYTECODE_HEADER_SIZE);
		return -1;
	}
	if (memcmp(data, BYTECODE_MAGIC, 4) != 0) {
		report_set(err, 0, 0, "not a bytecode file: wrong magic number");
		return -1;
	}
	if (get(data + 4, 2) != BYTECODE_VERSION || get(data + 6, 2) != 0) {
		report_set(err, 0, 0, "bytecode format version %u is not supported "
			   "(this machine reads version %d)",
			   (unsigned)get(data + 4, 2), BYTECODE_VERSION);
		return -1;
	}
	prog->code_words = (uint32_t)get(data + 8, 4);
	prog->function_count = (uint32_t)get(data + 12, 4);
	prog->global_count = (uint32_t)get(data + 16, 4);
	prog->constant_count = (uint32_t)get(data + 20, 4);
	if (prog->function_count < 1 || prog->function_count > MAX_FUNCTIONS ||
	    prog->global_count > MAX_GLOBALS || prog->constant_count > MAX_CONSTANTS) {
		report_set(err, 0, 0, "bad counts: %u functions (1 to %d), %u globals, "
			   "%u constants (at most %d each)", prog->function_count,
			   MAX_FUNCTIONS, prog->global_count, prog->constant_count,
			   MAX_GLOBALS);
		return -1;
	}
	expected = BYTECODE_HEADER_SIZE +
		   (uint64_t)prog->function_count * FUNCTION_ENTRY_SIZE +
		   (uint64_t)prog->constant_count * 8 + (uint64_t)prog->code_words * 4;
	if (expected != size) {
		report_set(err, 0, 0, "file is %zu bytes but its header describes "
			   "%llu: truncated or corrupt", size,
			   (unsigned long long)expected);
		return -1;
	}
	if (prog->code_words == 0 || prog->code_words > MAX_CODE_WORDS) {
		report_set(err, 0, 0, "bad code size %u words (1 to %d allowed)",
			   prog->code_words, MAX_CODE_WORDS);
		return -1;
	}
	return 0;
}

int program_load(struct program *prog, const uint8_t *data, size_t size,
		 struct error_report *err)
{
	const uint8_t *p = data + BYTECODE_HEADER_SIZE;

	memset(prog, 0, sizeof(*prog));
	if (check_header(prog, data, size, err) != 0)
		return -1;
	prog->functions = calloc(prog->function_count, sizeof(*prog->functions));
	prog->constants = calloc(prog->constant_count + 1, sizeof(*prog->constants));
	prog->code = calloc(prog->code_words, sizeof(*prog->code));
	if (!prog->functions || !prog->constants || !prog->code) {
		report_set(err, 0, 0, "out of memory");
		program_free(prog);
		return -1;
	}
	for (uint32_t i = 0; i < prog->function_count; i++, p += FUNCTION_ENTRY_SIZE) {
		prog->functions[i].entry = (uint32_t)get(p, 4);
		prog->functions[i].arg_count = (uint16_t)get(p + 4, 2);
		prog->functions[i].register_count = (uint16_t)get(p + 6, 2);
	}
	for (uint32_t i = 0; i < prog->constant_count; i++, p += 8)
		prog->constants[i] = (int64_t)get(p, 8);
	for (uint32_t i = 0; i < prog->code_words; i++, p += 4)
		prog->code[i] = (uint32_t)get(p, 4);
	program_set_function_ends(prog);
	return 0;
}

size_t program_save(const struct program *prog, uint8_t **out)
{
	size_t size = BYTECODE_HEADER_SIZE +
		      (size_t)prog->function_count * FUNCTION_ENTRY_SIZE +
		      (size_t)prog->constant_count * 8 + (size_t)prog->code_words * 4;
	uint8_t *p = malloc(size);

	if (!p)
		return 0;
	*out = p;
	memcpy(p, BYTECODE_MAGIC, 4);
	p = put(p + 4, BYTECODE_VERSION, 2);
	p = put(p, 0, 2);
	p = put(p, prog->code_words, 4);
	p = put(p, prog->function_count, 4);
	p = put(p, prog->global_count, 4);
	p = put(p, prog->constant_count, 4);
	for (uint32_t i = 0; i < prog->function_count; i++) {
		p = put(p, prog->functions[i].entry, 4);
		p = put(p, prog->functions[i].arg_count, 2);
		p = put(p, prog->functions[i].register_count, 2);
	}
	for (uint32_t i = 0; i < prog->constant_count; i++)
		p = put(p, (uint64_t)prog->constants[i], 8);
	for (uint32_t i = 0; i < prog->code_words; i++)
		p = put(p, prog->code[i], 4);
	return size;
}

void program_free(struct program *prog)
{
	free(prog->code);
	free(prog->functions);
	free(prog->constants);
	memset(prog, 0, sizeof(*prog));
}
