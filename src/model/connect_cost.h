/*
 * connect_cost.h — what a new connection costs this server: the time each
 * client backend spends from its start (right after the postmaster forked
 * it) until its startup transaction commits (authentication, the database
 * and role settings applied: ready for the first query), summed and
 * bucketed per tick so a lookback yields an average and a p95.
 *
 * Plain C (no server headers), unit-tested by test/unit/test_connect_cost.c.
 * The connection log (connlog.c) carries one duration per established
 * connection to the worker, which adds it to the sample's figures
 * (sample.h); readiness (views_readiness.c) merges the samples of the
 * lookback with lg_connect_cost_add_sample().
 *
 * Buckets: two per power of two of microseconds, [2^e, 1.5 × 2^e) and
 * [1.5 × 2^e, 2^(e+1)) for e = 8 .. 23.  Bucket 0 also takes everything
 * under 256 µs, the last one everything from 1.5 × 2^23 µs (12.6 s) on.  A
 * percentile is interpolated within its bucket, so it is off by less than
 * the bucket's width: at most 50 % of its lower bound.  The average is
 * exact (a sum and a count).
 */
#ifndef LG_CONNECT_COST_H
#define LG_CONNECT_COST_H

#include <stdbool.h>
#include <stdint.h>

#define LG_CONNECT_MIN_EXP	8	/* 2^8 µs = 256 µs */
#define LG_CONNECT_MAX_EXP	24	/* octaves below 2^24 µs (16.8 s) */
#define LG_CONNECT_BUCKETS	(2 * (LG_CONNECT_MAX_EXP - LG_CONNECT_MIN_EXP))

/* Bucket of a duration in microseconds. */
extern int	lg_connect_bucket(uint64_t us);

/* Bounds of a bucket in microseconds: [lower, upper). */
extern uint64_t lg_connect_bucket_lower(int bucket);
extern uint64_t lg_connect_bucket_upper(int bucket);

/* Connection setup times over some span: exact sum and count, buckets. */
typedef struct LgConnectCost
{
	int64_t		count;
	int64_t		sum_us;
	uint64_t	buckets[LG_CONNECT_BUCKETS];
} LgConnectCost;

extern void lg_connect_cost_clear(LgConnectCost *c);

/* One connection that took us microseconds to set up. */
extern void lg_connect_cost_add(LgConnectCost *c, uint64_t us);

/*
 * A tick's figures as a sample stores them (sample.h): count, sum, and the
 * bucket counts (LG_CONNECT_BUCKETS of them).
 */
extern void lg_connect_cost_add_sample(LgConnectCost *c, int32_t count, int64_t sum_us,
									   const uint32_t *buckets);

/* Average in milliseconds; 0 when nothing was measured. */
extern double lg_connect_cost_mean_ms(const LgConnectCost *c);

/*
 * The q-quantile (0 < q <= 1) in milliseconds, interpolated linearly within
 * its bucket; 0 when nothing was measured.  The top bucket has no upper
 * bound: a quantile that falls in it is reported as its lower bound.
 */
extern double lg_connect_cost_percentile_ms(const LgConnectCost *c, double q);

#endif							/* LG_CONNECT_COST_H */
