/*
 * views_history.c — loadguard.history: every sample the ring holds, oldest
 * first; loadguard.history_minutes and history_range.  The rings are copied
 * out a chunk at a time under their locks (lg_history_copy_chunk,
 * lg_minutes_copy_chunk); the rows are built afterwards.
 */
#include "postgres.h"

#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
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

/*
 * Rows are copied out of shared memory RANGE_CHUNK samples at a time, their
 * figures only (the roles are not needed here), into one small buffer: no
 * copy of the whole ring before the first row.
 */
#define RANGE_CHUNK 128

static void lg_put_history_row(ReturnSetInfo *rsinfo, const LgSample *s, LgApiVersion api,
							   int ncols);

/*
 * The rows of every history read are built in one memory context per
 * backend, lg_rows, rather than in the query's.  Building them costs mostly
 * page faults: each read fills fresh memory (a week of minutes is 10080 rows,
 * 3.5 MB), which malloc returns to the kernel when the query ends, and a
 * fault costs microseconds on a virtual machine.  lg_rows is a generation
 * context (rows stored at their size, where the per-query context would
 * round a ~330-byte row up to 512 bytes) whose first block, LG_ROWS_KEEP
 * bytes, is kept across queries: the next read writes into pages already
 * mapped.  A backend that has read the history thus keeps up to
 * LG_ROWS_KEEP of memory.
 *
 * The tuplestore is ended by the executor as usual.  Each query that put
 * rows there registers a callback on its per-query context (run when the
 * query ends, normally or by an error); when the last of them is gone,
 * lg_rows is reset, which frees whatever an aborted query left behind and
 * keeps the first block.
 */
#define LG_ROWS_KEEP	(4 * 1024 * 1024)

static MemoryContext lg_rows = NULL;
static int	lg_rows_queries = 0;	/* queries whose rows are in lg_rows */

static void
lg_rows_query_done(void *arg)
{
	if (--lg_rows_queries == 0)
		MemoryContextReset(lg_rows);
}

/* InitMaterializedSRF, with the tuplestore in lg_rows */
static void
lg_init_rows_srf(FunctionCallInfo fcinfo)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	MemoryContext per_query;
	MemoryContextCallback *done;
	MemoryContext old;

	InitMaterializedSRF(fcinfo, 0);
	per_query = rsinfo->econtext->ecxt_per_query_memory;
	if (lg_rows == NULL)
		lg_rows = GenerationContextCreate(TopMemoryContext, "loadguard history rows",
										  LG_ROWS_KEEP, ALLOCSET_DEFAULT_INITSIZE,
										  ALLOCSET_DEFAULT_MAXSIZE);
	done = MemoryContextAlloc(per_query, sizeof(MemoryContextCallback));
	done->func = lg_rows_query_done;
	done->arg = NULL;
	MemoryContextRegisterResetCallback(per_query, done);
	lg_rows_queries++;

	old = MemoryContextSwitchTo(lg_rows);
	tuplestore_end(rsinfo->setResult);
	rsinfo->setResult = tuplestore_begin_heap((rsinfo->allowedModes & SFRM_Materialize_Random) != 0,
											  false, work_mem);
	MemoryContextSwitchTo(old);
}

static Datum
lg_history_internal(FunctionCallInfo fcinfo, LgApiVersion api)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	LgSample   *buf;
	TimestampTz from = DT_NOBEGIN;
	int			ncols;

	lg_require_shmem();
	lg_init_rows_srf(fcinfo);
	ncols = lg_view_check_columns(fcinfo, rsinfo->setDesc, api,
								  history_columns(), HISTORY_MAX_COLS);

	buf = palloc(sizeof(LgSample) * RANGE_CHUNK);
	for (;;)
	{
		int			n = lg_history_copy_chunk(buf, RANGE_CHUNK, from, DT_NOEND, NULL);

		CHECK_FOR_INTERRUPTS();
		for (int r = 0; r < n; r++)
			lg_put_history_row(rsinfo, &buf[r], api, ncols);
		if (n < RANGE_CHUNK)
			break;
		from = buf[n - 1].ts + 1;
	}
	pfree(buf);
	return (Datum) 0;
}

static void
lg_put_history_row(ReturnSetInfo *rsinfo, const LgSample *s, LgApiVersion api, int ncols)
{
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
	if (i != ncols)
		elog(ERROR, "loadguard.history row has %d columns, expected %d", i, ncols);
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
}

/* lg_history (1.0's columns) and lg_history_1_1 */
LG_VIEW_ENTRY_POINTS(lg_history, lg_history_internal);

/*
 * loadguard.history_minutes and loadguard.history_range share one column
 * layout, described once by the tables below: per column, its name in each
 * (history_range uses the raw history's names, so one query works at both
 * resolutions; history_minutes says _max where a minute holds a maximum),
 * its SQL type, and where its value comes from in a minute (LgMinute) and
 * in a raw sample (LgSample) shown as a minute of one sample: the sample's
 * own figure stands for the minute's maximum, average and p95.  The event
 * columns come between the two tables, named as in lg_event_names[]; busy
 * connections come after policy_actions, where loadguard.history has them,
 * so the columns the three views share come in the same order.
 *
 * A field's C type is taken from the struct (LG_FIELD_OF), so a table entry
 * cannot misread a field; floats go out as real in history_minutes (what a
 * minute holds) and as double precision in history_range (the raw history's
 * type).
 */
typedef enum LgRangeField
{
	LG_RF_INT64,
	LG_RF_INT32,
	LG_RF_UINT32,
	LG_RF_UINT64,
	LG_RF_FLOAT,
	LG_RF_DOUBLE,
	LG_RF_ONE,					/* a raw sample: one sample */
	LG_RF_SINCE_PREVIOUS		/* a raw sample: seconds since the one before,
								 * NULL for the first one read */
} LgRangeField;

typedef enum LgRangeType
{
	LG_RT_TIMESTAMPTZ,
	LG_RT_INT4,
	LG_RT_INT8,
	LG_RT_FLOAT					/* real or double precision, see above */
} LgRangeType;

typedef struct LgRangeSource
{
	LgRangeField field;
	size_t		offset;
} LgRangeSource;

typedef struct LgRangeColumn
{
	const char *range_name;
	const char *minutes_name;
	LgRangeType type;
	LgRangeSource minute;
	LgRangeSource sample;
} LgRangeColumn;

#define LG_FIELD_OF(type, member) \
	{_Generic(((type *) NULL)->member, \
			  int64_t: LG_RF_INT64, int32_t: LG_RF_INT32, uint32_t: LG_RF_UINT32, \
			  uint64_t: LG_RF_UINT64, float: LG_RF_FLOAT, double: LG_RF_DOUBLE), \
	 offsetof(type, member)}
#define MINUTE(member)	LG_FIELD_OF(LgMinute, member)
#define SAMPLE(member)	LG_FIELD_OF(LgSample, member)

/* A figure named alike in both, the same field in a minute and a sample. */
#define SAME(name, type)	{#name, #name, type, MINUTE(name), SAMPLE(name)}

/* A count whose minute holds its maximum: name in range, name_max in minutes. */
#define MAXIMUM(name)	{#name, #name "_max", LG_RT_INT4, MINUTE(name##_max), SAMPLE(name)}

static const LgRangeColumn range_head_columns[] = {
	SAME(ts, LG_RT_TIMESTAMPTZ),
	{"samples", "samples", LG_RT_INT4, MINUTE(samples), {LG_RF_ONE, 0}},
	{"covered_s", "covered_s", LG_RT_FLOAT, MINUTE(covered_s), {LG_RF_SINCE_PREVIOUS, 0}},
	SAME(max_connections, LG_RT_INT4),
	SAME(usable_connections, LG_RT_INT4),
	MAXIMUM(client_connections),
	{"client_connections_avg", "client_connections_avg", LG_RT_FLOAT,
	MINUTE(client_connections_avg), SAMPLE(client_connections)},
	{"usage_pct", "usage_pct_max", LG_RT_FLOAT, MINUTE(usage_pct_max), SAMPLE(usage_pct)},
	{"usage_pct_avg", "usage_pct_avg", LG_RT_FLOAT, MINUTE(usage_pct_avg), SAMPLE(usage_pct)},
	MAXIMUM(active),
	MAXIMUM(idle),
	MAXIMUM(idle_in_transaction),
	MAXIMUM(idle_in_transaction_aborted),
	MAXIMUM(waiting_on_lock),
	SAME(oldest_idle_in_transaction_s, LG_RT_FLOAT),
	SAME(longest_running_query_s, LG_RT_FLOAT),
	SAME(longest_transaction_s, LG_RT_FLOAT),
};

static const LgRangeColumn range_tail_columns[] = {
	SAME(statements, LG_RT_INT8),
	SAME(latency_p50_ms, LG_RT_FLOAT),
	SAME(latency_p95_ms, LG_RT_FLOAT),
	SAME(latency_p99_ms, LG_RT_FLOAT),
	SAME(policy_actions, LG_RT_INT8),
	{"busy_connections", "busy_connections_max", LG_RT_INT4,
	MINUTE(busy_connections_max), SAMPLE(busy_connections)},
	{"busy_connections_p95", "busy_connections_p95", LG_RT_INT4,
	MINUTE(busy_connections_p95), SAMPLE(busy_connections)},
};

#define RANGE_COLS \
	(lengthof(range_head_columns) + LG_EVENT_COUNT + lengthof(range_tail_columns))

/* Column i of the layout: its table entry, or NULL for an event column. */
static const LgRangeColumn *
lg_range_column(int i)
{
	if (i < lengthof(range_head_columns))
		return &range_head_columns[i];
	if (i < lengthof(range_head_columns) + LG_EVENT_COUNT)
		return NULL;
	return &range_tail_columns[i - lengthof(range_head_columns) - LG_EVENT_COUNT];
}

/* Column i's name in history_range (for_minutes false) or history_minutes. */
static const char *
lg_range_column_name(int i, bool for_minutes)
{
	const LgRangeColumn *c = lg_range_column(i);

	if (c == NULL)
		return lg_event_names[i - lengthof(range_head_columns)];
	return for_minutes ? c->minutes_name : c->range_name;
}

static void
lg_range_check_tupdesc(TupleDesc tupdesc, const char *func, bool for_minutes)
{
	if (tupdesc->natts != RANGE_COLS)
		elog(ERROR, "%s returns %d columns, expected %d", func, tupdesc->natts,
			 (int) RANGE_COLS);
	for (int i = 0; i < RANGE_COLS; i++)
	{
		const char *attname = NameStr(TupleDescAttr(tupdesc, i)->attname);
		const char *expected = lg_range_column_name(i, for_minutes);

		if (strcmp(attname, expected) != 0)
			elog(ERROR, "%s column %d is \"%s\", expected \"%s\"",
				 func, i + 1, attname, expected);
	}
}

/*
 * The datum of one column of a range row, read from row (an LgMinute or an
 * LgSample, whichever source describes); prev_ts is the previous sample's
 * ts (0: none) for LG_RF_SINCE_PREVIOUS.
 */
static Datum
lg_range_datum(const LgRangeColumn *c, const LgRangeSource *source, const char *row,
			   TimestampTz prev_ts, bool as_real, bool *isnull)
{
	const char *field = row + source->offset;
	int64		whole = 0;
	double		fraction = 0;
	bool		is_whole = true;

	*isnull = false;
	switch (source->field)
	{
		case LG_RF_INT64:
			whole = *(const int64_t *) field;
			break;
		case LG_RF_INT32:
			whole = *(const int32_t *) field;
			break;
		case LG_RF_UINT32:
			whole = *(const uint32_t *) field;
			break;
		case LG_RF_UINT64:
			whole = (int64) *(const uint64_t *) field;
			break;
		case LG_RF_FLOAT:
			fraction = *(const float *) field;
			is_whole = false;
			break;
		case LG_RF_DOUBLE:
			fraction = *(const double *) field;
			is_whole = false;
			break;
		case LG_RF_ONE:
			whole = 1;
			break;
		case LG_RF_SINCE_PREVIOUS:
			{
				TimestampTz ts = ((const LgSample *) row)->ts;

				if (prev_ts == 0 || prev_ts >= ts)
				{
					*isnull = true;
					return (Datum) 0;
				}
				fraction = (double) (ts - prev_ts) / USECS_PER_SEC;
				is_whole = false;
			}
			break;
	}

	switch (c->type)
	{
		case LG_RT_TIMESTAMPTZ:
			return TimestampTzGetDatum(whole);
		case LG_RT_INT4:
			return Int32GetDatum((int32) whole);
		case LG_RT_INT8:
			return Int64GetDatum(whole);
		case LG_RT_FLOAT:
			if (is_whole)
				fraction = (double) whole;
			if (as_real)
				return Float4GetDatum((float4) fraction);
			return Float8GetDatum(fraction);
	}
	elog(ERROR, "unknown range column type %d", (int) c->type);
	return (Datum) 0;			/* keep the compiler quiet */
}

/*
 * One row of history_minutes or history_range: a minute (sample NULL) or a
 * raw sample (minute NULL), in the tables' layout.
 */
static void
lg_put_range_row(ReturnSetInfo *rsinfo, const LgMinute *minute, const LgSample *sample,
				 TimestampTz prev_ts, bool as_real)
{
	const char *row = minute ? (const char *) minute : (const char *) sample;
	const uint32_t *events = minute ? minute->events : sample->events;
	Datum		values[RANGE_COLS];
	bool		nulls[RANGE_COLS];

	for (int i = 0; i < RANGE_COLS; i++)
	{
		const LgRangeColumn *c = lg_range_column(i);

		nulls[i] = false;
		if (c == NULL)
			values[i] = Int64GetDatum((int64) events[i - lengthof(range_head_columns)]);
		else
			values[i] = lg_range_datum(c, minute ? &c->minute : &c->sample, row, prev_ts,
									   as_real, &nulls[i]);
	}
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
}

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

		CHECK_FOR_INTERRUPTS();
		for (int r = 0; r < n; r++)
		{
			int64		start;

			if (bucket_us <= LG_ROLLUP_MINUTE_US)
			{
				lg_put_range_row(rsinfo, &buf[r], NULL, 0, as_real);
				continue;
			}
			start = lg_bucket_start(buf[r].ts, bucket_us);
			if (bucket.samples > 0 && start != bucket.ts)
			{
				lg_put_range_row(rsinfo, &bucket, NULL, 0, as_real);
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
		lg_put_range_row(rsinfo, &bucket, NULL, 0, as_real);
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

		CHECK_FOR_INTERRUPTS();
		first = false;
		for (int r = 0; r < n; r++)
		{
			lg_put_range_row(rsinfo, NULL, &buf[r], prev_ts, false);
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
	lg_init_rows_srf(fcinfo);
	lg_range_check_tupdesc(rsinfo->setDesc, "loadguard.get_history_minutes()", true);

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
	lg_init_rows_srf(fcinfo);
	lg_range_check_tupdesc(rsinfo->setDesc, "loadguard.history_range()", false);
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
