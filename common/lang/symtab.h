/* symtab.h - a hash table from names to numbers, for every symbol table of
 * the kit: the assemblers' labels, functions and constants, the Toy
 * resolver's globals and functions.
 *
 * A key is any run of bytes (a name, or the bytes of an int64 constant); the
 * table keeps its own copy.  A value is a uint32_t, usually an index into the
 * caller's own array of what the name stands for.  Lookups and insertions
 * take constant time on average, so a program with n symbols costs O(n), not
 * the O(n^2) of searching a list.
 */
#ifndef COMMON_SYMTAB_H
#define COMMON_SYMTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct symtab_slot;

struct symtab {
	struct symtab_slot *slots;   /* capacity slots, a power of two */
	uint32_t count, capacity;
};

/* Finds key; stores its value in *value (when value is not NULL). */
bool symtab_find(const struct symtab *t, const void *key, size_t length,
		 uint32_t *value);

/* Adds key (which must not be in the table yet) with value.
 * Returns 0, or -1 when out of memory (the table is unchanged). */
int symtab_add(struct symtab *t, const void *key, size_t length, uint32_t value);

/* The same for a NUL-terminated name. */
bool symtab_find_name(const struct symtab *t, const char *name, uint32_t *value);
int symtab_add_name(struct symtab *t, const char *name, uint32_t value);

void symtab_free(struct symtab *t);

#endif
