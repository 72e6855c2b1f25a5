/* dis.h - the disassembler: a program back to text the assembler reads. */
#ifndef STACKVM_DIS_H
#define STACKVM_DIS_H

#include <stdio.h>

#include "program.h"

/* Prints a verified program as assembly; assembling the text gives back the
 * same bytes.  Functions are named f0, f1, ...; jump targets L<address>.
 * Returns -1 when out of memory. */
int disassemble(const struct program *prog, FILE *out);

#endif
