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
#include "lang/bytecode_file.h"

static const struct bytecode_format format = {
	BYTECODE_MAGIC, BYTECODE_VERSION, BYTECODE_HEADER_SIZE
};

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
	if (bytecode_check_start(&format, data, size, err) != 0)
		return -1;
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
	if (bytecode_check_end(code_end, size, err) != 0)
		return -1;
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
		struct bytecode_function f = bytecode_get_function(data + BYTECODE_HEADER_SIZE +
								   (size_t)i * FUNCTION_ENTRY_SIZE);

		prog->functions[i] = (struct function){ .entry = f.entry,
			.arg_count = f.arg_count, .local_count = f.frame };
	}
	memcpy(prog->code, data + code_end - prog->code_size, prog->code_size);
	stack_program_set_function_ends(prog);
	if (bytecode_read_lines(&prog->lines, data, code_end, size, prog->code_size, err) != 0) {
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
	bytecode_put_start(&format, p);
	le_put32(p + 8, prog->code_size);
	le_put32(p + 12, prog->function_count);
	le_put32(p + 16, prog->global_count);
	p += BYTECODE_HEADER_SIZE;
	for (uint32_t i = 0; i < prog->function_count; i++, p += FUNCTION_ENTRY_SIZE)
		bytecode_put_function(p, (struct bytecode_function){ prog->functions[i].entry,
			prog->functions[i].arg_count, prog->functions[i].local_count });
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
