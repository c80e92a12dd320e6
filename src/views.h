/*
 * views.h — small helpers shared by the SQL-callable functions behind
 * loadguard's views.
 */
#ifndef LG_VIEWS_H
#define LG_VIEWS_H

#include "datatype/timestamp.h"
#include "utils/timestamp.h"

#include "access/tupdesc.h"
#include "fmgr.h"

#include "api_version.h"
#include "readiness.h"
#include "sample.h"
#include "settings_rules.h"

/* views_config.c: search_path pinned to pg_catalog around catalog queries */
extern int	lg_pin_search_path(void);
extern void lg_unpin_search_path(int nestlevel);

/* views_config.c: every setting the rules judge, shared by readiness() */
extern void lg_settings_input_fill(LgSettingsInput *in, Oid app_role,
								   const char *app_role_name, int64 ram_bytes,
								   double lookback_s);

/*
 * views_readiness.c: a lookback interval in seconds (a month is 30 days),
 * computed in double because a long interval's months in microseconds
 * overflow int64; raises an error unless it is positive
 */
extern double lg_lookback_seconds(const Interval *lookback);

/* views_readiness.c: this machine's RAM (cgroup limit applied) */
extern int64 lg_machine_ram_bytes(void);

/*
 * views_readiness.c: the model for U users, no baseline, default lookback,
 * as readiness(users, NULL, '15 minutes', app_role) runs it
 */
extern void lg_readiness_for_users(int32 users, Oid app_role, const char *app_role_name,
								   LgReadinessInput *in, LgReadinessResult *result);

/*
 * The two exported entry points of a view function whose columns changed in
 * 1.1 (api_version.h): fn returns 1.0's columns, fn_1_1 1.1's, both through
 * internal(fcinfo, version).  Each still needs its PG_FUNCTION_INFO_V1.
 */
#define LG_VIEW_ENTRY_POINTS(fn, internal) \
	Datum fn(PG_FUNCTION_ARGS) { return internal(fcinfo, LG_API_1_0); } \
	Datum fn##_1_1(PG_FUNCTION_ARGS) { return internal(fcinfo, LG_API_1_1); } \
	extern int	no_such_variable

/*
 * Raises an error unless tupdesc, the row type the calling function was
 * declared with, has the columns of API version api; returns their number.
 */
extern int	lg_view_check_columns(FunctionCallInfo fcinfo, TupleDesc tupdesc,
								  LgApiVersion api, const LgViewColumn *columns,
								  int ncolumns);

/* An interval of the given seconds, for columns meant for people. */
static inline Datum
lg_interval_datum(double seconds)
{
	Interval   *result = (Interval *) palloc0(sizeof(Interval));

	result->time = (TimeOffset) (seconds * USECS_PER_SEC);
	return IntervalPGetDatum(result);
}

/*
 * The sampled counts that loadguard.status and loadguard.history both start
 * with, in the same column order: ts, max_connections, usable_connections,
 * client_connections, usage_pct, active, idle, idle_in_transaction,
 * idle_in_transaction_aborted, waiting_on_lock.  Returns the columns filled.
 */
#define LG_SAMPLE_COUNT_COLS 10

/* Those columns in a view's LgViewColumn table; ts is the first's name. */
#define LG_SAMPLE_COUNT_COLUMNS(ts) \
	{ts, LG_API_1_0}, \
	{"max_connections", LG_API_1_0}, \
	{"usable_connections", LG_API_1_0}, \
	{"client_connections", LG_API_1_0}, \
	{"usage_pct", LG_API_1_0}, \
	{"active", LG_API_1_0}, \
	{"idle", LG_API_1_0}, \
	{"idle_in_transaction", LG_API_1_0}, \
	{"idle_in_transaction_aborted", LG_API_1_0}, \
	{"waiting_on_lock", LG_API_1_0}

static inline int
lg_sample_count_datums(const LgSample *s, Datum *values)
{
	int			i = 0;

	values[i++] = TimestampTzGetDatum(s->ts);
	values[i++] = Int32GetDatum(s->max_connections);
	values[i++] = Int32GetDatum(s->usable_connections);
	values[i++] = Int32GetDatum(s->client_connections);
	values[i++] = Float8GetDatum(s->usage_pct);
	values[i++] = Int32GetDatum(s->active);
	values[i++] = Int32GetDatum(s->idle);
	values[i++] = Int32GetDatum(s->idle_in_transaction);
	values[i++] = Int32GetDatum(s->idle_in_transaction_aborted);
	values[i++] = Int32GetDatum(s->waiting_on_lock);
	Assert(i == LG_SAMPLE_COUNT_COLS);
	return i;
}

#endif							/* LG_VIEWS_H */
