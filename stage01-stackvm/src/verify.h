/* verify.h - checks a program once, before it runs, so the interpreter
 * need not check anything an instruction does to the stack. */
#ifndef STACKVM_VERIFY_H
#define STACKVM_VERIFY_H

#include "program.h"

/* Returns 0 when prog is safe to run (and sets each function's max_stack),
 * or -1 with err naming the first problem. */
int stack_verify(struct program *prog, struct error_report *err);

#endif
