/* compile.h - the Toy language's stack-machine back end. */
#ifndef STACKVM_COMPILE_H
#define STACKVM_COMPILE_H

#include "lang/toy.h"

/* Compiles a resolved program to stack-machine assembly, returned as a
 * fresh string; `stackvm asm` reads it.  NULL with err set when an
 * expression needs a deeper operand stack than the machine has
 * (MAX_OPERAND_STACK), or when out of memory.  opts asks for nothing this
 * machine can do: it is there so that both back ends take the same. */
char *stack_compile_toy(const struct toy_program *prog,
			const struct toy_compile_options *opts, struct error_report *err);

#endif
