/*
 * views_readiness.c — the SQL glue of the readiness model:
 * loadguard.readiness(), readiness_summary(), the readiness view's row, and
 * loadguard.machine().
 *
 * Turns arguments, settings (with the application role's own overrides
 * from pg_db_role_setting, read by overrides.c), the machine and the history window into an
 * LgReadinessInput, runs the plain-C model (readiness.c), and returns its
 * rows.  The history is copied out by lg_history_copy(), which takes and
 * releases the history lock itself; nothing here touches shared memory
 * directly.
 */
#include "postgres.h"

#include <math.h>
#include <unistd.h>

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "postmaster/autovacuum.h"
#include "storage/bufmgr.h"
#include "storage/proc.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/timestamp.h"

#include "compat.h"
#include "connect_cost.h"
#include "events.h"
#include "history.h"
#include "loadguard.h"
#include "machine.h"
#include "overrides.h"
#include "readiness.h"
#include "views.h"

PG_FUNCTION_INFO_V1(lg_readiness);
PG_FUNCTION_INFO_V1(lg_readiness_summary);
PG_FUNCTION_INFO_V1(lg_readiness_summary_1_1);
PG_FUNCTION_INFO_V1(lg_readiness_target);
PG_FUNCTION_INFO_V1(lg_readiness_target_1_1);
PG_FUNCTION_INFO_V1(lg_machine);

/* what readiness() and readiness_summary() were asked */
typedef struct ReadinessArgs
{
	int32		users;
	int32		baseline_users; /* 0: none */
	double		lookback_s;
	Oid			app_role;		/* InvalidOid: none */
	const char *app_role_name;
} ReadinessArgs;

/* ---------------------------------------------------------------- machine */

/* RAM and cores of this machine, with the cgroup limit applied */
static void
read_machine(LgMachine *m)
{
	long		pages = sysconf(_SC_PHYS_PAGES);
	long		page_size = sysconf(_SC_PAGESIZE);
	long		cores = sysconf(_SC_NPROCESSORS_ONLN);

	lg_machine_read("",
					pages > 0 && page_size > 0 ? (int64) pages * page_size : 0,
					cores > 0 ? (int32) cores : 0, m);
}

Datum
lg_machine(PG_FUNCTION_ARGS)
{
	LgMachine	m;
	TupleDesc	tupdesc;
	Datum		values[5];
	bool		nulls[5] = {false, false, false, false, false};

	lg_require_shmem();
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	read_machine(&m);

	values[0] = Int64GetDatum(m.ram_bytes);
	values[1] = Int64GetDatum(m.physical_ram_bytes);
	if (m.cgroup_limit_bytes > 0)
		values[2] = Int64GetDatum(m.cgroup_limit_bytes);
	else
		nulls[2] = true;
	values[3] = CStringGetTextDatum(m.ram_source);
	values[4] = Int32GetDatum(m.cpu_cores);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

int64
lg_machine_ram_bytes(void)
{
	LgMachine	m;

	read_machine(&m);
	return m.ram_bytes;
}

/* --------------------------------------------------------------- arguments */

static int32
users_arg(FunctionCallInfo fcinfo, int argno, const char *name, bool nullable)
{
	int32		value;

	if (PG_ARGISNULL(argno))
	{
		if (nullable)
			return 0;
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must not be NULL", name),
				 errhint("Pass the number of concurrent users, between 1 and %d.",
						 LG_READINESS_MAX_USERS)));
	}
	value = PG_GETARG_INT32(argno);
	if (value < 1 || value > LG_READINESS_MAX_USERS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be between 1 and %d", name, LG_READINESS_MAX_USERS),
				 errdetail("The value given was %d.", value)));
	return value;
}

double
lg_lookback_seconds(const Interval *lookback)
{
	double		seconds = (double) lookback->time / USECS_PER_SEC +
	(double) lookback->day * SECS_PER_DAY +
	(double) lookback->month * DAYS_PER_MONTH * SECS_PER_DAY;

	if (seconds <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("lookback must be a positive interval"),
				 errdetail("The value given was %s.",
						   DatumGetCString(DirectFunctionCall1(interval_out,
															   IntervalPGetDatum(lookback))))));
	return seconds;
}

static void
parse_args(FunctionCallInfo fcinfo, ReadinessArgs *args)
{
	memset(args, 0, sizeof(*args));
	args->users = users_arg(fcinfo, 0, "users", false);
	args->baseline_users = users_arg(fcinfo, 1, "baseline_users", true);

	if (PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("lookback must not be NULL"),
				 errhint("Pass the interval that contains the baseline run, such as '15 minutes'.")));
	args->lookback_s = lg_lookback_seconds(PG_GETARG_INTERVAL_P(2));

	if (!PG_ARGISNULL(3))
	{
		char	   *name = NameStr(*PG_GETARG_NAME(3));

		args->app_role = get_role_oid(name, true);
		if (!OidIsValid(args->app_role))
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_OBJECT),
					 errmsg("app_role \"%s\" does not exist", name)));
		args->app_role_name = pstrdup(name);
	}
}

/* ------------------------------------------------------------------ settings */

/*
 * The application role's own work_mem, as its sessions will see it:
 * database-wide, then role, then role-in-database overrides, each on top
 * of this session's value.  (Its timeouts are settings_rules.c's input,
 * filled by lg_settings_input_fill.)
 */
static void
apply_role_settings(const ReadinessArgs *args, const LgOverride *overrides, int n,
					LgReadinessInput *in)
{
	if (!OidIsValid(args->app_role))
		return;

	/* database-wide (rank 1), then role (2), then role in database (3) */
	for (int rank = 1; rank <= 3; rank++)
	{
		for (int i = 0; i < n; i++)
		{
			const LgOverride *o = &overrides[i];
			bool		for_role = o->role == args->app_role;
			int			parsed;

			if (!((for_role && (o->database == InvalidOid || o->database == MyDatabaseId)) ||
				  (o->role == InvalidOid && o->database == MyDatabaseId)))
				continue;
			if ((for_role ? 2 : 0) + (OidIsValid(o->database) ? 1 : 0) != rank)
				continue;

			if (strcmp(o->name, "work_mem") == 0 &&
				parse_int(o->value, &parsed, GUC_UNIT_KB, NULL))
				in->work_mem = (int64) parsed * 1024;
		}
	}
}

static void
read_settings(const ReadinessArgs *args, LgReadinessInput *in)
{
	LgOverride *overrides;
	int			noverrides;

	in->max_connections = MaxConnections;
	in->usable_connections = LG_USABLE_CONNECTIONS();
	in->shared_buffers = (int64) NBuffers * BLCKSZ;
	in->work_mem = (int64) work_mem * 1024;
	in->maintenance_work_mem = (int64) maintenance_work_mem * 1024;
	in->autovacuum_max_workers = autovacuum_max_workers;
	in->autovacuum_work_mem = autovacuum_work_mem > 0 ? (int64) autovacuum_work_mem * 1024 : -1;
	in->connections_per_user = lg_connections_per_user;
	noverrides = lg_overrides_read(&overrides);
	apply_role_settings(args, overrides, noverrides, in);
	lg_settings_input_fill(&in->settings, args->app_role, args->app_role_name, in->ram_bytes,
						   args->lookback_s);
}

/* -------------------------------------------------------------- observations */

/*
 * The application role's figures in one sample, or NULL when it had none
 * there.  *hidden: the role is not among the sample's roles while others
 * were summed, so its connections may be in the sum.
 */
static const LgRoleCount *
role_in_sample(const LgSample *s, Oid role, bool *hidden)
{
	*hidden = false;
	for (int i = 0; i < s->nroles && i < LG_SAMPLE_ROLES; i++)
	{
		if (s->roles[i].roleid == role)
			return &s->roles[i];
	}
	*hidden = !s->roles_complete && s->other_roles_connections > 0;
	return NULL;
}

static int
cmp_int32(const void *a, const void *b)
{
	int32		x = *(const int32 *) a;
	int32		y = *(const int32 *) b;

	return (x > y) - (x < y);
}

/* nearest-rank p95 of n values (sorts them) */
static double
p95_of(int32 *values, int n)
{
	int			rank;

	if (n == 0)
		return 0;
	qsort(values, n, sizeof(int32), cmp_int32);
	rank = (int) ceil(0.95 * n);
	return values[Max(rank, 1) - 1];
}

static void
read_window(const ReadinessArgs *args, LgReadinessInput *in)
{
	TimestampTz now = GetCurrentTimestamp();
	TimestampTz since = 0;
	TimestampTz oldest_ts = 0;
	LgSample   *samples = NULL;
	int			n;
	int32	   *busy;
	int			nbusy = 0;
	LgConnectCost scaling_cost;
	LgConnectCost all_cost;

	/* a lookback longer than the epoch means "everything" (and no overflow) */
	if (args->lookback_s * USECS_PER_SEC < (double) now)
		since = now - (TimestampTz) (args->lookback_s * USECS_PER_SEC);
	n = lg_history_copy(&samples, since, &oldest_ts);

	in->samples = n;
	in->window_s = args->lookback_s;
	in->lookback_exceeds_history = oldest_ts == 0 || oldest_ts > since;
	in->history_covered_s = oldest_ts > 0 ? (double) (now - oldest_ts) / USECS_PER_SEC : 0;

	/*
	 * Busy and churn: the app role's own figures per sample; without a role,
	 * every client connection's (churn from the established counter, and
	 * short-lived sessions of the roles the sample names).
	 */
	busy = palloc(sizeof(int32) * Max(n, 1));
	in->busy_from_active = false;
	in->scaling_established = 0;
	in->established_all_roles = false;
	in->scaling_short_lived = 0;
	in->median_connection_age_s = -1;
	lg_connect_cost_clear(&scaling_cost);
	lg_connect_cost_clear(&all_cost);

	for (int i = 0; i < n; i++)
	{
		const LgSample *s = &samples[i];

		/*
		 * Held connections are the exact peak between this tick and the one
		 * before (live.c), so a burst no tick saw still counts; 0 in samples
		 * restored from 1.0, hence the Max.  The fixed overhead is taken at
		 * the tick, from counts of one instant: peaks of different roles need
		 * not coincide.
		 */
		int32		scaling = Max(s->peak_connections, s->client_connections);
		int32		scaling_at_tick = s->client_connections;
		int32		scaling_active = s->active;
		int32		scaling_busy = s->busy_connections;
		int32		fixed;
		int32		fixed_active;
		int64		opened;

		/* what new connections cost: every client's, for the p95 */
		lg_connect_cost_add_sample(&all_cost, s->connect_count, s->connect_us,
								   s->connect_buckets);
		if (OidIsValid(args->app_role))
		{
			bool		hidden;
			const LgRoleCount *rc = role_in_sample(s, args->app_role, &hidden);

			if (hidden)
				in->scaling_role_hidden_samples++;
			scaling = rc ? Max(rc->peak_connections, rc->connections) : 0;
			scaling_at_tick = rc ? rc->connections : 0;
			scaling_active = rc ? rc->active : 0;
			scaling_busy = rc ? rc->busy : 0;
			opened = rc ? rc->established : 0;
			in->scaling_short_lived += rc ? rc->short_lived : 0;
			if (rc && rc->connect_count > 0)
			{
				scaling_cost.count += rc->connect_count;
				scaling_cost.sum_us += rc->connect_us;
			}
		}
		else
		{
			opened = s->events[LG_EV_CONNECTIONS_ESTABLISHED];
			for (int r = 0; r < s->nroles && r < LG_SAMPLE_ROLES; r++)
				in->scaling_short_lived += s->roles[r].short_lived;
			lg_connect_cost_add_sample(&scaling_cost, s->connect_count, s->connect_us,
									   s->connect_buckets);
		}
		in->scaling_established += opened;

		/*
		 * the rate within one interval: a burst is not diluted by the
		 * lookback
		 */
		if (i > 0 && s->ts > samples[i - 1].ts)
			in->peak_connect_rate = Max(in->peak_connect_rate,
										(double) opened * USECS_PER_SEC /
										(double) (s->ts - samples[i - 1].ts));

		/*
		 * The p95 is over the samples where the scaling clients were doing
		 * something: connections an application keeps after its load ended
		 * would otherwise dilute it, and a pool sized from it would be short.
		 */
		if (scaling_busy > 0)
			busy[nbusy++] = scaling_busy;
		in->peak_scaling_busy = Max(in->peak_scaling_busy, scaling_busy);
		fixed = Max(s->client_connections - scaling_at_tick, 0);
		fixed_active = Max(s->active - scaling_active, 0);

		in->peak_scaling_connections = Max(in->peak_scaling_connections, scaling);
		in->peak_fixed_connections = Max(in->peak_fixed_connections, fixed);
		in->peak_scaling_active = Max(in->peak_scaling_active, scaling_active);
		in->peak_fixed_active = Max(in->peak_fixed_active, fixed_active);
		in->oldest_idle_in_transaction_s = Max(in->oldest_idle_in_transaction_s,
											   s->oldest_idle_in_transaction_s);

		in->refused_connections += (int64) lg_sample_refused(s);
		in->statement_timeouts += s->events[LG_EV_STATEMENT_TIMEOUT];
		in->lock_timeouts += s->events[LG_EV_LOCK_TIMEOUT];
		in->deadlocks += s->events[LG_EV_DEADLOCK];
		in->idle_in_transaction_timeouts += s->events[LG_EV_IDLE_IN_TRANSACTION_TIMEOUT];
	}

	in->p95_scaling_busy = p95_of(busy, nbusy);
	in->connect_cost_ms = lg_connect_cost_mean_ms(&scaling_cost);
	in->connect_cost_count = scaling_cost.count;
	in->connect_cost_p95_ms = lg_connect_cost_percentile_ms(&all_cost, 0.95);
	in->connect_cost_p95_count = all_cost.count;
	pfree(busy);

	/* without an application role nothing is fixed overhead */
	if (!OidIsValid(args->app_role))
	{
		in->peak_fixed_connections = 0;
		in->peak_fixed_active = 0;
	}
	if (samples)
		pfree(samples);
}

/* Run the model for the function's arguments. */
static void
assess(const ReadinessArgs *args, LgReadinessInput *in, LgReadinessResult *result)
{
	LgMachine	m;

	memset(in, 0, sizeof(*in));
	in->users = args->users;
	in->baseline_users = args->baseline_users;
	if (args->app_role_name)
		in->app_role_sql = quote_identifier(args->app_role_name);
	read_machine(&m);
	in->ram_bytes = m.ram_bytes;
	in->cpu_cores = m.cpu_cores;
	read_settings(args, in);
	read_window(args, in);
	lg_readiness_assess(in, result);
}

void
lg_readiness_for_users(int32 users, Oid app_role, const char *app_role_name,
					   LgReadinessInput *in, LgReadinessResult *result)
{
	ReadinessArgs args;

	memset(&args, 0, sizeof(args));
	args.users = users;
	args.lookback_s = 15 * SECS_PER_MINUTE;
	args.app_role = app_role;
	args.app_role_name = app_role_name;
	assess(&args, in, result);
}

/* ------------------------------------------------------------------- results */

static inline Datum
text_or_null(const char *s, bool *isnull)
{
	*isnull = (s == NULL || s[0] == '\0');
	return *isnull ? (Datum) 0 : CStringGetTextDatum(s);
}

Datum
lg_readiness(PG_FUNCTION_ARGS)
{
	ReadinessArgs args;
	LgReadinessInput in;
	LgReadinessResult *result = palloc(sizeof(LgReadinessResult));
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;

	lg_require_shmem();
	parse_args(fcinfo, &args);
	assess(&args, &in, result);

	InitMaterializedSRF(fcinfo, 0);
	for (int i = 0; i < result->nrows; i++)
	{
		const LgCheckRow *row = &result->rows[i];
		Datum		values[7];
		bool		nulls[7] = {false, false, false, false, false, false, false};

		values[0] = CStringGetTextDatum(row->check_name);
		values[1] = CStringGetTextDatum(lg_check_status_name(row->status));
		values[2] = text_or_null(row->observed, &nulls[2]);
		values[3] = text_or_null(row->required, &nulls[3]);
		values[4] = text_or_null(row->detail, &nulls[4]);
		values[5] = text_or_null(row->fix, &nulls[5]);
		values[6] = BoolGetDatum(row->restart_required);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/* readiness_summary()'s and readiness_target()'s columns, by version */
static const LgViewColumn summary_columns[] = {
	{"users", LG_API_1_0},
	{"score", LG_API_1_0},
	{"verdict", LG_API_1_0},
	{"max_users", LG_API_1_0},
	{"bottleneck", LG_API_1_0},
	{"summary", LG_API_1_0},
	{"connections_per_user", LG_API_1_0},
	{"connections_per_user_lower_bound", LG_API_1_0},
	{"fixed_connections", LG_API_1_0},
	{"demand_connections", LG_API_1_0},
	{"usable_connections", LG_API_1_0},
	{"memory_worst_case_bytes", LG_API_1_0},
	{"ram_bytes", LG_API_1_0},
	{"baseline_users", LG_API_1_0},
	{"app_role", LG_API_1_0},
	{"connection_pattern", LG_API_1_1},
	{"held_connections", LG_API_1_1},
	{"held_connections_projected", LG_API_1_1},
	{"busy_p95", LG_API_1_1},
	{"busy_p95_projected", LG_API_1_1},
	{"pool_size", LG_API_1_1},
	{"busy_peak", LG_API_1_1},
	{"busy_peak_projected", LG_API_1_1},
	{"connections_per_s", LG_API_1_1},
	{"peak_connections_per_s", LG_API_1_1},
	{"connect_avg_ms", LG_API_1_1},
	{"connect_p95_ms", LG_API_1_1},
	{"connects_measured", LG_API_1_1},
};

#define SUMMARY_COLS lengthof(summary_columns)

static Datum
summary_row(FunctionCallInfo fcinfo, LgApiVersion api, const ReadinessArgs *args,
			const LgReadinessInput *in, const LgReadinessResult *r)
{
	TupleDesc	tupdesc;
	Datum		values[SUMMARY_COLS];
	bool		nulls[SUMMARY_COLS];
	int			ncols PG_USED_FOR_ASSERTS_ONLY;

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	ncols = lg_view_check_columns(fcinfo, tupdesc, api, summary_columns, lengthof(summary_columns));
	memset(nulls, true, sizeof(nulls));
	memset(values, 0, sizeof(values));

	if (r != NULL)
	{
		for (int i = 0; i <= 12; i++)
			nulls[i] = false;
		values[0] = Int32GetDatum((int32) r->users);
		values[1] = Int32GetDatum(r->score);
		values[2] = CStringGetTextDatum(lg_verdict_name(r->verdict));
		if (r->max_users >= 0)
			values[3] = Int32GetDatum((int32) r->max_users);
		else
			nulls[3] = true;
		values[4] = text_or_null(r->bottleneck, &nulls[4]);
		values[5] = CStringGetTextDatum(r->summary);
		values[6] = Float8GetDatum(r->connections_per_user);
		values[7] = BoolGetDatum(r->connections_per_user_lower_bound);
		values[8] = Int64GetDatum(r->fixed_connections);
		values[9] = Int64GetDatum(r->demand);
		values[10] = Int32GetDatum(in->usable_connections);
		values[11] = Int64GetDatum(r->memory_bytes);
		values[12] = Int64GetDatum(in->ram_bytes);
		if (args->baseline_users > 0)
		{
			values[13] = Int32GetDatum(args->baseline_users);
			nulls[13] = false;
		}
		if (args->app_role_name)
		{
			values[14] = DirectFunctionCall1(namein, CStringGetDatum(args->app_role_name));
			nulls[14] = false;
		}
		/* 1.1: the demand split and the pattern; NULL without a baseline */
		values[15] = CStringGetTextDatum(lg_pattern_name(r->pattern));
		nulls[15] = false;
		if (r->pattern != LG_PATTERN_UNKNOWN)
		{
			values[16] = Int64GetDatum(r->held_now);
			values[17] = Int64GetDatum(r->held_projected);
			values[18] = Float8GetDatum(r->busy_p95_now);
			values[19] = Int64GetDatum(r->busy_p95_projected);
			nulls[16] = nulls[17] = nulls[18] = nulls[19] = false;
		}
		if (r->pool_size > 0)
		{
			values[20] = Int32GetDatum((int32) r->pool_size);
			nulls[20] = false;
		}
		if (r->pattern != LG_PATTERN_UNKNOWN)
		{
			values[21] = Int64GetDatum(r->busy_peak_now);
			values[22] = Int64GetDatum(r->busy_peak_projected);
			nulls[21] = nulls[22] = false;
		}
		/* connection churn and what each connection cost, over the lookback */
		if (in->samples > 0 && in->window_s > 0)
		{
			double		covered = in->history_covered_s > 0 &&
			in->history_covered_s < in->window_s ? in->history_covered_s : in->window_s;

			values[23] = Float8GetDatum(covered > 0 ? (double) in->scaling_established / covered : 0);
			values[24] = Float8GetDatum(in->peak_connect_rate);
			nulls[23] = nulls[24] = false;
		}
		if (in->connect_cost_count > 0)
		{
			values[25] = Float8GetDatum(in->connect_cost_ms);
			nulls[25] = false;
		}
		if (in->connect_cost_p95_count > 0)
		{
			values[26] = Float8GetDatum(in->connect_cost_p95_ms);
			nulls[26] = false;
		}
		values[27] = Int64GetDatum(in->connect_cost_count);
		nulls[27] = false;
	}
	else
	{
		values[5] = CStringGetTextDatum("loadguard.target_users is 0: set it to the number of concurrent users to assess, e.g. SET loadguard.target_users = 500, or call loadguard.readiness_summary(users).");
		nulls[5] = false;
	}
	/* a 1.0 row type ends before the 1.1 columns: heap_form_tuple stops there */
	Assert(ncols == tupdesc->natts);
	return HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls));
}

static Datum
readiness_summary_internal(FunctionCallInfo fcinfo, LgApiVersion api)
{
	ReadinessArgs args;
	LgReadinessInput in;
	LgReadinessResult *result = palloc(sizeof(LgReadinessResult));

	lg_require_shmem();
	parse_args(fcinfo, &args);
	assess(&args, &in, result);
	PG_RETURN_DATUM(summary_row(fcinfo, api, &args, &in, result));
}

/* lg_readiness_summary (1.0's columns) and lg_readiness_summary_1_1 */
LG_VIEW_ENTRY_POINTS(lg_readiness_summary, readiness_summary_internal);

/* the loadguard.readiness view: readiness_summary(loadguard.target_users) */
static Datum
readiness_target_internal(FunctionCallInfo fcinfo, LgApiVersion api)
{
	ReadinessArgs args;
	LgReadinessInput in;
	LgReadinessResult *result;

	lg_require_shmem();
	memset(&args, 0, sizeof(args));
	if (lg_target_users == 0)
		PG_RETURN_DATUM(summary_row(fcinfo, api, &args, NULL, NULL));

	args.users = lg_target_users;
	args.lookback_s = 15 * SECS_PER_MINUTE;
	result = palloc(sizeof(LgReadinessResult));
	assess(&args, &in, result);
	PG_RETURN_DATUM(summary_row(fcinfo, api, &args, &in, result));
}

/* lg_readiness_target (1.0's columns) and lg_readiness_target_1_1 */
LG_VIEW_ENTRY_POINTS(lg_readiness_target, readiness_target_internal);
