/* program.h - a loaded register-machine program and its bytecode file.
 *
 * The file, all integers little-endian:
 *
 *   offset  size  field
 *   0       4     magic "RVMB"
 *   4       2     format version (1)
 *   6       2     reserved, 0
 *   8       4     code_words: 32-bit words of code
 *   12      4     function_count (at least 1; function 0 is where a run starts)
 *   16      4     global_count
 *   20      4     constant_count
 *   24      8*f   function table: u32 entry (a word index), u16 arg_count,
 *                 u16 register_count
 *   ...     8*k   constants, int64
 *   ...     4*n   code
 *   ...           optionally, a line table: where each instruction came
 *                 from in the .toy file it was compiled from (format in
 *                 lang/line_table.h; its pcs are word indexes)
 *
 * and nothing after it: every length is checked against the file's size,
 * every entry of the line table against the code.
 */
#ifndef REGVM_PROGRAM_H
#define REGVM_PROGRAM_H

#include <stddef.h>
#include <stdint.h>

#include "base/diag.h"
#include "lang/line_table.h"

#define BYTECODE_MAGIC "RVMB"
#define BYTECODE_VERSION 1
#define BYTECODE_HEADER_SIZE 24
#define FUNCTION_ENTRY_SIZE 8

enum {
	MAX_CODE_WORDS = 4 << 20,
	MAX_FUNCTIONS = 65536,      /* CALL's Bx is 16 bits */
	MAX_GLOBALS = 65536,        /* GETG's Bx is 16 bits */
	MAX_CONSTANTS = 1 << 22,    /* LOADKX's index word reaches them all */
	MAX_SHORT_CONSTANTS = 65536, /* what LOADK's and JxxK's Bx reach */
	MAX_REGISTERS = 256,        /* register fields are 8 bits */
	MEMORY_CELLS = 1 << 20,     /* the data memory: 1,048,576 int64 cells */
};

/* The largest bytecode file, every table at its limit: the largest input
 * the tool reads (a program at MAX_CODE_WORDS must still load). */
#define MAX_FILE_SIZE                                                   \
	(BYTECODE_HEADER_SIZE + (size_t)MAX_FUNCTIONS * FUNCTION_ENTRY_SIZE + \
	 (size_t)MAX_CONSTANTS * 8 + (size_t)MAX_CODE_WORDS * 4 +         \
	 LINE_TABLE_MAX_FILE_SIZE(MAX_CODE_WORDS))

struct function {
	uint32_t entry;             /* word index of its first instruction */
	uint16_t arg_count;         /* arguments arrive in r0, r1, ... */
	uint16_t register_count;    /* its frame: r0 .. r(register_count - 1) */
	uint32_t end;               /* one past its last word: the next entry */
};

struct program {
	uint32_t *code;
	uint32_t code_words;
	uint32_t function_count;
	uint32_t global_count;
	uint32_t constant_count;
	struct function *functions;
	int64_t *constants;
	struct line_table lines;    /* empty unless compiled from Toy */
};

/* The functions below are stage01-stackvm/src/program.h's too, for its own
 * format (a deliberate echo).  Parses a bytecode file image; on failure
 * returns -1 with err set. */
int reg_program_load(struct program *prog, const uint8_t *data, size_t size,
		 struct error_report *err);

/* Serialises prog into a fresh buffer; returns its size (0: no memory). */
size_t reg_program_save(const struct program *prog, uint8_t **out);

void reg_program_set_function_ends(struct program *prog);
void reg_program_free(struct program *prog);

#endif
