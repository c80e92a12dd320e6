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
PG_FUNCTION_INFO_V1(lg_history_1_1);

/*
 * loadguard.get_history()'s columns, in order, by the version that added
 * them: these, then one per event kind named as in classify.c's
 * lg_event_names[] (all there since 1.0; a kind added later needs its
 * version here), then history_tail_columns.
 */
static const LgViewColumn history_head_columns[] = {
	{"ts", LG_API_1_0},
	{"max_connections", LG_API_1_0},
	{"usable_connections", LG_API_1_0},
	{"client_connections", LG_API_1_0},
	{"usage_pct", LG_API_1_0},
	{"active", LG_API_1_0},
	{"idle", LG_API_1_0},
	{"idle_in_transaction", LG_API_1_0},
	{"idle_in_transaction_aborted", LG_API_1_0},
	{"waiting_on_lock", LG_API_1_0},
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

/* the 1.0 entry point, 1.0's columns */
Datum
lg_history(PG_FUNCTION_ARGS)
{
	return lg_history_internal(fcinfo, LG_API_1_0);
}

Datum
lg_history_1_1(PG_FUNCTION_ARGS)
{
	return lg_history_internal(fcinfo, LG_API_1_1);
}
