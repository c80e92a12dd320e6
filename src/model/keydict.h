/*
 * keydict.h — a dictionary from name keys (LgNameKey: a role or database
 * Oid, an application name, a client address) to small dense ids.
 *
 * The worker keeps one per dimension across ticks, and remembers per status
 * slot the ids of the session in it, so a session's names are hashed once
 * when it is first seen (or renames its application), not on every tick;
 * each tick then counts sessions per id in plain arrays.
 *
 * Plain C (no server headers, no allocation): the caller passes the memory
 * (lg_keydict_buffer_size bytes); unit-tested by test/unit/test_keydict.c.
 * Keys are never removed one by one: the owner clears the dictionary when
 * it holds too many keys nobody uses any more, and the generation number
 * tells it which remembered ids became void.
 */
#ifndef LG_KEYDICT_H
#define LG_KEYDICT_H

#include <stddef.h>
#include <stdint.h>

#include "names.h"

typedef struct LgKeyDict
{
	int32_t		capacity;		/* keys it can hold */
	int32_t		nkeys;
	uint32_t	mask;			/* buckets - 1; buckets a power of two >= 2 x
								 * capacity */
	uint32_t	shift;			/* 32 - log2(buckets) */
	uint32_t	generation;		/* bumped by every clear */
	int32_t    *buckets;		/* key id + 1; 0 = empty */
	LgNameKey  *keys;			/* by id */
} LgKeyDict;

/* Bytes of memory a dictionary of `capacity` keys needs. */
extern size_t lg_keydict_buffer_size(int32_t capacity);

/* Set up an empty dictionary in `buffer` (lg_keydict_buffer_size bytes, 8-aligned). */
extern void lg_keydict_init(LgKeyDict *dict, int32_t capacity, void *buffer);

/* The id of key, adding it if new; -1 when it is new and the dictionary is full. */
extern int32_t lg_keydict_intern(LgKeyDict *dict, const LgNameKey *key);

/* Forget every key; ids handed out before are void (generation changes). */
extern void lg_keydict_clear(LgKeyDict *dict);

static inline const LgNameKey *
lg_keydict_key(const LgKeyDict *dict, int32_t id)
{
	return &dict->keys[id];
}

#endif							/* LG_KEYDICT_H */
