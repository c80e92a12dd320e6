/*
 * test_roleslots.c — cmocka tests for the per-role slot table behind exact
 * per-role peaks (src/model/roleslots.h, roleslots_ops.h): the packed word,
 * claiming, joining, leaving, the worker's take and reclaim, and the races
 * between backends and the worker, each played as one interleaving.
 *
 * How a race is played: the procedures run over scripted atomics.  Before
 * the Nth compare-and-swap of the table's words, the script runs another
 * "process" (a whole call of a procedure) to completion; then the
 * compare-and-swap that was about to happen runs against what that process
 * left, exactly as if it had been scheduled between the read and the swap.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

/* the scripted atomics */
static int	cas64_calls;
static int	interfere_at = -1;
static void (*interfere) (void);

static bool
fake_cas64(uint64_t *p, uint64_t *expected, uint64_t desired)
{
	if (interfere != NULL && cas64_calls == interfere_at)
	{
		void		(*run) (void) = interfere;

		interfere = NULL;
		run();
	}
	cas64_calls++;
	if (*p == *expected)
	{
		*p = desired;
		return true;
	}
	*expected = *p;
	return false;
}

static bool
fake_cas32(uint32_t *p, uint32_t *expected, uint32_t desired)
{
	if (*p == *expected)
	{
		*p = desired;
		return true;
	}
	*expected = *p;
	return false;
}

static uint32_t
fake_xchg32(uint32_t *p, uint32_t v)
{
	uint32_t	old = *p;

	*p = v;
	return old;
}

#define LG_RS_U64				uint64_t
#define LG_RS_U32				uint32_t
#define LG_RS_READ64(p)			(*(p))
#define LG_RS_WRITE64(p, v)		(*(p) = (v))
#define LG_RS_CAS64(p, e, v)	fake_cas64((p), (e), (v))
#define LG_RS_READ32(p)			(*(p))
#define LG_RS_CAS32(p, e, v)	fake_cas32((p), (e), (v))
#define LG_RS_XCHG32(p, v)		fake_xchg32((p), (v))
#include "roleslots_ops.h"

#define ROLE_A	16384u
#define ROLE_B	16385u
#define ROLE_C	16386u

static LgRoleSlots table;

static int
setup(void **state)
{
	(void) state;
	memset(&table, 0, sizeof(table));
	cas64_calls = 0;
	interfere_at = -1;
	interfere = NULL;
	return 0;
}

/* Run run() just before the next compare-and-swap but skip of them. */
static void
before_cas(int skip, void (*run) (void))
{
	interfere_at = cas64_calls + skip;
	interfere = run;
}

/* The worker's take, merged, as the worker does it: the peak of role, or -1. */
static LgRolePeak taken[LG_ROLE_SLOTS];
static int	ntaken;

static void
take(void)
{
	ntaken = lg_role_peaks_merge(taken, lg_rs_take(&table, taken));
}

static int
peak_of(uint32_t role)
{
	for (int i = 0; i < ntaken; i++)
	{
		if (taken[i].roleid == role)
			return taken[i].peak;
	}
	return -1;
}

static int
slots_of(uint32_t role)
{
	int			n = 0;

	for (int i = 0; i < LG_ROLE_SLOTS; i++)
		n += table.words[i] != 0 && lg_rs_oid(table.words[i]) == role;
	return n;
}

static void
test_packing(void **state)
{
	uint64_t	w = lg_rs_pack(0xFFFFFFFFu, 262143);
	uint64_t	next;

	(void) state;
	assert_int_equal(lg_rs_oid(w), 0xFFFFFFFFu);
	assert_int_equal(lg_rs_count(w), 262143);
	assert_false(lg_rs_retired(w));
	assert_int_equal(lg_rs_oid(lg_rs_pack(ROLE_A, 0)), ROLE_A);
	assert_int_equal(lg_rs_count(lg_rs_pack(ROLE_A, 0)), 0);

	/* joining checks the Oid, the count's room and retirement */
	assert_true(lg_rs_join(lg_rs_pack(ROLE_A, 2), ROLE_A, &next));
	assert_true(next == lg_rs_pack(ROLE_A, 3));
	assert_false(lg_rs_join(lg_rs_pack(ROLE_B, 2), ROLE_A, &next));
	assert_false(lg_rs_join(0, ROLE_A, &next));
	assert_false(lg_rs_join(lg_rs_pack(ROLE_A, 0) | LG_RS_RETIRED, ROLE_A, &next));
	assert_false(lg_rs_join(lg_rs_pack(ROLE_A, 0x7FFFFFFF), ROLE_A, &next));

	/* claiming: a free slot, or the role's own */
	assert_true(lg_rs_claim(0, ROLE_A, &next));
	assert_true(next == lg_rs_pack(ROLE_A, 1));
	assert_false(lg_rs_claim(lg_rs_pack(ROLE_B, 0), ROLE_A, &next));

	/* leaving never goes below zero nor touches another role's slot */
	assert_true(lg_rs_leave(lg_rs_pack(ROLE_A, 1), ROLE_A, &next));
	assert_true(next == lg_rs_pack(ROLE_A, 0));
	assert_false(lg_rs_leave(lg_rs_pack(ROLE_A, 0), ROLE_A, &next));
	assert_false(lg_rs_leave(lg_rs_pack(ROLE_B, 3), ROLE_A, &next));

	/* only an empty slot retires */
	assert_true(lg_rs_retire(lg_rs_pack(ROLE_A, 0), &next));
	assert_true(lg_rs_retired(next) && lg_rs_oid(next) == ROLE_A);
	assert_false(lg_rs_retire(lg_rs_pack(ROLE_A, 1), &next));
	assert_false(lg_rs_retire(0, &next));
	assert_false(lg_rs_retire(next, &next));
}

static void
test_claim_join_leave(void **state)
{
	int			a1,
				a2,
				b;

	(void) state;
	a1 = lg_rs_acquire(&table, ROLE_A);
	a2 = lg_rs_acquire(&table, ROLE_A);
	b = lg_rs_acquire(&table, ROLE_B);
	assert_int_equal(a1, 0);
	assert_int_equal(a2, 0);
	assert_int_equal(b, 1);
	assert_true(table.words[0] == lg_rs_pack(ROLE_A, 2));
	assert_int_equal(table.used, 2);
	assert_int_equal(table.peaks[0], 2);

	assert_true(lg_rs_release(&table, a1, ROLE_A));
	assert_true(lg_rs_release(&table, a2, ROLE_A));
	assert_true(table.words[0] == lg_rs_pack(ROLE_A, 0));
	/* a release that does not match the slot's role changes nothing */
	assert_false(lg_rs_release(&table, b, ROLE_A));
	assert_false(lg_rs_release(&table, -1, ROLE_A));
	assert_true(table.words[1] == lg_rs_pack(ROLE_B, 1));

	/* the peak outlives the connections until the worker takes it */
	take();
	assert_int_equal(peak_of(ROLE_A), 2);
	assert_int_equal(peak_of(ROLE_B), 1);
	/* the next interval starts from the counts open now */
	take();
	assert_int_equal(peak_of(ROLE_A), -1);
	assert_int_equal(peak_of(ROLE_B), 1);

	/*
	 * plenty free: the idle role keeps its slot and its next connection joins
	 * it
	 */
	assert_true(table.words[0] == lg_rs_pack(ROLE_A, 0));
	assert_int_equal(lg_rs_acquire(&table, ROLE_A), 0);
}

/* A burst between two takes: the peak is the most open at once. */
static void
test_burst_between_takes(void **state)
{
	int			slot[8];

	(void) state;
	take();
	for (int i = 0; i < 8; i++)
		slot[i] = lg_rs_acquire(&table, ROLE_A);
	for (int i = 0; i < 8; i++)
		assert_true(lg_rs_release(&table, slot[i], ROLE_A));
	/* four more, one at a time: the peak stays 8 */
	for (int i = 0; i < 4; i++)
		assert_true(lg_rs_release(&table, lg_rs_acquire(&table, ROLE_A), ROLE_A));
	take();
	assert_int_equal(peak_of(ROLE_A), 8);
	take();
	assert_int_equal(peak_of(ROLE_A), -1);
}

/* Fill n slots with distinct roles 1000.. (each with one connection, then none). */
static void
fill_idle_roles(int n)
{
	for (int i = 0; i < n; i++)
	{
		int			s = lg_rs_acquire(&table, 1000 + i);

		assert_true(s >= 0);
		assert_true(lg_rs_release(&table, s, 1000 + i));
	}
}

static void
test_full_table_and_reclaim(void **state)
{
	int			s;

	(void) state;
	fill_idle_roles(LG_ROLE_SLOTS);
	/* every slot taken by another role: not counted */
	assert_int_equal(lg_rs_acquire(&table, ROLE_A), -1);

	/* the first take reports the interval's peaks and frees nothing yet */
	take();
	assert_int_equal(peak_of(1000), 1);
	assert_int_equal(slots_of(1000), 1);
	/* a role connected now keeps its slot; the others idled a whole interval */
	s = lg_rs_acquire(&table, 1005);
	assert_int_equal(s, 5);
	take();
	assert_int_equal(peak_of(1005), 1);
	assert_int_equal(slots_of(1000), 0);
	assert_int_equal(slots_of(1005), 1);
	assert_true(table.words[0] == 0);
	assert_int_equal(table.peaks[0], 0);

	/* freed slots are claimed again, lowest first */
	assert_int_equal(lg_rs_acquire(&table, ROLE_A), 0);
	assert_int_equal(lg_rs_acquire(&table, ROLE_B), 1);
	assert_int_equal(lg_rs_acquire(&table, ROLE_A), 0);
	assert_true(table.words[0] == lg_rs_pack(ROLE_A, 2));
	take();
	assert_int_equal(peak_of(ROLE_A), 2);
}

/* With few roles nothing is reclaimed: their slots stay put. */
static void
test_no_reclaim_with_room(void **state)
{
	(void) state;
	fill_idle_roles(LG_ROLE_SLOTS - LG_ROLE_SLOTS_RESERVE);
	take();
	take();
	take();
	assert_int_equal(slots_of(1000), 1);
	assert_int_equal(slots_of(1000 + LG_ROLE_SLOTS - LG_ROLE_SLOTS_RESERVE - 1), 1);
}

/* ---- races, each one interleaving ---- */

static int	other_slot;

static void
other_acquires_a(void)
{
	other_slot = lg_rs_acquire(&table, ROLE_A);
}

/*
 * Two first connections of a new role race for the same free slot: the
 * loser's swap fails, it sees the winner's word and joins it.  One slot.
 */
static void
test_race_two_claims(void **state)
{
	int			s;

	(void) state;
	before_cas(0, other_acquires_a);
	s = lg_rs_acquire(&table, ROLE_A);
	assert_int_equal(other_slot, 0);
	assert_int_equal(s, 0);
	assert_true(table.words[0] == lg_rs_pack(ROLE_A, 2));
	assert_int_equal(slots_of(ROLE_A), 1);
	take();
	assert_int_equal(peak_of(ROLE_A), 2);
}

/* Another role takes the free slot first: the loser moves on to the next. */
static void
other_acquires_b(void)
{
	other_slot = lg_rs_acquire(&table, ROLE_B);
}

static void
test_race_claim_other_role(void **state)
{
	int			s;

	(void) state;
	before_cas(0, other_acquires_b);
	s = lg_rs_acquire(&table, ROLE_A);
	assert_int_equal(other_slot, 0);
	assert_int_equal(s, 1);
	assert_true(table.words[0] == lg_rs_pack(ROLE_B, 1));
	assert_true(table.words[1] == lg_rs_pack(ROLE_A, 1));
}

/*
 * A backend saw its role's slot idle, (A, 0), and the worker frees it
 * before the backend's swap: the swap fails on the changed word, so the
 * backend never counts itself in a freed slot; it claims a free one.  The
 * peak of A taken by the worker was A's, and the slot's peak restarts at 0
 * for whoever claims it.
 */
static void
worker_takes(void)
{
	take();
}

static void
test_race_reclaim_before_join(void **state)
{
	int			s;

	(void) state;
	fill_idle_roles(LG_ROLE_SLOTS - 1);
	/* role A has slot 63, idle; then a whole quiet interval */
	assert_true(lg_rs_release(&table, lg_rs_acquire(&table, ROLE_A), ROLE_A));
	take();
	assert_int_equal(peak_of(ROLE_A), 1);

	/*
	 * A reconnects; the worker reclaims every idle slot between its read and
	 * swap
	 */
	before_cas(0, worker_takes);
	s = lg_rs_acquire(&table, ROLE_A);
	assert_int_equal(peak_of(ROLE_A), -1);	/* nothing in the quiet interval */
	assert_int_equal(slots_of(1000), 0);
	/* the freed slot 63 was not bumped: A claimed the first free slot */
	assert_int_equal(s, 0);
	assert_true(table.words[0] == lg_rs_pack(ROLE_A, 1));
	assert_true(table.words[LG_ROLE_SLOTS - 1] == 0);
	assert_int_equal(table.peaks[LG_ROLE_SLOTS - 1], 0);
	assert_int_equal(slots_of(ROLE_A), 1);
	take();
	assert_int_equal(peak_of(ROLE_A), 1);
}

/*
 * The worker decided to retire an idle slot, and a backend of its role
 * joins between the worker's read and its swap: the worker's swap fails
 * (the count is no longer 0), the slot stays A's, and the join's peak
 * shows at the next take.
 */
static void
test_race_join_before_retire(void **state)
{
	(void) state;
	fill_idle_roles(LG_ROLE_SLOTS - 1);
	assert_true(lg_rs_release(&table, lg_rs_acquire(&table, ROLE_A), ROLE_A));
	take();
	/* the take's swaps: the retires of slots 0..62, then slot 63's (A's) */
	before_cas(LG_ROLE_SLOTS - 1, other_acquires_a);
	take();
	assert_int_equal(other_slot, LG_ROLE_SLOTS - 1);
	assert_int_equal(slots_of(1000), 0);
	assert_true(table.words[LG_ROLE_SLOTS - 1] == lg_rs_pack(ROLE_A, 1));
	assert_int_equal(peak_of(ROLE_A), -1);	/* joined after the exchange */
	take();
	assert_int_equal(peak_of(ROLE_A), 1);
	assert_true(lg_rs_release(&table, other_slot, ROLE_A));
	assert_true(table.words[LG_ROLE_SLOTS - 1] == lg_rs_pack(ROLE_A, 0));
}

/*
 * A connection comes and goes between the worker's exchange of an idle
 * slot's peak and its retire: the retire still succeeds (the count is 0
 * again), and the second exchange after retiring picks up that
 * connection's peak for A, leaving the freed slot at 0.
 */
static void
a_comes_and_goes(void)
{
	int			s = lg_rs_acquire(&table, ROLE_A);

	assert_true(lg_rs_release(&table, s, ROLE_A));
}

static void
test_race_visit_before_retire(void **state)
{
	(void) state;
	assert_true(lg_rs_release(&table, lg_rs_acquire(&table, ROLE_A), ROLE_A));
	fill_idle_roles(LG_ROLE_SLOTS - 1);
	take();
	/* slot 0 is A's; the take's first swap is its retire */
	before_cas(0, a_comes_and_goes);
	take();
	assert_int_equal(peak_of(ROLE_A), 1);
	assert_true(table.words[0] == 0);
	assert_int_equal(table.peaks[0], 0);
}

/*
 * The worker exchanges a slot's peak between a backend's join and its
 * raise: the worker raises the next interval's peak to the count it reads,
 * so the joined connection is in the next interval's peak (never lost).
 */
static void
test_join_then_take_before_raise(void **state)
{
	(void) state;
	lg_rs_acquire(&table, ROLE_A);
	take();
	/* simulate: the join's swap done, its raise not yet */
	table.words[0] = lg_rs_pack(ROLE_A, 2);
	take();
	assert_int_equal(peak_of(ROLE_A), 1);
	take();
	assert_int_equal(peak_of(ROLE_A), 2);
}

/*
 * The documented limit: when the worker frees a lower slot between two
 * first connections of a new role, the role ends in two slots.  The worker
 * adds them (never below the truth), and the role's next connections join
 * the lower slot, so the other drains.
 */
static int	c_second;

static void
worker_frees_then_c_claims(void)
{
	take();
	c_second = lg_rs_acquire(&table, ROLE_C);
}

static void
test_race_duplicate_is_an_upper_bound(void **state)
{
	int			c_first;

	(void) state;
	fill_idle_roles(LG_ROLE_SLOTS - LG_ROLE_SLOTS_RESERVE);
	take();

	/*
	 * C's first connection passes the used slots and is about to claim the
	 * first free one (48) when the worker, now short of room, would free...
	 * but there is room: nothing is freed and C's second connection joins.
	 */
	before_cas(0, worker_frees_then_c_claims);
	c_first = lg_rs_acquire(&table, ROLE_C);
	assert_int_equal(slots_of(ROLE_C), 1);
	assert_int_equal(c_first, c_second);

	/* now short of room: one more role takes the table below the reserve */
	setup(NULL);
	fill_idle_roles(LG_ROLE_SLOTS - LG_ROLE_SLOTS_RESERVE + 1);
	take();
	before_cas(0, worker_frees_then_c_claims);
	c_first = lg_rs_acquire(&table, ROLE_C);
	assert_int_equal(c_second, 0);	/* the freed lowest slot */
	assert_int_equal(c_first, LG_ROLE_SLOTS - LG_ROLE_SLOTS_RESERVE + 1);
	assert_int_equal(slots_of(ROLE_C), 2);
	take();
	assert_int_equal(peak_of(ROLE_C), 2);	/* two open: exact here */
	/* one leaves the upper slot; the next connection joins the lower one */
	assert_true(lg_rs_release(&table, c_first, ROLE_C));
	assert_int_equal(lg_rs_acquire(&table, ROLE_C), 0);
	take();
	/* at most 2 were open at once; the slots peaked at 2 and 1: bounded above */
	assert_int_equal(peak_of(ROLE_C), 3);
	take();
	assert_int_equal(peak_of(ROLE_C), 2);	/* one slot in use again: exact */
	assert_true(table.words[c_first] == lg_rs_pack(ROLE_C, 0));
}

static void
test_merge(void **state)
{
	LgRolePeak	items[5] = {{ROLE_A, 2}, {ROLE_B, 0}, {ROLE_C, 1}, {ROLE_A, 3}, {ROLE_B, 4}};
	int			n;

	(void) state;
	n = lg_role_peaks_merge(items, 5);
	assert_int_equal(n, 3);
	assert_int_equal(items[0].roleid, ROLE_A);
	assert_int_equal(items[0].peak, 5);
	assert_int_equal(items[1].roleid, ROLE_C);
	assert_int_equal(items[1].peak, 1);
	assert_int_equal(items[2].roleid, ROLE_B);
	assert_int_equal(items[2].peak, 4);
	assert_int_equal(lg_role_peaks_merge(items, 0), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_packing, setup),
		cmocka_unit_test_setup(test_claim_join_leave, setup),
		cmocka_unit_test_setup(test_burst_between_takes, setup),
		cmocka_unit_test_setup(test_full_table_and_reclaim, setup),
		cmocka_unit_test_setup(test_no_reclaim_with_room, setup),
		cmocka_unit_test_setup(test_race_two_claims, setup),
		cmocka_unit_test_setup(test_race_claim_other_role, setup),
		cmocka_unit_test_setup(test_race_reclaim_before_join, setup),
		cmocka_unit_test_setup(test_race_join_before_retire, setup),
		cmocka_unit_test_setup(test_race_visit_before_retire, setup),
		cmocka_unit_test_setup(test_join_then_take_before_raise, setup),
		cmocka_unit_test_setup(test_race_duplicate_is_an_upper_bound, setup),
		cmocka_unit_test_setup(test_merge, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
