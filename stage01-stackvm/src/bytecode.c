/* bytecode.c - reading and writing the bytecode file (format in program.h).
 *
 * The loader trusts nothing: it checks the magic, the version and every
 * length against the size of the file before it reads a byte, and leaves
 * the code itself to the verifier.
 */
#include "program.h"

#include <stdlib.h>
#include <string.h>

#include "opcodes.h"

static void put_u16(uint8_t *p, uint16_t v)
{
	p[0] = v & 0xff;
	p[1] = v >> 8;
}

static void put_u32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (v >> (8 * i)) & 0xff;
}

void program_set_function_ends(struct program *prog)
{
	for (uint32_t i = 0; i < prog->function_count; i++)
		prog->functions[i].end = i + 1 < prog->function_count ?
			prog->functions[i + 1].entry : prog->code_size;
}

/* ANCHOR: load-header */
int program_load(struct program *prog, const uint8_t *data, size_t size,
		 struct error_report *err)
{
	uint64_t expected;

	memset(prog, 0, sizeof(*prog));
	if (size < BYTECODE_HEADER_SIZE) {
		report_set(err, 0, 0, "not a bytecode file: %zu bytes is shorter "
			   "than the %d-byte header", size, BYTECODE_HEADER_SIZE);
		return -1;
	}
	if (memcmp(data, BYTECODE_MAGIC, 4) != 0) {
		report_set(err, 0, 0, "not a bytecode file: wrong magic number");
		return -1;
	}
	if (read_u16(data + 4) != BYTECODE_VERSION || read_u16(data + 6) != 0) {
		report_set(err, 0, 0, "bytecode format version %u is not supported "
			   "(this machine reads version %d)", read_u16(data + 4),
			   BYTECODE_VERSION);
		return -1;
	}
	prog->code_size = read_u32(data + 8);
	prog->function_count = read_u32(data + 12);
	prog->global_count = read_u32(data + 16);
	if (prog->function_count < 1 || prog->function_count > MAX_FUNCTIONS) {
		report_set(err, 0, 0, "bad function count %u (1 to %d allowed)",
			   prog->function_count, MAX_FUNCTIONS);
		return -1;
	}
	if (prog->global_count > MAX_GLOBALS) {
		report_set(err, 0, 0, "bad global count %u (at most %d allowed)",
			   prog->global_count, MAX_GLOBALS);
		return -1;
	}
	expected = BYTECODE_HEADER_SIZE +
		   (uint64_t)prog->function_count * FUNCTION_ENTRY_SIZE +
		   prog->code_size;
	if (expected != size) {
		report_set(err, 0, 0, "file is %zu bytes but its header describes "
			   "%llu: truncated or corrupt", size,
			   (unsigned long long)expected);
		return -1;
	}
/* ANCHOR_END: load-header */
	if (prog->code_size == 0 || prog->code_size > MAX_CODE_SIZE) {
		report_set(err, 0, 0, "bad code size %u (1 to %d bytes allowed)",
			   prog->code_size, MAX_CODE_SIZE);
		return -1;
	}
	prog->functions = calloc(prog->function_count, sizeof(*prog->functions));
	prog->code = malloc(prog->code_size);
	if (!prog->functions || !prog->code) {
		report_set(err, 0, 0, "out of memory");
		program_free(prog);
		return -1;
	}
	for (uint32_t i = 0; i < prog->function_count; i++) {
		const uint8_t *entry = data + BYTECODE_HEADER_SIZE +
				       (size_t)i * FUNCTION_ENTRY_SIZE;

		prog->functions[i].entry = read_u32(entry);
		prog->functions[i].arg_count = read_u16(entry + 4);
		prog->functions[i].local_count = read_u16(entry + 6);
	}
	memcpy(prog->code, data + size - prog->code_size, prog->code_size);
	program_set_function_ends(prog);
	return 0;
}

size_t program_save(const struct program *prog, uint8_t **out)
{
	size_t size = BYTECODE_HEADER_SIZE +
		      (size_t)prog->function_count * FUNCTION_ENTRY_SIZE +
		      prog->code_size;
	uint8_t *p = calloc(1, size);

	if (!p)
		return 0;
	*out = p;
	memcpy(p, BYTECODE_MAGIC, 4);
	put_u16(p + 4, BYTECODE_VERSION);
	put_u32(p + 8, prog->code_size);
	put_u32(p + 12, prog->function_count);
	put_u32(p + 16, prog->global_count);
	p += BYTECODE_HEADER_SIZE;
	for (uint32_t i = 0; i < prog->function_count; i++, p += FUNCTION_ENTRY_SIZE) {
		put_u32(p, prog->functions[i].entry);
		put_u16(p + 4, prog->functions[i].arg_count);
		put_u16(p + 6, prog->functions[i].local_count);
	}
	memcpy(p, prog->code, prog->code_size);
	return size;
}

void program_free(struct program *prog)
{
	free(prog->code);
	free(prog->functions);
	memset(prog, 0, sizeof(*prog));
}
