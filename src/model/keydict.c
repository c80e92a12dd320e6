/*
 * keydict.c — name keys to dense ids, for the worker's per-tick tallies.
 * Plain C: see keydict.h.  Open addressing with linear probing over at
 * least twice as many buckets as keys, so probes stay short.
 */
#include <string.h>

#include "keydict.h"

static uint32_t
bucket_count(int32_t capacity)
{
	uint32_t	n = 16;

	while (n < 2u * (uint32_t) capacity)
		n <<= 1;
	return n;
}

size_t
lg_keydict_buffer_size(int32_t capacity)
{
	size_t		buckets = (size_t) bucket_count(capacity) * sizeof(int32_t);

	/* keys after the buckets, 8-aligned */
	buckets = (buckets + 7) & ~(size_t) 7;
	return buckets + (size_t) capacity * sizeof(LgNameKey);
}

void
lg_keydict_init(LgKeyDict *dict, int32_t capacity, void *buffer)
{
	size_t		buckets_size;

	dict->capacity = capacity;
	dict->nkeys = 0;
	dict->mask = bucket_count(capacity) - 1;
	dict->shift = 32;
	for (uint32_t n = dict->mask + 1; n > 1; n >>= 1)
		dict->shift--;
	dict->generation = 1;
	dict->buckets = buffer;
	buckets_size = ((size_t) (dict->mask + 1) * sizeof(int32_t) + 7) & ~(size_t) 7;
	dict->keys = (LgNameKey *) ((char *) buffer + buckets_size);
	memset(dict->buckets, 0, (size_t) (dict->mask + 1) * sizeof(int32_t));
}

static inline int
same_key(const LgNameKey *a, const LgNameKey *b)
{
	return a->hash == b->hash && a->oid == b->oid && strcmp(a->name, b->name) == 0;
}

int32_t
lg_keydict_intern(LgKeyDict *dict, const LgNameKey *key)
{
	/* Fibonacci hashing: the high bits of the product mix every input bit */
	uint32_t	b = (key->hash * 0x9E3779B1u) >> dict->shift;

	for (;;)
	{
		int32_t		slot = dict->buckets[b];

		if (slot == 0)
			break;
		if (same_key(&dict->keys[slot - 1], key))
			return slot - 1;
		b = (b + 1) & dict->mask;
	}
	if (dict->nkeys >= dict->capacity)
		return -1;
	dict->keys[dict->nkeys] = *key;
	dict->buckets[b] = ++dict->nkeys;
	return dict->nkeys - 1;
}

void
lg_keydict_clear(LgKeyDict *dict)
{
	memset(dict->buckets, 0, (size_t) (dict->mask + 1) * sizeof(int32_t));
	dict->nkeys = 0;
	dict->generation++;
}
