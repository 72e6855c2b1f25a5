/* program.h - a loaded stack-machine program and its bytecode file.
 *
 * The file, all integers little-endian:
 *
 *   offset  size  field
 *   0       4     magic "SVMB"
 *   4       2     format version (1)
 *   6       2     reserved, 0
 *   8       4     code_size: bytes of code
 *   12      4     function_count (at least 1; function 0 is where a run starts)
 *   16      4     global_count
 *   20      8*n   function table: u32 entry, u16 arg_count, u16 local_count
 *   ...     code_size bytes of code
 *   ...     optionally, a line table: where each instruction came from in
 *           the .toy file it was compiled from (format in lang/line_table.h;
 *           its pcs are byte addresses)
 *
 * and nothing after it: every length is checked against the file's size,
 * every entry of the line table against the code.
 */
#ifndef STACKVM_PROGRAM_H
#define STACKVM_PROGRAM_H

#include <stddef.h>
#include <stdint.h>

#include "base/diag.h"
#include "lang/line_table.h"

#define BYTECODE_MAGIC "SVMB"
#define BYTECODE_VERSION 1
#define BYTECODE_HEADER_SIZE 20
#define FUNCTION_ENTRY_SIZE 8

enum {
	MAX_CODE_SIZE = 16 << 20,
	MAX_FUNCTIONS = 65536,      /* CALL's operand is 16 bits */
	MAX_GLOBALS = 65536,        /* LOADG's operand is 16 bits */
	MAX_LOCALS = 256,           /* LOADL's operand is 8 bits */
	MAX_OPERAND_STACK = 1024,   /* per frame, enforced by the verifier */
	MEMORY_CELLS = 1 << 20,     /* the data memory: 1,048,576 int64 cells */
};

/* The largest bytecode file, every table at its limit: the largest input
 * the tool reads (a program at MAX_CODE_SIZE must still load). */
#define MAX_FILE_SIZE                                                   \
	(BYTECODE_HEADER_SIZE + (size_t)MAX_FUNCTIONS * FUNCTION_ENTRY_SIZE + \
	 MAX_CODE_SIZE + LINE_TABLE_MAX_FILE_SIZE(MAX_CODE_SIZE))

struct function {
	uint32_t entry;             /* code address of its first instruction */
	uint16_t arg_count;         /* arguments are its first locals */
	uint16_t local_count;       /* arguments included */
	uint32_t end;               /* one past its last byte: the next entry */
	int max_stack;              /* deepest operand stack, from the verifier */
};

struct program {
	uint8_t *code;
	uint32_t code_size;
	uint32_t function_count;
	uint32_t global_count;
	struct function *functions;
	struct line_table lines;    /* empty unless compiled from Toy */
};

/* The functions below are stage02-regvm/src/program.h's too, for its own
 * format (a deliberate echo).  Parses a bytecode file image; on failure
 * returns -1 with err set. */
int stack_program_load(struct program *prog, const uint8_t *data, size_t size,
		 struct error_report *err);

/* Serialises prog into a fresh buffer; returns its size. */
size_t stack_program_save(const struct program *prog, uint8_t **out);

/* Fills in each function's end from the entry of the next. */
void stack_program_set_function_ends(struct program *prog);

void stack_program_free(struct program *prog);

#endif
