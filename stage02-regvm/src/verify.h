/* verify.h - checks a program once, before it runs, so the interpreter
 * need not check any register, constant or global index. */
#ifndef REGVM_VERIFY_H
#define REGVM_VERIFY_H

#include "program.h"

/* Returns 0 when prog is safe to run, or -1 with err naming the problem. */
int reg_verify(struct program *prog, struct error_report *err);

#endif
