/*
 * readiness.c — the readiness model (SPEC "Readiness model (v1)").
 *
 * Demand D = ceil(U × c) + F connections, judged against usable
 * connections, postgresqltuner's worst-case memory, and CPU cores; then the
 * failures the window observed and the settings that hide or prolong them.
 * Everything is computed from the input struct alone, so every boundary is
 * pinned by test/unit/test_readiness.c.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "readiness.h"
#include "sample.h"

#define KB	((int64_t) 1024)
#define MB	(KB * 1024)
#define GB	(MB * 1024)

/* the smallest work_mem the server accepts */
#define LG_MIN_WORK_MEM		(64 * KB)

static const char *const check_names[LG_CHECK_COUNT] = {
	"connections",
	"memory",
	"cpu",
	"refused_connections",
	"statement_timeouts",
	"lock_timeouts",
	"deadlocks",
	"idle_in_transaction_timeouts",
	"long_idle_in_transaction",
	"statement_timeout",
	"idle_in_transaction_session_timeout",
	"log_min_messages",
};

const char *
lg_check_status_name(LgCheckStatus status)
{
	switch (status)
	{
		case LG_CHECK_PASS:
			return "pass";
		case LG_CHECK_WARN:
			return "warn";
		case LG_CHECK_FAIL:
			return "fail";
		case LG_CHECK_SKIP:
			return "skip";
	}
	return "skip";
}

const char *
lg_verdict_name(LgVerdict verdict)
{
	switch (verdict)
	{
		case LG_VERDICT_READY:
			return "READY";
		case LG_VERDICT_AT_RISK:
			return "AT RISK";
		case LG_VERDICT_NOT_READY:
			return "NOT READY";
	}
	return "NOT READY";
}

void
lg_format_bytes(char *buf, int buflen, int64_t bytes)
{
	if (bytes >= GB)
		snprintf(buf, buflen, "%.1f GB", (double) bytes / (double) GB);
	else if (bytes >= MB)
		snprintf(buf, buflen, "%lld MB", (long long) (bytes / MB));
	else
		snprintf(buf, buflen, "%lld kB", (long long) (bytes / KB));
}

#if defined(__GNUC__) && !defined(__clang__)
#define LG_PRINTF_ATTR __attribute__((format(gnu_printf, 2, 3)))
#else
#define LG_PRINTF_ATTR __attribute__((format(printf, 2, 3)))
#endif

static void set_text(char *field, const char *fmt,...) LG_PRINTF_ATTR;
static void append_text(char *field, const char *fmt,...) LG_PRINTF_ATTR;

/* printf into a fixed row field; truncation is harmless, never overflow */
static void
set_text(char *field, const char *fmt,...)
{
	va_list		ap;

	va_start(ap, fmt);
	vsnprintf(field, LG_CHECK_TEXT_LEN, fmt, ap);
	va_end(ap);
}

static void
append_text(char *field, const char *fmt,...)
{
	size_t		len = strlen(field);
	va_list		ap;

	if (len + 1 >= LG_CHECK_TEXT_LEN)
		return;
	va_start(ap, fmt);
	vsnprintf(field + len, LG_CHECK_TEXT_LEN - len, fmt, ap);
	va_end(ap);
}

static bool
have_baseline(const LgReadinessInput *in)
{
	return in->baseline_users > 0;
}

/* a baseline that saw none of the scaling connections cannot project */
static bool
no_scaling_seen(const LgReadinessInput *in)
{
	return have_baseline(in) && in->peak_scaling_connections <= 0;
}

/*
 * ceil(U × c): exact integer arithmetic with a baseline (c = peak / B);
 * with the configured c, a relative tolerance keeps 30 × 0.1 at 3, not 4.
 */
static int64_t
scaled_ceil(const LgReadinessInput *in, int64_t users, int64_t per_baseline)
{
	if (have_baseline(in))
		return (users * per_baseline + in->baseline_users - 1) / in->baseline_users;
	else
	{
		double		x = (double) users * in->connections_per_user;
		int64_t		r = (int64_t) x;

		if ((double) r < x - 1e-9 * x)
			r++;
		return r;
	}
}

int64_t
lg_readiness_demand(const LgReadinessInput *in, int64_t users)
{
	return scaled_ceil(in, users, in->peak_scaling_connections) + in->peak_fixed_connections;
}

static int64_t
autovacuum_memory(const LgReadinessInput *in)
{
	int64_t		per_worker;

	per_worker = in->autovacuum_work_mem > 0 ?
		in->autovacuum_work_mem : in->maintenance_work_mem;
	return (int64_t) in->autovacuum_max_workers * per_worker;
}

int64_t
lg_readiness_memory(const LgReadinessInput *in, int64_t connections)
{
	return in->shared_buffers +
		(int64_t) ((double) connections * (double) in->work_mem * 1.5) +
		autovacuum_memory(in);
}

static int
pct_of_ram(const LgReadinessInput *in, int64_t bytes)
{
	return in->ram_bytes > 0 ? (int) llround(100.0 * (double) bytes / (double) in->ram_bytes) : 0;
}

static bool
memory_fails(const LgReadinessInput *in, int64_t bytes)
{
	return in->ram_bytes > 0 && bytes > in->ram_bytes;
}

/* connections or memory fail at U users: what max_users is about */
static bool
capacity_fails(const LgReadinessInput *in, int64_t users, bool *by_connections)
{
	int64_t		demand = lg_readiness_demand(in, users);

	*by_connections = demand > in->usable_connections;
	return *by_connections || memory_fails(in, lg_readiness_memory(in, demand));
}

/* PgBouncer pool size: what the CPU threshold and 80 % of the slots allow */
static int64_t
pool_size(const LgReadinessInput *in)
{
	int64_t		slots = (int64_t) (in->usable_connections * 4) / 5 - in->peak_fixed_connections;
	int64_t		size = slots;

	if (in->cpu_cores > 0 && 4 * (int64_t) in->cpu_cores < size)
		size = 4 * (int64_t) in->cpu_cores;
	return size < 1 ? 1 : size;
}

static int64_t
projected_active(const LgReadinessInput *in)
{
	return scaled_ceil(in, in->users, in->peak_scaling_active) + in->peak_fixed_active;
}

static bool
cpu_assessed(const LgReadinessInput *in)
{
	return have_baseline(in) && !no_scaling_seen(in) && in->cpu_cores > 0 && in->samples > 0;
}

static bool
cpu_warns(const LgReadinessInput *in)
{
	return cpu_assessed(in) && projected_active(in) > 4 * (int64_t) in->cpu_cores;
}

/* where the numbers came from, appended to the rows that use the window */
static void
append_window_note(char *detail, const LgReadinessInput *in)
{
	if (in->samples == 0)
		append_text(detail, " The lookback holds no samples yet.");
	else if (in->lookback_exceeds_history)
		append_text(detail, " The lookback (%.0f s) reaches past the history, which covers only %.0f s: that is what was used.",
					in->window_s, in->history_covered_s);
}

static LgCheckRow *
new_row(LgReadinessResult *out, LgCheckId id)
{
	LgCheckRow *row = &out->rows[out->nrows++];

	memset(row, 0, sizeof(*row));
	snprintf(row->check_name, LG_CHECK_NAME_LEN, "%s", check_names[id]);
	return row;
}

static void
check_connections(const LgReadinessInput *in, LgReadinessResult *out)
{
	LgCheckRow *row = new_row(out, LG_CHK_CONNECTIONS);
	int64_t		d = out->demand;
	int64_t		usable = in->usable_connections;
	int64_t		pass_limit = (usable * 4) / 5;

	if (no_scaling_seen(in))
	{
		row->status = LG_CHECK_SKIP;
		set_text(row->observed, "no %s connections in the lookback",
				 in->app_role_sql ? in->app_role_sql : "client");
		set_text(row->required, "a baseline run inside the lookback");
		set_text(row->detail, "With baseline_users = %lld the lookback must contain the baseline run: it saw no scaling connections, so connections per user is unknown.",
				 (long long) in->baseline_users);
		append_window_note(row->detail, in);
		return;
	}

	if (5 * d <= 4 * usable)
		row->status = LG_CHECK_PASS;
	else if (d <= usable)
		row->status = LG_CHECK_WARN;
	else
		row->status = LG_CHECK_FAIL;

	set_text(row->observed, "%lld connections at %lld users", (long long) d, (long long) in->users);
	set_text(row->required, "at most %lld (80%% of %lld usable) to pass, %lld to avoid refusals",
			 (long long) pass_limit, (long long) usable, (long long) usable);

	if (have_baseline(in))
		set_text(row->detail, "%lld users x %.3f connections per user (peak %d scaling connections at %lld baseline users) + %lld fixed.",
				 (long long) in->users, out->connections_per_user,
				 in->peak_scaling_connections, (long long) in->baseline_users,
				 (long long) out->fixed_connections);
	else
		set_text(row->detail, "%lld users x %.3f connections per user (loadguard.connections_per_user; no baseline) + %lld fixed.",
				 (long long) in->users, out->connections_per_user,
				 (long long) out->fixed_connections);
	if (in->app_role_sql)
		append_text(row->detail, " Only role %s scales; the other connections are fixed overhead.", in->app_role_sql);
	else
		append_text(row->detail, " Every client connection scales (no app_role given).");
	if (out->connections_per_user_lower_bound)
		append_text(row->detail, " Connections were refused during the baseline, so connections per user is a lower bound.");
	if (in->scaling_role_hidden_samples > 0)
		append_text(row->detail, " In %d samples the role was not among the %d largest and its connections were summed with others: they may be undercounted.",
					in->scaling_role_hidden_samples, LG_SAMPLE_ROLES);
	append_window_note(row->detail, in);

	if (row->status != LG_CHECK_PASS)
	{
		int64_t		reserved = (int64_t) in->max_connections - usable;
		int64_t		new_max = (5 * d + 3) / 4 + reserved;
		int64_t		new_mem = lg_readiness_memory(in, new_max);
		char		membuf[32];
		char		rambuf[32];

		lg_format_bytes(membuf, sizeof(membuf), new_mem);
		lg_format_bytes(rambuf, sizeof(rambuf), in->ram_bytes);
		if (memory_fails(in, new_mem) || cpu_warns(in))
		{
			set_text(row->fix, "Put a connection pooler in front: PgBouncer with pool_mode = transaction and default_pool_size = %lld; ",
					 (long long) pool_size(in));
			if (memory_fails(in, new_mem))
				append_text(row->fix, "max_connections = %lld would need %s worst-case memory (%d%% of %s RAM).",
							(long long) new_max, membuf, pct_of_ram(in, new_mem), rambuf);
			else
				append_text(row->fix, "max_connections = %lld would let %lld active sessions compete for %d CPU cores.",
							(long long) new_max, (long long) projected_active(in), in->cpu_cores);
			row->restart_required = false;
		}
		else
		{
			set_text(row->fix, "ALTER SYSTEM SET max_connections = %lld; then restart the server. Worst-case memory at %lld connections: %s (%d%% of %s RAM). Raise max_connections on hot standbys first: a standby needs at least the primary's value.",
					 (long long) new_max, (long long) new_max, membuf,
					 pct_of_ram(in, new_mem), rambuf);
			row->restart_required = true;
		}
	}
}

static void
check_memory(const LgReadinessInput *in, LgReadinessResult *out)
{
	LgCheckRow *row = new_row(out, LG_CHK_MEMORY);
	int64_t		mem = out->memory_bytes;
	char		membuf[32];
	char		rambuf[32];
	char		sbbuf[32];
	char		wmbuf[32];
	char		avbuf[32];

	lg_format_bytes(membuf, sizeof(membuf), mem);
	lg_format_bytes(rambuf, sizeof(rambuf), in->ram_bytes);
	lg_format_bytes(sbbuf, sizeof(sbbuf), in->shared_buffers);
	lg_format_bytes(wmbuf, sizeof(wmbuf), in->work_mem);
	lg_format_bytes(avbuf, sizeof(avbuf), autovacuum_memory(in));

	if (in->ram_bytes <= 0)
	{
		row->status = LG_CHECK_SKIP;
		set_text(row->observed, "%s worst case", membuf);
		set_text(row->required, "machine RAM");
		set_text(row->detail, "The machine's RAM could not be read.");
		return;
	}

	if (mem > in->ram_bytes)
		row->status = LG_CHECK_FAIL;
	else if (mem * 5 > in->ram_bytes * 4)
		row->status = LG_CHECK_WARN;
	else
		row->status = LG_CHECK_PASS;

	set_text(row->observed, "%s worst case (%d%% of %s RAM)", membuf, pct_of_ram(in, mem), rambuf);
	set_text(row->required, "at most 80%% of RAM to pass, 100%% to avoid failing");
	set_text(row->detail, "shared_buffers %s + %lld connections x work_mem %s x 1.5 + %d autovacuum workers x %s (%s) = %s (postgresqltuner's worst case).",
			 sbbuf, (long long) out->demand, wmbuf, in->autovacuum_max_workers,
			 in->autovacuum_work_mem > 0 ? "autovacuum_work_mem" : "maintenance_work_mem",
			 avbuf, membuf);

	if (row->status != LG_CHECK_PASS)
	{
		double		room;
		int64_t		new_work_mem;

		room = 0.8 * (double) in->ram_bytes - (double) in->shared_buffers -
			(double) autovacuum_memory(in);
		new_work_mem = out->demand > 0 && room > 0 ?
			(int64_t) (room / (1.5 * (double) out->demand)) : 0;

		if (new_work_mem >= LG_MIN_WORK_MEM)
			set_text(row->fix, "ALTER SYSTEM SET work_mem = '%lldkB'; SELECT pg_reload_conf();",
					 (long long) (new_work_mem / KB));
		else
			set_text(row->fix, "Add RAM, or put a connection pooler in front (PgBouncer, pool_mode = transaction, default_pool_size = %lld) so that fewer server connections hold work_mem.",
					 (long long) pool_size(in));
	}
}

static void
check_cpu(const LgReadinessInput *in, LgReadinessResult *out)
{
	LgCheckRow *row = new_row(out, LG_CHK_CPU);
	int64_t		limit = 4 * (int64_t) in->cpu_cores;

	set_text(row->required, "at most %lld active sessions (4 x %d cores)", (long long) limit, in->cpu_cores);
	if (!cpu_assessed(in))
	{
		row->status = LG_CHECK_SKIP;
		set_text(row->observed, "unknown");
		if (!have_baseline(in))
			set_text(row->detail, "Active sessions can only be projected from a baseline: pass baseline_users.");
		else if (in->cpu_cores <= 0)
			set_text(row->detail, "The number of CPU cores could not be read.");
		else
			set_text(row->detail, "The lookback holds no baseline activity to project from.");
		append_window_note(row->detail, in);
		return;
	}

	row->status = cpu_warns(in) ? LG_CHECK_WARN : LG_CHECK_PASS;
	set_text(row->observed, "%lld active sessions at %lld users", (long long) projected_active(in),
			 (long long) in->users);
	set_text(row->detail, "Peak %d active scaling sessions at %lld baseline users, scaled to %lld users, + %d fixed.",
			 in->peak_scaling_active, (long long) in->baseline_users, (long long) in->users,
			 in->peak_fixed_active);
	append_window_note(row->detail, in);
	if (row->status == LG_CHECK_WARN)
		set_text(row->fix, "Cap concurrent work with a connection pooler: PgBouncer with pool_mode = transaction and default_pool_size = %lld; or add CPU cores.",
				 (long long) pool_size(in));
}

/* one row per kind of failure the window observed */
static void
check_observed(const LgReadinessInput *in, LgReadinessResult *out, LgCheckId id,
			   int64_t count, LgCheckStatus when_seen, const char *what, const char *fix)
{
	LgCheckRow *row = new_row(out, id);

	set_text(row->required, "0");
	if (in->samples == 0)
	{
		row->status = LG_CHECK_SKIP;
		set_text(row->observed, "unknown");
		set_text(row->detail, "No samples in the lookback.");
		return;
	}
	row->status = count > 0 ? when_seen : LG_CHECK_PASS;
	set_text(row->observed, "%lld", (long long) count);
	set_text(row->detail, "%s in the last %.0f s.", what, in->window_s);
	append_window_note(row->detail, in);
	if (count > 0)
		set_text(row->fix, "%s", fix);
}

static void
check_long_idle(const LgReadinessInput *in, LgReadinessResult *out)
{
	LgCheckRow *row = new_row(out, LG_CHK_LONG_IDLE_IN_TRANSACTION);

	set_text(row->required, "at most %.0f s", LG_LONG_IDLE_IN_TRANSACTION_S);
	if (in->samples == 0)
	{
		row->status = LG_CHECK_SKIP;
		set_text(row->observed, "unknown");
		set_text(row->detail, "No samples in the lookback.");
		return;
	}
	row->status = in->oldest_idle_in_transaction_s > LG_LONG_IDLE_IN_TRANSACTION_S ?
		LG_CHECK_WARN : LG_CHECK_PASS;
	set_text(row->observed, "%.0f s", in->oldest_idle_in_transaction_s);
	set_text(row->detail, "Oldest idle-in-transaction session seen in the lookback: it holds a connection slot and its locks, and blocks vacuum.");
	append_window_note(row->detail, in);
	if (row->status == LG_CHECK_WARN)
	{
		if (in->idle_in_transaction_session_timeout_ms == 0)
			set_text(row->fix, "Set idle_in_transaction_session_timeout (see that check), or ALTER SYSTEM SET loadguard.idle_in_transaction_limit = '60s'; SELECT pg_reload_conf();");
		else
			set_text(row->fix, "ALTER SYSTEM SET loadguard.idle_in_transaction_limit = '60s'; ALTER SYSTEM SET loadguard.terminate = 'on'; SELECT pg_reload_conf();");
	}
}

static void
check_settings(const LgReadinessInput *in, LgReadinessResult *out)
{
	LgCheckRow *row;

	row = new_row(out, LG_CHK_STATEMENT_TIMEOUT_SETTING);
	row->status = in->statement_timeout_ms == 0 ? LG_CHECK_WARN : LG_CHECK_PASS;
	set_text(row->observed, "%lld ms", (long long) in->statement_timeout_ms);
	set_text(row->required, "above 0 for the application role");
	set_text(row->detail, "Without a statement timeout a slow query holds its connection until it ends; under load they pile up until no slot is left. PostgreSQL's documentation advises a per-role value rather than a global one.");
	if (row->status == LG_CHECK_WARN)
	{
		if (in->app_role_sql)
			set_text(row->fix, "ALTER ROLE %s SET statement_timeout = '30s';", in->app_role_sql);
		else
			set_text(row->fix, "ALTER ROLE <application role> SET statement_timeout = '30s'; (pass app_role for the exact statement; pick a value above the slowest legitimate query)");
	}

	row = new_row(out, LG_CHK_IDLE_IN_TRANSACTION_SETTING);
	row->status = in->idle_in_transaction_session_timeout_ms == 0 ? LG_CHECK_WARN : LG_CHECK_PASS;
	set_text(row->observed, "%lld ms", (long long) in->idle_in_transaction_session_timeout_ms);
	set_text(row->required, "above 0");
	set_text(row->detail, "A session left idle in a transaction keeps its slot and locks forever unless something ends it.");
	if (row->status == LG_CHECK_WARN)
	{
		if (in->app_role_sql)
			set_text(row->fix, "ALTER ROLE %s SET idle_in_transaction_session_timeout = '60s';", in->app_role_sql);
		else
			set_text(row->fix, "ALTER SYSTEM SET idle_in_transaction_session_timeout = '5min'; SELECT pg_reload_conf();");
	}

	row = new_row(out, LG_CHK_LOG_MIN_MESSAGES_SETTING);
	row->status = in->log_min_messages_above_error ? LG_CHECK_WARN : LG_CHECK_PASS;
	set_text(row->observed, "%s", in->log_min_messages_above_error ? "above error" : "error or below");
	set_text(row->required, "error or below (everywhere, role and database overrides included)");
	set_text(row->detail, "loadguard counts failures from the server log: above error, timeouts and refusals go uncounted.");
	if (row->status == LG_CHECK_WARN)
		set_text(row->fix, "%s", in->log_min_messages_fix ? in->log_min_messages_fix :
				 "ALTER SYSTEM SET log_min_messages = 'warning'; SELECT pg_reload_conf();");
}

static void
find_max_users(const LgReadinessInput *in, LgReadinessResult *out)
{
	bool		by_connections;
	int64_t		lo;
	int64_t		hi;

	out->bottleneck[0] = '\0';
	if (no_scaling_seen(in))
	{
		out->max_users = -1;
		return;
	}
	if (!capacity_fails(in, LG_READINESS_MAX_USERS, &by_connections))
	{
		out->max_users = LG_READINESS_MAX_USERS;
		return;
	}

	/* demand and memory grow with U: the largest passing U by bisection */
	lo = 0;						/* passes, or is the floor */
	hi = LG_READINESS_MAX_USERS;	/* fails */
	while (hi - lo > 1)
	{
		int64_t		mid = lo + (hi - lo) / 2;

		if (capacity_fails(in, mid, &by_connections))
			hi = mid;
		else
			lo = mid;
	}
	out->max_users = lo;
	(void) capacity_fails(in, hi, &by_connections);
	snprintf(out->bottleneck, LG_CHECK_NAME_LEN, "%s",
			 by_connections ? check_names[LG_CHK_CONNECTIONS] : check_names[LG_CHK_MEMORY]);
}

static void
summarise(const LgReadinessInput *in, LgReadinessResult *out)
{
	int			fails = 0;
	int			warns = 0;
	char		failing[LG_CHECK_TEXT_LEN] = "";
	char		warning[LG_CHECK_TEXT_LEN] = "";

	for (int i = 0; i < out->nrows; i++)
	{
		const LgCheckRow *row = &out->rows[i];

		if (row->status == LG_CHECK_FAIL)
		{
			append_text(failing, "%s%s", fails ? ", " : "", row->check_name);
			fails++;
		}
		else if (row->status == LG_CHECK_WARN)
		{
			append_text(warning, "%s%s", warns ? ", " : "", row->check_name);
			warns++;
		}
	}

	out->score = 100 - 30 * fails - 10 * warns;
	if (out->score < 0)
		out->score = 0;
	out->verdict = fails > 0 ? LG_VERDICT_NOT_READY :
		warns > 0 ? LG_VERDICT_AT_RISK : LG_VERDICT_READY;

	set_text(out->summary, "%s for %lld users", lg_verdict_name(out->verdict), (long long) in->users);
	if (fails > 0)
		append_text(out->summary, "; failing: %s", failing);
	if (warns > 0)
		append_text(out->summary, "; warnings: %s", warning);
	if (fails == 0 && warns == 0)
		append_text(out->summary, "; every check passes");
	if (out->max_users < 0)
		append_text(out->summary, ". Largest U unknown: the lookback saw no scaling connections.");
	else if (out->bottleneck[0] != '\0')
		append_text(out->summary, ". Up to %lld users before %s fails.",
					(long long) out->max_users, out->bottleneck);
	else
		append_text(out->summary, ". Connections and memory hold up to %d users.", LG_READINESS_MAX_USERS);
}

void
lg_readiness_assess(const LgReadinessInput *in, LgReadinessResult *out)
{
	memset(out, 0, sizeof(*out));
	out->users = in->users;
	out->fixed_connections = in->peak_fixed_connections;
	if (have_baseline(in))
	{
		out->connections_per_user = (double) in->peak_scaling_connections / (double) in->baseline_users;
		out->connections_per_user_lower_bound = in->refused_connections > 0;
	}
	else
		out->connections_per_user = in->connections_per_user;
	out->demand = lg_readiness_demand(in, in->users);
	out->memory_bytes = lg_readiness_memory(in, out->demand);

	check_connections(in, out);
	check_memory(in, out);
	check_cpu(in, out);
	check_observed(in, out, LG_CHK_REFUSED_CONNECTIONS, in->refused_connections, LG_CHECK_FAIL,
				   "Connections refused (too many clients, reserved slots, role or database limits)",
				   "Raise capacity as the connections check says, or pool connections; the refused clients failed outright.");
	check_observed(in, out, LG_CHK_STATEMENT_TIMEOUTS, in->statement_timeouts, LG_CHECK_WARN,
				   "Statements cancelled by statement_timeout",
				   "Find the slow statements (the server log names them; pg_stat_statements ranks them) and index or rewrite them before raising the timeout.");
	check_observed(in, out, LG_CHK_LOCK_TIMEOUTS, in->lock_timeouts, LG_CHECK_WARN,
				   "Statements cancelled by lock_timeout",
				   "Find the lock holders (loadguard.sessions shows blocked_by) and shorten their transactions.");
	check_observed(in, out, LG_CHK_DEADLOCKS, in->deadlocks, LG_CHECK_WARN,
				   "Deadlocks detected",
				   "Make transactions take row locks in a consistent order; the server log shows both statements of each deadlock.");
	check_observed(in, out, LG_CHK_IDLE_IN_TRANSACTION_TIMEOUTS, in->idle_in_transaction_timeouts, LG_CHECK_WARN,
				   "Sessions ended by idle_in_transaction_session_timeout",
				   "Fix the application code that leaves transactions open (commit or roll back before waiting on anything else).");
	check_long_idle(in, out);
	check_settings(in, out);

	find_max_users(in, out);
	summarise(in, out);
}
