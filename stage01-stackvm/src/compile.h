/* compile.h - the Toy language's stack-machine back end. */
#ifndef STACKVM_COMPILE_H
#define STACKVM_COMPILE_H

#include "lang/toy.h"

/* Compiles a resolved program to stack-machine assembly, returned as a
 * fresh string; `stackvm asm` reads it.  NULL with err set when an
 * expression needs a deeper operand stack than the machine has
 * (MAX_OPERAND_STACK), or when out of memory. */
char *stack_compile_toy(const struct toy_program *prog, struct error_report *err);

#endif
