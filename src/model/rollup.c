/*
 * rollup.c — building one-minute rows from samples.  Plain C: see rollup.h.
 */
#include <stdlib.h>
#include <string.h>

#include "rollup.h"

int64_t
lg_minute_start(int64_t ts)
{
	int64_t		r = ts % LG_ROLLUP_MINUTE_US;

	return r < 0 ? ts - r - LG_ROLLUP_MINUTE_US : ts - r;
}

void
lg_rollup_init(LgMinuteBuilder *b)
{
	memset(b, 0, sizeof(*b));
	b->rng = 0x9E3779B97F4A7C15ULL;
}

/* Start an empty minute; last_ts and the reservoir's state carry over. */
static void
lg_rollup_begin(LgMinuteBuilder *b, int64_t minute)
{
	memset(&b->row, 0, sizeof(b->row));
	b->row.ts = minute;
	b->sum_connections = 0;
	b->sum_usage = 0;
	b->covered_us = 0;
	b->seen = 0;
	b->nbusy = 0;
	lg_hist_clear(&b->latency);
}

/* xorshift64*: deterministic, so a restored builder behaves the same */
static uint64_t
lg_rollup_random(LgMinuteBuilder *b)
{
	b->rng ^= b->rng >> 12;
	b->rng ^= b->rng << 25;
	b->rng ^= b->rng >> 27;
	return b->rng * 0x2545F4914F6CDD1DULL;
}

static void
lg_rollup_keep_busy(LgMinuteBuilder *b, int32_t busy)
{
	uint64_t	j;

	b->seen++;
	if (b->nbusy < LG_ROLLUP_MAX_VALUES)
	{
		b->busy[b->nbusy++] = busy;
		return;
	}
	/* reservoir sampling (Algorithm R): each value kept with p = max/seen */
	j = lg_rollup_random(b) % b->seen;
	if (j < LG_ROLLUP_MAX_VALUES)
		b->busy[j] = busy;
}

#define KEEP_MAX(field, value) \
	do { if ((value) > (field)) (field) = (value); } while (0)

bool
lg_rollup_add(LgMinuteBuilder *b, const LgSample *s,
			  const LgHistogram *latency, LgMinute *finished)
{
	int64_t		minute = lg_minute_start(s->ts);
	bool		done = false;
	LgMinute   *r = &b->row;

	/*
	 * A clock that went back more than a minute starts a new row from this
	 * sample, as a later minute would (the ring drops the rows stamped later,
	 * history_minutes.c); a smaller step back is counted in the minute being
	 * built.
	 */
	bool		went_back = b->last_ts != 0 && s->ts < b->last_ts - LG_ROLLUP_MINUTE_US;

	if (r->samples > 0 && (minute > r->ts || went_back))
	{
		done = lg_rollup_peek(b, finished);
		lg_rollup_begin(b, minute);
	}
	else if (r->samples == 0)
		lg_rollup_begin(b, minute);
	if (went_back)
		b->last_ts = 0;

	if (b->last_ts != 0 && s->ts > b->last_ts)
		b->covered_us += s->ts - b->last_ts;
	if (s->ts > b->last_ts)
		b->last_ts = s->ts;

	r->samples++;
	KEEP_MAX(r->max_connections, s->max_connections);
	KEEP_MAX(r->usable_connections, s->usable_connections);
	KEEP_MAX(r->client_connections_max, s->client_connections);
	KEEP_MAX(r->usage_pct_max, (float) s->usage_pct);
	KEEP_MAX(r->active_max, s->active);
	KEEP_MAX(r->idle_max, s->idle);
	KEEP_MAX(r->idle_in_transaction_max, s->idle_in_transaction);
	KEEP_MAX(r->idle_in_transaction_aborted_max, s->idle_in_transaction_aborted);
	KEEP_MAX(r->waiting_on_lock_max, s->waiting_on_lock);
	KEEP_MAX(r->busy_connections_max, s->busy_connections);
	KEEP_MAX(r->oldest_idle_in_transaction_s, (float) s->oldest_idle_in_transaction_s);
	KEEP_MAX(r->longest_running_query_s, (float) s->longest_running_query_s);
	KEEP_MAX(r->longest_transaction_s, (float) s->longest_transaction_s);
	b->sum_connections += s->client_connections;
	b->sum_usage += s->usage_pct;
	lg_rollup_keep_busy(b, s->busy_connections);
	for (int k = 0; k < LG_EVENT_COUNT; k++)
		r->events[k] += s->events[k];
	r->statements += s->statements;
	r->policy_actions += s->policy_actions;
	if (latency != NULL)
		lg_hist_merge(&b->latency, latency);
	return done;
}

bool
lg_rollup_peek(const LgMinuteBuilder *b, LgMinute *out)
{
	static const double qs[3] = {0.50, 0.95, 0.99};
	double		pct_us[3];
	int32_t		busy[LG_ROLLUP_MAX_VALUES];

	if (b->row.samples == 0)
		return false;
	*out = b->row;
	out->client_connections_avg = (float) (b->sum_connections / b->row.samples);
	out->usage_pct_avg = (float) (b->sum_usage / b->row.samples);
	out->covered_s = (float) ((double) b->covered_us / 1e6);
	memcpy(busy, b->busy, sizeof(int32_t) * b->nbusy);
	out->busy_connections_p95 = lg_percentile_int32(busy, b->nbusy, 0.95);
	lg_hist_percentiles(&b->latency, qs, 3, pct_us);
	out->latency_p50_ms = (float) (pct_us[0] / 1000.0);
	out->latency_p95_ms = (float) (pct_us[1] / 1000.0);
	out->latency_p99_ms = (float) (pct_us[2] / 1000.0);
	return true;
}

/* 2000-01-01 (PostgreSQL's epoch) in Unix microseconds */
#define LG_UNIX_TO_PG_US (946684800LL * 1000000LL)

int64_t
lg_bucket_start(int64_t ts, int64_t width)
{
	int64_t		unix_us = ts + LG_UNIX_TO_PG_US;
	int64_t		r;

	if (width <= 0)
		return ts;
	r = unix_us % width;
	if (r < 0)
		r += width;
	return unix_us - r - LG_UNIX_TO_PG_US;
}

#define WEIGHTED(a, na, b, nb) \
	((float) (((double) (a) * (na) + (double) (b) * (nb)) / ((double) (na) + (nb))))

void
lg_minute_merge(LgMinute *dst, const LgMinute *src)
{
	int64_t		ts = dst->ts;

	if (dst->samples == 0)
	{
		*dst = *src;
		dst->ts = ts;
		return;
	}
	dst->client_connections_avg = WEIGHTED(dst->client_connections_avg, dst->samples,
										   src->client_connections_avg, src->samples);
	dst->usage_pct_avg = WEIGHTED(dst->usage_pct_avg, dst->samples,
								  src->usage_pct_avg, src->samples);
	dst->samples += src->samples;
	dst->covered_s += src->covered_s;
	KEEP_MAX(dst->max_connections, src->max_connections);
	KEEP_MAX(dst->usable_connections, src->usable_connections);
	KEEP_MAX(dst->client_connections_max, src->client_connections_max);
	KEEP_MAX(dst->usage_pct_max, src->usage_pct_max);
	KEEP_MAX(dst->active_max, src->active_max);
	KEEP_MAX(dst->idle_max, src->idle_max);
	KEEP_MAX(dst->idle_in_transaction_max, src->idle_in_transaction_max);
	KEEP_MAX(dst->idle_in_transaction_aborted_max, src->idle_in_transaction_aborted_max);
	KEEP_MAX(dst->waiting_on_lock_max, src->waiting_on_lock_max);
	KEEP_MAX(dst->busy_connections_max, src->busy_connections_max);
	KEEP_MAX(dst->busy_connections_p95, src->busy_connections_p95);
	KEEP_MAX(dst->oldest_idle_in_transaction_s, src->oldest_idle_in_transaction_s);
	KEEP_MAX(dst->longest_running_query_s, src->longest_running_query_s);
	KEEP_MAX(dst->longest_transaction_s, src->longest_transaction_s);
	for (int k = 0; k < LG_EVENT_COUNT; k++)
		dst->events[k] += src->events[k];
	dst->statements += src->statements;
	KEEP_MAX(dst->latency_p50_ms, src->latency_p50_ms);
	KEEP_MAX(dst->latency_p95_ms, src->latency_p95_ms);
	KEEP_MAX(dst->latency_p99_ms, src->latency_p99_ms);
	dst->policy_actions += src->policy_actions;
}
