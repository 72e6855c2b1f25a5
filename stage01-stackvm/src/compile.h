/* compile.h - the Toy language's stack-machine back end. */
#ifndef STACKVM_COMPILE_H
#define STACKVM_COMPILE_H

#include "toy.h"

/* Compiles a resolved program to stack-machine assembly, returned as a
 * fresh string (NULL when out of memory); `stackvm asm` reads it. */
char *compile_toy(const struct toy_program *prog);

#endif
