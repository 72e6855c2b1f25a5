/* toy_if.c - if ... else if ... else for both back ends (toy_if.h). */
#include "lang/toy_if.h"

void toy_if_statement(struct compiler *c, const struct toy_if_backend *backend,
		      struct text *out, int *labels, const struct toy_stmt *s)
{
	int end = 0, next;

	for (;;) {
		next = ++*labels;
		backend->jump_if(c, s->as.if_.cond, false, next);
		backend->block(c, &s->as.if_.then_block);
		if (s->as.if_.else_block.count == 0) {
			text_printf(out, "L%d:\n", next);
			break;
		}
		if (!end)
			end = ++*labels;
		text_at_source(out, s->line, s->col);
		text_printf(out, "\tjmp L%d\nL%d:\n", end, next);
		if (!toy_is_else_if(s)) {
			backend->block(c, &s->as.if_.else_block);
			break;
		}
		s = s->as.if_.else_block.stmts[0];
		text_at_source(out, s->line, s->col);
	}
	if (end)
		text_printf(out, "L%d:\n", end);
}
