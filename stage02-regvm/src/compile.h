/* compile.h - the Toy language's register-machine back end. */
#ifndef REGVM_COMPILE_H
#define REGVM_COMPILE_H

#include <stdbool.h>

#include "lang/toy.h"

/* Compiles a resolved program to register-machine assembly, returned as a
 * fresh string; NULL with err set when an expression needs more than 256
 * registers, or when out of memory.  With opts->fuse, a counting loop ends
 * in one incjlt (chapter 6's superinstruction). */
char *reg_compile_toy(const struct toy_program *prog,
		      const struct toy_compile_options *opts, struct error_report *err);

#endif
