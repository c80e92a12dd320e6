/*
 * test_readiness.c — cmocka tests for the readiness model (src/model/readiness.c):
 * every pass/warn/fail boundary, the score, verdict, max_users, bottleneck,
 * the lower-bound flag, the pooler fix and the CPU skip; the connection
 * patterns, and the consistency rules (verdict, max_users, bottleneck and
 * summary agree with every row) over a table of inputs and a grid of U.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "readiness.h"

#define MB_ ((int64_t) 1024 * 1024)
#define GB_ (MB_ * 1024)

static void
set_value(LgReadinessInput *in, LgSettingId id, const char *text, int64_t value)
{
	in->settings.v[id].text = text;
	in->settings.v[id].value = value;
	in->settings.v[id].source.kind = LG_SRC_FILE;
	in->settings.v[id].source.where = "postgresql.conf:1";
}

/* A healthy server: 100 slots (97 usable), 8 GB, 2 cores, timeouts set. */
static LgReadinessInput
base_input(void)
{
	LgReadinessInput in;

	memset(&in, 0, sizeof(in));
	in.users = 10;
	in.max_connections = 100;
	in.usable_connections = 97;
	in.shared_buffers = 128 * MB_;
	in.work_mem = 4 * MB_;
	in.autovacuum_max_workers = 3;
	in.autovacuum_work_mem = -1;
	in.maintenance_work_mem = 64 * MB_;
	in.connections_per_user = 1.0;
	set_value(&in, LG_SET_MAX_CONNECTIONS, "100", 100);
	set_value(&in, LG_SET_WORK_MEM, "4MB", 4 * MB_);
	set_value(&in, LG_SET_STATEMENT_TIMEOUT, "30s", 30000);
	set_value(&in, LG_SET_IDLE_IN_TRANSACTION_SESSION_TIMEOUT, "1min", 60000);
	set_value(&in, LG_SET_LOG_MIN_MESSAGES, "warning", 0);
	in.scaling_established = -1;
	in.scaling_short_lived = -1;
	in.median_connection_age_s = -1;
	in.ram_bytes = 8 * GB_;
	in.cpu_cores = 2;
	in.samples = 100;
	in.window_s = 900;
	return in;
}

/*
 * config_check's input as the glue fills it for the same server: the
 * memory settings and RAM the work_mem rule sizes with.
 */
static void
sync_settings(LgReadinessInput *in)
{
	in->settings.ram_bytes = in->ram_bytes;
	set_value(in, LG_SET_MAX_CONNECTIONS, "n", in->max_connections);
	set_value(in, LG_SET_SHARED_BUFFERS, "n", in->shared_buffers);
	set_value(in, LG_SET_WORK_MEM, "n", in->work_mem);
	set_value(in, LG_SET_MAINTENANCE_WORK_MEM, "n", in->maintenance_work_mem);
	set_value(in, LG_SET_AUTOVACUUM_WORK_MEM, "n", in->autovacuum_work_mem);
	set_value(in, LG_SET_AUTOVACUUM_MAX_WORKERS, "n", in->autovacuum_max_workers);
}

static const LgCheckRow *
row_of(const LgReadinessResult *r, const char *name)
{
	for (int i = 0; i < r->nrows; i++)
		if (strcmp(r->rows[i].check_name, name) == 0)
			return &r->rows[i];
	fail_msg("no row %s", name);
	return NULL;
}

static LgCheckStatus
status_of(const LgReadinessInput *in, const char *name)
{
	static LgReadinessResult r;

	lg_readiness_assess(in, &r);
	return row_of(&r, name)->status;
}

/* ---- connections: D = ceil(U × c) + F against 80 % / 100 % of usable ---- */
typedef struct ConnCase
{
	int64_t		users;
	int64_t		baseline;
	int32_t		peak_scaling;
	int32_t		peak_fixed;
	double		per_user;
	int64_t		demand;
	LgCheckStatus status;
} ConnCase;

static void
test_connections_boundaries(void **state)
{
	/* usable 97: pass up to 77 (77.6 floored), warn 78..97, fail from 98 */
	static const ConnCase cases[] = {
		{77, 0, 0, 0, 1.0, 77, LG_CHECK_PASS},
		{78, 0, 0, 0, 1.0, 78, LG_CHECK_WARN},
		{97, 0, 0, 0, 1.0, 97, LG_CHECK_WARN},
		{98, 0, 0, 0, 1.0, 98, LG_CHECK_FAIL},
		/* configured c: 30 × 0.1 is 3, not 4 from float noise */
		{30, 0, 0, 0, 0.1, 3, LG_CHECK_PASS},
		{31, 0, 0, 0, 0.1, 4, LG_CHECK_PASS},
		{770, 0, 0, 0, 0.1, 77, LG_CHECK_PASS},
		{771, 0, 0, 0, 0.1, 78, LG_CHECK_WARN},
		/* baseline: c = 25 / 10 = 2.5; ceil(31 × 2.5) = 78 */
		{30, 10, 25, 0, 0, 75, LG_CHECK_PASS},
		{31, 10, 25, 0, 0, 78, LG_CHECK_WARN},
		{38, 10, 25, 0, 0, 95, LG_CHECK_WARN},
		{39, 10, 25, 0, 0, 98, LG_CHECK_FAIL},
		/* fixed overhead adds to the demand: 70 + 7 = 77, 71 + 7 = 78 */
		{70, 10, 10, 7, 0, 77, LG_CHECK_PASS},
		{71, 10, 10, 7, 0, 78, LG_CHECK_WARN},
		{90, 10, 10, 7, 0, 97, LG_CHECK_WARN},
		{91, 10, 10, 7, 0, 98, LG_CHECK_FAIL},
		/* ceil, not round: 1 user at 1/3 connection needs 1 */
		{1, 3, 1, 0, 0, 1, LG_CHECK_PASS},
	};

	(void) state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
	{
		LgReadinessInput in = base_input();
		LgReadinessResult r;

		in.users = cases[i].users;
		in.baseline_users = cases[i].baseline;
		in.peak_scaling_connections = cases[i].peak_scaling;
		in.peak_scaling_busy = in.peak_scaling_connections;
		in.p95_scaling_busy = in.peak_scaling_connections;
		in.peak_fixed_connections = cases[i].peak_fixed;
		if (cases[i].per_user > 0)
			in.connections_per_user = cases[i].per_user;
		lg_readiness_assess(&in, &r);
		if (r.demand != cases[i].demand || row_of(&r, "connections")->status != cases[i].status)
			fail_msg("case %zu: demand %lld status %s, expected %lld %s", i,
					 (long long) r.demand, lg_check_status_name(row_of(&r, "connections")->status),
					 (long long) cases[i].demand, lg_check_status_name(cases[i].status));
	}
}

/* ---- memory: sb + D × work_mem × 1.5 + workers × (avwm or mwm) vs RAM ---- */
typedef struct MemCase
{
	int64_t		ram;
	int64_t		autovacuum_work_mem;
	LgCheckStatus status;
} MemCase;

static void
test_memory_boundaries(void **state)
{
	/*
	 * 10 connections: 100 MB + 10 × 4 MB × 1.5 + 3 × 64 MB = 352 MB; with
	 * autovacuum_work_mem 32 MB: 100 + 60 + 96 = 256 MB.
	 */
	static const MemCase cases[] = {
		{440 * MB_, -1, LG_CHECK_PASS}, /* exactly 80 % */
		{440 * MB_ - 1, -1, LG_CHECK_WARN},
		{352 * MB_, -1, LG_CHECK_WARN}, /* exactly 100 % */
		{352 * MB_ - 1, -1, LG_CHECK_FAIL},
		{320 * MB_, 32 * MB_, LG_CHECK_PASS},	/* 256 MB is exactly 80 % */
		{320 * MB_ - 1, 32 * MB_, LG_CHECK_WARN},
		{256 * MB_ - 1, 32 * MB_, LG_CHECK_FAIL},
		{0, -1, LG_CHECK_SKIP}, /* RAM unknown */
	};

	(void) state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
	{
		LgReadinessInput in = base_input();
		LgReadinessResult r;

		in.users = 10;
		in.shared_buffers = 100 * MB_;
		in.ram_bytes = cases[i].ram;
		in.autovacuum_work_mem = cases[i].autovacuum_work_mem;
		lg_readiness_assess(&in, &r);
		assert_int_equal(r.memory_bytes,
						 cases[i].autovacuum_work_mem > 0 ? 256 * MB_ : 352 * MB_);
		if (row_of(&r, "memory")->status != cases[i].status)
			fail_msg("case %zu: memory %s, expected %s", i,
					 lg_check_status_name(row_of(&r, "memory")->status),
					 lg_check_status_name(cases[i].status));
	}
}

static void
test_memory_fix_lowers_work_mem(void **state)
{
	LgReadinessInput in = base_input();
	LgReadinessResult r;
	const LgCheckRow *row;

	(void) state;
	in.users = 10;
	in.shared_buffers = 100 * MB_;
	in.ram_bytes = 400 * MB_;	/* 352 MB is 88 %: warn */
	sync_settings(&in);
	lg_readiness_assess(&in, &r);
	row = row_of(&r, "memory");
	assert_int_equal(row->status, LG_CHECK_WARN);
	/* the setting's own value, then the workers' total */
	assert_non_null(strstr(row->detail, "3 autovacuum workers x maintenance_work_mem 64 MB (192 MB)"));

	/*
	 * at every one of the 100 slots, not only the 10 connections of D, so
	 * that config_check's work_mem row stays ok once it is applied: (0.8 ×
	 * 400 − 100 − 192) MB / (1.5 × 100) = 28 MB / 150 = 191 kB (before:
	 * 1911 kB for D, which the row then called high: 100 slots × 1911 kB ×
	 * 1.5 + 292 MB is above 400 MB)
	 */
	assert_string_equal(row->fix, "ALTER SYSTEM SET work_mem = '191kB'; SELECT pg_reload_conf();");
	assert_false(row->restart_required);

	/* no room for even 64 kB per connection: pooler or RAM */
	in.ram_bytes = 300 * MB_;
	sync_settings(&in);
	lg_readiness_assess(&in, &r);
	row = row_of(&r, "memory");
	assert_int_equal(row->status, LG_CHECK_FAIL);
	assert_non_null(strstr(row->fix, "PgBouncer"));
}

/* ---- cpu: projected active > 4 × cores warns; no baseline skips ---- */
typedef struct CpuCase
{
	int64_t		users;
	int64_t		baseline;
	int32_t		peak_active;
	int32_t		fixed_active;
	int32_t		cores;
	LgCheckStatus status;
} CpuCase;

static void
test_cpu(void **state)
{
	static const CpuCase cases[] = {
		{40, 10, 2, 0, 2, LG_CHECK_PASS},	/* 8 active = 4 × 2 */
		{41, 10, 2, 0, 2, LG_CHECK_WARN},	/* ceil(8.2) = 9 */
		{35, 10, 2, 1, 2, LG_CHECK_PASS},	/* 7 + 1 fixed */
		{36, 10, 2, 1, 2, LG_CHECK_WARN},	/* 8 + 1 fixed */
		{1000, 0, 2, 0, 2, LG_CHECK_SKIP},	/* no baseline */
		{40, 10, 2, 0, 0, LG_CHECK_SKIP},	/* cores unknown */
	};

	(void) state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
	{
		LgReadinessInput in = base_input();

		in.users = cases[i].users;
		in.baseline_users = cases[i].baseline;
		in.peak_scaling_connections = 10;
		in.peak_scaling_busy = in.peak_scaling_connections;
		in.p95_scaling_busy = in.peak_scaling_connections;
		in.peak_scaling_active = cases[i].peak_active;
		in.peak_fixed_active = cases[i].fixed_active;
		in.cpu_cores = cases[i].cores;
		if (status_of(&in, "cpu") != cases[i].status)
			fail_msg("case %zu: cpu %s, expected %s", i,
					 lg_check_status_name(status_of(&in, "cpu")),
					 lg_check_status_name(cases[i].status));
	}
}

/* ---- observed failures and settings ---- */
static void
test_observed_failures(void **state)
{
	LgReadinessInput in;

	(void) state;
	in = base_input();
	assert_int_equal(status_of(&in, "refused_connections"), LG_CHECK_PASS);
	in.refused_connections = 1;
	assert_int_equal(status_of(&in, "refused_connections"), LG_CHECK_FAIL);

	in = base_input();
	in.statement_timeouts = 1;
	assert_int_equal(status_of(&in, "statement_timeouts"), LG_CHECK_WARN);
	in = base_input();
	in.lock_timeouts = 2;
	assert_int_equal(status_of(&in, "lock_timeouts"), LG_CHECK_WARN);
	in = base_input();
	in.deadlocks = 1;
	assert_int_equal(status_of(&in, "deadlocks"), LG_CHECK_WARN);
	in = base_input();
	in.idle_in_transaction_timeouts = 3;
	assert_int_equal(status_of(&in, "idle_in_transaction_timeouts"), LG_CHECK_WARN);

	in = base_input();
	in.oldest_idle_in_transaction_s = 60.0;
	assert_int_equal(status_of(&in, "long_idle_in_transaction"), LG_CHECK_PASS);
	in.oldest_idle_in_transaction_s = 60.5;
	assert_int_equal(status_of(&in, "long_idle_in_transaction"), LG_CHECK_WARN);

	/* nothing to judge without samples */
	in = base_input();
	in.samples = 0;
	in.refused_connections = 5;
	assert_int_equal(status_of(&in, "refused_connections"), LG_CHECK_SKIP);
	assert_int_equal(status_of(&in, "long_idle_in_transaction"), LG_CHECK_SKIP);
}

static void
test_settings_checks(void **state)
{
	LgReadinessInput in = base_input();
	LgReadinessResult r;

	(void) state;
	lg_readiness_assess(&in, &r);
	assert_int_equal(row_of(&r, "statement_timeout")->status, LG_CHECK_PASS);
	assert_string_equal(row_of(&r, "statement_timeout")->fix, "");

	/* the application role's timeouts: defaults 0, no session seen */
	set_value(&in, LG_SET_LOG_MIN_MESSAGES, "fatal", 1);
	in.app_role_sql = "\"App\"";
	in.settings.app_role_sql = in.app_role_sql;
	lg_readiness_assess(&in, &r);
	assert_int_equal(row_of(&r, "statement_timeout")->status, LG_CHECK_WARN);
	assert_string_equal(row_of(&r, "statement_timeout")->fix,
						"ALTER ROLE \"App\" SET statement_timeout = '30s';");
	assert_non_null(strstr(row_of(&r, "statement_timeout")->observed, "none of its sessions observed"));
	assert_int_equal(row_of(&r, "idle_in_transaction_session_timeout")->status, LG_CHECK_WARN);
	assert_string_equal(row_of(&r, "idle_in_transaction_session_timeout")->fix,
						"ALTER ROLE \"App\" SET idle_in_transaction_session_timeout = '60s';");
	assert_int_equal(row_of(&r, "log_min_messages")->status, LG_CHECK_WARN);
	assert_string_equal(row_of(&r, "log_min_messages")->fix,
						"ALTER SYSTEM SET log_min_messages = 'warning'; SELECT pg_reload_conf();");

	/* every app session ran with 30 s (set at connect): no warning */
	in.settings.app[LG_TO_STATEMENT].sessions = 36;
	in.settings.app[LG_TO_STATEMENT].min_ms = 30000;
	in.settings.app[LG_TO_STATEMENT].max_ms = 30000;
	in.settings.app[LG_TO_STATEMENT].sources = LG_TSRC_CONNECT;
	in.settings.app_lookback_s = 600;
	lg_readiness_assess(&in, &r);
	assert_int_equal(row_of(&r, "statement_timeout")->status, LG_CHECK_PASS);
	assert_string_equal(row_of(&r, "statement_timeout")->fix, "");
	assert_non_null(strstr(row_of(&r, "statement_timeout")->observed,
						   "30 s on all 36 \"App\" sessions seen in the last 10 min (set at connect)"));

	/* without a role: the server's value, and the overrides' resets */
	in.app_role_sql = NULL;
	in.settings.app_role_sql = NULL;
	set_value(&in, LG_SET_IDLE_IN_TRANSACTION_SESSION_TIMEOUT, "0", 0);
	in.settings.log_min_messages_resets = "ALTER ROLE x RESET log_min_messages;";
	lg_readiness_assess(&in, &r);
	assert_string_equal(row_of(&r, "idle_in_transaction_session_timeout")->fix,
						"ALTER SYSTEM SET idle_in_transaction_session_timeout = '5min'; SELECT pg_reload_conf();");
	assert_string_equal(row_of(&r, "log_min_messages")->fix,
						"ALTER SYSTEM SET log_min_messages = 'warning'; SELECT pg_reload_conf(); ALTER ROLE x RESET log_min_messages;");
	set_value(&in, LG_SET_LOG_MIN_MESSAGES, "warning", 0);
	lg_readiness_assess(&in, &r);
	assert_int_equal(row_of(&r, "log_min_messages")->status, LG_CHECK_WARN);
	assert_string_equal(row_of(&r, "log_min_messages")->fix, "ALTER ROLE x RESET log_min_messages;");
}

/* ---- score and verdict ---- */
static void
test_score_and_verdict(void **state)
{
	LgReadinessInput in;
	LgReadinessResult r;

	(void) state;
	in = base_input();
	lg_readiness_assess(&in, &r);
	assert_int_equal(r.score, 100);
	assert_int_equal(r.verdict, LG_VERDICT_READY);
	assert_string_equal(lg_verdict_name(r.verdict), "READY");
	assert_int_equal(r.nrows, LG_CHECK_COUNT);

	in.statement_timeouts = 1;	/* one warn */
	lg_readiness_assess(&in, &r);
	assert_int_equal(r.score, 90);
	assert_int_equal(r.verdict, LG_VERDICT_AT_RISK);
	assert_string_equal(lg_verdict_name(r.verdict), "AT RISK");

	in.users = 98;				/* + connections fail */
	lg_readiness_assess(&in, &r);
	assert_int_equal(r.score, 60);
	assert_int_equal(r.verdict, LG_VERDICT_NOT_READY);
	assert_string_equal(lg_verdict_name(r.verdict), "NOT READY");
	assert_non_null(strstr(r.summary, "NOT READY for 98 users"));
	assert_non_null(strstr(r.summary, "failing: connections"));

	/* skip rows cost nothing */
	in = base_input();
	in.samples = 0;
	lg_readiness_assess(&in, &r);
	assert_int_equal(r.score, 100);

	/* floor at 0: 3 fails and 8 warns */
	in = base_input();
	in.users = 98;
	in.ram_bytes = 128 * MB_;
	in.refused_connections = 1;
	in.statement_timeouts = 1;
	in.lock_timeouts = 1;
	in.deadlocks = 1;
	in.idle_in_transaction_timeouts = 1;
	in.oldest_idle_in_transaction_s = 100;
	set_value(&in, LG_SET_IDLE_IN_TRANSACTION_SESSION_TIMEOUT, "0", 0);
	set_value(&in, LG_SET_LOG_MIN_MESSAGES, "fatal", 1);
	lg_readiness_assess(&in, &r);
	assert_int_equal(r.score, 0);
	assert_int_equal(r.verdict, LG_VERDICT_NOT_READY);
}

/* ---- max_users and bottleneck ---- */
typedef struct MaxCase
{
	int64_t		baseline;
	int32_t		peak_scaling;
	int32_t		peak_fixed;
	double		per_user;
	int32_t		usable;
	int64_t		ram;
	int64_t		max_users;
	const char *bottleneck;
} MaxCase;

static void
test_max_users(void **state)
{
	static const MaxCase cases[] = {
		{0, 0, 0, 1.0, 97, 8 * GB_, 97, "connections"},
		{10, 10, 7, 0, 97, 8 * GB_, 90, "connections"},
		{10, 25, 0, 0, 97, 8 * GB_, 38, "connections"},
		/* 128 MB + D × 6 MB + 192 MB ≤ 428 MB: D ≤ 18 */
		{0, 0, 0, 1.0, 97, 428 * MB_, 18, "memory"},
		/* fixed overhead alone breaks it: not even one user */
		{10, 10, 97, 0, 97, 8 * GB_, 0, "connections"},
		/* nothing limits up to the cap */
		{0, 0, 0, 0.01, 100000, 1024 * GB_, LG_READINESS_MAX_USERS, ""},
		/* a baseline without scaling connections cannot project */
		{10, 0, 5, 0, 97, 8 * GB_, -1, ""},
	};

	(void) state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
	{
		LgReadinessInput in = base_input();
		LgReadinessResult r;

		in.baseline_users = cases[i].baseline;
		in.peak_scaling_connections = cases[i].peak_scaling;
		in.peak_scaling_busy = in.peak_scaling_connections;
		in.p95_scaling_busy = in.peak_scaling_connections;
		in.peak_fixed_connections = cases[i].peak_fixed;
		if (cases[i].per_user > 0)
			in.connections_per_user = cases[i].per_user;
		in.usable_connections = cases[i].usable;
		in.max_connections = cases[i].usable + 3;
		in.ram_bytes = cases[i].ram;
		lg_readiness_assess(&in, &r);
		if (r.max_users != cases[i].max_users || strcmp(r.bottleneck, cases[i].bottleneck) != 0)
			fail_msg("case %zu: max_users %lld bottleneck '%s', expected %lld '%s'", i,
					 (long long) r.max_users, r.bottleneck,
					 (long long) cases[i].max_users, cases[i].bottleneck);

		/* max_users passes connections and memory, one more user fails one */
		if (r.max_users > 0 && r.max_users < LG_READINESS_MAX_USERS)
		{
			int64_t		d = lg_readiness_demand(&in, r.max_users);
			int64_t		d1 = lg_readiness_demand(&in, r.max_users + 1);

			assert_true(d <= in.usable_connections && lg_readiness_memory(&in, d) <= in.ram_bytes);
			assert_true(d1 > in.usable_connections || lg_readiness_memory(&in, d1) > in.ram_bytes);
		}
	}
}

static void
test_no_scaling_connections_skip(void **state)
{
	LgReadinessInput in = base_input();
	LgReadinessResult r;

	(void) state;
	in.baseline_users = 10;
	in.peak_fixed_connections = 5;
	lg_readiness_assess(&in, &r);
	assert_int_equal(row_of(&r, "connections")->status, LG_CHECK_SKIP);
	assert_int_equal(row_of(&r, "cpu")->status, LG_CHECK_SKIP);
	assert_int_equal(r.max_users, -1);
	assert_non_null(strstr(r.summary, "unknown"));
}

/* ---- lower bound on c when the baseline had refusals ---- */
static void
test_lower_bound_flag(void **state)
{
	LgReadinessInput in = base_input();
	LgReadinessResult r;

	(void) state;
	in.baseline_users = 10;
	in.peak_scaling_connections = 20;
	in.peak_scaling_busy = in.peak_scaling_connections;
	in.p95_scaling_busy = in.peak_scaling_connections;
	lg_readiness_assess(&in, &r);
	assert_false(r.connections_per_user_lower_bound);
	assert_null(strstr(row_of(&r, "connections")->detail, "lower bound"));

	in.refused_connections = 3;
	lg_readiness_assess(&in, &r);
	assert_true(r.connections_per_user_lower_bound);
	assert_non_null(strstr(row_of(&r, "connections")->detail, "lower bound"));

	/* without a baseline c is configured, never a lower bound */
	in.baseline_users = 0;
	lg_readiness_assess(&in, &r);
	assert_false(r.connections_per_user_lower_bound);
}

/* ---- the connections fix: max_connections, or a pooler ---- */
static void
test_connections_fix(void **state)
{
	LgReadinessInput in = base_input();
	LgReadinessResult r;
	const LgCheckRow *row;

	(void) state;
	in.users = 77;
	lg_readiness_assess(&in, &r);
	assert_string_equal(row_of(&r, "connections")->fix, "");

	/* D = 98: usable must reach ceil(98 / 0.8) = 123, + 3 reserved = 126 */
	in.users = 98;
	lg_readiness_assess(&in, &r);
	row = row_of(&r, "connections");
	assert_int_equal(row->status, LG_CHECK_FAIL);
	assert_non_null(strstr(row->fix, "ALTER SYSTEM SET max_connections = 126;"));
	assert_non_null(strstr(row->fix, "hot standbys"));
	/* 128 MB + 126 × 6 MB + 192 MB = 1076 MB */
	assert_non_null(strstr(row->fix, "1.1 GB"));
	assert_true(row->restart_required);

	/* warn gets the same kind of fix: D = 80 → ceil(100) + 3 */
	in.users = 80;
	lg_readiness_assess(&in, &r);
	row = row_of(&r, "connections");
	assert_int_equal(row->status, LG_CHECK_WARN);
	assert_non_null(strstr(row->fix, "max_connections = 103;"));

	/* 126 connections would need 1076 MB of 1 GB: pooler instead */
	in.users = 98;
	in.ram_bytes = 1 * GB_;
	lg_readiness_assess(&in, &r);
	row = row_of(&r, "connections");
	assert_int_equal(row->status, LG_CHECK_FAIL);
	assert_non_null(strstr(row->fix, "PgBouncer with pool_mode = transaction and default_pool_size = 8"));
	assert_null(strstr(row->fix, "ALTER SYSTEM"));
	assert_false(row->restart_required);

	/* the memory would fit, but the CPU check warns: pooler too */
	in = base_input();
	in.users = 98;
	in.baseline_users = 10;
	in.peak_scaling_connections = 10;
	in.peak_scaling_busy = in.peak_scaling_connections;
	in.p95_scaling_busy = in.peak_scaling_connections;
	in.peak_scaling_active = 5; /* 49 active on 2 cores */
	lg_readiness_assess(&in, &r);
	assert_int_equal(row_of(&r, "cpu")->status, LG_CHECK_WARN);
	row = row_of(&r, "connections");
	assert_non_null(strstr(row->fix, "PgBouncer"));
	assert_non_null(strstr(row->fix, "2 CPU cores"));
	assert_false(row->restart_required);

	/* pool size is bounded by 80 % of slots minus fixed overhead */
	in = base_input();
	in.users = 98;
	in.ram_bytes = 1 * GB_;
	in.cpu_cores = 64;
	in.baseline_users = 10;
	in.peak_scaling_connections = 10;
	in.peak_scaling_busy = in.peak_scaling_connections;
	in.p95_scaling_busy = in.peak_scaling_connections;
	in.peak_fixed_connections = 70;
	lg_readiness_assess(&in, &r);
	assert_non_null(strstr(row_of(&r, "connections")->fix, "default_pool_size = 7;"));
}

static void
test_lookback_note(void **state)
{
	LgReadinessInput in = base_input();
	LgReadinessResult r;

	(void) state;
	lg_readiness_assess(&in, &r);
	assert_null(strstr(row_of(&r, "connections")->detail, "reaches past the history"));
	in.lookback_exceeds_history = true;
	in.history_covered_s = 120;
	lg_readiness_assess(&in, &r);
	assert_non_null(strstr(row_of(&r, "connections")->detail,
						   "reaches past the history, which covers only 120 s"));
}

static void
test_hidden_role_note(void **state)
{
	LgReadinessInput in = base_input();
	LgReadinessResult r;

	(void) state;
	in.baseline_users = 10;
	in.peak_scaling_connections = 20;
	in.peak_scaling_busy = in.peak_scaling_connections;
	in.p95_scaling_busy = in.peak_scaling_connections;
	in.app_role_sql = "app";
	lg_readiness_assess(&in, &r);
	assert_null(strstr(row_of(&r, "connections")->detail, "undercounted"));
	in.scaling_role_hidden_samples = 3;
	lg_readiness_assess(&in, &r);
	assert_non_null(strstr(row_of(&r, "connections")->detail,
						   "In 3 samples the role was not among the 8 largest"));
}

static void
test_format_bytes(void **state)
{
	char		buf[32];

	(void) state;
	lg_format_bytes(buf, sizeof(buf), 64 * 1024);
	assert_string_equal(buf, "64 kB");
	lg_format_bytes(buf, sizeof(buf), 512 * MB_);
	assert_string_equal(buf, "512 MB");
	lg_format_bytes(buf, sizeof(buf), 3 * GB_ / 2);
	assert_string_equal(buf, "1.5 GB");
}


/* ---- the model v2: patterns and consistency over a table of inputs ---- */
typedef struct ModelCase
{
	const char *name;
	int64_t		baseline;
	int32_t		held;
	int32_t		busy_peak;
	double		busy_p95;
	int32_t		fixed;
	int64_t		refused;
	int64_t		established;	/* -1 unknown */
	bool		app_role;
	int32_t		usable;
	int64_t		ram;
	LgConnectionPattern pattern;
} ModelCase;

static const ModelCase model_cases[] = {
	/* the seed's Django burst: 36 held, 2 busy, 176 refusals at 50 users */
	{"django burst", 50, 36, 2, 2.0, 1, 176, -1, true, 37, 8 * GB_, LG_PATTERN_PERSISTENT_IDLE},
	/* the cluster test: 30 idle + 2 busy at baseline 30 */
	{"idle threads", 30, 32, 2, 2.0, 1, 0, -1, true, 37, 8 * GB_, LG_PATTERN_PERSISTENT_IDLE},
	/* pgbench: one busy connection per user */
	{"pgbench", 10, 10, 10, 10.0, 2, 0, -1, true, 97, 8 * GB_, LG_PATTERN_PERSISTENT},
	{"pgbench refused", 40, 37, 37, 36.0, 0, 12, -1, true, 37, 8 * GB_, LG_PATTERN_PERSISTENT},
	/* pgbench -C: thousands of connections opened, few held at once */
	{"per request", 8, 6, 6, 5.0, 0, 0, 4000, false, 97, 8 * GB_, LG_PATTERN_PER_REQUEST},
	/* churn over every role does not count for an app role */
	{"churn elsewhere", 8, 8, 8, 8.0, 0, 0, 4000, true, 97, 8 * GB_, LG_PATTERN_PERSISTENT},
	/* a pooler's 5 server connections, busy most of the time */
	{"pooled", 60, 5, 5, 4.0, 1, 0, 5, true, 37, 8 * GB_, LG_PATTERN_POOLED},
	/* memory runs out before the slots */
	{"memory bound", 10, 10, 10, 10.0, 0, 0, -1, true, 1000, 1 * GB_, LG_PATTERN_PERSISTENT},
	{"memory bound idle", 10, 40, 3, 2.0, 0, 0, -1, true, 1000, 1 * GB_, LG_PATTERN_PERSISTENT_IDLE},
	/* no baseline: configured c */
	{"no baseline", 0, 0, 0, 0, 0, 0, -1, false, 97, 8 * GB_, LG_PATTERN_UNKNOWN},
	{"no baseline refused", 0, 0, 0, 0, 0, 5, -1, false, 97, 8 * GB_, LG_PATTERN_UNKNOWN},
	/* refused while 20 were held of 97 usable (a role or database limit) */
	{"no baseline refused at 20 held", 0, 20, 0, 0, 0, 5, -1, false, 97, 8 * GB_, LG_PATTERN_UNKNOWN},
	{"no baseline refused, app role", 0, 12, 0, 0, 3, 2, -1, true, 37, 8 * GB_, LG_PATTERN_UNKNOWN},
	/* refused with every slot held: the slots and the refusals agree */
	{"no baseline refused when full", 0, 34, 0, 0, 3, 9, -1, true, 37, 8 * GB_, LG_PATTERN_UNKNOWN},
	{"no baseline refused, memory bound", 0, 900, 0, 0, 0, 4, -1, false, 1000, 1 * GB_, LG_PATTERN_UNKNOWN},
};

/*
 * Without a baseline the users at the refusals are estimated: the first U
 * whose ceil(U x c) scaling connections exceed the peak held while refused
 * (the refused clients wanted more than that).  Computed here on its own,
 * not with the model's function.
 */
static int64_t
estimated_refusal_users(const LgReadinessInput *in)
{
	int64_t		u = 1;

	while ((double) u * in->connections_per_user <= (double) in->peak_scaling_connections + 1e-9)
		u++;
	return u;
}

static LgReadinessInput
model_input(const ModelCase *c, int64_t users)
{
	LgReadinessInput in = base_input();

	in.users = users;
	in.baseline_users = c->baseline;
	in.peak_scaling_connections = c->held;
	in.peak_scaling_busy = c->busy_peak;
	in.p95_scaling_busy = c->busy_p95;
	in.peak_scaling_active = c->busy_peak;
	in.peak_fixed_connections = c->fixed;
	in.refused_connections = c->refused;
	in.scaling_established = c->established;
	in.established_all_roles = true;
	in.usable_connections = c->usable;
	in.max_connections = c->usable + 3;
	/* the settings input shows the same max_connections (one server) */
	in.settings.v[LG_SET_MAX_CONNECTIONS].value = c->usable + 3;
	in.ram_bytes = c->ram;
	in.cpu_cores = 64;
	if (c->app_role)
	{
		in.app_role_sql = "app";
		in.settings.app_role_sql = "app";
		in.settings.app[LG_TO_STATEMENT].default_ms = 30000;
		in.settings.app[LG_TO_IDLE_IN_TRANSACTION].default_ms = 60000;
	}
	return in;
}

/* every rule of "no self-contradiction", on one assessment */
static void
assert_consistent(const ModelCase *c, const LgReadinessInput *in, const LgReadinessResult *r)
{
	int			fails = 0;
	int			warns = 0;
	const LgCheckRow *conn = row_of(r, "connections");
	const LgCheckRow *pattern = row_of(r, "connection_pattern");
	const LgCheckRow *mem = row_of(r, "memory");

	for (int i = 0; i < r->nrows; i++)
	{
		const LgCheckRow *row = &r->rows[i];

		if (row->status == LG_CHECK_FAIL || row->status == LG_CHECK_WARN)
		{
			if (strstr(r->summary, row->check_name) == NULL)
				fail_msg("%s U=%lld: summary does not name %s: %s", c->name,
						 (long long) in->users, row->check_name, r->summary);
			if (row->fix[0] == '\0' && row->status == LG_CHECK_FAIL)
				fail_msg("%s U=%lld: failing %s has no fix", c->name, (long long) in->users, row->check_name);
		}
		fails += row->status == LG_CHECK_FAIL;
		warns += row->status == LG_CHECK_WARN;
	}
	assert_int_equal(r->verdict, fails ? LG_VERDICT_NOT_READY : warns ? LG_VERDICT_AT_RISK : LG_VERDICT_READY);
	assert_int_equal(r->score, 100 - 30 * fails - 10 * warns < 0 ? 0 : 100 - 30 * fails - 10 * warns);
	assert_int_equal(strncmp(r->summary, lg_verdict_name(r->verdict), strlen(lg_verdict_name(r->verdict))), 0);

	/* max_users against the rows at this U */
	if (r->max_users >= 0)
	{
		bool		capacity_fails = conn->status == LG_CHECK_FAIL || mem->status == LG_CHECK_FAIL;

		if (capacity_fails != (in->users > r->max_users))
			fail_msg("%s U=%lld: max_users %lld but connections %s, memory %s", c->name,
					 (long long) in->users, (long long) r->max_users,
					 lg_check_status_name(conn->status), lg_check_status_name(mem->status));
		assert_true((r->bottleneck[0] != '\0') == (r->max_users < LG_READINESS_MAX_USERS));
	}

	/* refusals at B: B users do not fit, and nothing says "up to" */
	if (c->refused > 0 && c->baseline > 0)
	{
		assert_true(r->connections_per_user_lower_bound);
		assert_true(r->max_users < c->baseline);
		if (in->users >= c->baseline)
			assert_int_equal(conn->status, LG_CHECK_FAIL);
		if (strstr(r->summary, "Up to") != NULL)
			fail_msg("%s U=%lld: a lower bound claims %s", c->name, (long long) in->users, r->summary);
		if (conn->status != LG_CHECK_PASS && strstr(conn->fix, "max_connections =") &&
			!strstr(conn->fix, "lower bound"))
			fail_msg("%s U=%lld: fix sized from a lower bound does not say so: %s", c->name,
					 (long long) in->users, conn->fix);
	}

	/*
	 * refusals without a baseline: the connections check fails from the
	 * estimated user count on, max_users stays below it, the texts say it is
	 * an estimate and how to measure it, and nothing says "up to"
	 */
	if (c->refused > 0 && c->baseline == 0)
	{
		int64_t		at = estimated_refusal_users(in);

		assert_false(r->connections_per_user_lower_bound);
		if (r->max_users < 0 || r->max_users >= at)
			fail_msg("%s U=%lld: max_users %lld not below the %lld users estimated at the refusals",
					 c->name, (long long) in->users, (long long) r->max_users, (long long) at);
		if (in->users >= at && conn->status != LG_CHECK_FAIL)
			fail_msg("%s U=%lld: connections %s at or above the %lld users estimated at the refusals",
					 c->name, (long long) in->users, lg_check_status_name(conn->status), (long long) at);
		if (strstr(r->summary, "Up to") != NULL || strstr(r->summary, "hold up to") != NULL)
			fail_msg("%s U=%lld: refusals, yet %s", c->name, (long long) in->users, r->summary);
		if (!strstr(r->summary, "estimated") || !strstr(r->summary, "baseline_users"))
			fail_msg("%s U=%lld: summary does not say the figure is estimated: %s", c->name,
					 (long long) in->users, r->summary);
		if (!strstr(conn->detail, "estimated") || !strstr(conn->detail, "baseline_users"))
			fail_msg("%s U=%lld: detail does not say the figure is estimated: %s", c->name,
					 (long long) in->users, conn->detail);
		if (conn->status != LG_CHECK_PASS && !strstr(conn->fix, "baseline_users"))
			fail_msg("%s U=%lld: fix does not say how to measure: %s", c->name,
					 (long long) in->users, conn->fix);
	}

	/* the pattern row never fails where the connections row passes */
	if (pattern->status == LG_CHECK_FAIL)
		assert_int_equal(conn->status, LG_CHECK_FAIL);
	assert_int_equal(r->pattern, c->pattern);
	if ((c->pattern == LG_PATTERN_PERSISTENT_IDLE || c->pattern == LG_PATTERN_PER_REQUEST) &&
		pattern->status != LG_CHECK_PASS)
	{
		char		k[64];

		snprintf(k, sizeof(k), "default_pool_size = %lld,", (long long) r->pool_size);
		assert_non_null(strstr(pattern->fix, "pool_mode = transaction"));
		assert_non_null(strstr(pattern->fix, k));
		assert_non_null(strstr(pattern->fix, "max_client_conn"));
		assert_true(r->pool_size >= 1);
	}
	if (c->pattern == LG_PATTERN_UNKNOWN)
		assert_int_equal(pattern->status, LG_CHECK_SKIP);
}

static void
test_model_consistency(void **state)
{
	(void) state;
	for (size_t i = 0; i < sizeof(model_cases) / sizeof(model_cases[0]); i++)
	{
		const ModelCase *c = &model_cases[i];
		LgReadinessInput in = model_input(c, 1);
		LgReadinessResult r;
		int64_t		max_users;
		int64_t		grid[16];
		int			n = 0;

		lg_readiness_assess(&in, &r);
		max_users = r.max_users;
		grid[n++] = 1;
		if (c->refused > 0 && c->baseline == 0)
		{
			int64_t		at = estimated_refusal_users(&in);

			grid[n++] = at;
			grid[n++] = at + 1;
			if (at > 1)
				grid[n++] = at - 1;
		}
		if (c->baseline > 1)
		{
			grid[n++] = c->baseline - 1;
			grid[n++] = c->baseline;
			grid[n++] = c->baseline + 1;
			grid[n++] = 2 * c->baseline;
		}
		grid[n++] = 50;
		grid[n++] = 1000;
		if (max_users > 0)
			grid[n++] = max_users;
		if (max_users >= 0 && max_users < LG_READINESS_MAX_USERS)
			grid[n++] = max_users + 1;
		for (int g = 0; g < n; g++)
		{
			in = model_input(c, grid[g]);
			lg_readiness_assess(&in, &r);
			assert_int_equal(r.max_users, max_users);
			assert_consistent(c, &in, &r);
		}
	}
}

/* the cases, figure by figure */
static void
test_idle_threads_need_a_pooler(void **state)
{
	LgReadinessInput in = model_input(&model_cases[1], 60);
	LgReadinessResult r;
	const LgCheckRow *row;

	(void) state;
	lg_readiness_assess(&in, &r);
	row = row_of(&r, "connection_pattern");
	assert_int_equal(row->status, LG_CHECK_FAIL);
	/* busy p95 2 at 30 users → 4 at 60, × 1.25 → 5 server connections */
	assert_int_equal(r.busy_p95_projected, 4);
	assert_int_equal(r.pool_size, 5);
	assert_int_equal(r.held_projected, 64);
	assert_non_null(strstr(row->fix, "PgBouncer with pool_mode = transaction, default_pool_size = 5, max_client_conn = 64"));
	assert_non_null(strstr(row->fix, "fewer threads"));
	assert_non_null(strstr(row->observed, "persistent, mostly idle: 32 held, busy p95 2.0"));
	/* the connections check gives the same fix, not a bigger max_connections */
	assert_string_equal(row_of(&r, "connections")->fix, row->fix);
	assert_false(row_of(&r, "connections")->restart_required);
	assert_non_null(strstr(r.summary, "default_pool_size = 5"));
}

static void
test_refusals_at_baseline(void **state)
{
	LgReadinessInput in = model_input(&model_cases[0], 50);
	LgReadinessResult r;

	(void) state;
	lg_readiness_assess(&in, &r);
	assert_int_equal(row_of(&r, "connections")->status, LG_CHECK_FAIL);
	assert_int_equal(r.verdict, LG_VERDICT_NOT_READY);
	assert_true(r.max_users < 50);
	assert_null(strstr(r.summary, "Up to"));
	assert_non_null(strstr(r.summary, "refused at 50 users"));
	assert_null(strstr(row_of(&r, "connections")->fix, "ALTER SYSTEM SET max_connections"));

	/* persistent and busy: max_connections, said to be a lower bound */
	in = model_input(&model_cases[3], 40);
	lg_readiness_assess(&in, &r);
	assert_int_equal(row_of(&r, "connections")->status, LG_CHECK_FAIL);
	assert_non_null(strstr(row_of(&r, "connections")->fix, "max_connections = "));
	assert_non_null(strstr(row_of(&r, "connections")->fix, "lower bound"));
	assert_non_null(strstr(row_of(&r, "connections")->observed, "at least"));
}

/*
 * Refusals without a baseline (the view, config_check): the user count at
 * the refusals is estimated from the connections held, at the configured c.
 */
static void
test_refusals_without_baseline(void **state)
{
	LgReadinessInput in = base_input();
	LgReadinessResult r;
	const LgCheckRow *row;

	(void) state;
	/* 97 usable, but refused while 20 were held: 20 users at c = 1 */
	in.users = 50;
	in.peak_scaling_connections = 20;
	in.refused_connections = 3;
	lg_readiness_assess(&in, &r);
	row = row_of(&r, "connections");
	assert_int_equal(row->status, LG_CHECK_FAIL);
	assert_int_equal(r.max_users, 20);
	assert_string_equal(r.bottleneck, "connections");
	assert_false(r.connections_per_user_lower_bound);
	assert_null(strstr(r.summary, "Up to"));
	assert_non_null(strstr(r.summary, "at most 20 users fit"));
	assert_non_null(strstr(row->detail, "refused while the server held 20 scaling connections"));
	assert_non_null(strstr(row->detail, "about 21 users"));
	assert_non_null(strstr(row->detail, "no baseline was given"));
	assert_non_null(strstr(row->detail, "baseline_users"));
	/* a fix that raises: more than now, and said to be estimated */
	assert_non_null(strstr(row->fix, "max_connections = 101;"));
	assert_non_null(strstr(row->fix, "baseline_users"));
	in.users = 20;
	assert_int_equal(status_of(&in, "connections"), LG_CHECK_PASS);
	in.users = 21;
	assert_int_equal(status_of(&in, "connections"), LG_CHECK_FAIL);

	/* c = 0.4: 20 held are 50 users; 51 need 21 */
	in.connections_per_user = 0.4;
	in.users = 50;
	assert_int_equal(status_of(&in, "connections"), LG_CHECK_PASS);
	in.users = 51;
	lg_readiness_assess(&in, &r);
	assert_int_equal(row_of(&r, "connections")->status, LG_CHECK_FAIL);
	assert_int_equal(r.max_users, 50);
	assert_non_null(strstr(r.summary, "at most 50 users fit"));

	/* with a baseline the measured figure rules, as before */
	in.connections_per_user = 1.0;
	in.baseline_users = 40;
	in.users = 39;
	lg_readiness_assess(&in, &r);
	assert_int_equal(r.max_users, 39);
	assert_null(strstr(row_of(&r, "connections")->detail, "estimated"));
}

static void
test_pooled_pattern(void **state)
{
	LgReadinessInput in = model_input(&model_cases[6], 60);
	LgReadinessResult r;

	(void) state;
	lg_readiness_assess(&in, &r);
	assert_int_equal(r.pattern, LG_PATTERN_POOLED);
	assert_int_equal(row_of(&r, "connection_pattern")->status, LG_CHECK_PASS);
	assert_int_equal(r.demand, 6);	/* the pool and the fixed one, at any U */
	in.users = 600;
	lg_readiness_assess(&in, &r);
	assert_int_equal(r.demand, 6);
	/* busy p95 4 at 60 → 40 at 600: more than the pool */
	assert_int_equal(row_of(&r, "connection_pattern")->status, LG_CHECK_WARN);
	assert_non_null(strstr(row_of(&r, "connection_pattern")->fix, "default_pool_size = "));
}

static void
test_per_request_pattern(void **state)
{
	LgReadinessInput in = model_input(&model_cases[4], 8);
	LgReadinessResult r;

	(void) state;
	in.window_s = 100;
	lg_readiness_assess(&in, &r);
	assert_int_equal(r.pattern, LG_PATTERN_PER_REQUEST);
	assert_int_equal(row_of(&r, "connection_pattern")->status, LG_CHECK_WARN);
	assert_non_null(strstr(row_of(&r, "connection_pattern")->observed, "4000 connections opened in 100 s (40.0/s)"));

	/* nothing measured: the detail says so, and claims no cost */
	assert_non_null(strstr(row_of(&r, "connection_pattern")->detail, "was not measured"));
	assert_null(strstr(row_of(&r, "connection_pattern")->detail, " ms "));

	/* measured: the rate within an interval, the cost and what it covers */
	in.peak_connect_rate = 120.0;
	in.connect_cost_ms = 4.3;
	in.connect_cost_count = 4000;
	in.connect_cost_p95_ms = 7.5;
	in.connect_cost_p95_count = 4100;
	lg_readiness_assess(&in, &r);
	assert_int_equal(r.pattern, LG_PATTERN_PER_REQUEST);
	assert_int_equal(row_of(&r, "connection_pattern")->status, LG_CHECK_WARN);
	assert_non_null(strstr(row_of(&r, "connection_pattern")->observed,
						   "4000 connections opened in 100 s (40.0/s, at most 120.0/s in one sample interval)"));
	assert_non_null(strstr(row_of(&r, "connection_pattern")->observed,
						   "authentication and backend start 4.3 ms on average over 4000 connections (p95 7.5 ms over all 4100 client connections)"));
	assert_non_null(strstr(row_of(&r, "connection_pattern")->detail, "Measured here: authentication and backend start 4.3 ms"));
	assert_non_null(strstr(row_of(&r, "connection_pattern")->detail, "fork before the backend starts is not included"));
	assert_non_null(strstr(row_of(&r, "connection_pattern")->fix, "PgBouncer"));
	assert_non_null(strstr(row_of(&r, "connection_pattern")->fix, "client-side pool"));
	assert_non_null(strstr(row_of(&r, "connection_pattern")->fix, "saves the 4.3 ms"));
	/* one population: the p95 needs no "over all" */
	in.connect_cost_p95_count = 4000;
	lg_readiness_assess(&in, &r);
	assert_non_null(strstr(row_of(&r, "connection_pattern")->observed, "over 4000 connections (p95 7.5 ms)"));
	/* one connection measured: no plural */
	in.connect_cost_count = 1;
	in.connect_cost_p95_count = 1;
	lg_readiness_assess(&in, &r);
	assert_non_null(strstr(row_of(&r, "connection_pattern")->observed, "on average over 1 connection (p95 7.5 ms)"));
	in.connect_cost_count = 4000;
	in.connect_cost_p95_count = 4000;

	/*
	 * churn without its short-lived share: mostly long-lived is not per
	 * request
	 */
	in.scaling_short_lived = 100;
	lg_readiness_assess(&in, &r);
	assert_int_not_equal(r.pattern, LG_PATTERN_PER_REQUEST);
}

/* a fix goes where the value comes from */
static void
test_connections_fix_command_line(void **state)
{
	LgReadinessInput in = base_input();
	LgReadinessResult r;
	const LgCheckRow *row;

	(void) state;
	in.users = 98;
	in.settings.v[LG_SET_MAX_CONNECTIONS].source.kind = LG_SRC_COMMAND_LINE;
	lg_readiness_assess(&in, &r);
	row = row_of(&r, "connections");
	assert_null(strstr(row->fix, "ALTER SYSTEM SET"));
	assert_non_null(strstr(row->fix, "command line"));
	assert_non_null(strstr(row->fix, "max_connections = 126"));
	assert_true(row->restart_required);
}

/* under Patroni the max_connections fix is patronictl's, never ALTER SYSTEM */
static void
test_connections_fix_patroni(void **state)
{
	LgReadinessInput in = base_input();
	LgReadinessResult r;
	const LgCheckRow *row;
	LgServerStart start = {0};

	(void) state;
	start.patroni = true;
	start.patroni_config = "/etc/patroni/n1.yml";
	start.patroni_cluster = "shop";
	in.users = 98;
	in.settings.v[LG_SET_MAX_CONNECTIONS].source.kind = LG_SRC_COMMAND_LINE;
	in.settings.v[LG_SET_MAX_CONNECTIONS].source.start = &start;
	lg_readiness_assess(&in, &r);
	row = row_of(&r, "connections");
	assert_null(strstr(row->fix, "ALTER SYSTEM"));
	assert_non_null(strstr(row->fix, "patronictl -c /etc/patroni/n1.yml edit-config shop --pg max_connections=126 --force"));
	assert_non_null(strstr(row->fix, "restart shop --role replica --pending --force, then"));
	assert_non_null(strstr(row->fix, "Raise max_connections on hot standbys first"));
	assert_true(row->restart_required);

	/* on a hot standby: the reminder that it must stay >= the primary's */
	start.standby = true;
	lg_readiness_assess(&in, &r);
	row = row_of(&r, "connections");
	assert_non_null(strstr(row->fix, "This node is a hot standby: its max_connections must stay at least the primary's"));
}

/*
 * One rule for max_connections: config_check's row, built from a readiness
 * run with lg_readiness_settings_target, and that run's connections check
 * give one answer (severity, number, statement, restart) for every source
 * and every remedy (raise, lower bound, pooler instead), over a grid of U.
 */
static void
test_max_connections_one_rule(void **state)
{
	static const LgSourceKind kinds[] = {LG_SRC_FILE, LG_SRC_DEFAULT, LG_SRC_COMMAND_LINE, LG_SRC_COMMAND_LINE};
	LgServerStart patroni = {0};

	(void) state;
	patroni.patroni = true;
	patroni.patroni_config = "/etc/patroni/n1.yml";
	patroni.patroni_cluster = "shop";
	for (int k = 0; k < (int) (sizeof(kinds) / sizeof(kinds[0])); k++)
	{
		for (int variant = 0; variant < 5; variant++)
		{
			for (int64_t users = 10; users <= 400; users += 13)
			{
				LgReadinessInput in = base_input();
				LgSettingsInput settings;
				LgReadinessResult r;
				LgSettingRow rule;
				const LgCheckRow *row;

				in.users = users;
				in.peak_fixed_connections = 3;
				in.settings.v[LG_SET_MAX_CONNECTIONS].source.kind = kinds[k];
				if (k == 3)
					in.settings.v[LG_SET_MAX_CONNECTIONS].source.start = &patroni;
				if (variant >= 1)
				{
					/* a baseline: 20 users held 20 busy connections */
					in.baseline_users = 20;
					in.peak_scaling_connections = 20;
					in.peak_scaling_busy = 20;
					in.p95_scaling_busy = 20;
					in.peak_scaling_active = 2;
				}
				if (variant == 2)
					in.refused_connections = 4; /* lower bound */
				if (variant == 3)
					in.ram_bytes = 1 * GB_; /* memory cannot follow */
				if (variant == 4)
				{
					/* no baseline: refused while 40 were held */
					in.peak_scaling_connections = 40;
					in.refused_connections = 2;
				}

				lg_readiness_assess(&in, &r);
				row = row_of(&r, "connections");
				settings = in.settings;
				lg_readiness_settings_target(&in, &r, &settings);
				lg_setting_rule(&settings, LG_SET_MAX_CONNECTIONS, &rule);

				/* the same verdict */
				assert_int_equal(rule.severity,
								 row->status == LG_CHECK_FAIL ? LG_SEV_HIGH :
								 row->status == LG_CHECK_WARN ? LG_SEV_WARN : LG_SEV_OK);
				if (row->status == LG_CHECK_PASS)
				{
					assert_string_equal(rule.fix, "");
					continue;
				}
				if (r.pool_instead > 0)
				{
					/* neither raises max_connections */
					assert_string_equal(rule.fix, "");
					assert_string_equal(rule.recommended, rule.current);
					assert_non_null(strstr(row->fix, "pooler"));
					assert_non_null(strstr(rule.reason, "pooler"));
					continue;
				}
				/* the same statement, or the same words where SQL cannot */
				if (rule.fix[0] != '\0')
					assert_memory_equal(row->fix, rule.fix, strlen(rule.fix));
				else
				{
					assert_true(rule.action[0] != '\0');
					assert_memory_equal(row->fix, rule.action, strlen(rule.action));
					assert_null(strstr(row->fix, "ALTER SYSTEM SET"));
				}
				assert_int_equal(row->restart_required, rule.restart_required);
				if (kinds[k] == LG_SRC_COMMAND_LINE)
					assert_non_null(strstr(row->fix, k == 3 ? "patronictl" : "command line"));
			}
		}
	}
}

/*
 * One answer for work_mem: when readiness' memory check does not pass, its
 * fix is config_check's work_mem rule for the same run (target users), and
 * the value brings the worst case to at most 80 % of RAM.
 */
static void
test_work_mem_one_rule(void **state)
{
	static const LgSourceKind kinds[] = {LG_SRC_FILE, LG_SRC_DEFAULT, LG_SRC_COMMAND_LINE};
	static const int64_t work_mems[] = {4 * MB_, 64 * MB_, 1024 * MB_};
	static const int64_t rams[] = {400 * MB_, 1 * GB_, 16 * GB_};
	int			checked = 0;
	int			pooled = 0;

	(void) state;
	for (int k = 0; k < 3; k++)
		for (int w = 0; w < 3; w++)
			for (int m = 0; m < 3; m++)
				for (int64_t users = 10; users <= 400; users += 13)
				{
					LgReadinessInput in = base_input();
					LgSettingsInput settings;
					LgReadinessResult r;
					LgSettingRow rule;
					const LgCheckRow *row;

					in.users = users;
					in.ram_bytes = rams[m];
					in.work_mem = work_mems[w];
					sync_settings(&in);
					in.settings.v[LG_SET_WORK_MEM].source.kind = kinds[k];
					lg_readiness_assess(&in, &r);
					row = row_of(&r, "memory");
					settings = in.settings;
					lg_readiness_settings_target(&in, &r, &settings);
					lg_setting_rule(&settings, LG_SET_WORK_MEM, &rule);
					if (row->status == LG_CHECK_PASS)
					{
						assert_string_equal(row->fix, "");
						continue;
					}
					assert_int_equal(rule.severity, row->status == LG_CHECK_FAIL ? LG_SEV_HIGH : LG_SEV_WARN);
					if (rule.recommended[0] == '\0')
					{
						/* no work_mem is small enough: neither sets one */
						assert_string_equal(rule.fix, "");
						assert_non_null(strstr(row->fix, "pooler"));
						pooled++;
						continue;
					}
					assert_string_equal(row->fix, rule.fix[0] != '\0' ? rule.fix : rule.action);

					/*
					 * at most what brings D to 80 %: the rule sizes it for
					 * every slot (config_check's own worst case)
					 */
					assert_true(atoll(rule.recommended) * 1024 <= settings.target_work_mem);
					settings.target_work_mem = atoll(rule.recommended) * 1024;

					/*
					 * a command-line value: where to change it, not ALTER
					 * SYSTEM
					 */
					if (kinds[k] == LG_SRC_COMMAND_LINE)
						assert_true(strncmp(row->fix, "ALTER SYSTEM", 12) != 0 &&
									strstr(row->fix, "command line") != NULL);
					/* the proposed value is enough for the same demand */
					in.work_mem = settings.target_work_mem;
					assert_true(lg_readiness_memory(&in, r.demand) * 5 <= in.ram_bytes * 4);
					checked++;
				}
	/* the grid reaches both kinds of answer */
	assert_true(checked > 0);
	assert_true(pooled > 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_connections_boundaries),
		cmocka_unit_test(test_memory_boundaries),
		cmocka_unit_test(test_memory_fix_lowers_work_mem),
		cmocka_unit_test(test_cpu),
		cmocka_unit_test(test_observed_failures),
		cmocka_unit_test(test_settings_checks),
		cmocka_unit_test(test_score_and_verdict),
		cmocka_unit_test(test_max_users),
		cmocka_unit_test(test_no_scaling_connections_skip),
		cmocka_unit_test(test_lower_bound_flag),
		cmocka_unit_test(test_connections_fix),
		cmocka_unit_test(test_lookback_note),
		cmocka_unit_test(test_hidden_role_note),
		cmocka_unit_test(test_format_bytes),
		cmocka_unit_test(test_model_consistency),
		cmocka_unit_test(test_idle_threads_need_a_pooler),
		cmocka_unit_test(test_refusals_at_baseline),
		cmocka_unit_test(test_refusals_without_baseline),
		cmocka_unit_test(test_pooled_pattern),
		cmocka_unit_test(test_per_request_pattern),
		cmocka_unit_test(test_connections_fix_command_line),
		cmocka_unit_test(test_connections_fix_patroni),
		cmocka_unit_test(test_max_connections_one_rule),
		cmocka_unit_test(test_work_mem_one_rule),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
