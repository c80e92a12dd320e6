/*
 * views_status.c — loadguard.status: one row, now.  Copies the newest
 * sample and peaks (history module) and the worker's figures (worker
 * module) out, each under its owner's lock, then builds the row.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

#include "audit.h"
#include "events.h"
#include "history.h"
#include "loadguard.h"
#include "statements.h"
#include "views.h"
#include "worker.h"

PG_FUNCTION_INFO_V1(lg_status);
PG_FUNCTION_INFO_V1(lg_status_1_1);

/* loadguard.get_status()'s columns, in order, by the version that added them */
static const LgViewColumn status_columns[] = {
	LG_SAMPLE_COUNT_COLUMNS("sampled_at"),
	{"oldest_idle_in_transaction", LG_API_1_0},
	{"longest_running_query", LG_API_1_0},
	{"longest_transaction", LG_API_1_0},
	{"peak_connections", LG_API_1_0},
	{"peak_at", LG_API_1_0},
	{"connections_established", LG_API_1_0},
	{"rejected_connections", LG_API_1_0},
	{"refusal_pct", LG_API_1_0},
	{"statement_timeouts", LG_API_1_0},
	{"statements_per_s", LG_API_1_0},
	{"latency_p95_ms", LG_API_1_0},
	{"policy_cancels", LG_API_1_0},
	{"policy_terminations", LG_API_1_0},
	{"worker_pid", LG_API_1_0},
	{"last_tick_at", LG_API_1_0},
	{"tick_avg_us", LG_API_1_0},
	{"tick_max_us", LG_API_1_0},
	{"ticks_late", LG_API_1_0},
	{"ticks", LG_API_1_0},
	{"stats_reset", LG_API_1_0},
	{"busy_connections", LG_API_1_1},
};

/* the newest sample's columns: its counts, then three ages */
#define STATUS_SAMPLE_COLS (LG_SAMPLE_COUNT_COLS + 3)

#define STATUS_MAX_COLS lengthof(status_columns)

static Datum
lg_status_internal(FunctionCallInfo fcinfo, LgApiVersion api)
{
	LgCurrent	core;
	LgWorkerState worker;
	TupleDesc	tupdesc;
	Datum		values[STATUS_MAX_COLS];
	bool		nulls[STATUS_MAX_COLS];
	int			ncols PG_USED_FOR_ASSERTS_ONLY;
	int			i = 0;
	uint64		established;
	uint64		rejected;
	double		statements_per_s;
	double		latency_p95_ms;
	uint64		cancels;
	uint64		terminations;

	lg_require_shmem();
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	ncols = lg_view_check_columns(fcinfo, tupdesc, api, status_columns, lengthof(status_columns));

	lg_history_current(&core);
	lg_worker_read(&worker);

	established = lg_events_total(LG_EV_CONNECTIONS_ESTABLISHED);
	rejected = lg_events_refused_total();
	lg_statements_last_minute(&statements_per_s, &latency_p95_ms);
	lg_policy_counts(&cancels, &terminations);

	memset(nulls, 0, sizeof(nulls));

	/* the newest sample; NULL until the worker has taken one */
	if (core.have_sample)
	{
		LgSample   *s = &core.sample;

		i += lg_sample_count_datums(s, &values[i]);
		values[i++] = lg_interval_datum(s->oldest_idle_in_transaction_s);
		values[i++] = lg_interval_datum(s->longest_running_query_s);
		values[i++] = lg_interval_datum(s->longest_transaction_s);
	}
	else
	{
		for (int k = 0; k < STATUS_SAMPLE_COLS; k++)
			nulls[i++] = true;
	}

	values[i++] = Int32GetDatum(core.peak_connections);
	if (core.peak_at != 0)
		values[i++] = TimestampTzGetDatum(core.peak_at);
	else
		nulls[i++] = true;
	values[i++] = Int64GetDatum((int64) established);
	values[i++] = Int64GetDatum((int64) rejected);
	if (established + rejected > 0)
		values[i++] = Float8GetDatum(100.0 * (double) rejected / (double) (established + rejected));
	else
		nulls[i++] = true;
	values[i++] = Int64GetDatum((int64) lg_events_total(LG_EV_STATEMENT_TIMEOUT));
	values[i++] = Float8GetDatum(statements_per_s);
	values[i++] = Float8GetDatum(latency_p95_ms);
	values[i++] = Int64GetDatum((int64) cancels);
	values[i++] = Int64GetDatum((int64) terminations);

	/* the worker's own health */
	if (worker.worker_pid != 0)
		values[i++] = Int32GetDatum(worker.worker_pid);
	else
		nulls[i++] = true;
	if (worker.last_tick_at != 0)
		values[i++] = TimestampTzGetDatum(worker.last_tick_at);
	else
		nulls[i++] = true;
	values[i++] = Float8GetDatum(worker.ticks > 0 ? worker.tick_total_us / (double) worker.ticks : 0.0);
	values[i++] = Float8GetDatum(worker.tick_max_us);
	values[i++] = Int64GetDatum((int64) worker.ticks_late);
	values[i++] = Int64GetDatum((int64) worker.ticks);
	values[i++] = TimestampTzGetDatum(core.stats_reset);
	if (api >= LG_API_1_1)
	{
		if (core.have_sample)
			values[i++] = Int32GetDatum(core.sample.busy_connections);
		else
			nulls[i++] = true;
	}

	Assert(i == ncols);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

/* lg_status (1.0's columns) and lg_status_1_1 */
LG_VIEW_ENTRY_POINTS(lg_status, lg_status_internal);
