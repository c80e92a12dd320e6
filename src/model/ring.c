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

/* ts of the i-th oldest entry of a ring of stride-byte entries led by ts */
static int64_t
lg_ring_ts(const LgRing *ring, const void *slots, size_t stride, uint32_t i)
{
	int64_t		ts;

	memcpy(&ts, (const char *) slots + (size_t) lg_ring_slot(ring, i) * stride, sizeof(ts));
	return ts;
}

uint32_t
lg_ring_lower_bound(const LgRing *ring, const void *slots, size_t stride, int64_t ts)
{
	uint32_t	lo = 0;
	uint32_t	hi = lg_ring_count(ring);

	while (lo < hi)
	{
		uint32_t	mid = lo + (hi - lo) / 2;

		if (lg_ring_ts(ring, slots, stride, mid) < ts)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

uint32_t
lg_ring_range(const LgRing *ring, const void *slots, size_t stride,
			  int64_t from, int64_t to, uint32_t *first)
{
	uint32_t	lo = lg_ring_lower_bound(ring, slots, stride, from);
	uint32_t	hi;

	*first = lo;
	if (to < from)
		return 0;
	/* first entry after to; to + 1 cannot overflow past the largest ts */
	hi = to == INT64_MAX ? lg_ring_count(ring) : lg_ring_lower_bound(ring, slots, stride, to + 1);
	return hi > lo ? hi - lo : 0;
}

void
lg_ring_copy_out(const LgRing *ring, const void *slots, size_t stride,
				 uint32_t first, uint32_t n, void *out)
{
	uint32_t	copied = 0;

	/* at most two contiguous runs: up to the end of the array, then from 0 */
	while (copied < n)
	{
		uint32_t	slot = lg_ring_slot(ring, first + copied);
		uint32_t	run = ring->capacity - slot;

		if (run > n - copied)
			run = n - copied;
		memcpy((char *) out + (size_t) copied * stride,
			   (const char *) slots + (size_t) slot * stride, stride * run);
		copied += run;
	}
}

/* Swap the entries at slots a and b, stride bytes each, byte by byte. */
static void
swap_entries(char *slots, size_t stride, uint32_t a, uint32_t b)
{
	char	   *x = slots + (size_t) a * stride;
	char	   *y = slots + (size_t) b * stride;

	for (size_t i = 0; i < stride; i++)
	{
		char		t = x[i];

		x[i] = y[i];
		y[i] = t;
	}
}

static void
reverse_entries(char *slots, size_t stride, uint32_t lo, uint32_t hi)
{
	while (lo + 1 < hi)
		swap_entries(slots, stride, lo++, --hi);
}

uint32_t
lg_ring_push_ordered(LgRing *ring, void *slots, size_t stride, int64_t ts,
					 uint32_t *dropped)
{
	uint32_t	count = lg_ring_count(ring);
	uint32_t	keep;

	*dropped = 0;
	if (count == 0 || lg_ring_ts(ring, slots, stride, count - 1) <= ts)
		return lg_ring_push(ring);

	/* the newest is later than ts, so ts + 1 does not overflow */
	keep = lg_ring_lower_bound(ring, slots, stride, ts + 1);
	*dropped = count - keep;

	/*
	 * Fewer entries than slots can only be told apart from a full ring when
	 * the oldest sits at slot 0: rotate a wrapped ring there first (three
	 * reversals, in place; the clock rarely goes back).
	 */
	if (ring->total > ring->capacity)
	{
		uint32_t	oldest = (uint32_t) (ring->total % ring->capacity);

		if (oldest > 0)
		{
			reverse_entries(slots, stride, 0, oldest);
			reverse_entries(slots, stride, oldest, ring->capacity);
			reverse_entries(slots, stride, 0, ring->capacity);
		}
	}
	ring->total = keep;
	return lg_ring_push(ring);
}
