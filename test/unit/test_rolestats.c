/*
 * test_rolestats.c — cmocka tests for the per-role lookback figures, the
 * nearest-rank percentile and the median (src/model/stats.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "rolestats.h"

static void
test_percentile_nearest_rank(void **state)
{
	(void) state;
	int32_t		v20[20];
	int32_t		v1[1] = {7};
	int32_t		v3[3] = {5, 1, 3};

	/* 18 idle samples and 2 busy ones: p95 of 20 is the 19th smallest */
	for (int i = 0; i < 20; i++)
		v20[i] = i < 18 ? 0 : 2;
	assert_int_equal(lg_percentile_int32(v20, 20, 0.95), 2);
	for (int i = 0; i < 20; i++)
		v20[i] = i < 19 ? 0 : 9;
	assert_int_equal(lg_percentile_int32(v20, 20, 0.95), 0);
	assert_int_equal(lg_percentile_int32(v1, 1, 0.95), 7);
	assert_int_equal(lg_percentile_int32(v3, 3, 0.5), 3);
	assert_int_equal(lg_percentile_int32(v3, 3, 1.0), 5);
	assert_int_equal(lg_percentile_int32(v3, 0, 0.95), 0);
}

static void
test_median(void **state)
{
	(void) state;
	int64_t		odd[5] = {50, 10, 40, 20, 30};
	int64_t		even[4] = {4, 1, 3, 2};
	int64_t		big[2] = {INT64_MAX, INT64_MAX - 2};

	assert_int_equal(lg_median_i64(odd, 5), 30);
	assert_int_equal(lg_median_i64(even, 4), 2);	/* (2 + 3) / 2 rounded
													 * down */
	assert_true(lg_median_i64(big, 2) == INT64_MAX - 1);
	assert_int_equal(lg_median_i64(odd, 0), 0);
}

static void
set_role(LgSample *s, int slot, uint32_t roleid, int connections, int busy)
{
	memset(&s->roles[slot], 0, sizeof(LgRoleCount));
	s->roles[slot].roleid = roleid;
	s->roles[slot].connections = connections;
	s->roles[slot].busy = busy;
	if (s->nroles < slot + 1)
		s->nroles = slot + 1;
}

/* 22 persistent connections, 2 of them busy in every sample; the pattern of issue 16 */
static void
test_lookback_persistent_mostly_idle(void **state)
{
	(void) state;
	LgSample	samples[40];
	int32_t		scratch[40];
	LgRoleLookback lb;

	memset(samples, 0, sizeof(samples));
	for (int i = 0; i < 40; i++)
	{
		samples[i].roles_complete = true;
		set_role(&samples[i], 0, 16384, 22, i == 7 ? 5 : 2);
		set_role(&samples[i], 1, 10, 1, 1);
	}
	samples[0].roles[0].established = 22;
	lg_role_lookback(samples, 40, 16384, scratch, &lb);
	assert_int_equal(lb.samples, 40);
	assert_int_equal(lb.peak_connections, 22);
	assert_int_equal(lb.peak_busy, 5);
	assert_int_equal(lb.p95_busy, 2);	/* one busier sample in 40 is above
										 * p95 */
	assert_int_equal(lb.established, 22);
	assert_int_equal(lb.ended, 0);
	assert_true(lb.mean_connections == 22.0);
}

/* absent from a complete sample: zero; absent from a truncated one: unknown */
static void
test_lookback_known_and_unknown_samples(void **state)
{
	(void) state;
	LgSample	samples[3];
	int32_t		scratch[3];
	LgRoleLookback lb;

	memset(samples, 0, sizeof(samples));
	samples[0].roles_complete = true;
	set_role(&samples[0], 0, 42, 3, 3);
	samples[0].roles[0].ended = 4;
	samples[0].roles[0].short_lived = 3;
	/* two connections set up in 2.5 ms and 3.5 ms */
	samples[0].roles[0].connect_count = 2;
	samples[0].roles[0].connect_us = 6000;
	samples[1].roles_complete = true;	/* role 42 had nothing */
	set_role(&samples[1], 0, 7, 1, 0);
	samples[1].roles[0].connect_count = 5;	/* another role's: not summed */
	samples[1].roles[0].connect_us = 50000;
	samples[2].roles_complete = false;	/* role 42 fell out of the top roles */
	for (int r = 0; r < LG_SAMPLE_ROLES; r++)
		set_role(&samples[2], r, 100 + r, 10, 10);

	lg_role_lookback(samples, 3, 42, scratch, &lb);
	assert_int_equal(lb.samples, 2);
	assert_int_equal(lb.peak_connections, 3);
	assert_int_equal(lb.peak_busy, 3);
	assert_int_equal(lb.p95_busy, 3);
	assert_int_equal(lb.ended, 4);
	assert_int_equal(lb.short_lived, 3);
	assert_int_equal(lb.connect_count, 2);
	assert_int_equal(lb.connect_us, 6000);
	assert_true(lb.mean_busy == 1.5);

	lg_role_lookback(samples, 3, 999, scratch, &lb);
	assert_int_equal(lb.samples, 2);
	assert_int_equal(lb.peak_connections, 0);
	lg_role_lookback(samples, 0, 42, scratch, &lb);
	assert_int_equal(lb.samples, 0);
	assert_int_equal(lb.p95_busy, 0);
}

static void
test_roles_in_samples(void **state)
{
	(void) state;
	LgSample	samples[2];
	uint32_t	ids[4];

	memset(samples, 0, sizeof(samples));
	set_role(&samples[0], 0, 30, 1, 0);
	set_role(&samples[0], 1, 10, 1, 0);
	set_role(&samples[1], 0, 10, 1, 0);
	set_role(&samples[1], 1, 20, 1, 0);
	assert_int_equal(lg_roles_in_samples(samples, 2, ids, 4), 3);
	assert_int_equal(ids[0], 10);
	assert_int_equal(ids[1], 20);
	assert_int_equal(ids[2], 30);
	assert_int_equal(lg_roles_in_samples(samples, 2, ids, 2), 2);
}

static void
test_busy_states(void **state)
{
	(void) state;
	assert_true(lg_session_is_busy(LG_STATE_ACTIVE, false));
	assert_true(lg_session_is_busy(LG_STATE_FASTPATH, false));
	assert_true(lg_session_is_busy(LG_STATE_IDLE_IN_TRANSACTION, false));
	assert_true(lg_session_is_busy(LG_STATE_IDLE_IN_TRANSACTION_ABORTED, false));
	assert_false(lg_session_is_busy(LG_STATE_IDLE, false));
	assert_false(lg_session_is_busy(LG_STATE_UNKNOWN, false));
	assert_true(lg_session_is_busy(LG_STATE_UNKNOWN, true));
}

static void
add_session(LgRoleTimeouts *t, int32_t statement_ms, uint8_t source, bool is_new)
{
	int32_t		values[LG_TIMEOUT_KINDS] = {statement_ms, 0, 0, 0};
	uint8_t		sources[LG_TIMEOUT_KINDS] = {source, LG_TSRC_SERVER, LG_TSRC_SERVER, LG_TSRC_SERVER};

	lg_role_timeouts_add(t, values, sources, is_new);
}

/* one tick: min, max, sources and new sessions of a role */
static void
test_role_timeouts_add(void **state)
{
	LgRoleTimeouts t;

	(void) state;
	memset(&t, 0, sizeof(t));
	add_session(&t, 30000, LG_TSRC_CONNECT, true);
	add_session(&t, 30000, LG_TSRC_CONNECT, false);
	add_session(&t, 5000, LG_TSRC_SET, true);
	assert_int_equal(t.sessions, 3);
	assert_int_equal(t.new_sessions, 2);
	assert_int_equal(t.min_ms[0], 5000);
	assert_int_equal(t.max_ms[0], 30000);
	assert_int_equal(t.sources[0], LG_TSRC_CONNECT | LG_TSRC_SET);
	assert_int_equal(t.sources[1], LG_TSRC_SERVER);
	assert_int_equal(t.min_ms[1], 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_percentile_nearest_rank),
		cmocka_unit_test(test_median),
		cmocka_unit_test(test_lookback_persistent_mostly_idle),
		cmocka_unit_test(test_lookback_known_and_unknown_samples),
		cmocka_unit_test(test_roles_in_samples),
		cmocka_unit_test(test_busy_states),
		cmocka_unit_test(test_role_timeouts_add),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
