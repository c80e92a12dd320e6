/*
 * test_connect_cost.c — cmocka tests for the connection setup time
 * figures (src/model/connect_cost.c): bucket layout, exact averages over
 * merged ticks, and percentiles within the documented error bound.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <math.h>
#include <cmocka.h>

#include "connect_cost.h"

/* every duration falls in the bucket whose bounds hold it */
static void
test_bucket_bounds(void **state)
{
	(void) state;
	uint64_t	probes[] = {0, 1, 255, 256, 383, 384, 511, 512, 767, 768, 1000,
	4999, 5000, 123456, (1u << 23) + 1, (1u << 24) - 1};

	assert_int_equal(LG_CONNECT_BUCKETS, 32);
	assert_int_equal(lg_connect_bucket(0), 0);
	assert_int_equal(lg_connect_bucket(383), 0);
	assert_int_equal(lg_connect_bucket(384), 1);
	assert_int_equal(lg_connect_bucket(512), 2);
	assert_int_equal(lg_connect_bucket(1u << 24), LG_CONNECT_BUCKETS - 1);
	assert_int_equal(lg_connect_bucket(UINT64_MAX), LG_CONNECT_BUCKETS - 1);
	for (size_t i = 0; i < sizeof(probes) / sizeof(probes[0]); i++)
	{
		int			b = lg_connect_bucket(probes[i]);

		assert_true(b >= 0 && b < LG_CONNECT_BUCKETS);
		assert_true(lg_connect_bucket_lower(b) <= probes[i]);
		assert_true(probes[i] < lg_connect_bucket_upper(b));
	}
	/* adjacent buckets tile the range */
	for (int b = 0; b + 1 < LG_CONNECT_BUCKETS; b++)
	{
		assert_int_equal(lg_connect_bucket_upper(b), lg_connect_bucket_lower(b + 1));
		assert_int_equal(lg_connect_bucket(lg_connect_bucket_lower(b + 1)), b + 1);
		assert_int_equal(lg_connect_bucket(lg_connect_bucket_lower(b + 1) - 1), b);
	}
}

/* ticks stored as samples merge into the exact average */
static void
test_mean_over_samples(void **state)
{
	(void) state;
	LgConnectCost tick1;
	LgConnectCost tick2;
	LgConnectCost all;
	uint32_t	b1[LG_CONNECT_BUCKETS];
	uint32_t	b2[LG_CONNECT_BUCKETS];

	lg_connect_cost_clear(&tick1);
	lg_connect_cost_clear(&tick2);
	lg_connect_cost_clear(&all);
	assert_true(lg_connect_cost_mean_ms(&all) == 0.0);
	assert_true(lg_connect_cost_percentile_ms(&all, 0.95) == 0.0);

	/* 3 connections at 2, 3 and 4 ms; then 1 at 10 ms */
	lg_connect_cost_add(&tick1, 2000);
	lg_connect_cost_add(&tick1, 3000);
	lg_connect_cost_add(&tick1, 4000);
	lg_connect_cost_add(&tick2, 10000);
	for (int b = 0; b < LG_CONNECT_BUCKETS; b++)
	{
		b1[b] = (uint32_t) tick1.buckets[b];
		b2[b] = (uint32_t) tick2.buckets[b];
	}
	lg_connect_cost_add_sample(&all, (int32_t) tick1.count, tick1.sum_us, b1);
	lg_connect_cost_add_sample(&all, (int32_t) tick2.count, tick2.sum_us, b2);
	/* an empty tick adds nothing */
	lg_connect_cost_add_sample(&all, 0, 0, b2);

	assert_int_equal(all.count, 4);
	assert_int_equal(all.sum_us, 19000);
	assert_true(fabs(lg_connect_cost_mean_ms(&all) - 4.75) < 1e-9);
}

/* p95 of many connections stays within its bucket's bound */
static void
test_percentile_error_bound(void **state)
{
	(void) state;
	LgConnectCost c;
	double		p95;
	double		p50;

	/* 1000 connections at 1.000 .. 10.990 ms: true p95 is 10.49 ms */
	lg_connect_cost_clear(&c);
	for (int i = 0; i < 1000; i++)
		lg_connect_cost_add(&c, 1000 + 10 * (uint64_t) i);
	p95 = lg_connect_cost_percentile_ms(&c, 0.95);
	p50 = lg_connect_cost_percentile_ms(&c, 0.50);
	assert_true(p95 >= 10.49 / 1.5 && p95 <= 10.49 * 1.5);
	assert_true(p50 >= 5.99 / 1.5 && p50 <= 5.99 * 1.5);
	assert_true(p50 < p95);
	/* the whole distribution in one bucket: p95 inside it */
	lg_connect_cost_clear(&c);
	for (int i = 0; i < 100; i++)
		lg_connect_cost_add(&c, 5000);
	p95 = lg_connect_cost_percentile_ms(&c, 0.95);
	assert_true(p95 >= 4.096 && p95 <= 6.144);
	/* beyond the top bucket: its lower bound, never infinity */
	lg_connect_cost_clear(&c);
	lg_connect_cost_add(&c, 60 * 1000000ULL);
	assert_true(fabs(lg_connect_cost_percentile_ms(&c, 0.95) - 12582.912) < 1e-6);
	assert_true(fabs(lg_connect_cost_mean_ms(&c) - 60000.0) < 1e-9);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bucket_bounds),
		cmocka_unit_test(test_mean_over_samples),
		cmocka_unit_test(test_percentile_error_bound),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
