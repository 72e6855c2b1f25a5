/* compile.h - the Toy language's register-machine back end. */
#ifndef REGVM_COMPILE_H
#define REGVM_COMPILE_H

#include "toy.h"

/* Compiles a resolved program to register-machine assembly, returned as a
 * fresh string; NULL with err set when an expression needs more than 256
 * registers, or when out of memory. */
char *compile_toy(const struct toy_program *prog, struct error_report *err);

#endif
