/*
 * test_histogram.c — cmocka tests for the latency histogram (src/model/histogram.c):
 * bucket layout and boundaries, percentiles of known distributions, empty
 * and single-bucket histograms, deltas across a reset, merges.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <math.h>
#include <cmocka.h>

#include "histogram.h"

/* the relative error histogram.h promises for an interpolated percentile */
#define MAX_REL_ERROR (1.0 / LG_HIST_SUB_COUNT)

static LgHistogram hist;

static void
add(LgHistogram *h, uint64_t us, uint64_t n)
{
	h->counts[lg_hist_bucket(us)] += n;
}

static void
assert_near(double got, double want, double rel)
{
	if (fabs(got - want) > rel * want + 1e-9)
		fail_msg("got %.3f, want %.3f (±%.2f%%)", got, want, rel * 100);
}

static void
test_layout(void **state)
{
	(void) state;
	assert_int_equal(LG_HIST_BUCKETS, 512);
	/* tens of microseconds to hours */
	assert_true(lg_hist_bucket_upper(LG_HIST_BUCKETS - 1) >= UINT64_C(9) * 3600 * 1000000);

	/* buckets tile the range: each upper is the next lower, strictly growing */
	for (int i = 0; i < LG_HIST_BUCKETS - 1; i++)
	{
		assert_true(lg_hist_bucket_lower(i) < lg_hist_bucket_upper(i));
		assert_int_equal(lg_hist_bucket_upper(i), lg_hist_bucket_lower(i + 1));
		/* every bucket at or above 16 µs is at most 6.25 % wide */
		if (lg_hist_bucket_lower(i) >= 16)
			assert_true((double) (lg_hist_bucket_upper(i) - lg_hist_bucket_lower(i)) <=
						MAX_REL_ERROR * (double) lg_hist_bucket_lower(i));
	}
}

static void
test_boundaries(void **state)
{
	(void) state;
	/* linear below 16 µs */
	for (uint64_t us = 0; us < 16; us++)
		assert_int_equal(lg_hist_bucket(us), (int) us);
	assert_int_equal(lg_hist_bucket(16), 16);
	assert_int_equal(lg_hist_bucket(31), 31);
	assert_int_equal(lg_hist_bucket(32), 32);
	assert_int_equal(lg_hist_bucket(33), 32);	/* 2 µs wide from 32 on */
	assert_int_equal(lg_hist_bucket(34), 33);

	/*
	 * every bucket's lower bound maps to it, and the value just below to the
	 * previous
	 */
	for (int i = 1; i < LG_HIST_BUCKETS; i++)
	{
		uint64_t	lo = lg_hist_bucket_lower(i);

		assert_int_equal(lg_hist_bucket(lo), i);
		assert_int_equal(lg_hist_bucket(lo - 1), i - 1);
		assert_int_equal(lg_hist_bucket(lg_hist_bucket_upper(i) - 1), i);
	}

	/* the top bucket takes everything beyond the range */
	assert_int_equal(lg_hist_bucket(UINT64_C(1) << LG_HIST_MAX_EXP), LG_HIST_BUCKETS - 1);
	assert_int_equal(lg_hist_bucket(UINT64_MAX), LG_HIST_BUCKETS - 1);

	/* a few real durations: 1 ms, 1 s, 1 h */
	assert_true(lg_hist_bucket_lower(lg_hist_bucket(1000)) <= 1000);
	assert_true(lg_hist_bucket_upper(lg_hist_bucket(1000)) > 1000);
	assert_true(lg_hist_bucket_lower(lg_hist_bucket(1000000)) <= 1000000);
	assert_true(lg_hist_bucket_upper(lg_hist_bucket(3600000000ULL)) > 3600000000ULL);
}

static void
test_empty(void **state)
{
	double		qs[3] = {0.5, 0.95, 0.99};
	double		out[3] = {-1, -1, -1};

	(void) state;
	lg_hist_clear(&hist);
	assert_int_equal(lg_hist_total(&hist), 0);
	lg_hist_percentiles(&hist, qs, 3, out);
	assert_true(out[0] == 0 && out[1] == 0 && out[2] == 0);
	assert_true(lg_hist_percentile(&hist, 0.5) == 0);
}

static void
test_single_bucket(void **state)
{
	int			b = lg_hist_bucket(5000);
	double		lo = (double) lg_hist_bucket_lower(b);
	double		hi = (double) lg_hist_bucket_upper(b);

	(void) state;
	lg_hist_clear(&hist);
	add(&hist, 5000, 100);
	assert_int_equal(lg_hist_total(&hist), 100);

	/*
	 * interpolated across the bucket: p0 at its bottom, p50 mid, p100 at its
	 * top
	 */
	assert_near(lg_hist_percentile(&hist, 0.0), lo, 1e-9);
	assert_near(lg_hist_percentile(&hist, 0.5), lo + (hi - lo) / 2, 1e-9);
	assert_near(lg_hist_percentile(&hist, 1.0), hi, 1e-9);
	/* and every percentile is within the promised error of the true 5000 µs */
	assert_near(lg_hist_percentile(&hist, 0.99), 5000, MAX_REL_ERROR);

	/* one single statement */
	lg_hist_clear(&hist);
	add(&hist, 250000, 1);
	assert_near(lg_hist_percentile(&hist, 0.5), 250000, MAX_REL_ERROR);
	assert_near(lg_hist_percentile(&hist, 0.99), 250000, MAX_REL_ERROR);
}

static void
test_uniform(void **state)
{
	double		qs[4] = {0.25, 0.5, 0.95, 0.99};
	double		out[4];

	(void) state;
	lg_hist_clear(&hist);
	/* one statement at every microsecond from 1 to 100 ms */
	for (uint64_t us = 1; us <= 100000; us++)
		add(&hist, us, 1);
	lg_hist_percentiles(&hist, qs, 4, out);
	assert_near(out[0], 25000, MAX_REL_ERROR);
	assert_near(out[1], 50000, MAX_REL_ERROR);
	assert_near(out[2], 95000, MAX_REL_ERROR);
	assert_near(out[3], 99000, MAX_REL_ERROR);
	/* interpolation does much better than the bound on a uniform spread */
	assert_near(out[1], 50000, 0.005);
	/* the one-shot function agrees with the batch */
	assert_true(lg_hist_percentile(&hist, 0.95) == out[2]);
}

static void
test_bimodal(void **state)
{
	(void) state;
	lg_hist_clear(&hist);
	/* 90 fast statements of 2 ms, 9 of 200 ms, 1 of 5 s */
	add(&hist, 2000, 90);
	add(&hist, 200000, 9);
	add(&hist, 5000000, 1);
	assert_near(lg_hist_percentile(&hist, 0.5), 2000, MAX_REL_ERROR);
	assert_near(lg_hist_percentile(&hist, 0.9), 2000, MAX_REL_ERROR);
	assert_near(lg_hist_percentile(&hist, 0.95), 200000, MAX_REL_ERROR);
	assert_near(lg_hist_percentile(&hist, 0.99), 200000, MAX_REL_ERROR);
	assert_near(lg_hist_percentile(&hist, 0.995), 5000000, MAX_REL_ERROR);
	assert_near(lg_hist_percentile(&hist, 1.0), 5000000, MAX_REL_ERROR);
}

static void
test_exponential(void **state)
{
	double		mean = 10000;	/* 10 ms */
	uint64_t	n = 200000;

	(void) state;
	lg_hist_clear(&hist);
	/* inverse-CDF samples at evenly spaced probabilities */
	for (uint64_t i = 0; i < n; i++)
	{
		double		p = ((double) i + 0.5) / (double) n;

		add(&hist, (uint64_t) (-mean * log(1 - p)), 1);
	}
	assert_near(lg_hist_percentile(&hist, 0.5), mean * log(2.0), MAX_REL_ERROR);
	assert_near(lg_hist_percentile(&hist, 0.95), -mean * log(0.05), MAX_REL_ERROR);
	assert_near(lg_hist_percentile(&hist, 0.99), -mean * log(0.01), MAX_REL_ERROR);
}

static void
test_delta_and_reset(void **state)
{
	static LgHistogram prev;
	static LgHistogram cur;
	static LgHistogram delta;

	(void) state;
	lg_hist_clear(&prev);
	add(&prev, 100, 5);
	add(&prev, 1000, 3);
	cur = prev;
	add(&cur, 100, 2);
	add(&cur, 50000, 1);
	assert_false(lg_hist_delta(&cur, &prev, &delta));
	assert_int_equal(lg_hist_total(&delta), 3);
	assert_int_equal(delta.counts[lg_hist_bucket(100)], 2);
	assert_int_equal(delta.counts[lg_hist_bucket(1000)], 0);
	assert_int_equal(delta.counts[lg_hist_bucket(50000)], 1);

	/* empty interval */
	assert_false(lg_hist_delta(&cur, &cur, &delta));
	assert_int_equal(lg_hist_total(&delta), 0);
	assert_true(lg_hist_percentile(&delta, 0.95) == 0);

	/*
	 * Reset between two reads: the counters restarted from zero and then
	 * counted 4 statements at 1000 µs.  That bucket grew past its old value,
	 * but the 100 µs one went down, so the whole cur is the delta.
	 */
	lg_hist_clear(&cur);
	add(&cur, 1000, 4);
	assert_true(lg_hist_delta(&cur, &prev, &delta));
	assert_int_equal(lg_hist_total(&delta), 4);
	assert_int_equal(delta.counts[lg_hist_bucket(1000)], 4);

	/* in place (delta aliasing cur) works too */
	assert_true(lg_hist_delta(&cur, &prev, &cur));
	assert_int_equal(lg_hist_total(&cur), 4);
}

static void
test_merge(void **state)
{
	static LgHistogram a;
	static LgHistogram b;

	(void) state;
	lg_hist_clear(&a);
	lg_hist_clear(&b);
	add(&a, 1000, 50);
	add(&b, 100000, 50);
	lg_hist_merge(&a, &b);
	assert_int_equal(lg_hist_total(&a), 100);
	assert_near(lg_hist_percentile(&a, 0.25), 1000, MAX_REL_ERROR);
	assert_near(lg_hist_percentile(&a, 0.75), 100000, MAX_REL_ERROR);
	/* b is untouched */
	assert_int_equal(lg_hist_total(&b), 50);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_boundaries),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_single_bucket),
		cmocka_unit_test(test_uniform),
		cmocka_unit_test(test_bimodal),
		cmocka_unit_test(test_exponential),
		cmocka_unit_test(test_delta_and_reset),
		cmocka_unit_test(test_merge),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
