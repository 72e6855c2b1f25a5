/* symtab.c - a hash table from names to numbers (see symtab.h).
 *
 * Open addressing with linear probing: a key's slot is its hash modulo the
 * capacity, or the next free one after it.  The table doubles before it is
 * half full, so a probe sequence stays short.  Entries are never removed,
 * which keeps probing this simple.
 */
#include "lang/symtab.h"

#include <stdlib.h>
#include <string.h>

struct symtab_slot {
	char *key;               /* NULL: the slot is free */
	size_t length;
	uint32_t hash;
	uint32_t value;
};

/* FNV-1a: short, and good enough for names and small integers. */
static uint32_t hash_bytes(const void *key, size_t length)
{
	const unsigned char *p = key;
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < length; i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

/* The slot holding key, or the free slot where it would go. */
static struct symtab_slot *probe(const struct symtab *t, const void *key,
				 size_t length, uint32_t hash)
{
	uint32_t mask = t->capacity - 1;

	for (uint32_t i = hash & mask;; i = (i + 1) & mask) {
		struct symtab_slot *s = &t->slots[i];

		if (!s->key || (s->hash == hash && s->length == length &&
				memcmp(s->key, key, length) == 0))
			return s;
	}
}

bool symtab_find(const struct symtab *t, const void *key, size_t length,
		 uint32_t *value)
{
	const struct symtab_slot *s;

	if (t->count == 0)
		return false;
	s = probe(t, key, length, hash_bytes(key, length));
	if (!s->key)
		return false;
	if (value)
		*value = s->value;
	return true;
}

static int grow(struct symtab *t)
{
	uint32_t capacity = t->capacity ? 2 * t->capacity : 64;
	struct symtab_slot *slots = calloc(capacity, sizeof(*slots));
	struct symtab old = *t;

	if (!slots || capacity < t->capacity) {
		free(slots);
		return -1;
	}
	t->slots = slots;
	t->capacity = capacity;
	for (uint32_t i = 0; i < old.capacity; i++)
		if (old.slots[i].key)
			*probe(t, old.slots[i].key, old.slots[i].length,
			       old.slots[i].hash) = old.slots[i];
	free(old.slots);
	return 0;
}

int symtab_add(struct symtab *t, const void *key, size_t length, uint32_t value)
{
	uint32_t hash = hash_bytes(key, length);
	struct symtab_slot *s;
	char *copy;

	if (2 * (t->count + 1) > t->capacity && grow(t) != 0)
		return -1;
	copy = malloc(length + 1);
	if (!copy)
		return -1;
	memcpy(copy, key, length);
	copy[length] = '\0';
	s = probe(t, key, length, hash);
	*s = (struct symtab_slot){ .key = copy, .length = length, .hash = hash,
				   .value = value };
	t->count++;
	return 0;
}

bool symtab_find_name(const struct symtab *t, const char *name, uint32_t *value)
{
	return symtab_find(t, name, strlen(name), value);
}

int symtab_add_name(struct symtab *t, const char *name, uint32_t value)
{
	return symtab_add(t, name, strlen(name), value);
}

void symtab_free(struct symtab *t)
{
	for (uint32_t i = 0; i < t->capacity; i++)
		free(t->slots[i].key);
	free(t->slots);
	*t = (struct symtab){ 0 };
}
