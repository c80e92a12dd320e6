/*
 * histogram.h — the fixed log-scale latency histogram: bucket layout,
 * per-interval deltas of cumulative snapshots, percentiles and merges.
 *
 * Plain C (no server headers): the statement hooks use lg_hist_bucket() on
 * their hot path, the worker and the SQL functions the rest.
 *
 * Layout (HDR-style, durations in microseconds):
 *   - buckets 0..15 hold 0..15 µs exactly, one microsecond each;
 *   - above that, every power of two [2^e, 2^(e+1)) µs is split into
 *     LG_HIST_SUB_COUNT = 16 equal sub-buckets, for e = 4 .. 34;
 *   - the last bucket also takes everything at or beyond 2^35 µs (9.5 h).
 * That is 16 + 31 × 16 = 512 buckets.  A bucket at or above 16 µs is
 * [(16 + s) · 2^k, (17 + s) · 2^k) for a sub-bucket s in 0..15, so its width
 * is at most 1/16 = 6.25 % of its lower bound: a percentile interpolated
 * within its bucket is off by at most 6.25 % of the true value (at most
 * ±3.2 % when reported as the bucket's midpoint).  Below 16 µs the error is
 * under 1 µs.
 */
#ifndef LG_HISTOGRAM_H
#define LG_HISTOGRAM_H

#include <stdbool.h>
#include <stdint.h>

#define LG_HIST_SUB_BITS	4
#define LG_HIST_SUB_COUNT	(1 << LG_HIST_SUB_BITS)
#define LG_HIST_MAX_EXP		35	/* 2^35 µs = 9.54 hours: top of the range */
#define LG_HIST_BUCKETS \
	((LG_HIST_MAX_EXP - LG_HIST_SUB_BITS + 1) * LG_HIST_SUB_COUNT)

typedef struct LgHistogram
{
	uint64_t	counts[LG_HIST_BUCKETS];
} LgHistogram;

/*
 * Bucket of a duration in microseconds.  Hot path of every statement: the
 * octave comes from the highest set bit, the sub-bucket from the next four
 * bits; no division, no libm.
 */
static inline int
lg_hist_bucket(uint64_t us)
{
	int			msb;

	if (us < LG_HIST_SUB_COUNT)
		return (int) us;
	msb = 63 - __builtin_clzll(us);
	if (msb >= LG_HIST_MAX_EXP)
		return LG_HIST_BUCKETS - 1;
	return (msb - LG_HIST_SUB_BITS + 1) * LG_HIST_SUB_COUNT +
		(int) ((us >> (msb - LG_HIST_SUB_BITS)) & (LG_HIST_SUB_COUNT - 1));
}

/* Bounds of a bucket in microseconds: [lower, upper). */
extern uint64_t lg_hist_bucket_lower(int bucket);
extern uint64_t lg_hist_bucket_upper(int bucket);

extern void lg_hist_clear(LgHistogram *hist);
extern uint64_t lg_hist_total(const LgHistogram *hist);

/* dst += src, bucket by bucket */
extern void lg_hist_merge(LgHistogram *dst, const LgHistogram *src);

/*
 * *delta = cur - prev for two cumulative snapshots of the same counters.
 * When any bucket went down, the counters were reset between the two reads:
 * everything in cur was counted since that reset, so *delta = cur (what was
 * counted between the earlier read and the reset is lost).  Returns true in
 * that case.
 */
extern bool lg_hist_delta(const LgHistogram *cur, const LgHistogram *prev,
						  LgHistogram *delta);

/*
 * The q-quantile (0 <= q <= 1) in microseconds, interpolated linearly within
 * the bucket that holds it.  Returns 0 for an empty histogram.
 */
extern double lg_hist_percentile(const LgHistogram *hist, double q);

/* Several quantiles in one pass; qs ascending. */
extern void lg_hist_percentiles(const LgHistogram *hist, const double *qs,
								int nq, double *out_us);

#endif							/* LG_HISTOGRAM_H */
