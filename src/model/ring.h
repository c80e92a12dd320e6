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

#endif							/* LG_RING_H */
