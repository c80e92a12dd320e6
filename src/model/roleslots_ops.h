/*
 * roleslots_ops.h — the procedures over the per-role slot table
 * (roleslots.h): a backend counting itself in its role's slot and leaving
 * it, and the worker taking every slot's peak and freeing idle slots.
 *
 * Plain C, written against atomics the includer defines first:
 *   LG_RS_U64, LG_RS_U32           the atomic types
 *   LG_RS_READ64(p), LG_RS_WRITE64(p, v), LG_RS_CAS64(p, expected *, v)
 *   LG_RS_READ32(p), LG_RS_CAS32(p, expected *, v), LG_RS_XCHG32(p, v)
 * with PostgreSQL's semantics: a failed compare-and-swap stores the value
 * it found in *expected.  live.c maps them to pg_atomic_*; the unit test to
 * scripted ones that let another "process" act just before a given
 * compare-and-swap, so each race is one deterministic interleaving.
 *
 * Rules that make it correct without a lock:
 * - a slot changes role only through the worker (retire, then free), and
 *   the worker retires only a word (oid, 0): a backend's compare-and-swap
 *   checks the Oid and the count it saw, so it can never count itself in
 *   a slot that was freed or given to another role, and the worker's fails
 *   if anyone joined meanwhile;
 * - every peak raise for a slot comes from a backend counted in it (it
 *   raises before it can leave), so while the slot's count is above zero
 *   its peak belongs to its role; once retired, nobody raises it, so the
 *   worker takes the last of it and frees the slot with a zero peak;
 * - a backend first looks for its role's slot among the slots ever used,
 *   and claims the first free slot only if it has none.  Two first
 *   connections of one role can still end in two slots when the worker
 *   frees a lower slot between their scans; the worker then adds the two
 *   slots' counts and peaks (an upper bound of the role's peak), and the
 *   role's next connections all join the lower slot.
 */
#ifndef LG_ROLESLOTS_OPS_H
#define LG_ROLESLOTS_OPS_H

#include "roleslots.h"

typedef struct LgRoleSlots
{
	LG_RS_U32	used;			/* slots [0, used) have been claimed at least
								 * once */
	LG_RS_U64	words[LG_ROLE_SLOTS];
	LG_RS_U32	peaks[LG_ROLE_SLOTS];	/* most counted in the slot since the
										 * worker took it */
} LgRoleSlots;

static inline void
lg_rs_raise(LG_RS_U32 * value, uint32_t to)
{
	uint32_t	seen = LG_RS_READ32(value);

	while (seen < to && !LG_RS_CAS32(value, &seen, to))
		;
}

/*
 * A client backend of role oid counts itself: the slot it is counted in,
 * or -1 when every slot belongs to another role (then it has no exact peak).
 */
static inline int
lg_rs_acquire(LgRoleSlots *t, uint32_t oid)
{
	uint32_t	used = LG_RS_READ32(&t->used);
	uint64_t	seen;
	uint64_t	next;

	if (used > LG_ROLE_SLOTS)
		used = LG_ROLE_SLOTS;

	/* the role's slot, if it has one */
	for (uint32_t i = 0; i < used; i++)
	{
		seen = LG_RS_READ64(&t->words[i]);
		while (lg_rs_join(seen, oid, &next))
		{
			if (LG_RS_CAS64(&t->words[i], &seen, next))
			{
				lg_rs_raise(&t->peaks[i], lg_rs_count(next));
				return (int) i;
			}
		}
	}

	/* else the first free slot (or one of the role's, claimed meanwhile) */
	for (uint32_t i = 0; i < LG_ROLE_SLOTS; i++)
	{
		seen = LG_RS_READ64(&t->words[i]);
		while (lg_rs_claim(seen, oid, &next))
		{
			if (LG_RS_CAS64(&t->words[i], &seen, next))
			{
				lg_rs_raise(&t->used, i + 1);
				lg_rs_raise(&t->peaks[i], lg_rs_count(next));
				return (int) i;
			}
		}
	}
	return -1;
}

/* The backend counted in slot (from lg_rs_acquire) leaves it. */
static inline bool
lg_rs_release(LgRoleSlots *t, int slot, uint32_t oid)
{
	uint64_t	seen;
	uint64_t	next;

	if (slot < 0 || slot >= LG_ROLE_SLOTS)
		return false;
	seen = LG_RS_READ64(&t->words[slot]);
	while (lg_rs_leave(seen, oid, &next))
	{
		if (LG_RS_CAS64(&t->words[slot], &seen, next))
			return true;
	}
	return false;
}

/*
 * The worker, once per tick: every slot's peak since the previous call into
 * out (room for LG_ROLE_SLOTS), one entry per slot in use, zero peaks
 * included; returns how many.  Each slot's next peak starts from its count
 * now.  With fewer than LG_ROLE_SLOTS_RESERVE slots free, a slot whose role
 * had no connection counted since the previous call is freed.  Only the
 * slots ever claimed are read: none while no client has connected; one
 * claimed after `used` was read is the next call's.
 */
static inline int
lg_rs_take(LgRoleSlots *t, LgRolePeak *out)
{
	uint32_t	used = LG_RS_READ32(&t->used);
	int			nfree;
	int			n = 0;
	bool		reclaim;

	if (used > LG_ROLE_SLOTS)
		used = LG_ROLE_SLOTS;
	nfree = LG_ROLE_SLOTS - (int) used;
	for (uint32_t i = 0; i < used; i++)
		nfree += LG_RS_READ64(&t->words[i]) == 0;
	reclaim = nfree < LG_ROLE_SLOTS_RESERVE;

	for (uint32_t i = 0; i < used; i++)
	{
		uint64_t	seen = LG_RS_READ64(&t->words[i]);
		uint64_t	next;
		uint32_t	peak;

		if (seen == 0)
			continue;			/* a claim after this read is the next call's */
		peak = LG_RS_XCHG32(&t->peaks[i], 0);
		seen = LG_RS_READ64(&t->words[i]);
		if (reclaim && peak == 0 && lg_rs_retire(seen, &next) &&
			LG_RS_CAS64(&t->words[i], &seen, next))
		{
			/* one that came and went since the exchange left its peak */
			peak = LG_RS_XCHG32(&t->peaks[i], 0);
			LG_RS_WRITE64(&t->words[i], 0);
		}
		else
			lg_rs_raise(&t->peaks[i], lg_rs_count(seen));
		out[n].roleid = lg_rs_oid(seen);
		out[n].peak = (int32_t) (peak & LG_RS_COUNT_MASK);
		n++;
	}
	return n;
}

#endif							/* LG_ROLESLOTS_OPS_H */
