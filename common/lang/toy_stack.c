/* toy_stack.c - a stack of expression nodes, for walking long chains of
 * binary operators in a loop (see toy.h). */
#include "lang/toy.h"

#include <stdlib.h>

int toy_stack_push(struct toy_stack *s, const struct toy_expr *e)
{
	if (s->count == s->capacity) {
		size_t capacity = s->capacity ? 2 * s->capacity : 64;
		const struct toy_expr **items = realloc(s->items, capacity *
							sizeof(const struct toy_expr *));

		if (!items)
			return -1;
		s->items = items;
		s->capacity = capacity;
	}
	s->items[s->count++] = e;
	return 0;
}

const struct toy_expr *toy_stack_pop(struct toy_stack *s)
{
	return s->items[--s->count];
}

void toy_stack_free(struct toy_stack *s)
{
	free(s->items);
	*s = (struct toy_stack){ 0 };
}
