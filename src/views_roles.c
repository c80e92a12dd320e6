/*
 * views_roles.c — loadguard.roles (loadguard.get_roles(lookback)): one row
 * per role with client connections now or in the lookback: connections and
 * busy now, peaks and p95 of busy over the lookback, connection churn,
 * median connection age, connections established and refused since reset,
 * and the range of effective timeouts its sessions run with.
 *
 * Visibility: counts are aggregates, shown to everyone like
 * loadguard.status; the timeouts are aggregated only over sessions whose
 * state the reader may see in pg_stat_activity (roles.c), NULL if none.
 */
#include "postgres.h"

#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

#include "loadguard.h"
#include "roles.h"
#include "views.h"
#include "visibility.h"

PG_FUNCTION_INFO_V1(lg_roles_1_1);

#define ROLES_COLS 22

static void
put_timeout(Datum *values, bool *nulls, int *i, const LgRoleObservation *o,
			int32 min_ms, int32 max_ms)
{
	if (o->ntimeouts > 0)
	{
		values[*i] = Int32GetDatum(min_ms);
		values[*i + 1] = Int32GetDatum(max_ms);
	}
	else
		nulls[*i] = nulls[*i + 1] = true;
	*i += 2;
}

static void
put_count(Datum *values, bool *nulls, int *i, int64 v)
{
	if (v >= 0)
		values[*i] = Int64GetDatum(v);
	else
		nulls[*i] = true;
	(*i)++;
}

Datum
lg_roles_1_1(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	TimestampTz now = GetCurrentTimestamp();
	double		lookback_us;
	LgRoleObservation *obs;
	TimestampTz oldest_ts;
	TimestampTz since;
	LgReader	reader;
	int			n;

	lg_require_shmem();
	if (PG_ARGISNULL(0))
		lookback_us = (double) lg_roles_lookback_s * USECS_PER_SEC;
	else
		lookback_us = lg_lookback_seconds(PG_GETARG_INTERVAL_P(0)) * USECS_PER_SEC;
	InitMaterializedSRF(fcinfo, 0);

	/* longer than the history can hold: all of it (from 2000-01-01) */
	since = lookback_us < (double) now ? now - (TimestampTz) lookback_us : 0;
	lg_reader_init(&reader);
	n = lg_roles_observe(since, &reader, &obs, &oldest_ts);

	for (int r = 0; r < n; r++)
	{
		const LgRoleObservation *o = &obs[r];
		Datum		values[ROLES_COLS];
		bool		nulls[ROLES_COLS];
		char	   *name = GetUserNameFromId(o->roleid, true);
		int			i = 0;

		memset(nulls, 0, sizeof(nulls));
		values[i++] = CStringGetTextDatum(name ? name : psprintf("%u", o->roleid));
		values[i++] = Int32GetDatum(o->connections);
		values[i++] = Int32GetDatum(o->busy);
		values[i++] = Int32GetDatum(o->lookback.peak_connections);
		values[i++] = Int32GetDatum(o->lookback.peak_busy);
		values[i++] = Int32GetDatum(o->lookback.p95_busy);
		if (o->median_connection_age_s >= 0)
			values[i++] = lg_interval_datum(o->median_connection_age_s);
		else
			nulls[i++] = true;
		put_count(values, nulls, &i, o->established);
		put_count(values, nulls, &i, o->refused);
		put_timeout(values, nulls, &i, o, o->min_timeouts.statement_timeout_ms,
					o->max_timeouts.statement_timeout_ms);
		put_timeout(values, nulls, &i, o, o->min_timeouts.idle_in_transaction_session_timeout_ms,
					o->max_timeouts.idle_in_transaction_session_timeout_ms);
		put_timeout(values, nulls, &i, o, o->min_timeouts.idle_session_timeout_ms,
					o->max_timeouts.idle_session_timeout_ms);
		put_timeout(values, nulls, &i, o, o->min_timeouts.lock_timeout_ms,
					o->max_timeouts.lock_timeout_ms);
		values[i++] = Int64GetDatum(o->lookback.established);
		values[i++] = Int64GetDatum(o->lookback.ended);
		values[i++] = Int64GetDatum(o->lookback.short_lived);
		/* what the history actually covers of the lookback */
		values[i++] = lg_interval_datum((double) (now - Max(since, oldest_ts != 0 ? oldest_ts : now)) /
										USECS_PER_SEC);
		/* authentication and backend start of its connections, on average */
		if (o->lookback.connect_count > 0)
			values[i++] = lg_interval_datum((double) o->lookback.connect_us /
											o->lookback.connect_count / USECS_PER_SEC);
		else
			nulls[i++] = true;
		Assert(i == ROLES_COLS);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}
