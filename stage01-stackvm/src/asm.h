/* asm.h - the assembler: text to a program.  stage02-regvm/src/asm.h declares
 * the same two functions for its machine (a deliberate echo: the command
 * line, common/lang/vm_main.c, and the test harnesses take either). */
#ifndef STACKVM_ASM_H
#define STACKVM_ASM_H

#include <stddef.h>

#include "program.h"

/* Assembles src (len bytes).  Returns 0, or -1 with err at the line and
 * column of the first error.  The program still has to be verified. */
int stack_assemble(const char *src, size_t len, struct program *prog,
	     struct error_report *err);

/* The same for what a compiler wrote: after a `.line L C` directive, errors
 * cite that line and column of the compiler's source (see asm_lexer.h). */
int stack_assemble_compiled(const char *src, size_t len, struct program *prog,
		      struct error_report *err);

#endif
