/*
 * views_history.c — loadguard.history: every sample the ring holds, oldest
 * first.  lg_history_copy() copies the ring out under its lock; the rows are
 * built afterwards.
 */
#include "postgres.h"

#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

#include "history.h"
#include "history_minutes.h"
#include "loadguard.h"
#include "views.h"

PG_FUNCTION_INFO_V1(lg_history);
PG_FUNCTION_INFO_V1(lg_history_1_1);

/*
 * loadguard.get_history()'s columns, in order, by the version that added
 * them: these, then one per event kind named as in classify.c's
 * lg_event_names[] (all there since 1.0; a kind added later needs its
 * version here), then history_tail_columns.
 */
static const LgViewColumn history_head_columns[] = {
	LG_SAMPLE_COUNT_COLUMNS("ts"),
	{"oldest_idle_in_transaction_s", LG_API_1_0},
	{"longest_running_query_s", LG_API_1_0},
	{"longest_transaction_s", LG_API_1_0},
};

static const LgViewColumn history_tail_columns[] = {
	{"statements", LG_API_1_0},
	{"latency_p50_ms", LG_API_1_0},
	{"latency_p95_ms", LG_API_1_0},
	{"latency_p99_ms", LG_API_1_0},
	{"policy_actions", LG_API_1_0},
	{"busy_connections", LG_API_1_1},
	{"peak_connections", LG_API_1_1},
};

#define HISTORY_MAX_COLS \
	(lengthof(history_head_columns) + LG_EVENT_COUNT + lengthof(history_tail_columns))

/* The three parts above as one list, built on first use. */
static const LgViewColumn *
history_columns(void)
{
	static LgViewColumn columns[HISTORY_MAX_COLS];
	static bool built = false;
	int			n = 0;

	if (built)
		return columns;
	for (int i = 0; i < lengthof(history_head_columns); i++)
		columns[n++] = history_head_columns[i];
	for (int k = 0; k < LG_EVENT_COUNT; k++)
	{
		columns[n].name = lg_event_names[k];
		columns[n++].since = LG_API_1_0;
	}
	for (int i = 0; i < lengthof(history_tail_columns); i++)
		columns[n++] = history_tail_columns[i];
	built = true;
	return columns;
}

static Datum
lg_history_internal(FunctionCallInfo fcinfo, LgApiVersion api)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	LgSample   *samples;
	TimestampTz oldest_ts;
	int			ncols PG_USED_FOR_ASSERTS_ONLY;
	int			n;

	lg_require_shmem();
	InitMaterializedSRF(fcinfo, 0);
	ncols = lg_view_check_columns(fcinfo, rsinfo->setDesc, api,
								  history_columns(), HISTORY_MAX_COLS);

	n = lg_history_copy(&samples, DT_NOBEGIN, &oldest_ts);
	for (int r = 0; r < n; r++)
	{
		const LgSample *s = &samples[r];
		Datum		values[HISTORY_MAX_COLS];
		bool		nulls[HISTORY_MAX_COLS];
		int			i = 0;

		memset(nulls, 0, sizeof(nulls));
		i += lg_sample_count_datums(s, &values[i]);
		values[i++] = Float8GetDatum(s->oldest_idle_in_transaction_s);
		values[i++] = Float8GetDatum(s->longest_running_query_s);
		values[i++] = Float8GetDatum(s->longest_transaction_s);
		for (int k = 0; k < LG_EVENT_COUNT; k++)
			values[i++] = Int64GetDatum((int64) s->events[k]);
		values[i++] = Int64GetDatum((int64) s->statements);
		values[i++] = Float8GetDatum(s->latency_p50_ms);
		values[i++] = Float8GetDatum(s->latency_p95_ms);
		values[i++] = Float8GetDatum(s->latency_p99_ms);
		values[i++] = Int64GetDatum((int64) s->policy_actions);
		if (api >= LG_API_1_1)
		{
			values[i++] = Int32GetDatum(s->busy_connections);
			values[i++] = Int32GetDatum(s->peak_connections);
		}
		Assert(i == ncols);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/* lg_history (1.0's columns) and lg_history_1_1 */
LG_VIEW_ENTRY_POINTS(lg_history, lg_history_internal);

/*
 * loadguard.history_minutes and loadguard.history_range share one column
 * layout (the names differ: _max in the view, the raw history's names in the
 * range function): ts, samples, covered_s, max_connections,
 * usable_connections, 11 connection figures, 3 ages, the events, statements,
 * 3 percentiles, policy_actions.
 */
#define RANGE_FIRST_EVENT_COL	19
#define RANGE_COLS				(RANGE_FIRST_EVENT_COL + LG_EVENT_COUNT + 5)

static void
lg_range_check_tupdesc(TupleDesc tupdesc, const char *func)
{
	if (tupdesc->natts != RANGE_COLS)
		elog(ERROR, "%s returns %d columns, expected %d", func, tupdesc->natts, RANGE_COLS);
	for (int k = 0; k < LG_EVENT_COUNT; k++)
	{
		const char *attname = NameStr(TupleDescAttr(tupdesc, RANGE_FIRST_EVENT_COL + k)->attname);

		if (strcmp(attname, lg_event_names[k]) != 0)
			elog(ERROR, "%s column \"%s\" should be \"%s\"", func, attname, lg_event_names[k]);
	}
}

/*
 * A minute's float fields go out as real in history_minutes (what they hold)
 * and as double precision in history_range (the raw history's type).
 */
#define FLOAT_DATUM(f) (as_real ? Float4GetDatum(f) : Float8GetDatum((double) (f)))

static void
lg_put_minute(ReturnSetInfo *rsinfo, const LgMinute *m, bool as_real)
{
	Datum		values[RANGE_COLS];
	bool		nulls[RANGE_COLS];
	int			i = 0;

	memset(nulls, 0, sizeof(nulls));
	values[i++] = TimestampTzGetDatum(m->ts);
	values[i++] = Int32GetDatum((int32) m->samples);
	values[i++] = FLOAT_DATUM(m->covered_s);
	values[i++] = Int32GetDatum(m->max_connections);
	values[i++] = Int32GetDatum(m->usable_connections);
	values[i++] = Int32GetDatum(m->client_connections_max);
	values[i++] = FLOAT_DATUM(m->client_connections_avg);
	values[i++] = FLOAT_DATUM(m->usage_pct_max);
	values[i++] = FLOAT_DATUM(m->usage_pct_avg);
	values[i++] = Int32GetDatum(m->active_max);
	values[i++] = Int32GetDatum(m->idle_max);
	values[i++] = Int32GetDatum(m->idle_in_transaction_max);
	values[i++] = Int32GetDatum(m->idle_in_transaction_aborted_max);
	values[i++] = Int32GetDatum(m->waiting_on_lock_max);
	values[i++] = Int32GetDatum(m->busy_connections_max);
	values[i++] = Int32GetDatum(m->busy_connections_p95);
	values[i++] = FLOAT_DATUM(m->oldest_idle_in_transaction_s);
	values[i++] = FLOAT_DATUM(m->longest_running_query_s);
	values[i++] = FLOAT_DATUM(m->longest_transaction_s);
	Assert(i == RANGE_FIRST_EVENT_COL);
	for (int k = 0; k < LG_EVENT_COUNT; k++)
		values[i++] = Int64GetDatum((int64) m->events[k]);
	values[i++] = Int64GetDatum((int64) m->statements);
	values[i++] = FLOAT_DATUM(m->latency_p50_ms);
	values[i++] = FLOAT_DATUM(m->latency_p95_ms);
	values[i++] = FLOAT_DATUM(m->latency_p99_ms);
	values[i++] = Int64GetDatum((int64) m->policy_actions);
	Assert(i == RANGE_COLS);
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
}

/* A raw sample in the same layout: one sample, its own max, avg and p95. */
static void
lg_put_sample(ReturnSetInfo *rsinfo, const LgSample *s, TimestampTz prev_ts)
{
	Datum		values[RANGE_COLS];
	bool		nulls[RANGE_COLS];
	int			i = 0;

	memset(nulls, 0, sizeof(nulls));
	values[i++] = TimestampTzGetDatum(s->ts);
	values[i++] = Int32GetDatum(1);
	if (prev_ts != 0 && prev_ts < s->ts)
		values[i++] = Float8GetDatum((double) (s->ts - prev_ts) / USECS_PER_SEC);
	else
		nulls[i++] = true;
	values[i++] = Int32GetDatum(s->max_connections);
	values[i++] = Int32GetDatum(s->usable_connections);
	values[i++] = Int32GetDatum(s->client_connections);
	values[i++] = Float8GetDatum((double) s->client_connections);
	values[i++] = Float8GetDatum(s->usage_pct);
	values[i++] = Float8GetDatum(s->usage_pct);
	values[i++] = Int32GetDatum(s->active);
	values[i++] = Int32GetDatum(s->idle);
	values[i++] = Int32GetDatum(s->idle_in_transaction);
	values[i++] = Int32GetDatum(s->idle_in_transaction_aborted);
	values[i++] = Int32GetDatum(s->waiting_on_lock);
	values[i++] = Int32GetDatum(s->busy_connections);
	values[i++] = Int32GetDatum(s->busy_connections);
	values[i++] = Float8GetDatum(s->oldest_idle_in_transaction_s);
	values[i++] = Float8GetDatum(s->longest_running_query_s);
	values[i++] = Float8GetDatum(s->longest_transaction_s);
	Assert(i == RANGE_FIRST_EVENT_COL);
	for (int k = 0; k < LG_EVENT_COUNT; k++)
		values[i++] = Int64GetDatum((int64) s->events[k]);
	values[i++] = Int64GetDatum((int64) s->statements);
	values[i++] = Float8GetDatum(s->latency_p50_ms);
	values[i++] = Float8GetDatum(s->latency_p95_ms);
	values[i++] = Float8GetDatum(s->latency_p99_ms);
	values[i++] = Int64GetDatum((int64) s->policy_actions);
	Assert(i == RANGE_COLS);
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
}

/*
 * Rows are copied out of shared memory a chunk at a time into one small
 * buffer: a week of minutes needs no 1.7 MB copy (and its page faults)
 * before the first tuple.
 */
#define RANGE_CHUNK 128

/*
 * With bucket_us above a minute, the minutes of each bucket are folded into
 * one row first (lg_minute_merge): a 7-day panel at a 10-minute
 * $__interval gets 1008 rows, not 10080, with the same sums and maxima.
 */
static void
lg_put_minutes(ReturnSetInfo *rsinfo, TimestampTz from, TimestampTz to, bool as_real,
			   int64 bucket_us)
{
	LgMinute   *buf = palloc(sizeof(LgMinute) * RANGE_CHUNK);
	LgMinute	bucket;

	memset(&bucket, 0, sizeof(bucket));
	for (;;)
	{
		int			n = lg_minutes_copy_chunk(buf, RANGE_CHUNK, from, to);

		for (int r = 0; r < n; r++)
		{
			int64		start;

			if (bucket_us <= LG_ROLLUP_MINUTE_US)
			{
				lg_put_minute(rsinfo, &buf[r], as_real);
				continue;
			}
			start = lg_bucket_start(buf[r].ts, bucket_us);
			if (bucket.samples > 0 && start != bucket.ts)
			{
				lg_put_minute(rsinfo, &bucket, as_real);
				bucket.samples = 0;
			}
			bucket.ts = start;
			lg_minute_merge(&bucket, &buf[r]);
		}
		if (n < RANGE_CHUNK || buf[n - 1].ts >= to)
			break;
		from = buf[n - 1].ts + 1;
	}
	if (bucket.samples > 0)
		lg_put_minute(rsinfo, &bucket, as_real);
	pfree(buf);
}

static void
lg_put_samples(ReturnSetInfo *rsinfo, TimestampTz from, TimestampTz to)
{
	LgSample   *buf = palloc(sizeof(LgSample) * RANGE_CHUNK);
	TimestampTz prev_ts;
	bool		first = true;

	for (;;)
	{
		int			n = lg_history_copy_chunk(buf, RANGE_CHUNK, from, to,
											  first ? &prev_ts : NULL);

		first = false;
		for (int r = 0; r < n; r++)
		{
			lg_put_sample(rsinfo, &buf[r], prev_ts);
			prev_ts = buf[r].ts;
		}
		if (n < RANGE_CHUNK || buf[n - 1].ts >= to)
			break;
		from = buf[n - 1].ts + 1;
	}
	pfree(buf);
}

PG_FUNCTION_INFO_V1(lg_history_minutes_1_1);

Datum
lg_history_minutes_1_1(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;

	lg_require_shmem();
	InitMaterializedSRF(fcinfo, 0);
	lg_range_check_tupdesc(rsinfo->setDesc, "loadguard.get_history_minutes()");

	lg_put_minutes(rsinfo, DT_NOBEGIN, DT_NOEND, true, 0);
	return (Datum) 0;
}

PG_FUNCTION_INFO_V1(lg_history_range_1_1);

/*
 * loadguard.history_range(from, to, resolution): raw samples when the raw
 * ring reaches back to `from`, or when the minutes hold nothing older than
 * the raw ring does (a server younger than the ring); minutes otherwise, or
 * whenever resolution is a minute or more, folded into one row per
 * resolution-wide bucket when it is more.
 */
Datum
lg_history_range_1_1(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	TimestampTz from;
	TimestampTz to;
	bool		want_minutes = false;
	int64		bucket_us = 0;
	bool		use_raw;
	TimestampTz raw_oldest;
	TimestampTz minutes_oldest;

	lg_require_shmem();
	InitMaterializedSRF(fcinfo, 0);
	lg_range_check_tupdesc(rsinfo->setDesc, "loadguard.history_range()");
	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		return (Datum) 0;
	from = PG_GETARG_TIMESTAMPTZ(0);
	to = PG_GETARG_TIMESTAMPTZ(1);
	if (!PG_ARGISNULL(2))
	{
		Interval   *res = PG_GETARG_INTERVAL_P(2);
		double		res_us = (double) res->time +
		((double) res->day + (double) res->month * DAYS_PER_MONTH) * USECS_PER_DAY;

		if (res_us <= 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("resolution must be positive"),
					 errhint("Pass NULL to choose raw samples or minutes from the range.")));
		want_minutes = res_us >= (double) LG_ROLLUP_MINUTE_US;
		/* beyond a year, one bucket is as good as any (and int64-safe) */
		bucket_us = (int64) Min(res_us, 366.0 * USECS_PER_DAY);
	}
	if (to < from)
		return (Datum) 0;

	raw_oldest = lg_history_oldest();
	minutes_oldest = lg_minutes_oldest();
	use_raw = !want_minutes && raw_oldest != 0 &&
		(raw_oldest <= from || minutes_oldest == 0 ||
		 minutes_oldest + LG_ROLLUP_MINUTE_US > raw_oldest);

	if (use_raw)
		lg_put_samples(rsinfo, from, to);
	else
		lg_put_minutes(rsinfo, from, to, false, bucket_us);
	return (Datum) 0;
}
