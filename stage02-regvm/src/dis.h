/* dis.h - the disassembler: a program back to text the assembler reads. */
#ifndef REGVM_DIS_H
#define REGVM_DIS_H

#include <stddef.h>
#include <stdio.h>

#include "program.h"

/* Writes the instruction at pc as text ("add r0, r1, r2", "jlt r0, r1, L12")
 * into buf.  Jump targets are named L<word>, functions f<index>. */
void reg_format_instruction(const struct program *prog, uint32_t pc, char *buf, size_t size);

/* Prints a verified program as assembly; assembling it gives back the same
 * bytes.  A line table comes out as `.source` and `.line` directives, each
 * `.line` above the instructions it covers.  Returns -1 when out of memory. */
int reg_disassemble(const struct program *prog, FILE *out);

#endif
