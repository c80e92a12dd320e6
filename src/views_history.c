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
#include "loadguard.h"
#include "views.h"

PG_FUNCTION_INFO_V1(lg_history);

#define HISTORY_FIRST_EVENT_COL	13
#define HISTORY_COLS			(HISTORY_FIRST_EVENT_COL + LG_EVENT_COUNT + 5)

/* The SQL column list must name the events exactly as classify.c does. */
static void
lg_history_check_tupdesc(TupleDesc tupdesc)
{
	if (tupdesc->natts != HISTORY_COLS)
		elog(ERROR, "loadguard.get_history() returns %d columns, expected %d",
			 tupdesc->natts, HISTORY_COLS);
	for (int k = 0; k < LG_EVENT_COUNT; k++)
	{
		const char *attname = NameStr(TupleDescAttr(tupdesc, HISTORY_FIRST_EVENT_COL + k)->attname);

		if (strcmp(attname, lg_event_names[k]) != 0)
			elog(ERROR, "loadguard.get_history() column \"%s\" should be \"%s\"",
				 attname, lg_event_names[k]);
	}
}

Datum
lg_history(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	LgSample   *samples;
	TimestampTz oldest_ts;
	int			n;

	lg_require_shmem();
	InitMaterializedSRF(fcinfo, 0);
	lg_history_check_tupdesc(rsinfo->setDesc);

	n = lg_history_copy(&samples, DT_NOBEGIN, &oldest_ts);
	for (int r = 0; r < n; r++)
	{
		const LgSample *s = &samples[r];
		Datum		values[HISTORY_COLS];
		bool		nulls[HISTORY_COLS];
		int			i = 0;

		memset(nulls, 0, sizeof(nulls));
		i += lg_sample_count_datums(s, &values[i]);
		values[i++] = Float8GetDatum(s->oldest_idle_in_transaction_s);
		values[i++] = Float8GetDatum(s->longest_running_query_s);
		values[i++] = Float8GetDatum(s->longest_transaction_s);
		Assert(i == HISTORY_FIRST_EVENT_COL);
		for (int k = 0; k < LG_EVENT_COUNT; k++)
			values[i++] = Int64GetDatum((int64) s->events[k]);
		values[i++] = Int64GetDatum((int64) s->statements);
		values[i++] = Float8GetDatum(s->latency_p50_ms);
		values[i++] = Float8GetDatum(s->latency_p95_ms);
		values[i++] = Float8GetDatum(s->latency_p99_ms);
		values[i++] = Int64GetDatum((int64) s->policy_actions);
		Assert(i == HISTORY_COLS);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}
