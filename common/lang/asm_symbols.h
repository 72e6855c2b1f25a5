/* asm_symbols.h - the assemblers' symbol tables and fix-ups, their lines
 * and the directives that mean the same on both machines: what both
 * assemblers do whatever their instruction set.
 *
 * A symbol (a label, a function, a .const) is defined once, at a line a
 * redefinition's error names.  An operand that names a label or function
 * may come before its definition: the assembler records a reference (the
 * name and where it was written), leaves a hole in the code, and looks the
 * name up once the whole text is read.
 */
#ifndef COMMON_ASM_SYMBOLS_H
#define COMMON_ASM_SYMBOLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lang/asm_lexer.h"
#include "lang/symtab.h"

struct asm_symbol {
	char name[LEX_MAX_NAME];
	uint64_t value;          /* an address, a function index or a constant */
	int line;                /* where it is defined */
};

struct asm_symbols {
	struct asm_symbol *items;
	uint32_t count, capacity;
	struct symtab index;     /* name -> position in items */
};

/* A name an operand refers to, to be looked up at the end. */
struct asm_reference {
	char name[LEX_MAX_NAME];
	int line, col;           /* where the operand is, for its error */
};

/* Grows an array of items of size bytes to hold needed of them, doubling
 * *capacity; NULL when out of memory (the array is unchanged). */
void *asm_grow(void *items, uint32_t *capacity, uint32_t needed, size_t size);

const struct asm_symbol *asm_find(const struct asm_symbols *table, const char *name);

/* Defines name (written at `at`) as value; what names the kind of symbol in
 * the error when it is already defined.  Returns 0, or -1 with the error. */
int asm_define(struct lexer *lx, struct asm_symbols *table, const char *name,
	       const char *at, uint64_t value, const char *what);

void asm_symbols_free(struct asm_symbols *table);

/* A number, or the name of a .const in constants: its value. */
int asm_number_or_constant(struct lexer *lx, const struct asm_symbols *constants,
			   int64_t *value);

/* Reads a label's name (a function's when is_call) into ref. */
int asm_read_reference(struct lexer *lx, bool is_call, struct asm_reference *ref);

/* The symbol ref names in table, or NULL with err set: "unknown WHAT". */
const struct asm_symbol *asm_resolve(const struct lexer *lx, const struct asm_symbols *table,
				     const struct asm_reference *ref, const char *what);

/* What the directives both machines read alike fill in. */
struct asm_directives {
	uint32_t global_count;       /* .globals COUNT, given once at most */
	bool has_globals;
	struct line_table lines;     /* .source, and each instruction's .line */
};

/* Each machine's own assembler (its asm.c): the functions below only pass
 * it back to the machine's. */
struct assembler;

/* The directives each machine reads its own way: what a function's frame
 * is (.func), where a constant goes (.const).  at is the directive's. */
struct asm_own_directives {
	int (*func)(struct assembler *a, const char *at);
	int (*constant)(struct assembler *a);
	uint32_t max_globals;        /* .globals' limit */
};

/* Reads a directive: the machine's own, or .globals, .line or .source,
 * which fill in d; any other is an unknown directive. */
int asm_directive(struct lexer *lx, struct assembler *a, const struct asm_own_directives *own,
		  struct asm_directives *d);

/* Reads `NAME` of `.func NAME ...` into name, *name_at where it is. */
int asm_function_name(struct lexer *lx, char name[LEX_MAX_NAME], const char **name_at);

/* Defines the function name (at name_at) of the .func at `at` as the next
 * index, one of at most max_functions. */
int asm_define_function(struct lexer *lx, struct asm_symbols *functions, const char *at,
			const char *name, const char *name_at, uint32_t max_functions);

/* Notes that the instruction at pc (written at `at`) comes from the
 * position of the last .line, if any, in the line table. */
int asm_note_line(struct lexer *lx, const char *at, uint32_t pc, struct asm_directives *d);

/* Reads every line of the text with the machine's line(), which reads one
 * line's directive or instruction; more text on the line is an error.
 * Returns 0, or -1 at the first error. */
int asm_read_lines(struct lexer *lx, struct assembler *a, int (*line)(struct assembler *a));

/* Starts reading src (len bytes), errors into err: in a compiler's output
 * (cite_origin), citing the positions of its `.line` directives. */
void asm_start(struct lexer *lx, const char *src, size_t len, bool cite_origin,
	       struct error_report *err);

/* Reads the start of a line that is not a directive (after its blanks): an
 * optional `NAME:` label, defined at address once there is a
 * function (in_function), then the instruction's name into name, *at where
 * it starts.  Returns its length, 0 when the line holds no instruction, -1
 * on an error. */
int asm_label_and_name(struct lexer *lx, struct asm_symbols *labels, bool in_function,
		       uint64_t address, char name[LEX_MAX_NAME], const char **at);

#endif
