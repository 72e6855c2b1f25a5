/* bytecode.c - reading and writing the bytecode file (format in program.h).
 * The loader checks the magic, the version and that the lengths add up to
 * the file's size before it reads a table; the code is the verifier's. */
#include "program.h"

#include <stdlib.h>
#include <string.h>

#include "base/le.h"
#include "lang/bytecode_file.h"

static const struct bytecode_format format = {
	BYTECODE_MAGIC, BYTECODE_VERSION, BYTECODE_HEADER_SIZE
};

void reg_program_set_function_ends(struct program *prog)
{
	for (uint32_t i = 0; i < prog->function_count; i++)
		prog->functions[i].end = i + 1 < prog->function_count ?
			prog->functions[i + 1].entry : prog->code_words;
}

/* Checks the header against the file's size; *code_end is where the code
 * ends (and a line table, if any, starts). */
static int check_header(struct program *prog, const uint8_t *data, size_t size,
			size_t *code_end, struct error_report *err)
{
	uint64_t expected;

	if (bytecode_check_start(&format, data, size, err) != 0)
		return -1;
	prog->code_words = le_get32(data + 8);
	prog->function_count = le_get32(data + 12);
	prog->global_count = le_get32(data + 16);
	prog->constant_count = le_get32(data + 20);
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
	if (bytecode_check_end(expected, size, err) != 0)
		return -1;
	if (prog->code_words == 0 || prog->code_words > MAX_CODE_WORDS) {
		report_set(err, 0, 0, "bad code size %u words (1 to %d allowed)",
			   prog->code_words, MAX_CODE_WORDS);
		return -1;
	}
	*code_end = (size_t)expected;
	return 0;
}

int reg_program_load(struct program *prog, const uint8_t *data, size_t size,
		 struct error_report *err)
{
	const uint8_t *p = data + BYTECODE_HEADER_SIZE;
	size_t code_end;

	memset(prog, 0, sizeof(*prog));
	if (check_header(prog, data, size, &code_end, err) != 0)
		return -1;
	prog->functions = calloc(prog->function_count, sizeof(*prog->functions));
	prog->constants = calloc(prog->constant_count + 1, sizeof(*prog->constants));
	prog->code = calloc(prog->code_words, sizeof(*prog->code));
	if (!prog->functions || !prog->constants || !prog->code) {
		report_set(err, 0, 0, "out of memory");
		reg_program_free(prog);
		return -1;
	}
	for (uint32_t i = 0; i < prog->function_count; i++, p += FUNCTION_ENTRY_SIZE) {
		struct bytecode_function f = bytecode_get_function(p);

		prog->functions[i] = (struct function){ .entry = f.entry,
			.arg_count = f.arg_count, .register_count = f.frame };
	}
	for (uint32_t i = 0; i < prog->constant_count; i++, p += 8)
		prog->constants[i] = (int64_t)le_get64(p);
	for (uint32_t i = 0; i < prog->code_words; i++, p += 4)
		prog->code[i] = le_get32(p);
	reg_program_set_function_ends(prog);
	if (bytecode_read_lines(&prog->lines, data, code_end, size, prog->code_words, err) != 0) {
		reg_program_free(prog);
		return -1;
	}
	return 0;
}

size_t reg_program_save(const struct program *prog, uint8_t **out)
{
	size_t code_end = BYTECODE_HEADER_SIZE +
			  (size_t)prog->function_count * FUNCTION_ENTRY_SIZE +
			  (size_t)prog->constant_count * 8 + (size_t)prog->code_words * 4;
	size_t size = code_end + line_table_file_size(&prog->lines);
	uint8_t *p = calloc(1, size);

	if (!p)
		return 0;
	*out = p;
	bytecode_put_start(&format, p);
	le_put32(p + 8, prog->code_words);
	le_put32(p + 12, prog->function_count);
	le_put32(p + 16, prog->global_count);
	le_put32(p + 20, prog->constant_count);
	p += BYTECODE_HEADER_SIZE;
	for (uint32_t i = 0; i < prog->function_count; i++, p += FUNCTION_ENTRY_SIZE)
		bytecode_put_function(p, (struct bytecode_function){ prog->functions[i].entry,
			prog->functions[i].arg_count, prog->functions[i].register_count });
	for (uint32_t i = 0; i < prog->constant_count; i++, p += 8)
		le_put64(p, (uint64_t)prog->constants[i]);
	for (uint32_t i = 0; i < prog->code_words; i++, p += 4)
		le_put32(p, prog->code[i]);
	line_table_write(&prog->lines, p);
	return size;
}

void reg_program_free(struct program *prog)
{
	free(prog->code);
	free(prog->functions);
	free(prog->constants);
	line_table_free(&prog->lines);
	memset(prog, 0, sizeof(*prog));
}
