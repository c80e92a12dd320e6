/*
 * ring.c — index arithmetic of fixed-size rings, refilling one from a
 * state file, and copying the samples of a time range out of the history
 * ring.  Plain C: see ring.h.
 */
#include <string.h>

#include "ring.h"

void
lg_ring_init(LgRing *ring, uint32_t capacity)
{
	ring->total = 0;
	ring->capacity = capacity > 0 ? capacity : 1;
}

uint32_t
lg_ring_count(const LgRing *ring)
{
	return ring->total < ring->capacity ? (uint32_t) ring->total : ring->capacity;
}

uint32_t
lg_ring_slot(const LgRing *ring, uint32_t i)
{
	/*
	 * the oldest entry sits at slot 0 until the first wrap, then at total %
	 * capacity
	 */
	uint64_t	oldest = ring->total < ring->capacity ? 0 : ring->total % ring->capacity;

	return (uint32_t) ((oldest + i) % ring->capacity);
}

uint32_t
lg_ring_push(LgRing *ring)
{
	uint32_t	slot = (uint32_t) (ring->total % ring->capacity);

	ring->total++;
	return slot;
}

uint32_t
lg_ring_restore(LgRing *ring, void *slots, size_t entry_size,
				const void *entries, uint32_t n)
{
	uint32_t	keep = n < ring->capacity ? n : ring->capacity;
	uint32_t	skip = n - keep;

	lg_ring_init(ring, ring->capacity);
	for (uint32_t i = 0; i < keep; i++)
		memcpy((char *) slots + (size_t) lg_ring_push(ring) * entry_size,
			   (const char *) entries + (size_t) (skip + i) * entry_size,
			   entry_size);
	return keep;
}

uint32_t
lg_ring_count_since(const LgRing *ring, const LgSample *slots,
					int64_t since, uint32_t *first)
{
	uint32_t	n = lg_ring_count(ring);
	uint32_t	lo = 0;
	uint32_t	hi = n;

	/* first logical index whose ts >= since */
	while (lo < hi)
	{
		uint32_t	mid = lo + (hi - lo) / 2;

		if (slots[lg_ring_slot(ring, mid)].ts < since)
			lo = mid + 1;
		else
			hi = mid;
	}
	*first = lo;
	return n - lo;
}

uint32_t
lg_ring_copy_since(const LgRing *ring, const LgSample *slots,
				   int64_t since, LgSample *out, uint32_t max)
{
	uint32_t	first;
	uint32_t	n = lg_ring_count_since(ring, slots, since, &first);
	uint32_t	copied = 0;

	if (n > max)
		n = max;
	/* at most two contiguous runs: up to the end of the array, then from 0 */
	while (copied < n)
	{
		uint32_t	slot = lg_ring_slot(ring, first + copied);
		uint32_t	run = ring->capacity - slot;

		if (run > n - copied)
			run = n - copied;
		memcpy(&out[copied], &slots[slot], sizeof(LgSample) * run);
		copied += run;
	}
	return copied;
}
