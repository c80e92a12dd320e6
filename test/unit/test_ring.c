/*
 * test_ring.c — cmocka tests for the history ring arithmetic (src/model/ring.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "ring.h"

#define CAP 5

static LgRing ring;
static LgSample slots[CAP];

/* append a sample whose ts is ts (and whose active count tags it) */
static void
append(LgRing *r, LgSample *s, int64_t ts)
{
	uint32_t	slot = lg_ring_push(r);

	memset(&s[slot], 0, sizeof(LgSample));
	s[slot].ts = ts;
	s[slot].active = (int32_t) ts;
}

static void
test_empty(void **state)
{
	LgSample	out[CAP];
	uint32_t	first = 99;

	(void) state;
	lg_ring_init(&ring, CAP);
	assert_int_equal(lg_ring_count(&ring), 0);
	assert_int_equal(lg_ring_count_since(&ring, slots, 0, &first), 0);
	assert_int_equal(first, 0);
	assert_int_equal(lg_ring_copy_since(&ring, slots, INT64_MIN, out, CAP), 0);
}

static void
test_partial_fill(void **state)
{
	LgSample	out[CAP];
	uint32_t	n;

	(void) state;
	lg_ring_init(&ring, CAP);
	for (int64_t ts = 10; ts <= 30; ts += 10)
		append(&ring, slots, ts);
	assert_int_equal(lg_ring_count(&ring), 3);
	assert_int_equal(lg_ring_slot(&ring, 0), 0);
	assert_int_equal(lg_ring_slot(&ring, 2), 2);

	n = lg_ring_copy_since(&ring, slots, INT64_MIN, out, CAP);
	assert_int_equal(n, 3);
	assert_int_equal(out[0].ts, 10);
	assert_int_equal(out[2].ts, 30);

	/* since is inclusive, and falls between samples */
	n = lg_ring_copy_since(&ring, slots, 20, out, CAP);
	assert_int_equal(n, 2);
	assert_int_equal(out[0].ts, 20);
	n = lg_ring_copy_since(&ring, slots, 21, out, CAP);
	assert_int_equal(n, 1);
	assert_int_equal(out[0].ts, 30);
	assert_int_equal(lg_ring_copy_since(&ring, slots, 31, out, CAP), 0);
}

static void
test_wrap(void **state)
{
	LgSample	out[CAP];
	uint32_t	n;

	(void) state;
	lg_ring_init(&ring, CAP);
	for (int64_t ts = 1; ts <= 12; ts++)
		append(&ring, slots, ts);
	assert_int_equal(ring.total, 12);
	assert_int_equal(lg_ring_count(&ring), CAP);
	/* 12 appended into 5 slots: the oldest held is ts 8, at slot 12 % 5 */
	assert_int_equal(lg_ring_slot(&ring, 0), 2);
	assert_int_equal(slots[lg_ring_slot(&ring, 0)].ts, 8);
	assert_int_equal(slots[lg_ring_slot(&ring, CAP - 1)].ts, 12);

	n = lg_ring_copy_since(&ring, slots, INT64_MIN, out, CAP);
	assert_int_equal(n, CAP);
	for (uint32_t i = 0; i < n; i++)
		assert_int_equal(out[i].ts, 8 + (int64_t) i);

	/* a range that starts in the second run only */
	n = lg_ring_copy_since(&ring, slots, 11, out, CAP);
	assert_int_equal(n, 2);
	assert_int_equal(out[0].ts, 11);
	assert_int_equal(out[1].ts, 12);

	/* more matches than room: the oldest max are copied, in order */
	n = lg_ring_copy_since(&ring, slots, 0, out, 3);
	assert_int_equal(n, 3);
	assert_int_equal(out[0].ts, 8);
	assert_int_equal(out[2].ts, 10);
}

static void
test_size_one(void **state)
{
	LgRing		r;
	LgSample	one[1];
	LgSample	out[1];

	(void) state;
	lg_ring_init(&r, 1);
	assert_int_equal(lg_ring_count(&r), 0);
	append(&r, one, 5);
	append(&r, one, 6);
	append(&r, one, 7);
	assert_int_equal(lg_ring_count(&r), 1);
	assert_int_equal(lg_ring_slot(&r, 0), 0);
	assert_int_equal(lg_ring_copy_since(&r, one, 0, out, 1), 1);
	assert_int_equal(out[0].ts, 7);
	assert_int_equal(lg_ring_copy_since(&r, one, 8, out, 1), 0);

	/* capacity 0 is treated as 1 rather than dividing by zero */
	lg_ring_init(&r, 0);
	assert_int_equal(r.capacity, 1);
}

/*
 * A reader that sized its buffer before the writer wrapped (as
 * lg_history_copy does between releasing and retaking the lock) still gets
 * a contiguous, ordered run: the newest samples and never a stale slot.
 */
static void
test_reader_during_wrap(void **state)
{
	LgSample	out[CAP];
	uint32_t	first;
	uint32_t	sized;
	uint32_t	n;

	(void) state;
	lg_ring_init(&ring, CAP);
	for (int64_t ts = 1; ts <= 4; ts++)
		append(&ring, slots, ts);
	sized = lg_ring_count_since(&ring, slots, 2, &first);
	assert_int_equal(sized, 3);
	assert_int_equal(first, 1);

	/* the writer crosses the end of the array: 5 fills, 6 and 7 wrap */
	append(&ring, slots, 5);
	append(&ring, slots, 6);
	append(&ring, slots, 7);

	n = lg_ring_count_since(&ring, slots, 2, &first);
	assert_int_equal(n, 5);		/* 3..7: ts 2 was overwritten */
	assert_int_equal(first, 0);
	n = lg_ring_copy_since(&ring, slots, 2, out, CAP);
	assert_int_equal(n, 5);
	for (uint32_t i = 0; i < n; i++)
	{
		assert_int_equal(out[i].ts, 3 + (int64_t) i);
		assert_int_equal(out[i].active, out[i].ts);
	}
	/* the stale buffer size limits the copy to the oldest it can hold */
	n = lg_ring_copy_since(&ring, slots, 2, out, sized);
	assert_int_equal(n, 3);
	assert_int_equal(out[0].ts, 3);
	assert_int_equal(out[2].ts, 5);
}

/* the generic range functions on a ring of minute-sized entries */
typedef struct Wide
{
	int64_t		ts;
	char		payload[160];
} Wide;

static void
test_range_generic(void **state)
{
	LgRing		r;
	Wide		w[CAP];
	Wide		out[CAP];
	uint32_t	first;
	uint32_t	n;

	(void) state;
	lg_ring_init(&r, CAP);
	assert_int_equal(lg_ring_range(&r, w, sizeof(Wide), INT64_MIN, INT64_MAX, &first), 0);
	assert_int_equal(first, 0);
	/* ts 10..80 step 10 into 5 slots: holds 40..80, wrapped */
	for (int64_t ts = 10; ts <= 80; ts += 10)
	{
		uint32_t	slot = lg_ring_push(&r);

		w[slot].ts = ts;
		memset(w[slot].payload, (int) ts, sizeof(w[slot].payload));
	}
	assert_int_equal(lg_ring_lower_bound(&r, w, sizeof(Wide), 0), 0);
	assert_int_equal(lg_ring_lower_bound(&r, w, sizeof(Wide), 41), 1);
	assert_int_equal(lg_ring_lower_bound(&r, w, sizeof(Wide), 80), 4);
	assert_int_equal(lg_ring_lower_bound(&r, w, sizeof(Wide), 81), 5);

	/* both bounds inclusive */
	n = lg_ring_range(&r, w, sizeof(Wide), 50, 70, &first);
	assert_int_equal(n, 3);
	assert_int_equal(first, 1);
	lg_ring_copy_out(&r, w, sizeof(Wide), first, n, out);
	assert_int_equal(out[0].ts, 50);
	assert_int_equal(out[1].ts, 60);	/* across the wrap */
	assert_int_equal(out[2].ts, 70);
	assert_int_equal((unsigned char) out[2].payload[159], 70);

	/* between two entries, before all, after all, reversed, everything */
	assert_int_equal(lg_ring_range(&r, w, sizeof(Wide), 51, 59, &first), 0);
	assert_int_equal(lg_ring_range(&r, w, sizeof(Wide), 0, 39, &first), 0);
	assert_int_equal(lg_ring_range(&r, w, sizeof(Wide), 81, 1000, &first), 0);
	assert_int_equal(lg_ring_range(&r, w, sizeof(Wide), 70, 50, &first), 0);
	n = lg_ring_range(&r, w, sizeof(Wide), INT64_MIN, INT64_MAX, &first);
	assert_int_equal(n, 5);
	lg_ring_copy_out(&r, w, sizeof(Wide), first, n, out);
	for (int i = 0; i < 5; i++)
		assert_int_equal(out[i].ts, 40 + 10 * i);
}

/* a state file's entries refill the ring: all when they fit, else the newest */
static void
test_restore(void **state)
{
	LgSample	saved[8];
	LgSample	out[CAP];

	(void) state;
	memset(saved, 0, sizeof(saved));
	for (int i = 0; i < 8; i++)
		saved[i].ts = 100 + i;

	lg_ring_init(&ring, CAP);
	append(&ring, slots, 1);
	assert_int_equal(lg_ring_restore(&ring, slots, sizeof(LgSample), saved, 3), 3);
	assert_int_equal(lg_ring_count(&ring), 3);
	assert_int_equal(lg_ring_copy_since(&ring, slots, INT64_MIN, out, CAP), 3);
	assert_int_equal(out[0].ts, 100);
	assert_int_equal(out[2].ts, 102);

	assert_int_equal(lg_ring_restore(&ring, slots, sizeof(LgSample), saved, 8), CAP);
	assert_int_equal(lg_ring_count(&ring), CAP);
	assert_int_equal(lg_ring_copy_since(&ring, slots, INT64_MIN, out, CAP), CAP);
	assert_int_equal(out[0].ts, 103);
	assert_int_equal(out[CAP - 1].ts, 107);

	/* the next push overwrites the oldest restored entry */
	append(&ring, slots, 200);
	assert_int_equal(lg_ring_copy_since(&ring, slots, INT64_MIN, out, CAP), CAP);
	assert_int_equal(out[0].ts, 104);
	assert_int_equal(out[CAP - 1].ts, 200);

	assert_int_equal(lg_ring_restore(&ring, slots, sizeof(LgSample), saved, 0), 0);
	assert_int_equal(lg_ring_count(&ring), 0);
}

/* ts of every entry held, oldest first, into out; returns how many */
static uint32_t
held_ts(LgRing *r, const int64_t *entries, int64_t *out)
{
	uint32_t	n = lg_ring_count(r);

	for (uint32_t i = 0; i < n; i++)
		out[i] = entries[lg_ring_slot(r, i)];
	return n;
}

static void
push_ts(LgRing *r, int64_t *entries, int64_t ts, uint32_t expect_dropped)
{
	uint32_t	dropped;
	uint32_t	slot = lg_ring_push_ordered(r, entries, sizeof(int64_t), ts, &dropped);

	entries[slot] = ts;
	assert_int_equal(dropped, expect_dropped);
}

/* the clock goes back: entries stamped later are dropped, order kept */
static void
test_push_ordered(void **state)
{
	LgRing		r;
	int64_t		e[CAP];
	int64_t		got[CAP];

	(void) state;

	/* not wrapped: 10 20 30, then 15 */
	lg_ring_init(&r, CAP);
	push_ts(&r, e, 10, 0);
	push_ts(&r, e, 20, 0);
	push_ts(&r, e, 30, 0);
	push_ts(&r, e, 30, 0);		/* the same ts again is in order */
	push_ts(&r, e, 15, 3);
	assert_int_equal(held_ts(&r, e, got), 2);
	assert_int_equal(got[0], 10);
	assert_int_equal(got[1], 15);

	/* wrapped: 10..80 hold 40..80 with the oldest mid-array; then 55 */
	lg_ring_init(&r, CAP);
	for (int64_t ts = 10; ts <= 80; ts += 10)
		push_ts(&r, e, ts, 0);
	push_ts(&r, e, 55, 3);
	assert_int_equal(held_ts(&r, e, got), 3);
	assert_int_equal(got[0], 40);
	assert_int_equal(got[1], 50);
	assert_int_equal(got[2], 55);
	assert_int_equal(lg_ring_lower_bound(&r, e, sizeof(int64_t), 51), 2);

	/* and it fills and wraps again in order */
	for (int64_t ts = 56; ts <= 59; ts++)
		push_ts(&r, e, ts, 0);
	assert_int_equal(held_ts(&r, e, got), CAP);
	for (int i = 0; i < CAP; i++)
		assert_int_equal(got[i], 55 + i);

	/* earlier than everything: only the new entry is left */
	push_ts(&r, e, 1, CAP);
	assert_int_equal(held_ts(&r, e, got), 1);
	assert_int_equal(got[0], 1);
}

/*
 * The history views read a range a chunk at a time, each chunk from the
 * ts after the last one read (views_history.c).  A restart with entries
 * stamped an hour ahead of the new clock used to leave the ring out of
 * order: the chunks came back again and again (a read that never ended).
 */
#define BIG 2000
#define CHUNK 128

static void
test_read_after_clock_back(void **state)
{
	static int64_t e[BIG];
	LgRing		r;
	int64_t		from = INT64_MIN;
	int64_t		last = INT64_MIN;
	uint32_t	rows = 0;
	int			chunks = 0;
	uint32_t	dropped;

	(void) state;
	lg_ring_init(&r, BIG);
	for (int i = 0; i < 105; i++)
		push_ts(&r, e, 100000 + i, 0);	/* restored from the state file */
	for (int i = 0; i < 1000; i++)	/* the clock is now 50000 behind */
		e[lg_ring_push_ordered(&r, e, sizeof(int64_t), 50000 + i, &dropped)] = 50000 + i;
	assert_int_equal(lg_ring_count(&r), 1000);

	for (chunks = 0; chunks < 100; chunks++)
	{
		uint32_t	first;
		uint32_t	n = lg_ring_range(&r, e, sizeof(int64_t), from, INT64_MAX, &first);
		int64_t		out[CHUNK];

		if (n > CHUNK)
			n = CHUNK;
		lg_ring_copy_out(&r, e, sizeof(int64_t), first, n, out);
		for (uint32_t i = 0; i < n; i++)
		{
			assert_true(out[i] > last);
			last = out[i];
		}
		rows += n;
		if (n < CHUNK)
			break;
		from = out[n - 1] + 1;
	}
	assert_true(chunks < 100);
	assert_int_equal(rows, 1000);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_partial_fill),
		cmocka_unit_test(test_wrap),
		cmocka_unit_test(test_size_one),
		cmocka_unit_test(test_reader_during_wrap),
		cmocka_unit_test(test_range_generic),
		cmocka_unit_test(test_restore),
		cmocka_unit_test(test_push_ordered),
		cmocka_unit_test(test_read_after_clock_back),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
