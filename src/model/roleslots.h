/*
 * roleslots.h — the per-role connection counters behind exact per-role
 * peaks (live.c): a fixed table of LG_ROLE_SLOTS slots, each one 64-bit
 * word packing a role Oid and how many of that role's client connections
 * are counted in it, so that claiming a free slot, joining it, leaving it
 * and freeing it are each one compare-and-swap that checks the Oid.
 *
 * Plain C (no server headers), unit-tested by test/unit/test_roleslots.c.
 * This file holds the word's encoding and the decisions ("seeing this word,
 * what does a backend of role R write?"); roleslots_ops.h holds the
 * procedures over the shared table, written against atomics its includer
 * supplies (PostgreSQL's in live.c, scripted ones in the test, which plays
 * races as interleavings).
 *
 * A word is 0 (free), or (oid << 32 | count), or (oid << 32 | RETIRED): a
 * slot the worker is freeing, which nobody may join.
 */
#ifndef LG_ROLESLOTS_H
#define LG_ROLESLOTS_H

#include <stdbool.h>
#include <stdint.h>

/* Roles counted at once; a role beyond them has no exact peak (see live.c). */
#define LG_ROLE_SLOTS			64

/*
 * The worker frees the slots of roles that had no connection for a whole
 * interval only when fewer than this many slots are free.
 */
#define LG_ROLE_SLOTS_RESERVE	16

#define LG_RS_RETIRED			UINT64_C(0x80000000)
#define LG_RS_COUNT_MASK		UINT64_C(0x7FFFFFFF)

/* One role's peak over an interval, as the worker takes it. */
typedef struct LgRolePeak
{
	uint32_t	roleid;
	int32_t		peak;
} LgRolePeak;

static inline uint64_t
lg_rs_pack(uint32_t oid, uint32_t count)
{
	return ((uint64_t) oid << 32) | ((uint64_t) count & LG_RS_COUNT_MASK);
}

static inline uint32_t
lg_rs_oid(uint64_t word)
{
	return (uint32_t) (word >> 32);
}

static inline uint32_t
lg_rs_count(uint64_t word)
{
	return (uint32_t) (word & LG_RS_COUNT_MASK);
}

static inline bool
lg_rs_retired(uint64_t word)
{
	return (word & LG_RS_RETIRED) != 0;
}

/* Role oid joins a slot it already has (not one being freed): one more. */
static inline bool
lg_rs_join(uint64_t seen, uint32_t oid, uint64_t *next)
{
	if (seen == 0 || lg_rs_oid(seen) != oid || lg_rs_retired(seen) ||
		lg_rs_count(seen) == LG_RS_COUNT_MASK)
		return false;
	*next = seen + 1;
	return true;
}

/*
 * Role oid looking for room: a free slot becomes its own with one
 * connection; a slot another backend of the same role claimed meanwhile is
 * joined.
 */
static inline bool
lg_rs_claim(uint64_t seen, uint32_t oid, uint64_t *next)
{
	if (seen == 0)
	{
		*next = lg_rs_pack(oid, 1);
		return true;
	}
	return lg_rs_join(seen, oid, next);
}

/* A backend of role oid that counted itself in this slot leaves it. */
static inline bool
lg_rs_leave(uint64_t seen, uint32_t oid, uint64_t *next)
{
	if (seen == 0 || lg_rs_oid(seen) != oid || lg_rs_retired(seen) ||
		lg_rs_count(seen) == 0)
		return false;
	*next = seen - 1;
	return true;
}

/*
 * The worker retires a slot whose role has nothing counted in it: from
 * then on nobody joins it, so its peak can be taken and the slot freed.
 */
static inline bool
lg_rs_retire(uint64_t seen, uint64_t *next)
{
	if (seen == 0 || lg_rs_retired(seen) || lg_rs_count(seen) != 0)
		return false;
	*next = seen | LG_RS_RETIRED;
	return true;
}

/*
 * Sum the peaks of a role that appears more than once (two slots: see
 * live.c) and drop zero peaks; items keep their first order.  Returns how
 * many are left.
 */
extern int	lg_role_peaks_merge(LgRolePeak *items, int n);

#endif							/* LG_ROLESLOTS_H */
