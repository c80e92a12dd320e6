/*
 * test_readiness.c — cmocka tests for the readiness model (src/model/readiness.c):
 * every pass/warn/fail boundary, the score, verdict, max_users, bottleneck,
 * the lower-bound flag, the pooler fix and the CPU skip.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "readiness.h"

#define MB_ ((int64_t) 1024 * 1024)
#define GB_ (MB_ * 1024)

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
	in.statement_timeout_ms = 30000;
	in.idle_in_transaction_session_timeout_ms = 60000;
	in.connections_per_user = 1.0;
	in.ram_bytes = 8 * GB_;
	in.cpu_cores = 2;
	in.samples = 100;
	in.window_s = 900;
	return in;
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
	lg_readiness_assess(&in, &r);
	row = row_of(&r, "memory");
	assert_int_equal(row->status, LG_CHECK_WARN);
	/* (0.8 × 400 − 100 − 192) MB / (1.5 × 10) = 28 MB / 15 = 1911 kB */
	assert_string_equal(row->fix, "ALTER SYSTEM SET work_mem = '1911kB'; SELECT pg_reload_conf();");
	assert_false(row->restart_required);

	/* no room for even 64 kB per connection: pooler or RAM */
	in.ram_bytes = 300 * MB_;
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

	in.statement_timeout_ms = 0;
	in.idle_in_transaction_session_timeout_ms = 0;
	in.log_min_messages_above_error = true;
	in.app_role_sql = "\"App\"";
	lg_readiness_assess(&in, &r);
	assert_int_equal(row_of(&r, "statement_timeout")->status, LG_CHECK_WARN);
	assert_string_equal(row_of(&r, "statement_timeout")->fix,
						"ALTER ROLE \"App\" SET statement_timeout = '30s';");
	assert_int_equal(row_of(&r, "idle_in_transaction_session_timeout")->status, LG_CHECK_WARN);
	assert_string_equal(row_of(&r, "idle_in_transaction_session_timeout")->fix,
						"ALTER ROLE \"App\" SET idle_in_transaction_session_timeout = '60s';");
	assert_int_equal(row_of(&r, "log_min_messages")->status, LG_CHECK_WARN);
	assert_string_equal(row_of(&r, "log_min_messages")->fix,
						"ALTER SYSTEM SET log_min_messages = 'warning'; SELECT pg_reload_conf();");

	in.app_role_sql = NULL;
	in.log_min_messages_fix = "ALTER ROLE x RESET log_min_messages;";
	lg_readiness_assess(&in, &r);
	assert_string_equal(row_of(&r, "idle_in_transaction_session_timeout")->fix,
						"ALTER SYSTEM SET idle_in_transaction_session_timeout = '5min'; SELECT pg_reload_conf();");
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
	in.statement_timeout_ms = 0;
	in.idle_in_transaction_session_timeout_ms = 0;
	in.log_min_messages_above_error = true;
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
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
