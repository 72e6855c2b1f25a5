/* profile.c - counting dispatches by opcode and by pair, and printing them. */
#include "profile.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "base/diag.h"

void stack_profile_init(struct profile *p)
{
	memset(p, 0, sizeof(*p));
	p->previous = -1;
}

void stack_profile_count(struct profile *p, int op)
{
	p->total++;
	p->ops[op]++;
	if (p->previous >= 0)
		p->pairs[p->previous][op]++;
	p->previous = op;
}

/* One counted thing: an opcode, or a pair numbered first * OPCODE_COUNT +
 * second, so that ordering by number is table order. */
struct tally {
	uint64_t count;
	int number;
};

/* The most first; equal counts in table order, so the output is stable. */
static int by_count(const void *a, const void *b)
{
	const struct tally *x = a, *y = b;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return x->number - y->number;
}

void stack_print_profile(const struct profile *p, FILE *out)
{
/* BEGIN EXERCISE ex6.1 */
	struct tally tallies[OPCODE_COUNT];
	int n = 0;

	for (int op = 0; op < OPCODE_COUNT; op++)
		if (p->ops[op] > 0)
			tallies[n++] = (struct tally){ p->ops[op], op };
	qsort(tallies, n, sizeof(tallies[0]), by_count);
	for (int i = 0; i < n; i++)
		fprintf(out, "%12" PRIu64 "  %5.1f%%  %s\n", tallies[i].count,
			100.0 * (double)tallies[i].count / (double)p->total,
			stack_instruction_info[tallies[i].number].mnemonic);
/* STUB ex6.1
	(void)p;
	(void)out;
	(void)by_count;
	exercise_todo("ex6.1");
END STUB */
/* END EXERCISE ex6.1 */
}

void stack_print_pairs(const struct profile *p, int how_many, FILE *out)
{
/* BEGIN EXERCISE ex6.2 */
	static struct tally tallies[OPCODE_COUNT * OPCODE_COUNT];
	int n = 0;

	for (int first = 0; first < OPCODE_COUNT; first++)
		for (int second = 0; second < OPCODE_COUNT; second++)
			if (p->pairs[first][second] > 0)
				tallies[n++] = (struct tally){ p->pairs[first][second],
							       first * OPCODE_COUNT + second };
	qsort(tallies, n, sizeof(tallies[0]), by_count);
	for (int i = 0; i < n && i < how_many; i++)
		fprintf(out, "%12" PRIu64 "  %s %s\n", tallies[i].count,
			stack_instruction_info[tallies[i].number / OPCODE_COUNT].mnemonic,
			stack_instruction_info[tallies[i].number % OPCODE_COUNT].mnemonic);
/* STUB ex6.2
	(void)p;
	(void)how_many;
	(void)out;
	exercise_todo("ex6.2");
END STUB */
/* END EXERCISE ex6.2 */
}
