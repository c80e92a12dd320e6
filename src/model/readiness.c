/*
 * readiness.c — the readiness model (SPEC "Readiness model (v1)" and its
 * 1.1 additions; doc/readiness.md explains it for users).
 *
 * Demand is split in two: connections held (H) and connections busy (A) by
 * the scaling clients, each per baseline user.  The connection pattern
 * (persistent, persistent mostly idle, per request, pooled) says which of
 * them grows with users: held connections D = H(U) + F are judged against
 * usable connections, postgresqltuner's worst-case memory and CPU cores;
 * where held >> busy the fix is a pooler sized from busy demand.  Then the
 * failures the window observed and the settings rows, which are
 * settings_rules.c's, shared with config_check().
 *
 * No self-contradiction: refusals in the lookback fail the connections
 * check from the users at which they happened on and keep max_users below
 * them: B with a baseline; without one an estimate, the users whose
 * connections at loadguard.connections_per_user exceed the peak the server
 * held while refusing.  max_users, bottleneck and verdict come from the same
 * functions as the rows.
 * Everything is computed from the input struct alone, so every boundary and
 * every consistency rule is pinned by test/unit/test_readiness.c.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "readiness.h"
#include "sample.h"
#include "textfield.h"

#define KB	((int64_t) 1024)
#define MB	(KB * 1024)
#define GB	(MB * 1024)


static const char *const check_names[LG_CHECK_COUNT] = {
	"connections",
	"connection_pattern",
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
lg_pattern_name(LgConnectionPattern pattern)
{
	switch (pattern)
	{
		case LG_PATTERN_UNKNOWN:
			return "unknown";
		case LG_PATTERN_PERSISTENT:
			return "persistent";
		case LG_PATTERN_PERSISTENT_IDLE:
			return "persistent, mostly idle";
		case LG_PATTERN_PER_REQUEST:
			return "per request";
		case LG_PATTERN_POOLED:
			return "pooled";
	}
	return "unknown";
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

/* printf into a fixed row field (textfield.h) */
#define set_text(field, ...) lg_text_set((field), LG_CHECK_TEXT_LEN, __VA_ARGS__)
#define append_text(field, ...) lg_text_append((field), LG_CHECK_TEXT_LEN, __VA_ARGS__)

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

/* ceil(x × U / B) for a fractional per-baseline figure such as a p95 */
static int64_t
scaled_ceil_real(const LgReadinessInput *in, int64_t users, double x)
{
	double		v = x * (double) users / (double) in->baseline_users;
	int64_t		r = (int64_t) v;

	if ((double) r < v - 1e-9 * v)
		r++;
	return r;
}

/*
 * The connection pattern of the scaling clients in the lookback.  Churn
 * counted over every role (no per-role figures) cannot tell the app's
 * connections from everybody else's, so it only counts without app_role.
 */
static LgConnectionPattern
detect_pattern(const LgReadinessInput *in)
{
	double		held = in->peak_scaling_connections;
	double		busy = in->p95_scaling_busy;
	bool		churn_known = in->scaling_established >= 0 &&
	(!in->established_all_roles || in->app_role_sql == NULL);

	if (!have_baseline(in) || in->peak_scaling_connections <= 0 || in->samples == 0)
		return LG_PATTERN_UNKNOWN;
	if (churn_known && (double) in->scaling_established >= LG_CHURN_RATIO * held &&
		(in->scaling_short_lived < 0 || 2 * in->scaling_short_lived >= in->scaling_established))
		return LG_PATTERN_PER_REQUEST;
	if (held >= LG_IDLE_RATIO * (busy > 1.0 ? busy : 1.0))
		return LG_PATTERN_PERSISTENT_IDLE;
	/* a pool does not grow into refusals: capped by the slots is not pooled */
	if (in->peak_scaling_connections < in->baseline_users && 2.0 * busy >= held &&
		in->refused_connections == 0)
		return LG_PATTERN_POOLED;
	return LG_PATTERN_PERSISTENT;
}

/* held connections at U: a pooler's stay as they are, others scale */
static int64_t
held_at(const LgReadinessInput *in, int64_t users)
{
	if (detect_pattern(in) == LG_PATTERN_POOLED)
		return in->peak_scaling_connections;
	return scaled_ceil(in, users, in->peak_scaling_connections);
}

int64_t
lg_readiness_demand(const LgReadinessInput *in, int64_t users)
{
	return held_at(in, users) + in->peak_fixed_connections;
}

/* refusals while the baseline's B users ran: B users do not fit */
static bool
refused_at_baseline(const LgReadinessInput *in)
{
	return have_baseline(in) && in->refused_connections > 0;
}

/*
 * The users at which connections were refused in the lookback, 0 when none
 * were: B with a baseline.  Without one the user count is not known; the
 * refused clients wanted more connections than the peak P the server held,
 * so at c = loadguard.connections_per_user there were more than P / c users:
 * the estimate is the first U whose ceil(U x c) exceeds P (floor(P / c) + 1),
 * and floor(P / c) users, who fit in what was held, are the most that fit.
 */
static int64_t
refused_users(const LgReadinessInput *in)
{
	int64_t		held = in->peak_scaling_connections;
	int64_t		u;

	if (in->refused_connections <= 0)
		return 0;
	if (have_baseline(in))
		return in->baseline_users;
	if (in->connections_per_user <= 0)
		return 1;
	u = (int64_t) floor((double) held / in->connections_per_user) + 1;
	/* the demand's own rounding decides where float noise would */
	while (u > 1 && scaled_ceil(in, u - 1, held) > held)
		u--;
	while (scaled_ceil(in, u, held) <= held)
		u++;
	return u;
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
	int64_t		refused_at = refused_users(in);

	*by_connections = demand > in->usable_connections ||
		(refused_at > 0 && users >= refused_at);
	return *by_connections || memory_fails(in, lg_readiness_memory(in, demand));
}

/* PgBouncer pool size: what the CPU threshold and 80 % of the slots allow */
static int64_t
capacity_pool_size(const LgReadinessInput *in)
{
	int64_t		slots = (int64_t) (in->usable_connections * 4) / 5 - in->peak_fixed_connections;
	int64_t		size = slots;

	if (in->cpu_cores > 0 && 4 * (int64_t) in->cpu_cores < size)
		size = 4 * (int64_t) in->cpu_cores;
	return size < 1 ? 1 : size;
}

/*
 * The pooler's server connections: busy demand at U (p95) with headroom,
 * when the baseline measured it, within what the slots and CPU allow.
 */
static int64_t
pooler_size(const LgReadinessInput *in)
{
	int64_t		k;

	if (detect_pattern(in) == LG_PATTERN_UNKNOWN)
		return capacity_pool_size(in);
	k = (int64_t) ceil((double) scaled_ceil_real(in, in->users, in->p95_scaling_busy) *
					   LG_POOL_HEADROOM - 1e-9);
	/* more than the slots and cores allow would only queue in the server */
	if (k > capacity_pool_size(in))
		k = capacity_pool_size(in);
	return k < 1 ? 1 : k;
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

/*
 * The pooler fix, sized from what the baseline measured: K server
 * connections for the busy demand at U, max_client_conn for the held one.
 */
static void
pooler_fix(const LgReadinessInput *in, const LgReadinessResult *out, char *fix)
{
	set_text(fix, "Put a transaction-mode pooler in front: PgBouncer with pool_mode = transaction, default_pool_size = %lld, max_client_conn = %lld (or more) serves %lld users with %lld server connections",
			 (long long) out->pool_size, (long long) out->held_projected,
			 (long long) in->users, (long long) out->pool_size);
	append_text(fix, " (busy p95 %.1f, peak %lld at %lld users now; %lld and %lld projected; held %lld now, %lld projected).",
				out->busy_p95_now, (long long) out->busy_peak_now, (long long) in->baseline_users,
				(long long) out->busy_p95_projected, (long long) out->busy_peak_projected,
				(long long) out->held_now, (long long) out->held_projected);
	append_text(fix, " In transaction mode connect options such as -c statement_timeout are not passed on (set them with ALTER ROLE) and session state (SET, advisory locks) does not outlive a transaction.");
	if (out->pattern == LG_PATTERN_PER_REQUEST)
	{
		append_text(fix, " Or, in the application: keep connections open between requests (a client-side pool)");
		if (in->connect_cost_count > 0)
			append_text(fix, ", which saves the %.1f ms of backend start and authentication measured per connection",
						in->connect_cost_ms);
		append_text(fix, ".");
	}
	else
		append_text(fix, " Or, in the application: keep fewer persistent connections (fewer threads or workers), or do not keep a connection between requests.");
}

/*
 * The measured setup cost of a connection, honest about what it covers:
 * the average over the scaling clients' connections, the p95 over all.
 */
static void
append_connect_cost(char *buf, const LgReadinessInput *in)
{
	append_text(buf, "authentication and backend start %.1f ms on average over %lld connection%s",
				in->connect_cost_ms, (long long) in->connect_cost_count,
				in->connect_cost_count == 1 ? "" : "s");
	if (in->connect_cost_p95_count > 0)
	{
		if (in->connect_cost_p95_count == in->connect_cost_count)
			append_text(buf, " (p95 %.1f ms)", in->connect_cost_p95_ms);
		else
			append_text(buf, " (p95 %.1f ms over all %lld client connections)",
						in->connect_cost_p95_ms, (long long) in->connect_cost_p95_count);
	}
}

static void
check_connections(const LgReadinessInput *in, LgReadinessResult *out)
{
	LgCheckRow *row = new_row(out, LG_CHK_CONNECTIONS);
	int64_t		d = out->demand;
	int64_t		usable = in->usable_connections;
	int64_t		pass_limit = (usable * 4) / 5;
	bool		refused_here = out->refused_users > 0 && in->users >= out->refused_users;

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

	if (refused_here || d > usable)
		row->status = LG_CHECK_FAIL;
	else if (5 * d > 4 * usable)
		row->status = LG_CHECK_WARN;
	else
		row->status = LG_CHECK_PASS;

	set_text(row->observed, "%s%lld connections at %lld users",
			 out->connections_per_user_lower_bound ? "at least " : "",
			 (long long) d, (long long) in->users);
	set_text(row->required, "at most %lld (80%% of %lld usable) to pass, %lld to avoid refusals",
			 (long long) pass_limit, (long long) usable, (long long) usable);

	if (out->pattern == LG_PATTERN_POOLED)
		set_text(row->detail, "%lld pooled server connections (they do not grow with users: pattern pooled) + %lld fixed.",
				 (long long) out->held_now, (long long) out->fixed_connections);
	else if (have_baseline(in))
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
	if (out->refused_at_baseline)
		append_text(row->detail, " Connections were refused while the %lld baseline users ran: %lld users do not fit, and connections per user is a lower bound.",
					(long long) in->baseline_users, (long long) in->baseline_users);
	else if (out->refused_users > 0)
		append_text(row->detail, " Connections were refused while the server held %d scaling connections: at %.3f per user that is %lld users, and the refused clients wanted more: from about %lld users on they do not fit (estimated: no baseline was given, so the user count at the refusals is not known; pass baseline_users = the users of that run for a measured figure).",
					in->peak_scaling_connections, out->connections_per_user,
					(long long) out->refused_users - 1, (long long) out->refused_users);
	if (in->scaling_role_hidden_samples > 0)
		append_text(row->detail, " In %d samples the role was not among the %d largest and its connections were summed with others: they may be undercounted.",
					in->scaling_role_hidden_samples, LG_SAMPLE_ROLES);
	append_window_note(row->detail, in);

	if (row->status == LG_CHECK_PASS)
		return;

	if (out->pattern == LG_PATTERN_PERSISTENT_IDLE || out->pattern == LG_PATTERN_PER_REQUEST)
	{
		/* more slots for connections that sit idle is not the fix */
		pooler_fix(in, out, row->fix);
		row->restart_required = false;
		return;
	}
	else
	{
		int64_t		new_max = out->max_connections_needed;
		int64_t		new_mem = lg_readiness_memory(in, new_max);
		char		membuf[32];
		char		rambuf[32];

		lg_format_bytes(membuf, sizeof(membuf), new_mem);
		lg_format_bytes(rambuf, sizeof(rambuf), in->ram_bytes);
		if (out->pool_instead > 0)
		{
			set_text(row->fix, "Put a connection pooler in front: PgBouncer with pool_mode = transaction and default_pool_size = %lld; ",
					 (long long) out->pool_instead);
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
			LgSettingsInput settings = in->settings;
			LgSettingRow rule;
			const LgServerStart *start = in->settings.v[LG_SET_MAX_CONNECTIONS].source.start;

			/* config_check's rule for max_connections, on this very run */
			lg_readiness_settings_target(in, out, &settings);
			lg_setting_rule(&settings, LG_SET_MAX_CONNECTIONS, &rule);
			if (rule.fix[0] != '\0')
				set_text(row->fix, "%s then restart the server.", rule.fix);
			else
				set_text(row->fix, "%s", rule.action);
			append_text(row->fix, " Worst-case memory at %lld connections: %s (%d%% of %s RAM).",
						(long long) new_max, membuf, pct_of_ram(in, new_mem), rambuf);
			if (start && start->standby)
				append_text(row->fix, " This node is a hot standby: its max_connections must stay at least the primary's (recovery pauses otherwise), so raise the primary's no further than the standbys', restarting the standbys first.");
			else
				append_text(row->fix, " Raise max_connections on hot standbys first: a standby needs at least the primary's value.");
			row->restart_required = rule.restart_required;
		}
		if (out->connections_per_user_lower_bound)
			append_text(row->fix, " %lld is a lower bound: connections per user was measured while connections were refused, so the real need is higher; measure again with room to spare.",
						(long long) new_max);
		else if (out->refused_users > 0)
			append_text(row->fix, " Connections were refused at an estimated %lld users (no baseline): rerun readiness with baseline_users = the users of that run for a measured figure; if loadguard.events shows rejected_role_limit or rejected_database_limit, raise that CONNECTION LIMIT instead.",
						(long long) out->refused_users);
	}
}

void
lg_readiness_settings_target(const LgReadinessInput *in, const LgReadinessResult *out,
							 LgSettingsInput *settings)
{
	settings->target_users = in->users > INT32_MAX ? INT32_MAX : (int32_t) in->users;
	settings->target_connections_status = out->nrows > LG_CHK_CONNECTIONS ?
		(int) out->rows[LG_CHK_CONNECTIONS].status : (int) LG_CHECK_PASS;
	settings->target_max_connections = out->max_connections_needed;
	settings->target_lower_bound = out->refused_users > 0;
	settings->target_pool_size = out->pool_instead;
	settings->target_memory_status = out->nrows > LG_CHK_MEMORY ?
		(int) out->rows[LG_CHK_MEMORY].status : (int) LG_CHECK_PASS;
	settings->target_demand = out->demand;
	settings->target_work_mem = lg_work_mem_for_connections(in->ram_bytes, in->shared_buffers,
															autovacuum_memory(in), out->demand);
}

/* connection_pattern: which demand grows with users, and the fix for it */
static void
check_pattern(const LgReadinessInput *in, LgReadinessResult *out, LgCheckStatus connections)
{
	LgCheckRow *row = new_row(out, LG_CHK_CONNECTION_PATTERN);
	int64_t		usable = in->usable_connections;
	double		window = in->history_covered_s > 0 && in->history_covered_s < in->window_s ?
	in->history_covered_s : in->window_s;

	if (out->pattern == LG_PATTERN_UNKNOWN)
	{
		row->status = LG_CHECK_SKIP;
		set_text(row->observed, "unknown");
		set_text(row->required, "a baseline run inside the lookback");
		set_text(row->detail, "The pattern (persistent, mostly idle, per request, pooled) is read from a baseline: pass baseline_users and a lookback that contains the run.");
		append_window_note(row->detail, in);
		return;
	}

	set_text(row->observed, "%s: %lld held, busy p95 %.1f and peak %lld at %lld users",
			 lg_pattern_name(out->pattern), (long long) out->held_now, out->busy_p95_now,
			 (long long) out->busy_peak_now, (long long) in->baseline_users);
	if (in->scaling_established >= 0 && (!in->established_all_roles || in->app_role_sql == NULL))
	{
		append_text(row->observed, "; %lld connections opened in %.0f s (%.1f/s",
					(long long) in->scaling_established, window,
					window > 0 ? (double) in->scaling_established / window : 0.0);
		if (in->peak_connect_rate > 0)
			append_text(row->observed, ", at most %.1f/s in one sample interval",
						in->peak_connect_rate);
		append_text(row->observed, ")");
	}
	if (in->connect_cost_count > 0)
	{
		append_text(row->observed, "; ");
		append_connect_cost(row->observed, in);
	}
	set_text(row->required, "held at %lld users + %lld fixed within %lld usable",
			 (long long) in->users, (long long) out->fixed_connections, (long long) usable);

	switch (out->pattern)
	{
		case LG_PATTERN_PERSISTENT:
			row->status = LG_CHECK_PASS;
			set_text(row->detail, "Each user keeps a connection and keeps it busy: connections grow with users (see the connections check); projected %lld held, busy p95 %lld at %lld users.",
					 (long long) out->held_projected, (long long) out->busy_p95_projected,
					 (long long) in->users);
			break;
		case LG_PATTERN_PERSISTENT_IDLE:

			/*
			 * the same thresholds as the connections check: never two
			 * verdicts
			 */
			row->status = connections;
			set_text(row->detail, "Connections are held by the application's threads or workers, mostly idle: they follow its thread count and ramp, not the work. At %lld users: %lld held + %lld fixed vs %lld usable, while busy p95 would be %lld (peak %lld).",
					 (long long) in->users, (long long) out->held_projected,
					 (long long) out->fixed_connections, (long long) usable,
					 (long long) out->busy_p95_projected, (long long) out->busy_peak_projected);
			break;
		case LG_PATTERN_PER_REQUEST:
			row->status = connections == LG_CHECK_FAIL ? LG_CHECK_FAIL : LG_CHECK_WARN;
			set_text(row->detail, "Clients open a connection per request: each one forks a server process and authenticates, and every burst of requests is a burst of connections.");
			if (in->connect_cost_count > 0)
			{
				append_text(row->detail, " Measured here: ");
				append_connect_cost(row->detail, in);
				append_text(row->detail, ", per request; the postmaster's fork before the backend starts is not included.");
			}
			else
				append_text(row->detail, " The cost per connection was not measured in the lookback.");
			append_text(row->detail, " Projected at %lld users: %lld held, busy p95 %lld.",
						(long long) in->users, (long long) out->held_projected,
						(long long) out->busy_p95_projected);
			break;
		case LG_PATTERN_POOLED:
			if (connections == LG_CHECK_FAIL)
				row->status = LG_CHECK_FAIL;
			else if (out->busy_p95_projected > out->held_now)
				row->status = LG_CHECK_WARN;
			else
				row->status = LG_CHECK_PASS;
			set_text(row->detail, "A pool of %lld server connections, busy most of the time: the pool size is the demand. At %lld users busy p95 would be %lld (peak %lld)%s.",
					 (long long) out->held_now, (long long) in->users,
					 (long long) out->busy_p95_projected, (long long) out->busy_peak_projected,
					 out->busy_p95_projected > out->held_now ?
					 ": more than the pool, so requests queue in the pooler" : ", within the pool");
			break;
		case LG_PATTERN_UNKNOWN:
			break;
	}
	if (in->busy_from_active)
		append_text(row->detail, " Busy counts only active sessions of the role (idle in transaction is not split per role in this history).");
	append_window_note(row->detail, in);

	if (row->status == LG_CHECK_PASS)
		return;
	if (out->pattern == LG_PATTERN_POOLED && connections != LG_CHECK_FAIL)
		set_text(row->fix, "Raise the pool to default_pool_size = %lld (PgBouncer; busy p95 %lld projected x %.2f headroom), within %lld usable slots less %lld fixed.",
				 (long long) out->pool_size, (long long) out->busy_p95_projected, LG_POOL_HEADROOM,
				 (long long) usable, (long long) out->fixed_connections);
	else if (out->pattern == LG_PATTERN_POOLED)
		set_text(row->fix, "The pool itself does not fit: see the connections check.");
	else
		pooler_fix(in, out, row->fix);
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
	char		perworkerbuf[32];

	lg_format_bytes(membuf, sizeof(membuf), mem);
	lg_format_bytes(rambuf, sizeof(rambuf), in->ram_bytes);
	lg_format_bytes(sbbuf, sizeof(sbbuf), in->shared_buffers);
	lg_format_bytes(wmbuf, sizeof(wmbuf), in->work_mem);
	lg_format_bytes(avbuf, sizeof(avbuf), autovacuum_memory(in));
	lg_format_bytes(perworkerbuf, sizeof(perworkerbuf),
					in->autovacuum_work_mem > 0 ? in->autovacuum_work_mem : in->maintenance_work_mem);

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
	set_text(row->detail, "shared_buffers %s + %lld connections x work_mem %s x 1.5 + %d autovacuum workers x %s %s (%s) = %s (postgresqltuner's worst case).",
			 sbbuf, (long long) out->demand, wmbuf, in->autovacuum_max_workers,
			 in->autovacuum_work_mem > 0 ? "autovacuum_work_mem" : "maintenance_work_mem",
			 perworkerbuf, avbuf, membuf);

	if (row->status != LG_CHECK_PASS)
	{
		LgSettingsInput settings = in->settings;
		LgSettingRow rule;

		/* config_check's rule for work_mem, on this very run */
		lg_readiness_settings_target(in, out, &settings);
		lg_setting_rule(&settings, LG_SET_WORK_MEM, &rule);

		/*
		 * a work_mem fits (as SQL, or where the server's command line sets
		 * it)
		 */
		if (rule.recommended[0] != '\0' && (rule.fix[0] != '\0' || rule.action[0] != '\0'))
			set_text(row->fix, "%s", rule.fix[0] != '\0' ? rule.fix : rule.action);
		else
			set_text(row->fix, "Add RAM, or put a connection pooler in front (PgBouncer, pool_mode = transaction, default_pool_size = %lld) so that fewer server connections hold work_mem.",
					 (long long) pooler_size(in));
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
				 (long long) pooler_size(in));
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
		LgSettingRow rule;

		lg_setting_rule(&in->settings, LG_SET_IDLE_IN_TRANSACTION_SESSION_TIMEOUT, &rule);
		if (rule.severity >= LG_SEV_WARN)
			set_text(row->fix, "Set idle_in_transaction_session_timeout (see that check), or ALTER SYSTEM SET loadguard.idle_in_transaction_limit = '60s'; SELECT pg_reload_conf();");
		else
			set_text(row->fix, "ALTER SYSTEM SET loadguard.idle_in_transaction_limit = '60s'; ALTER SYSTEM SET loadguard.terminate = 'on'; SELECT pg_reload_conf();");
	}
}

/*
 * A settings check is settings_rules.c's row for that setting: the same
 * value, recommendation and fix config_check() shows.
 */
static LgCheckRow *
settings_row(const LgReadinessInput *in, LgReadinessResult *out, LgCheckId id, LgSettingId setting)
{
	LgCheckRow *row = new_row(out, id);
	LgSettingRow rule;

	lg_setting_rule(&in->settings, setting, &rule);
	row->status = rule.severity >= LG_SEV_WARN ? LG_CHECK_WARN : LG_CHECK_PASS;
	set_text(row->observed, "%s", rule.current);
	set_text(row->required, "%s", rule.recommended);
	set_text(row->detail, "%s", rule.reason);
	if (rule.source[0] != '\0')
		append_text(row->detail, " Source: %s.", rule.source);
	set_text(row->fix, "%s", rule.fix[0] != '\0' ? rule.fix : rule.action);
	row->restart_required = row->fix[0] != '\0' && rule.restart_required;
	return row;
}

static void
check_settings(const LgReadinessInput *in, LgReadinessResult *out)
{
	const char *resets = in->settings.log_min_messages_resets;
	LgCheckRow *row;

	settings_row(in, out, LG_CHK_STATEMENT_TIMEOUT_SETTING, LG_SET_STATEMENT_TIMEOUT);
	settings_row(in, out, LG_CHK_IDLE_IN_TRANSACTION_SETTING, LG_SET_IDLE_IN_TRANSACTION_SESSION_TIMEOUT);

	/* the global value's row, plus the role and database overrides' resets */
	row = settings_row(in, out, LG_CHK_LOG_MIN_MESSAGES_SETTING, LG_SET_LOG_MIN_MESSAGES);
	if (resets && resets[0] != '\0')
	{
		row->status = LG_CHECK_WARN;
		append_text(row->observed, "; above error in overrides");
		append_text(row->detail, " Role or database overrides hide errors too (config_check lists each).");
		append_text(row->fix, "%s%s", row->fix[0] ? " " : "", resets);
	}
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
	if (out->pattern != LG_PATTERN_UNKNOWN)
	{
		append_text(out->summary, ". Connections: %s, %lld held with busy p95 %.1f at %lld users; at %lld users %lld held, busy p95 %lld",
					lg_pattern_name(out->pattern), (long long) out->held_now, out->busy_p95_now,
					(long long) in->baseline_users, (long long) in->users,
					(long long) out->held_projected, (long long) out->busy_p95_projected);
		if (out->pattern == LG_PATTERN_PERSISTENT_IDLE || out->pattern == LG_PATTERN_PER_REQUEST)
			append_text(out->summary, "; a transaction-mode pooler (PgBouncer) with default_pool_size = %lld serves them",
						(long long) out->pool_size);
	}
	if (out->max_users < 0)
		append_text(out->summary, ". Largest U unknown: the lookback saw no scaling connections.");
	else if (out->refused_at_baseline)
		/* c is a lower bound: max_users is an upper bound, never "up to" */
		append_text(out->summary, ". Connections were refused at %lld users: at most %lld users fit, fewer if the real connections per user is above the lower bound measured.",
					(long long) in->baseline_users, (long long) out->max_users);
	else if (out->refused_users > 0)
		append_text(out->summary, ". Connections were refused while %d were held, about %lld users at %.3f connections per user (estimated: no baseline given; pass baseline_users = the users of that run to measure it): at most %lld users fit, fewer if a user needs more connections or the refusals came below that peak.",
					in->peak_scaling_connections, (long long) out->refused_users,
					out->connections_per_user, (long long) out->max_users);
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
	out->refused_at_baseline = refused_at_baseline(in);
	out->refused_users = refused_users(in);
	out->pattern = detect_pattern(in);
	if (have_baseline(in))
	{
		out->held_now = in->peak_scaling_connections;
		out->held_projected = held_at(in, in->users);
		out->busy_peak_now = in->peak_scaling_busy;
		out->busy_p95_now = in->p95_scaling_busy;
		out->busy_peak_projected = scaled_ceil(in, in->users, in->peak_scaling_busy);
		out->busy_p95_projected = scaled_ceil_real(in, in->users, in->p95_scaling_busy);
	}
	if (out->pattern == LG_PATTERN_PERSISTENT_IDLE || out->pattern == LG_PATTERN_PER_REQUEST ||
		out->pattern == LG_PATTERN_POOLED)
		out->pool_size = pooler_size(in);
	out->demand = lg_readiness_demand(in, in->users);
	out->memory_bytes = lg_readiness_memory(in, out->demand);
	out->max_connections_needed = lg_max_connections_needed(out->demand, in->max_connections,
															in->usable_connections,
															out->refused_users > 0);
	if (out->pattern == LG_PATTERN_PERSISTENT_IDLE || out->pattern == LG_PATTERN_PER_REQUEST)
		out->pool_instead = out->pool_size;
	else if (memory_fails(in, lg_readiness_memory(in, out->max_connections_needed)) || cpu_warns(in))
		out->pool_instead = pooler_size(in);

	check_connections(in, out);
	check_pattern(in, out, out->rows[0].status);
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
