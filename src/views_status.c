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

#define STATUS_COLS 30
/* the newest sample's columns: its counts, then three ages */
#define STATUS_SAMPLE_COLS (LG_SAMPLE_COUNT_COLS + 3)

Datum
lg_status(PG_FUNCTION_ARGS)
{
	LgCurrent	core;
	LgWorkerState worker;
	TupleDesc	tupdesc;
	Datum		values[STATUS_COLS];
	bool		nulls[STATUS_COLS];
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

	Assert(i == STATUS_COLS);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}
