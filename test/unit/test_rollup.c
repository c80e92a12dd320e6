/*
 * test_rollup.c — cmocka tests for the per-minute rollup (src/rollup.c):
 * minute boundaries, maxima, averages and sums, the p95 of a small set, and
 * latency percentiles merged from per-sample histograms.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "rollup.h"

#define SEC 1000000LL
#define MIN (60 * SEC)

static LgMinuteBuilder b;

static LgSample
sample_at(int64_t ts, int32_t connections)
{
	LgSample	s;

	memset(&s, 0, sizeof(s));
	s.ts = ts;
	s.max_connections = 100;
	s.usable_connections = 97;
	s.client_connections = connections;
	s.usage_pct = connections * 100.0 / 97;
	s.active = connections / 2;
	s.busy_connections = connections / 2;
	return s;
}

static void
test_minute_start(void **state)
{
	(void) state;
	assert_int_equal(lg_minute_start(0), 0);
	assert_int_equal(lg_minute_start(MIN - 1), 0);
	assert_int_equal(lg_minute_start(MIN), MIN);
	assert_int_equal(lg_minute_start(5 * MIN + 7), 5 * MIN);
	/* before 2000-01-01 (negative TimestampTz): still the floor */
	assert_int_equal(lg_minute_start(-1), -MIN);
	assert_int_equal(lg_minute_start(-MIN), -MIN);
	assert_int_equal(lg_minute_start(-MIN - 1), -2 * MIN);
}

static void
test_percentile(void **state)
{
	int32_t		v[100];

	(void) state;
	assert_int_equal(lg_percentile_int32(v, 0, 0.95), 0);
	v[0] = 7;
	assert_int_equal(lg_percentile_int32(v, 1, 0.95), 7);
	/* 1..20 shuffled: nearest rank ceil(0.95 * 20) = 19 */
	for (int i = 0; i < 20; i++)
		v[i] = 1 + (i * 7) % 20;
	assert_int_equal(lg_percentile_int32(v, 20, 0.95), 19);
	assert_int_equal(lg_percentile_int32(v, 20, 0.5), 10);
	assert_int_equal(lg_percentile_int32(v, 20, 1.0), 20);
	/* 1..100 descending: 95 */
	for (int i = 0; i < 100; i++)
		v[i] = 100 - i;
	assert_int_equal(lg_percentile_int32(v, 100, 0.95), 95);
	/* 60 samples (a minute at 1 s): 57 at 2, 3 at 40 -> p95 = rank 57 = 2 */
	for (int i = 0; i < 60; i++)
		v[i] = i < 3 ? 40 : 2;
	assert_int_equal(lg_percentile_int32(v, 60, 0.95), 2);
	/* 4 at 40: rank 57 falls on the 57th value = 40 */
	for (int i = 0; i < 60; i++)
		v[i] = i < 4 ? 40 : 2;
	assert_int_equal(lg_percentile_int32(v, 60, 0.95), 40);
}

static void
test_one_minute(void **state)
{
	LgMinute	row;
	int64_t		t0 = 1000 * MIN;

	(void) state;
	lg_rollup_init(&b);
	assert_false(lg_rollup_peek(&b, &row));
	for (int i = 0; i < 60; i++)
	{
		LgSample	s = sample_at(t0 + i * SEC, 10 + i % 10);	/* 10..19 */

		s.events[LG_EV_STATEMENT_TIMEOUT] = (i % 20 == 0);
		s.events[LG_EV_REJECTED_TOO_MANY_CLIENTS] = 2;
		s.statements = 5;
		s.policy_actions = (i == 30);
		s.oldest_idle_in_transaction_s = i;
		s.busy_connections = (i == 59) ? 90 : 3;
		assert_false(lg_rollup_add(&b, &s, NULL, &row));
	}
	assert_true(lg_rollup_peek(&b, &row));
	assert_int_equal(row.samples, 60);

	/* the first sample of the next minute finishes it */
	{
		LgSample	s = sample_at(t0 + MIN, 1);

		memset(&row, 0, sizeof(row));
		assert_true(lg_rollup_add(&b, &s, NULL, &row));
	}
	assert_int_equal(row.ts, t0);
	assert_int_equal(row.samples, 60);
	assert_int_equal(row.max_connections, 100);
	assert_int_equal(row.usable_connections, 97);
	assert_int_equal(row.client_connections_max, 19);
	assert_float_equal(row.client_connections_avg, 14.5, 1e-4);
	assert_float_equal(row.usage_pct_max, 19 * 100.0 / 97, 1e-3);
	assert_float_equal(row.usage_pct_avg, 14.5 * 100.0 / 97, 1e-3);
	assert_int_equal(row.active_max, 9);
	assert_int_equal(row.busy_connections_max, 90);
	assert_int_equal(row.busy_connections_p95, 3);	/* one spike in 60 is not
													 * the p95 */
	assert_float_equal(row.oldest_idle_in_transaction_s, 59, 1e-6);
	assert_int_equal(row.events[LG_EV_STATEMENT_TIMEOUT], 3);
	assert_int_equal(row.events[LG_EV_REJECTED_TOO_MANY_CLIENTS], 120);
	assert_int_equal(row.statements, 300);
	assert_int_equal(row.policy_actions, 1);

	/*
	 * 59 intervals of 1 s inside the minute (the first sample had no
	 * predecessor)
	 */
	assert_float_equal(row.covered_s, 59, 1e-4);

	/* the next minute started with that sample; its interval counts there */
	assert_true(lg_rollup_peek(&b, &row));
	assert_int_equal(row.ts, t0 + MIN);
	assert_int_equal(row.samples, 1);
	assert_int_equal(row.client_connections_max, 1);
	assert_float_equal(row.covered_s, 1, 1e-4);
	assert_int_equal(row.statements, 0);
}

/* 90 statements at 1 ms in one sample, 10 at 100 ms in the next */
static void
test_merged_percentiles(void **state)
{
	LgHistogram h1;
	LgHistogram h2;
	LgMinute	row;
	LgSample	s;
	int64_t		t0 = 77 * MIN;

	(void) state;
	lg_rollup_init(&b);
	lg_hist_clear(&h1);
	lg_hist_clear(&h2);
	h1.counts[lg_hist_bucket(1000)] = 90;
	h2.counts[lg_hist_bucket(100000)] = 10;

	s = sample_at(t0, 5);
	s.statements = 90;
	lg_rollup_add(&b, &s, &h1, &row);
	s = sample_at(t0 + 30 * SEC, 5);
	s.statements = 10;
	lg_rollup_add(&b, &s, &h2, &row);
	s = sample_at(t0 + 45 * SEC, 5);
	lg_rollup_add(&b, &s, NULL, &row);	/* no statements in this one */
	s = sample_at(t0 + MIN, 5);
	assert_true(lg_rollup_add(&b, &s, NULL, &row));

	assert_int_equal(row.statements, 100);
	/* merged: p50 is 1 ms; p95 and p99 are 100 ms (the buckets' 6.25 %) */
	assert_float_equal(row.latency_p50_ms, 1.0, 0.0625);
	assert_float_equal(row.latency_p95_ms, 100.0, 6.25);
	assert_float_equal(row.latency_p99_ms, 100.0, 6.25);
	/* averaging the per-sample p95s would have said about 50 ms */
	assert_true(row.latency_p95_ms > 90.0);
	/* the minute that follows starts with an empty histogram */
	assert_true(lg_rollup_peek(&b, &row));
	assert_int_equal(row.statements, 0);
	assert_float_equal(row.latency_p95_ms, 0, 0);
}

static void
test_gaps_and_clock(void **state)
{
	LgMinute	row;
	LgSample	s;
	int64_t		t0 = 500 * MIN;

	(void) state;
	lg_rollup_init(&b);
	s = sample_at(t0 + 10 * SEC, 4);
	assert_false(lg_rollup_add(&b, &s, NULL, &row));

	/*
	 * the server was down for 5 minutes: the gap counts in the next row's
	 * coverage
	 */
	s = sample_at(t0 + 5 * MIN + 10 * SEC, 6);
	assert_true(lg_rollup_add(&b, &s, NULL, &row));
	assert_int_equal(row.ts, t0);
	assert_int_equal(row.samples, 1);
	assert_true(lg_rollup_peek(&b, &row));
	assert_int_equal(row.ts, t0 + 5 * MIN);
	assert_float_equal(row.covered_s, 300, 1e-3);

	/* the clock goes back a minute: counted in the current row, no finish */
	s = sample_at(t0 + 4 * MIN + 20 * SEC, 50);
	assert_false(lg_rollup_add(&b, &s, NULL, &row));
	assert_true(lg_rollup_peek(&b, &row));
	assert_int_equal(row.ts, t0 + 5 * MIN);
	assert_int_equal(row.samples, 2);
	assert_int_equal(row.client_connections_max, 50);
	assert_float_equal(row.covered_s, 300, 1e-3);	/* no negative interval */

	/*
	 * the clock goes back an hour: the row so far is finished, a new one
	 * begins at the earlier minute and covers its own samples (it used to
	 * swallow the hour's samples into the later minute)
	 */
	s = sample_at(t0 + 5 * MIN + 20 * SEC - 60 * MIN, 7);
	assert_true(lg_rollup_add(&b, &s, NULL, &row));
	assert_int_equal(row.ts, t0 + 5 * MIN);
	assert_int_equal(row.samples, 2);
	s = sample_at(t0 + 5 * MIN + 30 * SEC - 60 * MIN, 9);
	assert_false(lg_rollup_add(&b, &s, NULL, &row));
	assert_true(lg_rollup_peek(&b, &row));
	assert_int_equal(row.ts, t0 + 5 * MIN - 60 * MIN);
	assert_int_equal(row.samples, 2);
	assert_int_equal(row.client_connections_max, 9);
	assert_float_equal(row.covered_s, 10, 1e-3);
}

/* 6000 samples a minute (10 ms interval): the p95 from the reservoir */
static void
test_reservoir(void **state)
{
	LgMinute	row;
	int64_t		t0 = 900 * MIN;

	(void) state;
	lg_rollup_init(&b);
	for (int i = 0; i < 6000; i++)
	{
		LgSample	s = sample_at(t0 + i * 10000LL, 10);

		s.busy_connections = (int32_t) ((i * 37) % 100);	/* 0..99, evenly */
		lg_rollup_add(&b, &s, NULL, &row);
	}
	assert_int_equal(b.seen, 6000);
	assert_int_equal(b.nbusy, LG_ROLLUP_MAX_VALUES);
	assert_true(lg_rollup_peek(&b, &row));
	assert_int_equal(row.samples, 6000);
	assert_int_equal(row.busy_connections_max, 99);
	/* true p95 is 94: the estimate from 1024 of 6000 is within a few */
	assert_in_range(row.busy_connections_p95, 90, 98);
	assert_float_equal(row.covered_s, 59.99, 1e-3);
}

static void
test_bucket_start(void **state)
{
	/* 2000-01-01 00:00 UTC is Unix 946684800: a multiple of 60, 600, 86400 */
	int64_t		unix0 = -946684800LL * SEC; /* 1970-01-01 as a TimestampTz */

	(void) state;
	assert_int_equal(lg_bucket_start(0, 10 * MIN), 0);
	assert_int_equal(lg_bucket_start(10 * MIN - 1, 10 * MIN), 0);
	assert_int_equal(lg_bucket_start(25 * MIN, 10 * MIN), 20 * MIN);
	assert_int_equal(lg_bucket_start(-1, 10 * MIN), -10 * MIN);
	/* 7 s buckets do not divide 946684800 s: aligned on the Unix epoch */
	assert_int_equal(lg_bucket_start(unix0 + 15 * SEC, 7 * SEC), unix0 + 14 * SEC);
	assert_int_equal(lg_bucket_start(0, 7 * SEC), -(946684800LL % 7) * SEC);
	assert_int_equal(lg_bucket_start(123, 0), 123);
}

static void
test_minute_merge(void **state)
{
	LgMinute	a;
	LgMinute	b;
	LgMinute	dst;

	(void) state;
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	a.ts = 10 * MIN;
	a.samples = 60;
	a.covered_s = 60;
	a.client_connections_max = 30;
	a.client_connections_avg = 10;
	a.usage_pct_avg = 20;
	a.busy_connections_p95 = 4;
	a.events[LG_EV_STATEMENT_TIMEOUT] = 2;
	a.statements = 100;
	a.latency_p95_ms = 5;
	a.policy_actions = 1;
	b = a;
	b.ts = 11 * MIN;
	b.samples = 20;
	b.covered_s = 20;
	b.client_connections_max = 12;
	b.client_connections_avg = 30;
	b.usage_pct_avg = 60;
	b.busy_connections_p95 = 9;
	b.latency_p95_ms = 2;

	memset(&dst, 0, sizeof(dst));
	dst.ts = 0;
	lg_minute_merge(&dst, &a);
	assert_int_equal(dst.ts, 0);	/* the bucket's, not the minute's */
	assert_int_equal(dst.samples, 60);
	lg_minute_merge(&dst, &b);
	assert_int_equal(dst.samples, 80);
	assert_float_equal(dst.covered_s, 80, 1e-6);
	assert_int_equal(dst.client_connections_max, 30);
	assert_float_equal(dst.client_connections_avg, 15, 1e-5);	/* (60*10 + 20*30) / 80 */
	assert_float_equal(dst.usage_pct_avg, 30, 1e-5);
	assert_int_equal(dst.busy_connections_p95, 9);
	assert_int_equal(dst.events[LG_EV_STATEMENT_TIMEOUT], 4);
	assert_int_equal(dst.statements, 200);
	assert_float_equal(dst.latency_p95_ms, 5, 1e-6);
	assert_int_equal(dst.policy_actions, 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_minute_start),
		cmocka_unit_test(test_percentile),
		cmocka_unit_test(test_one_minute),
		cmocka_unit_test(test_merged_percentiles),
		cmocka_unit_test(test_gaps_and_clock),
		cmocka_unit_test(test_reservoir),
		cmocka_unit_test(test_bucket_start),
		cmocka_unit_test(test_minute_merge),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
