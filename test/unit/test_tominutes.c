/*
 * test_tominutes.c — cmocka tests for the per-role timeouts by minute
 * (src/model/tominutes.c): a tick's merge into its minute, the ring of
 * minutes, and the figures over a lookback (adapted from the per-sample
 * cases that test_rolestats.c had before the tallies left the samples),
 * and the ring refilled from a state file's section.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "rolestats.h"
#include "tominutes.h"

#define MIN_US LG_TOMINUTE_US
#define SEC_US 1000000LL

/* one session of role in a tick's tally (the role added when new) */
static void
add_session(LgTimeoutMinute *tick, uint32_t roleid, int32_t statement_ms,
			uint8_t source, bool is_new)
{
	int32_t		values[LG_TIMEOUT_KINDS] = {statement_ms, 0, 0, 0};
	uint8_t		sources[LG_TIMEOUT_KINDS] = {source, LG_TSRC_SERVER, LG_TSRC_SERVER, LG_TSRC_SERVER};
	int			r;

	for (r = 0; r < tick->nroles; r++)
		if (tick->roles[r].roleid == roleid)
			break;
	if (r == tick->nroles)
	{
		assert_true(tick->nroles < LG_SAMPLE_ROLES);
		tick->roles[tick->nroles++].roleid = roleid;
	}
	lg_role_timeouts_add(&tick->roles[r].t, values, sources, is_new);
}

static LgTimeoutMinute
new_tick(int64_t ts)
{
	LgTimeoutMinute t;

	memset(&t, 0, sizeof(t));
	t.ts = ts;
	return t;
}

static void
test_minute_start(void **state)
{
	(void) state;
	assert_true(lg_tominute_start(0) == 0);
	assert_true(lg_tominute_start(MIN_US - 1) == 0);
	assert_true(lg_tominute_start(MIN_US) == MIN_US);
	assert_true(lg_tominute_start(5 * MIN_US + 7 * SEC_US) == 5 * MIN_US);
	/* before 2000-01-01: still the start, not the end, of its minute */
	assert_true(lg_tominute_start(-1) == -MIN_US);
	assert_true(lg_tominute_start(-MIN_US) == -MIN_US);
}

/* the raw history's span in minutes, plus both ends, at most a day */
static void
test_capacity(void **state)
{
	(void) state;
	assert_int_equal(lg_tominutes_capacity(3600, 1000), 62);
	assert_int_equal(lg_tominutes_capacity(60, 10), 2);
	assert_int_equal(lg_tominutes_capacity(1000000, 1000), LG_TOMINUTES_MAX);
	assert_int_equal(lg_tominutes_capacity(3600, 3600000), LG_TOMINUTES_MAX);
	assert_int_equal(lg_tominutes_capacity(0, 1000), 2);
}

/*
 * Within a minute: the first tick's sessions plus the later ticks' new
 * ones, each session once; min, max and sources merged; peak the most in
 * one tick.
 */
static void
test_merge_within_minute(void **state)
{
	LgTimeoutMinute minute = new_tick(0);
	LgTimeoutMinute tick;

	(void) state;
	/* tick 1: 5 sessions with 30 s at connect, all new */
	tick = new_tick(1 * SEC_US);
	for (int s = 0; s < 5; s++)
		add_session(&tick, 42, 30000, LG_TSRC_CONNECT, true);
	tick.roles[tick.nroles++].roleid = 7;	/* a role without sessions */
	lg_tominute_merge(&minute, &tick);
	/* tick 2: the same 5, none new */
	tick = new_tick(2 * SEC_US);
	for (int s = 0; s < 5; s++)
		add_session(&tick, 42, 30000, LG_TSRC_CONNECT, false);
	lg_tominute_merge(&minute, &tick);
	assert_int_equal(minute.nroles, 1);
	assert_int_equal(minute.roles[0].t.sessions, 5);
	assert_int_equal(minute.roles[0].t.new_sessions, 5);
	assert_int_equal(minute.roles[0].peak_sessions, 5);
	/* tick 3: 2 of them left, one new without a timeout */
	tick = new_tick(3 * SEC_US);
	for (int s = 0; s < 3; s++)
		add_session(&tick, 42, 30000, LG_TSRC_CONNECT, false);
	add_session(&tick, 42, 0, LG_TSRC_SERVER, true);
	lg_tominute_merge(&minute, &tick);
	assert_int_equal(minute.roles[0].t.sessions, 6);
	assert_int_equal(minute.roles[0].t.new_sessions, 6);
	assert_int_equal(minute.roles[0].peak_sessions, 5);
	assert_int_equal(minute.roles[0].t.min_ms[0], 0);
	assert_int_equal(minute.roles[0].t.max_ms[0], 30000);
	assert_int_equal(minute.roles[0].t.sources[0], LG_TSRC_CONNECT | LG_TSRC_SERVER);
	assert_int_equal(minute.roles[0].t.sources[1], LG_TSRC_SERVER);
}

/* a minute keeps at most LG_SAMPLE_ROLES roles; the others are dropped */
static void
test_merge_roles_full(void **state)
{
	LgTimeoutMinute minute = new_tick(0);
	LgTimeoutMinute tick = new_tick(0);

	(void) state;
	for (uint32_t r = 1; r <= LG_SAMPLE_ROLES; r++)
		add_session(&tick, r, 1000, LG_TSRC_SET, true);
	lg_tominute_merge(&minute, &tick);
	tick = new_tick(SEC_US);
	add_session(&tick, 99, 1000, LG_TSRC_SET, true);
	lg_tominute_merge(&minute, &tick);
	assert_int_equal(minute.nroles, LG_SAMPLE_ROLES);
	for (int r = 0; r < minute.nroles; r++)
		assert_int_not_equal(minute.roles[r].roleid, 99);
}

/* ticks go to their minute; a full ring drops the oldest minute */
static void
test_ring(void **state)
{
	LgRing		ring;
	LgTimeoutMinute entries[3];
	LgTimeoutMinute out[3];
	LgTimeoutMinute tick;
	int			n;

	(void) state;
	lg_ring_init(&ring, 3);
	for (int m = 0; m < 5; m++)
	{
		for (int s = 0; s < 60; s += 20)
		{
			tick = new_tick(m * MIN_US + s * SEC_US);
			add_session(&tick, 42, 1000 * (m + 1), LG_TSRC_SET, s == 0);
			lg_tominutes_add(&ring, entries, &tick);
		}
	}
	assert_int_equal(lg_ring_count(&ring), 3);
	n = lg_tominutes_copy(&ring, entries, 0, out);
	assert_int_equal(n, 3);
	assert_true(out[0].ts == 2 * MIN_US);
	assert_true(out[2].ts == 4 * MIN_US);
	assert_int_equal(out[0].roles[0].t.sessions, 1);
	assert_int_equal(out[0].roles[0].t.min_ms[0], 3000);

	/* the minutes that overlap [since, ...): minute 3 ends after 3:30 */
	n = lg_tominutes_copy(&ring, entries, 3 * MIN_US + 30 * SEC_US, out);
	assert_int_equal(n, 2);
	assert_true(out[0].ts == 3 * MIN_US);
	n = lg_tominutes_copy(&ring, entries, 5 * MIN_US, out);
	assert_int_equal(n, 0);

	/* a clock set back: merged into the newest minute, nothing lost */
	tick = new_tick(1 * MIN_US);
	add_session(&tick, 42, 0, LG_TSRC_SERVER, true);
	lg_tominutes_add(&ring, entries, &tick);
	assert_int_equal(lg_ring_count(&ring), 3);
	n = lg_tominutes_copy(&ring, entries, 0, out);
	assert_int_equal(out[2].roles[0].t.min_ms[0], 0);
	assert_int_equal(out[2].roles[0].t.sessions, 2);
}

/*
 * Over a lookback: sessions gone since still count, each once (the first
 * minute's sessions plus those new in each later one); min and max over
 * all.  Sessions that stay across a minute boundary are not new in the
 * next minute.
 */
static void
test_lookback(void **state)
{
	LgRing		ring;
	LgTimeoutMinute entries[8];
	LgTimeoutMinute out[8];
	LgTimeoutMinute tick;
	LgTimeoutsSeen seen;
	int			n;

	(void) state;
	lg_ring_init(&ring, 8);

	/*
	 * 5 sessions with 30 s at connect, ticks every 20 s over two minutes,
	 * then gone
	 */
	for (int s = 0; s < 120; s += 20)
	{
		tick = new_tick(s * SEC_US);
		for (int k = 0; k < 5; k++)
			add_session(&tick, 42, 30000, LG_TSRC_CONNECT, s == 0);
		lg_tominutes_add(&ring, entries, &tick);
	}
	/* nothing in the third minute; the fourth has one new session without */
	tick = new_tick(2 * MIN_US);
	tick.nroles = 1;
	tick.roles[0].roleid = 42;
	lg_tominutes_add(&ring, entries, &tick);
	tick = new_tick(3 * MIN_US);
	add_session(&tick, 42, 0, LG_TSRC_SERVER, true);
	lg_tominutes_add(&ring, entries, &tick);

	n = lg_tominutes_copy(&ring, entries, 0, out);
	assert_int_equal(n, 4);
	lg_tominutes_lookback(out, 3, 42, 0, &seen);
	assert_int_equal(seen.sessions, 5);
	assert_int_equal(seen.peak_sessions, 5);
	assert_int_equal(seen.min_ms[0], 30000);
	assert_int_equal(seen.max_ms[0], 30000);
	assert_int_equal(seen.sources[0], LG_TSRC_CONNECT);

	lg_tominutes_lookback(out, 4, 42, 0, &seen);
	assert_int_equal(seen.sessions, 6);
	assert_int_equal(seen.min_ms[0], 0);
	assert_int_equal(seen.max_ms[0], 30000);
	assert_int_equal(seen.sources[0], LG_TSRC_CONNECT | LG_TSRC_SERVER);

	/* a lookback that starts in the second minute: its 5 sessions count */
	n = lg_tominutes_copy(&ring, entries, MIN_US + 30 * SEC_US, out);
	assert_int_equal(n, 3);
	lg_tominutes_lookback(out, 2, 42, MIN_US + 30 * SEC_US, &seen);
	assert_int_equal(seen.sessions, 5);

	/*
	 * a lookback from 1:50: the second minute overlaps it, but its sessions
	 * were last seen at 1:40 and have left: only the fourth minute's session
	 */
	n = lg_tominutes_copy(&ring, entries, MIN_US + 50 * SEC_US, out);
	assert_int_equal(n, 3);
	assert_true(out[0].roles[0].last_ts == MIN_US + 40 * SEC_US);
	lg_tominutes_lookback(out, n, 42, MIN_US + 50 * SEC_US, &seen);
	assert_int_equal(seen.sessions, 1);
	assert_int_equal(seen.min_ms[0], 0);
	assert_int_equal(seen.max_ms[0], 0);

	/* a lookback from the fourth minute's tick: the one session */
	n = lg_tominutes_copy(&ring, entries, 3 * MIN_US, out);
	lg_tominutes_lookback(out, n, 42, 3 * MIN_US, &seen);
	assert_int_equal(seen.sessions, 1);
	assert_int_equal(seen.max_ms[0], 0);
	/* ... and from a second later: it was last seen before, none */
	n = lg_tominutes_copy(&ring, entries, 3 * MIN_US + SEC_US, out);
	assert_int_equal(n, 1);
	lg_tominutes_lookback(out, n, 42, 3 * MIN_US + SEC_US, &seen);
	assert_int_equal(seen.sessions, 0);

	/* another role: nothing seen */
	n = lg_tominutes_copy(&ring, entries, 0, out);
	lg_tominutes_lookback(out, n, 7, 0, &seen);
	assert_int_equal(seen.sessions, 0);
	lg_tominutes_lookback(NULL, 0, 42, 0, &seen);
	assert_int_equal(seen.sessions, 0);
}

/*
 * A state file's minutes (as the dump writes them: the ring's, oldest
 * first) come back in order, the newest that fit the ring's capacity now,
 * from an unaligned buffer; the lookback over them is the one before.
 */
#define FILE_MINUTES 5

static int
saved_minutes(LgTimeoutMinute *file)
{
	LgRing		ring;
	LgTimeoutMinute entries[FILE_MINUTES];

	/* seven minutes through a ring of five: wrapped, as in a long run */
	lg_ring_init(&ring, FILE_MINUTES);
	for (int m = 0; m < 7; m++)
	{
		LgTimeoutMinute tick = new_tick(m * MIN_US + 10 * SEC_US);

		add_session(&tick, 42, 1000 * (m + 1), LG_TSRC_SET, true);
		lg_tominutes_add(&ring, entries, &tick);
	}
	return lg_tominutes_copy(&ring, entries, 0, file);
}

static void
restore_unaligned(LgRing *ring, LgTimeoutMinute *entries, const LgTimeoutMinute *file,
				  uint32_t n, bool expect)
{
	static char buf[1 + FILE_MINUTES * sizeof(LgTimeoutMinute)];

	memcpy(buf + 1, file, n * sizeof(LgTimeoutMinute));
	assert_int_equal(lg_tominutes_restore(ring, entries, buf + 1, n), expect);
}

static void
test_restore(void **state)
{
	LgTimeoutMinute file[FILE_MINUTES];
	LgTimeoutMinute entries[10];
	LgTimeoutMinute out[10];
	LgTimeoutMinute tick;
	LgTimeoutsSeen before;
	LgTimeoutsSeen after;
	LgRing		ring;
	int			n = saved_minutes(file);

	(void) state;
	assert_int_equal(n, FILE_MINUTES);
	assert_true(file[0].ts == 2 * MIN_US);

	/* the same capacity: everything, the same lookback */
	lg_ring_init(&ring, FILE_MINUTES);
	restore_unaligned(&ring, entries, file, n, true);
	assert_int_equal(lg_tominutes_copy(&ring, entries, 0, out), FILE_MINUTES);
	assert_memory_equal(out, file, sizeof(file));
	lg_tominutes_lookback(file, n, 42, 0, &before);
	lg_tominutes_lookback(out, FILE_MINUTES, 42, 0, &after);
	assert_memory_equal(&before, &after, sizeof(before));
	assert_int_equal(after.sessions, 5);

	/* a smaller ring (history_size lowered): the newest three */
	lg_ring_init(&ring, 3);
	restore_unaligned(&ring, entries, file, n, true);
	assert_int_equal(lg_tominutes_copy(&ring, entries, 0, out), 3);
	assert_memory_equal(out, &file[2], 3 * sizeof(LgTimeoutMinute));

	/* a larger one: all five, and the next tick goes after them, in order */
	lg_ring_init(&ring, 10);
	restore_unaligned(&ring, entries, file, n, true);
	tick = new_tick(7 * MIN_US);
	add_session(&tick, 42, 500, LG_TSRC_SET, true);
	lg_tominutes_add(&ring, entries, &tick);
	assert_int_equal(lg_tominutes_copy(&ring, entries, 0, out), 6);
	assert_true(out[4].ts == 6 * MIN_US && out[5].ts == 7 * MIN_US);
	/* one in the newest restored minute is merged into it */
	lg_ring_init(&ring, 10);
	restore_unaligned(&ring, entries, file, n, true);
	tick = new_tick(6 * MIN_US + 30 * SEC_US);
	add_session(&tick, 42, 500, LG_TSRC_SET, true);
	lg_tominutes_add(&ring, entries, &tick);
	assert_int_equal(lg_tominutes_copy(&ring, entries, 0, out), 5);
	assert_int_equal(out[4].roles[0].t.min_ms[0], 500);
	assert_int_equal(out[4].roles[0].t.sessions, 2);

	/* no minutes (a server that never saw a session) */
	lg_ring_init(&ring, 10);
	restore_unaligned(&ring, entries, file, 0, true);
	assert_int_equal(lg_ring_count(&ring), 0);
}

/* A section wrong in one kept minute is rejected whole: the ring is empty. */
static void
test_restore_rejects(void **state)
{
	LgTimeoutMinute file[FILE_MINUTES];
	LgTimeoutMinute bad[FILE_MINUTES];
	LgTimeoutMinute entries[10];
	LgRing		ring;
	int			n = saved_minutes(file);

	(void) state;
	for (int c = 0; c < 7; c++)
	{
		memcpy(bad, file, sizeof(file));
		switch (c)
		{
			case 0:				/* out of order */
				bad[1] = file[3];
				bad[3] = file[1];
				break;
			case 1:				/* the same minute twice */
				bad[4].ts = bad[3].ts;
				break;
			case 2:				/* not the start of a minute */
				bad[2].ts += SEC_US;
				break;
			case 3:
				bad[0].nroles = LG_SAMPLE_ROLES + 1;
				break;
			case 4:
				bad[0].nroles = -1;
				break;
			case 5:
				bad[4].roles[0].t.sessions = -3;
				break;
			case 6:
				bad[4].roles[0].peak_sessions = -1;
				break;
		}
		/* a ring that held minutes before is emptied too */
		lg_ring_init(&ring, 10);
		restore_unaligned(&ring, entries, file, n, true);
		restore_unaligned(&ring, entries, bad, n, false);
		assert_int_equal(lg_ring_count(&ring), 0);
	}

	/* a bad minute older than what fits is dropped, not judged */
	memcpy(bad, file, sizeof(file));
	bad[0].nroles = -1;
	lg_ring_init(&ring, 4);
	restore_unaligned(&ring, entries, bad, n, true);
	assert_int_equal(lg_ring_count(&ring), 4);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_minute_start),
		cmocka_unit_test(test_capacity),
		cmocka_unit_test(test_merge_within_minute),
		cmocka_unit_test(test_merge_roles_full),
		cmocka_unit_test(test_ring),
		cmocka_unit_test(test_lookback),
		cmocka_unit_test(test_restore),
		cmocka_unit_test(test_restore_rejects),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
