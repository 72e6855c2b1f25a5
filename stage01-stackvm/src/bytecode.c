/* bytecode.c - reading and writing the bytecode file (format in program.h).
 *
 * The loader trusts nothing: it checks the magic, the version and every
 * length against the size of the file before it reads a byte, and leaves
 * the code itself to the verifier.
 */
#include "program.h"

#include <stdlib.h>
#include <string.h>

#include "base/le.h"

void stack_program_set_function_ends(struct program *prog)
{
	for (uint32_t i = 0; i < prog->function_count; i++)
		prog->functions[i].end = i + 1 < prog->function_count ?
			prog->functions[i + 1].entry : prog->code_size;
}

/* ANCHOR: load-header */
int stack_program_load(struct program *prog, const uint8_t *data, size_t size,
		 struct error_report *err)
{
	uint64_t code_end;

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
	if (le_get16(data + 4) != BYTECODE_VERSION || le_get16(data + 6) != 0) {
		report_set(err, 0, 0, "bytecode format version %u is not supported "
			   "(this machine reads version %d)", le_get16(data + 4),
			   BYTECODE_VERSION);
		return -1;
	}
	prog->code_size = le_get32(data + 8);
	prog->function_count = le_get32(data + 12);
	prog->global_count = le_get32(data + 16);
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
	code_end = BYTECODE_HEADER_SIZE +
		   (uint64_t)prog->function_count * FUNCTION_ENTRY_SIZE +
		   prog->code_size;
	if (code_end > size) {
		report_set(err, 0, 0, "file is %zu bytes but its header describes "
			   "%llu: truncated or corrupt", size,
			   (unsigned long long)code_end);
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
		stack_program_free(prog);
		return -1;
	}
	for (uint32_t i = 0; i < prog->function_count; i++) {
		const uint8_t *entry = data + BYTECODE_HEADER_SIZE +
				       (size_t)i * FUNCTION_ENTRY_SIZE;

		prog->functions[i].entry = le_get32(entry);
		prog->functions[i].arg_count = le_get16(entry + 4);
		prog->functions[i].local_count = le_get16(entry + 6);
	}
	memcpy(prog->code, data + code_end - prog->code_size, prog->code_size);
	stack_program_set_function_ends(prog);
	if (code_end < size && line_table_read(&prog->lines, data + code_end,
					       size - code_end, prog->code_size, err) != 0) {
		stack_program_free(prog);
		return -1;
	}
	return 0;
}

size_t stack_program_save(const struct program *prog, uint8_t **out)
{
	size_t code_end = BYTECODE_HEADER_SIZE +
			  (size_t)prog->function_count * FUNCTION_ENTRY_SIZE +
			  prog->code_size;
	size_t size = code_end + line_table_file_size(&prog->lines);
	uint8_t *p = calloc(1, size);

	if (!p)
		return 0;
	*out = p;
	memcpy(p, BYTECODE_MAGIC, 4);
	le_put16(p + 4, BYTECODE_VERSION);
	le_put32(p + 8, prog->code_size);
	le_put32(p + 12, prog->function_count);
	le_put32(p + 16, prog->global_count);
	p += BYTECODE_HEADER_SIZE;
	for (uint32_t i = 0; i < prog->function_count; i++, p += FUNCTION_ENTRY_SIZE) {
		le_put32(p, prog->functions[i].entry);
		le_put16(p + 4, prog->functions[i].arg_count);
		le_put16(p + 6, prog->functions[i].local_count);
	}
	memcpy(p, prog->code, prog->code_size);
	line_table_write(&prog->lines, *out + code_end);
	return size;
}

void stack_program_free(struct program *prog)
{
	free(prog->code);
	free(prog->functions);
	line_table_free(&prog->lines);
	memset(prog, 0, sizeof(*prog));
}
