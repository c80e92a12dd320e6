/*
 * ring.h — index arithmetic of loadguard's fixed-size rings (the sample
 * history, the policy's audit ring), refilling one from a state file, and
 * copying a time range out of a ring of samples.
 *
 * Plain C (no server headers): unit-tested by test/unit/test_ring.c.  The
 * ring never stores its own entries; callers keep an array of `capacity`
 * slots next to an LgRing and hold whatever lock protects both.
 */
#ifndef LG_RING_H
#define LG_RING_H

#include <stddef.h>
#include <stdint.h>

#include "sample.h"

typedef struct LgRing
{
	uint64_t	total;			/* entries ever appended */
	uint32_t	capacity;		/* slots, at least 1 */
} LgRing;

extern void lg_ring_init(LgRing *ring, uint32_t capacity);

/* Entries the ring holds now: min(total, capacity). */
extern uint32_t lg_ring_count(const LgRing *ring);

/* Slot of the i-th oldest entry held (0 = oldest); i < lg_ring_count(). */
extern uint32_t lg_ring_slot(const LgRing *ring, uint32_t i);

/* Claim the slot for the next entry (overwriting the oldest when full). */
extern uint32_t lg_ring_push(LgRing *ring);

/*
 * Refill the ring from n entries of entry_size bytes laid out oldest first
 * (a state file's section) into slots: as many of the newest as fit.
 * Returns the number kept.
 */
extern uint32_t lg_ring_restore(LgRing *ring, void *slots, size_t entry_size,
								const void *entries, uint32_t n);

/*
 * Samples held with ts >= since, oldest first: the count, and the logical
 * index (0 = oldest) of the first one.  Samples are appended in ts order,
 * so this is a binary search.
 */
extern uint32_t lg_ring_count_since(const LgRing *ring, const LgSample *slots,
									int64_t since, uint32_t *first);

/*
 * Copy at most max samples with ts >= since into out, oldest first; returns
 * the number copied.  When more match than fit, the oldest max are copied.
 */
extern uint32_t lg_ring_copy_since(const LgRing *ring, const LgSample *slots,
								   int64_t since, LgSample *out, uint32_t max);

/*
 * The same for any ring whose entries are `stride` bytes and start with an
 * int64_t ts, appended in ts order (the samples, the minute rollup).
 *
 * lg_ring_lower_bound: logical index (0 = oldest) of the first entry with
 * ts >= ts, lg_ring_count() when none; a binary search.
 */
extern uint32_t lg_ring_lower_bound(const LgRing *ring, const void *slots,
									size_t stride, int64_t ts);

/*
 * Entries with from <= ts <= to: the count, and in *first the logical index
 * of the oldest of them.
 */
extern uint32_t lg_ring_range(const LgRing *ring, const void *slots, size_t stride,
							  int64_t from, int64_t to, uint32_t *first);

/*
 * Claim the slot for the next entry of a ring of stride-byte entries led by
 * their ts, one stamped ts, keeping the ring in ts order (what the binary
 * searches above rely on): entries stamped later than ts are dropped first,
 * as when the system clock went back, or a restart brought back entries
 * stamped by a clock that was ahead.  *dropped: how many.
 */
extern uint32_t lg_ring_push_ordered(LgRing *ring, void *slots, size_t stride,
									 int64_t ts, uint32_t *dropped);

/* Copy n entries from logical index first on into out, oldest first. */
extern void lg_ring_copy_out(const LgRing *ring, const void *slots, size_t stride,
							 uint32_t first, uint32_t n, void *out);

#endif							/* LG_RING_H */
