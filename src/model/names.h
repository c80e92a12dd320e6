/*
 * names.h — the bounded table behind loadguard.connections (current and peak
 * connections per database, role, application and client), and peak
 * tracking.
 *
 * Plain C (no server headers): unit-tested by test/unit/test_names.c.  A
 * table holds at most LG_NAMES_PER_DIMENSION names; connections of names
 * that do not fit are summed in `other` and shown as "(other)".  A name
 * keeps its slot, and its peak, until reset; when the table is full a new
 * name may take the slot of a name that has no connections now and whose
 * peak is below the newcomer's current count (heavy hitters win), otherwise
 * it is counted in `other`.
 *
 * Each name also counts connections established and refused since reset
 * (lg_names_count).  A name that only ever connected or was refused, with
 * no connection now and no peak, may be replaced by a newcomer with more
 * of them; whatever an evicted name had counted moves to `other`, so that
 * per dimension the names plus `other` always add up to the totals.
 */
#ifndef LG_NAMES_H
#define LG_NAMES_H

#include <stdbool.h>
#include <stdint.h>

#include "lists.h"

#define LG_NAMES_PER_DIMENSION	32

typedef enum LgDimension
{
	LG_DIM_DATABASE = 0,
	LG_DIM_ROLE,
	LG_DIM_APPLICATION,
	LG_DIM_CLIENT,
	LG_DIM_COUNT
} LgDimension;

extern const char *const lg_dimension_names[LG_DIM_COUNT];

/* databases and roles are keyed by Oid (named when read); the others by text */
typedef struct LgNameKey
{
	uint32_t	hash;
	uint32_t	oid;
	char		name[LG_NAME_MAXLEN + 1];
} LgNameKey;

typedef struct LgNameEntry
{
	LgNameKey	key;
	int32_t		current;
	int32_t		idle_in_transaction;
	int32_t		peak;
	int64_t		peak_at;		/* 0 while peak is 0 */
	int64_t		established;	/* since reset */
	int64_t		refused;		/* since reset */
} LgNameEntry;

typedef struct LgNameTable
{
	int32_t		nentries;
	LgNameEntry entries[LG_NAMES_PER_DIMENSION];
	LgNameEntry other;			/* key unused */
} LgNameTable;

/* One session's contribution, or after lg_names_tally() one key's sum. */
typedef struct LgNameTally
{
	LgNameKey	key;
	int32_t		current;
	int32_t		idle_in_transaction;
	bool		placed;			/* scratch for lg_names_update() */
} LgNameTally;

/* Connections established and refused under one name since the last count. */
typedef struct LgNameCount
{
	LgNameKey	key;
	int64_t		established;	/* may be negative: refused after
								 * authentication */
	int64_t		refused;
} LgNameCount;

/* Raise *peak to value (stamping *peak_at = ts) if value exceeds it. */
extern bool lg_peak_update(int32_t *peak, int64_t *peak_at, int32_t value, int64_t ts);

/* Fill key from an Oid or a name (name truncated to LG_NAME_MAXLEN bytes). */
extern void lg_name_key_set(LgNameKey *key, uint32_t oid, const char *name);

extern void lg_names_init(LgNameTable *table);

/*
 * Sum tallies with equal keys; reorders items, returns the number of
 * distinct keys now at the front, largest current first.
 */
extern int	lg_names_tally(LgNameTally *items, int n);

/* Order distinct tallies largest current first (as lg_names_tally leaves them). */
extern void lg_names_order(LgNameTally *items, int n);

/*
 * Apply one tick's distinct tallies (from lg_names_tally or lg_names_order) at time now:
 * every name's current becomes its tally (0 if absent), peaks rise.
 */
extern void lg_names_update(LgNameTable *table, LgNameTally *tallies, int n, int64_t now);

/*
 * Add counts (any order, keys may repeat; items are reordered) to the
 * table: to the name's entry, to a new entry, or to `other`.
 */
extern void lg_names_count(LgNameTable *table, LgNameCount *items, int n);

/*
 * reset(): names without connections now are dropped, the others keep their
 * slot with peak = current at now; every established and refused count is
 * zeroed.
 */
extern void lg_names_reset_table(LgNameTable *table, int64_t now);

#endif							/* LG_NAMES_H */
