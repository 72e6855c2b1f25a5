/* dis.h - the disassembler: a program back to text the assembler reads. */
#ifndef STACKVM_DIS_H
#define STACKVM_DIS_H

#include <stddef.h>
#include <stdio.h>

#include "program.h"

/* Writes the instruction at pc as text ("push 7", "jlt L20", "call f1")
 * into buf: the disassembler's lines, and the tracer's. */
void stack_format_instruction(const struct program *prog, uint32_t pc, char *buf, size_t size);

/* Prints a verified program as assembly; assembling the text gives back the
 * same bytes.  Functions are named f0, f1, ...; jump targets L<address>.
 * A line table comes out as `.source` and `.line` directives, each `.line`
 * above the instructions it covers.  Returns -1 when out of memory. */
int stack_disassemble(const struct program *prog, FILE *out);

#endif
