/* toy_if.h - the one statement both Toy back ends compile alike.
 *
 * An if ... else if ... else chain is labels and jumps around its arms'
 * conditions and blocks, and both machines' assembly spells a label `Ln:`
 * and a jump `jmp Ln` alike: the chain is walked here once, and each back
 * end gives the code of a condition and of a block.  struct compiler is
 * each back end's own (its compile.c); this file only passes it back.
 */
#ifndef COMMON_TOY_IF_H
#define COMMON_TOY_IF_H

#include <stdbool.h>

#include "lang/text.h"
#include "lang/toy.h"

struct compiler;

struct toy_if_backend {
	/* Jumps to label when cond is true (when_true) or when it is false. */
	void (*jump_if)(struct compiler *c, const struct toy_expr *cond, bool when_true,
			int label);
	void (*block)(struct compiler *c, const struct toy_block *b);
};

/* Compiles the if statement s into out, one arm after another in a loop,
 * so that a chain of any length costs no C stack; an arm followed by
 * another jumps to the end.  *labels counts the back end's labels (L1, L2,
 * ...): the chain's are the next ones. */
void toy_if_statement(struct compiler *c, const struct toy_if_backend *backend,
		      struct text *out, int *labels, const struct toy_stmt *s);

#endif
