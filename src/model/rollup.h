/*
 * rollup.h — the per-minute rollup of samples behind loadguard.history_minutes:
 * one LgMinute row per wall-clock minute, built sample by sample.
 *
 * Plain C (no server headers), unit-tested by test/unit/test_rollup.c.  The
 * worker feeds every sample to an LgMinuteBuilder, with the latency histogram
 * of the statements that finished in that sample's interval; when a sample
 * falls into a later minute, the builder finishes the previous minute's row.
 * Rows keep percentiles, not histograms (a histogram per row would be 4 KB,
 * 40 MB for a week): the latency percentiles of a row are computed from the
 * histogram merged over its minute, never averaged from per-sample ones.
 *
 * LgMinute and LgMinuteBuilder are part of the shared-memory layout and the
 * state file; history_minutes.c checks their sizes when it loads the file.
 */
#ifndef LG_ROLLUP_H
#define LG_ROLLUP_H

#include <stdbool.h>
#include <stdint.h>

#include "histogram.h"
#include "sample.h"
#include "stats.h"

#define LG_ROLLUP_MINUTE_US		(60 * 1000000LL)

/*
 * Busy-connection counts kept per minute for its p95: every sample's at a
 * sample_interval of 59 ms or more; above that a uniform reservoir of this
 * many (the p95 is then an estimate).
 */
#define LG_ROLLUP_MAX_VALUES 1024

/* One minute.  float where 7 significant digits are plenty: 168 bytes a row. */
typedef struct LgMinute
{
	int64_t		ts;				/* TimestampTz of the minute's start */
	uint32_t	samples;		/* samples aggregated */
	float		covered_s;		/* seconds covered: sum of the samples'
								 * intervals */
	int32_t		max_connections;
	int32_t		usable_connections;
	int32_t		client_connections_max;
	float		client_connections_avg;
	float		usage_pct_max;
	float		usage_pct_avg;
	int32_t		active_max;
	int32_t		idle_max;
	int32_t		idle_in_transaction_max;
	int32_t		idle_in_transaction_aborted_max;
	int32_t		waiting_on_lock_max;
	int32_t		busy_connections_max;
	int32_t		busy_connections_p95;
	float		oldest_idle_in_transaction_s;	/* maxima */
	float		longest_running_query_s;
	float		longest_transaction_s;
	uint32_t	events[LG_EVENT_COUNT]; /* sums of the samples' deltas */
	uint64_t	statements;
	float		latency_p50_ms; /* from the minute's merged histogram */
	float		latency_p95_ms;
	float		latency_p99_ms;
	uint32_t	policy_actions;
} LgMinute;

typedef struct LgMinuteBuilder
{
	LgMinute	row;			/* maxima and sums so far; row.samples = 0:
								 * empty */
	double		sum_connections;
	double		sum_usage;
	int64_t		covered_us;		/* sum of the samples' intervals */
	int64_t		last_ts;		/* ts of the previous sample (any minute); 0 =
								 * none */
	uint32_t	seen;			/* busy counts offered this minute */
	uint32_t	nbusy;			/* busy counts kept, at most
								 * LG_ROLLUP_MAX_VALUES */
	uint64_t	rng;			/* reservoir sampling state */
	int32_t		busy[LG_ROLLUP_MAX_VALUES];
	LgHistogram latency;		/* statements finished this minute */
} LgMinuteBuilder;

/* Start of the minute holding ts (floor, also before 2000-01-01). */
extern int64_t lg_minute_start(int64_t ts);

extern void lg_rollup_init(LgMinuteBuilder *b);

/*
 * Add one sample; latency is the histogram of the statements counted in it
 * (NULL: none).  When the sample starts a later minute, the minute built so
 * far is finished into *finished first and true is returned.  A sample older
 * than the minute being built (the clock went back) is counted in that
 * minute, so rows stay in ts order; when the clock went back more than a
 * minute, the minute built so far is finished as for a later one and a row
 * begins at the sample's minute (the caller keeps its ring in order).
 */
extern bool lg_rollup_add(LgMinuteBuilder *b, const LgSample *s,
						  const LgHistogram *latency, LgMinute *finished);

/*
 * The row of the minute built so far, with its averages and percentiles (the
 * builder is not changed).  False when it holds no sample.
 */
extern bool lg_rollup_peek(const LgMinuteBuilder *b, LgMinute *out);

/*
 * Start of the bucket of `width` microseconds holding ts, buckets aligned on
 * the Unix epoch like Grafana's $__timeGroup (floor(epoch / width) * width).
 */
extern int64_t lg_bucket_start(int64_t ts, int64_t width);

/*
 * Fold minute row src into dst, a row spanning several minutes: sums add
 * up, maxima stay maxima, averages are weighted by samples.  A percentile of
 * several minutes cannot be rebuilt from theirs: dst keeps the highest (the
 * worst minute's p95 and latency percentiles, an upper bound).  dst->ts is
 * the caller's; dst->samples = 0 means dst is empty.
 */
extern void lg_minute_merge(LgMinute *dst, const LgMinute *src);

#endif							/* LG_ROLLUP_H */
