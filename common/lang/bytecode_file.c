/* bytecode_file.c - what both bytecode formats share (bytecode_file.h). */
#include "lang/bytecode_file.h"

#include <string.h>

#include "base/le.h"

int bytecode_check_start(const struct bytecode_format *f, const uint8_t *data,
			 size_t size, struct error_report *err)
{
	if (size < f->header_size) {
		report_set(err, 0, 0, "not a bytecode file: %zu bytes is shorter "
			   "than the %zu-byte header", size, f->header_size);
		return -1;
	}
	if (memcmp(data, f->magic, 4) != 0) {
		report_set(err, 0, 0, "not a bytecode file: wrong magic number");
		return -1;
	}
	if (le_get16(data + 4) != f->version || le_get16(data + 6) != 0) {
		report_set(err, 0, 0, "bytecode format version %u is not supported "
			   "(this machine reads version %u)", le_get16(data + 4),
			   f->version);
		return -1;
	}
	return 0;
}

int bytecode_check_end(uint64_t end, size_t size, struct error_report *err)
{
	if (end <= size)
		return 0;
	report_set(err, 0, 0, "file is %zu bytes but its header describes %llu: "
		   "truncated or corrupt", size, (unsigned long long)end);
	return -1;
}

int bytecode_read_lines(struct line_table *lines, const uint8_t *data, size_t code_end,
			size_t size, uint32_t code_units, struct error_report *err)
{
	if (code_end == size)
		return 0;
	return line_table_read(lines, data + code_end, size - code_end, code_units, err);
}

int bytecode_check_entry(uint32_t i, uint32_t entry, uint32_t previous, uint32_t code_end,
			 struct error_report *err)
{
	uint32_t start = i ? previous + 1 : 0;

	if (entry >= start && entry < code_end && (i > 0 || entry == 0))
		return 0;
	report_set(err, 0, 0, "function %u: entry %u is out of order or outside the "
		   "code (function 0 starts at 0, each next one later)", i, entry);
	return -1;
}

int bytecode_check_first_function(uint16_t arg_count, struct error_report *err)
{
	if (arg_count == 0)
		return 0;
	report_set(err, 0, 0, "function 0 is where a run starts and cannot take arguments");
	return -1;
}

void bytecode_put_start(const struct bytecode_format *f, uint8_t *p)
{
	memcpy(p, f->magic, 4);
	le_put16(p + 4, (uint16_t)f->version);
}

struct bytecode_function bytecode_get_function(const uint8_t *p)
{
	return (struct bytecode_function){ .entry = le_get32(p), .arg_count = le_get16(p + 4),
					   .frame = le_get16(p + 6) };
}

void bytecode_put_function(uint8_t *p, struct bytecode_function fn)
{
	le_put32(p, fn.entry);
	le_put16(p + 4, fn.arg_count);
	le_put16(p + 6, fn.frame);
}
