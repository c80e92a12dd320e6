/*
 * test_settings_rules.c — cmocka tests for the shared settings rules
 * (src/settings_rules.c): pg_settings.source mapping, unit conversion, the
 * fix written where the value comes from, each setting's threshold, the
 * application role's timeouts as its sessions ran them, and overrides.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "readiness.h"
#include "settings_rules.h"

#define MB_ ((int64_t) 1024 * 1024)
#define GB_ (MB_ * 1024)

static void
set_value(LgSettingsInput *in, LgSettingId id, const char *text, int64_t value)
{
	in->v[id].text = text;
	in->v[id].value = value;
	in->v[id].source.kind = LG_SRC_DEFAULT;
	in->v[id].source.where = "default";
}

/* 8 GB, 100 connections, PostgreSQL's defaults */
static LgSettingsInput
base_input(void)
{
	LgSettingsInput in;

	memset(&in, 0, sizeof(in));
	in.ram_bytes = 8 * GB_;
	set_value(&in, LG_SET_MAX_CONNECTIONS, "100", 100);
	set_value(&in, LG_SET_SUPERUSER_RESERVED_CONNECTIONS, "3", 3);
	set_value(&in, LG_SET_SHARED_BUFFERS, "2GB", 2 * GB_);
	set_value(&in, LG_SET_WORK_MEM, "4MB", 4 * MB_);
	set_value(&in, LG_SET_MAINTENANCE_WORK_MEM, "512MB", 512 * MB_);
	set_value(&in, LG_SET_EFFECTIVE_CACHE_SIZE, "6GB", 6 * GB_);
	set_value(&in, LG_SET_IDLE_IN_TRANSACTION_SESSION_TIMEOUT, "0", 0);
	set_value(&in, LG_SET_IDLE_SESSION_TIMEOUT, "0", 0);
	set_value(&in, LG_SET_LOCK_TIMEOUT, "0", 0);
	set_value(&in, LG_SET_MAX_LOCKS_PER_TRANSACTION, "64", 64);
	set_value(&in, LG_SET_STATEMENT_TIMEOUT, "0", 0);
	set_value(&in, LG_SET_LOG_MIN_MESSAGES, "warning", 0);
	set_value(&in, LG_SET_AUTOVACUUM_WORK_MEM, "-1", -1);
	set_value(&in, LG_SET_AUTOVACUUM_MAX_WORKERS, "3", 3);
	set_value(&in, LG_SET_MAX_PARALLEL_WORKERS_PER_GATHER, "2", 2);
	return in;
}

static LgSettingRow
rule(const LgSettingsInput *in, LgSettingId id)
{
	LgSettingRow row;

	lg_setting_rule(in, id, &row);
	return row;
}

static void
test_source_kind(void **state)
{
	(void) state;
	assert_int_equal(lg_source_kind("default"), LG_SRC_DEFAULT);
	assert_int_equal(lg_source_kind("configuration file"), LG_SRC_FILE);
	assert_int_equal(lg_source_kind("command line"), LG_SRC_COMMAND_LINE);
	assert_int_equal(lg_source_kind("environment variable"), LG_SRC_ENVIRONMENT);
	assert_int_equal(lg_source_kind("database"), LG_SRC_DATABASE);
	assert_int_equal(lg_source_kind("user"), LG_SRC_ROLE);
	assert_int_equal(lg_source_kind("database user"), LG_SRC_DATABASE_ROLE);
	assert_int_equal(lg_source_kind("client"), LG_SRC_SESSION);
	assert_int_equal(lg_source_kind("session"), LG_SRC_SESSION);
	assert_int_equal(lg_source_kind("override"), LG_SRC_DEFAULT);
	assert_int_equal(lg_source_kind(NULL), LG_SRC_DEFAULT);
}

static void
test_base_value(void **state)
{
	char		buf[32];

	(void) state;
	assert_int_equal(lg_setting_base_value(16384, "8kB"), 128 * MB_);
	assert_int_equal(lg_setting_base_value(4096, "kB"), 4 * MB_);
	assert_int_equal(lg_setting_base_value(30, "s"), 30000);
	assert_int_equal(lg_setting_base_value(5, "min"), 300000);
	assert_int_equal(lg_setting_base_value(250, "ms"), 250);
	assert_int_equal(lg_setting_base_value(100, NULL), 100);
	lg_format_ms(buf, sizeof(buf), 30000);
	assert_string_equal(buf, "30 s");
	lg_format_ms(buf, sizeof(buf), 0);
	assert_string_equal(buf, "off");
	lg_format_ms(buf, sizeof(buf), 300000);
	assert_string_equal(buf, "5 min");
	lg_format_ms(buf, sizeof(buf), 1234);
	assert_string_equal(buf, "1234 ms");
}

/* the statement goes where the value comes from */
static void
test_fix_follows_source(void **state)
{
	LgSettingSource src = {LG_SRC_FILE, "app", "shop", "postgresql.conf:12", NULL};
	char		fix[LG_RULE_TEXT_LEN];
	char		action[LG_RULE_TEXT_LEN];

	(void) state;
	lg_setting_fix("work_mem", "'8MB'", &src, false, fix, action);
	assert_string_equal(fix, "ALTER SYSTEM SET work_mem = '8MB'; SELECT pg_reload_conf();");
	assert_string_equal(action, "");
	lg_setting_fix("shared_buffers", "'2GB'", &src, true, fix, action);
	assert_string_equal(fix, "ALTER SYSTEM SET shared_buffers = '2GB';");

	src.kind = LG_SRC_DATABASE;
	lg_setting_fix("work_mem", "'8MB'", &src, false, fix, action);
	assert_string_equal(fix, "ALTER DATABASE shop SET work_mem = '8MB';");
	src.kind = LG_SRC_ROLE;
	lg_setting_fix("work_mem", "'8MB'", &src, false, fix, action);
	assert_string_equal(fix, "ALTER ROLE app SET work_mem = '8MB';");
	src.kind = LG_SRC_DATABASE_ROLE;
	lg_setting_fix("work_mem", "'8MB'", &src, false, fix, action);
	assert_string_equal(fix, "ALTER ROLE app IN DATABASE shop SET work_mem = '8MB';");

	/* Patroni passes max_connections on the command line: no SQL fixes it */
	src.kind = LG_SRC_COMMAND_LINE;
	lg_setting_fix("max_connections", "200", &src, true, fix, action);
	assert_string_equal(fix, "");
	assert_non_null(strstr(action, "command line"));
	assert_non_null(strstr(action, "ALTER SYSTEM cannot override"));
	assert_non_null(strstr(action, "max_connections = 200"));
	assert_non_null(strstr(action, "where the server is started"));
	assert_non_null(strstr(action, "postmaster.opts"));
	assert_null(strstr(action, "patronictl"));
}

/* not Patroni: the command line is named as the place to change */
static void
test_command_line_names_place(void **state)
{
	LgServerStart start = {0};
	LgSettingSource src = {0};
	char		fix[LG_RULE_TEXT_LEN];
	char		action[LG_RULE_TEXT_LEN];

	(void) state;
	start.start_command = "/usr/lib/postgresql/15/bin/postgres \"-D\" \"/srv/pg\" \"-c\" \"max_connections=50\"";
	start.started_by = "/usr/bin/runsv postgres";
	src.kind = LG_SRC_COMMAND_LINE;
	src.start = &start;
	lg_setting_fix("max_connections", "200", &src, true, fix, action);
	assert_string_equal(fix, "");
	assert_non_null(strstr(action, "The server was started by: /usr/bin/runsv postgres."));
	assert_non_null(strstr(action, "\"max_connections=50\""));
	assert_null(strstr(action, "patronictl"));
}

/* Patroni owns every server-wide setting on every member */
static void
test_patroni_fix(void **state)
{
	LgServerStart start = {0};
	LgSettingSource src = {0};
	char		fix[LG_RULE_TEXT_LEN];
	char		action[LG_RULE_TEXT_LEN];
	char		out[LG_RULE_TEXT_LEN];

	(void) state;
	start.patroni = true;
	start.patroni_config = "/etc/patroni/node1.yml";
	start.patroni_cluster = "shop";
	src.start = &start;

	/*
	 * command line (max_connections): edit-config, then restart replicas
	 * first
	 */
	src.kind = LG_SRC_COMMAND_LINE;
	lg_setting_fix("max_connections", "200", &src, true, fix, action);
	assert_string_equal(fix, "");
	assert_null(strstr(action, "ALTER SYSTEM"));
	assert_non_null(strstr(action, "patronictl -c /etc/patroni/node1.yml edit-config shop --pg max_connections=200 --force, then patronictl -c /etc/patroni/node1.yml restart shop --role replica --pending --force, then patronictl -c /etc/patroni/node1.yml restart shop --role primary --pending --force"));

	/* a file value under Patroni is Patroni's too; reloadable: no restart */
	src.kind = LG_SRC_FILE;
	lg_setting_fix("work_mem", "'8MB'", &src, false, fix, action);
	assert_string_equal(fix, "");
	assert_non_null(strstr(action, "edit-config shop --pg work_mem=8MB --force (Patroni reloads every member)"));
	assert_null(strstr(action, "restart"));

	/*
	 * a command-line value always needs the restart, even when reloadable
	 * elsewhere
	 */
	src.kind = LG_SRC_COMMAND_LINE;
	lg_setting_fix("max_locks_per_transaction", "128", &src, false, fix, action);
	assert_non_null(strstr(action, "--pending"));

	/* role and database defaults stay SQL: they replicate to every member */
	src.kind = LG_SRC_ROLE;
	src.role_sql = "app";
	lg_setting_fix("statement_timeout", "'30s'", &src, false, fix, action);
	assert_string_equal(fix, "ALTER ROLE app SET statement_timeout = '30s';");
	assert_string_equal(action, "");

	/* unknown config and scope: placeholders, never a wrong path */
	lg_patroni_fix("max_connections", "150", NULL, false, out, sizeof(out));
	assert_string_equal(out, "patronictl -c <patroni.yml> edit-config <cluster> --pg max_connections=150 --force (Patroni reloads every member)");
}

/* the config_check row under Patroni: no SQL fix, restart only where needed */
static void
test_patroni_rows(void **state)
{
	LgSettingsInput in;
	LgServerStart start = {0};
	LgSettingRow row;

	(void) state;
	in = base_input();
	start.patroni = true;
	start.patroni_config = "/p.yml";
	start.patroni_cluster = "c";
	for (int i = 0; i < LG_SET_COUNT; i++)
		in.v[i].source.start = &start;
	in.v[LG_SET_SHARED_BUFFERS].value = 128 * 1024 * 1024;
	in.v[LG_SET_SHARED_BUFFERS].source.kind = LG_SRC_FILE;
	lg_setting_rule(&in, LG_SET_SHARED_BUFFERS, &row);
	assert_int_not_equal(row.severity, LG_SEV_OK);
	assert_string_equal(row.fix, "");
	assert_non_null(strstr(row.reason, "patronictl -c /p.yml edit-config c --pg shared_buffers="));
	assert_non_null(strstr(row.reason, "restart c --role replica --pending --force"));
	assert_true(row.restart_required);
}

static void
test_command_line_row(void **state)
{
	LgSettingsInput in = base_input();
	LgSettingRow row;

	(void) state;
	set_value(&in, LG_SET_IDLE_SESSION_TIMEOUT, "10s", 10000);
	in.v[LG_SET_IDLE_SESSION_TIMEOUT].source.kind = LG_SRC_COMMAND_LINE;
	row = rule(&in, LG_SET_IDLE_SESSION_TIMEOUT);
	assert_int_equal(row.severity, LG_SEV_WARN);
	assert_string_equal(row.fix, "");
	assert_non_null(strstr(row.action, "command line"));
	assert_non_null(strstr(row.reason, "command line"));
	assert_true(row.restart_required);	/* the command line is read at start */

	/* the same value from the role's default: ALTER ROLE */
	in.v[LG_SET_IDLE_SESSION_TIMEOUT].source.kind = LG_SRC_ROLE;
	in.v[LG_SET_IDLE_SESSION_TIMEOUT].source.role_sql = "\"Lg App\"";
	row = rule(&in, LG_SET_IDLE_SESSION_TIMEOUT);
	assert_string_equal(row.fix, "ALTER ROLE \"Lg App\" SET idle_session_timeout = 0;");
	assert_false(row.restart_required);

	/*
	 * with an application role whose new sessions take the server-wide 10 s:
	 * the fix goes where that comes from, not to the caller's own role
	 */
	in.app_role_sql = "app";
	in.app[LG_TO_IDLE_SESSION].default_ms = 10000;
	in.app[LG_TO_IDLE_SESSION].default_source.kind = LG_SRC_FILE;
	in.app[LG_TO_IDLE_SESSION].default_source.where = "postgresql.conf:7";
	in.server[LG_TO_IDLE_SESSION] = in.v[LG_SET_IDLE_SESSION_TIMEOUT];
	in.server[LG_TO_IDLE_SESSION].source = in.app[LG_TO_IDLE_SESSION].default_source;
	row = rule(&in, LG_SET_IDLE_SESSION_TIMEOUT);
	assert_int_equal(row.severity, LG_SEV_WARN);
	assert_string_equal(row.fix, "ALTER SYSTEM SET idle_session_timeout = 0; SELECT pg_reload_conf();");
}

static void
test_memory_rules(void **state)
{
	LgSettingsInput in = base_input();
	LgSettingRow row;

	(void) state;
	/* pgtune on 8 GB: 2 GB, 6 GB, 512 MB; work_mem (8 - 2) GB / 300 / 2 */
	row = rule(&in, LG_SET_SHARED_BUFFERS);
	assert_int_equal(row.severity, LG_SEV_OK);
	assert_string_equal(row.recommended, "2048MB");
	row = rule(&in, LG_SET_EFFECTIVE_CACHE_SIZE);
	assert_string_equal(row.recommended, "6144MB");
	row = rule(&in, LG_SET_MAINTENANCE_WORK_MEM);
	assert_string_equal(row.recommended, "512MB");
	row = rule(&in, LG_SET_WORK_MEM);
	assert_string_equal(row.recommended, "10485kB");
	assert_int_equal(row.severity, LG_SEV_INFO);	/* 4 MB: below half */
	set_value(&in, LG_SET_WORK_MEM, "8MB", 8 * MB_);
	row = rule(&in, LG_SET_WORK_MEM);
	assert_int_equal(row.severity, LG_SEV_OK);

	/* shared_buffers below half of pgtune: warn, restart */
	set_value(&in, LG_SET_SHARED_BUFFERS, "128MB", 128 * MB_);
	row = rule(&in, LG_SET_SHARED_BUFFERS);
	assert_int_equal(row.severity, LG_SEV_WARN);
	assert_string_equal(row.fix, "ALTER SYSTEM SET shared_buffers = '2048MB';");
	assert_true(row.restart_required);

	/* every slot × work_mem beyond RAM: high */
	set_value(&in, LG_SET_WORK_MEM, "64MB", 64 * MB_);
	row = rule(&in, LG_SET_WORK_MEM);
	assert_int_equal(row.severity, LG_SEV_HIGH);
	assert_non_null(strstr(row.fix, "ALTER SYSTEM SET work_mem = '"));
}

static void
test_max_connections_rule(void **state)
{
	LgSettingsInput in = base_input();
	LgSettingRow row;

	(void) state;
	row = rule(&in, LG_SET_MAX_CONNECTIONS);
	assert_int_equal(row.severity, LG_SEV_INFO);
	assert_string_equal(row.fix, "");

	in.target_users = 200;
	in.target_connections_status = 2;
	in.target_max_connections = 253;
	row = rule(&in, LG_SET_MAX_CONNECTIONS);
	assert_int_equal(row.severity, LG_SEV_HIGH);
	assert_string_equal(row.recommended, "253");
	assert_string_equal(row.fix, "ALTER SYSTEM SET max_connections = 253;");
	assert_true(row.restart_required);

	in.target_connections_status = 1;
	row = rule(&in, LG_SET_MAX_CONNECTIONS);
	assert_int_equal(row.severity, LG_SEV_WARN);

	in.target_connections_status = 0;
	row = rule(&in, LG_SET_MAX_CONNECTIONS);
	assert_int_equal(row.severity, LG_SEV_OK);
	assert_string_equal(row.fix, "");

	/* a pooler, not more slots: no statement, the pool size named */
	in.target_connections_status = 2;
	in.target_pool_size = 8;
	row = rule(&in, LG_SET_MAX_CONNECTIONS);
	assert_int_equal(row.severity, LG_SEV_HIGH);
	assert_string_equal(row.fix, "");
	assert_string_equal(row.recommended, row.current);
	assert_non_null(strstr(row.reason, "default_pool_size = 8"));
}

/*
 * A server as readiness() and config_check() see it, for the fixed point of
 * config_check's memory and max_connections fixes.
 */
typedef struct FixServer
{
	int64_t		ram;
	int64_t		users;
	int64_t		max_connections;
	int64_t		shared_buffers;
	int64_t		work_mem;
	int64_t		maintenance_work_mem;
	int64_t		workers_per_gather;
} FixServer;

/* the rows that size memory and slots, by the value each sets */
static const LgSettingId fix_rows[] = {
	LG_SET_MAX_CONNECTIONS, LG_SET_SHARED_BUFFERS, LG_SET_WORK_MEM, LG_SET_MAINTENANCE_WORK_MEM,
};

static int64_t *
fix_value(FixServer *s, LgSettingId id)
{
	switch (id)
	{
		case LG_SET_MAX_CONNECTIONS:
			return &s->max_connections;
		case LG_SET_SHARED_BUFFERS:
			return &s->shared_buffers;
		case LG_SET_WORK_MEM:
			return &s->work_mem;
		default:
			return &s->maintenance_work_mem;
	}
}

/* readiness(users) on that server, and config_check's input for the same run */
static void
assess_server(const FixServer *s, LgReadinessInput *rin, LgReadinessResult *r, LgSettingsInput *in)
{
	memset(rin, 0, sizeof(*rin));
	rin->settings = base_input();
	rin->settings.ram_bytes = s->ram;
	set_value(&rin->settings, LG_SET_MAX_CONNECTIONS, "n", s->max_connections);
	set_value(&rin->settings, LG_SET_SHARED_BUFFERS, "n", s->shared_buffers);
	set_value(&rin->settings, LG_SET_WORK_MEM, "n", s->work_mem);
	set_value(&rin->settings, LG_SET_MAINTENANCE_WORK_MEM, "n", s->maintenance_work_mem);
	set_value(&rin->settings, LG_SET_MAX_PARALLEL_WORKERS_PER_GATHER, "n", s->workers_per_gather);
	rin->users = s->users;
	rin->max_connections = (int32_t) s->max_connections;
	rin->usable_connections = (int32_t) s->max_connections - 3;
	rin->shared_buffers = s->shared_buffers;
	rin->work_mem = s->work_mem;
	rin->maintenance_work_mem = s->maintenance_work_mem;
	rin->autovacuum_max_workers = 3;
	rin->autovacuum_work_mem = -1;
	rin->connections_per_user = 1.0;
	rin->ram_bytes = s->ram;
	rin->cpu_cores = 2;
	rin->samples = 100;
	rin->window_s = 900;
	rin->scaling_established = -1;
	rin->scaling_short_lived = -1;
	rin->median_connection_age_s = -1;
	lg_readiness_assess(rin, r);
	*in = rin->settings;
	lg_readiness_settings_target(rin, r, in);
}

/* "253", "at least 253", "2048MB", "129461kB" in base units */
static int64_t
recommended_value(const char *text)
{
	long long	n = 0;
	char		unit[8] = "";

	if (strncmp(text, "at least ", 9) == 0)
		text += 9;
	assert_true(sscanf(text, "%lld%7s", &n, unit) >= 1);
	if (strcmp(unit, "MB") == 0)
		return n * MB_;
	if (strcmp(unit, "kB") == 0)
		return n * 1024;
	return n;
}

/*
 * B2: applying any subset of config_check's fixes for max_connections,
 * shared_buffers, work_mem and maintenance_work_mem (target_users set) never
 * makes readiness' memory check or one of those rows fail, work_mem's row
 * is ok once its fix is in, and with all of them applied every row is ok
 * and proposes nothing more: a fixed point.  (Before: on 23.5 GB with 40
 * slots, work_mem at pgtune's 204603kB made the memory check for 100 users
 * fail at 126 % of RAM, and the row then proposed 129461kB.)
 */
static void
test_memory_fixed_point(void **state)
{
	static const FixServer servers[] = {
		/* the reviewer's: 23.5 GB, 100 users, 40 slots (the regress cluster) */
		{(int64_t) (23.5 * GB_), 100, 40, 128 * MB_, 4 * MB_, 64 * MB_, 0},
		{(int64_t) (23.5 * GB_), 100, 100, 128 * MB_, 4 * MB_, 64 * MB_, 2},
		{8 * GB_, 200, 100, 2 * GB_, 64 * MB_, 512 * MB_, 2},
		{64 * GB_, 1000, 500, 16 * GB_, 4 * MB_, 1 * GB_, 2},
		{4 * GB_, 50, 200, 1 * GB_, 16 * MB_, 64 * MB_, 1},
		{16 * GB_, 30, 100, 128 * MB_, 1 * GB_, 64 * MB_, 2},
	};
	int			fixed_points = 0;

	(void) state;
	for (size_t i = 0; i < sizeof(servers) / sizeof(servers[0]); i++)
	{
		LgReadinessInput rin;
		LgReadinessResult r;
		LgSettingsInput in;
		int64_t		rec[4];
		bool		has_fix[4];
		LgSeverity	severity[4];

		assess_server(&servers[i], &rin, &r, &in);
		for (int k = 0; k < 4; k++)
		{
			LgSettingRow row = rule(&in, fix_rows[k]);

			has_fix[k] = row.fix[0] != '\0';
			severity[k] = row.severity;
			rec[k] = has_fix[k] ? recommended_value(row.recommended) : 0;
		}
		/* every subset of the fixes, applied */
		for (int subset = 1; subset < 16; subset++)
		{
			FixServer	s = servers[i];
			LgSettingsInput after;

			for (int k = 0; k < 4; k++)
				if ((subset & (1 << k)) && has_fix[k])
					*fix_value(&s, fix_rows[k]) = rec[k];
			assess_server(&s, &rin, &r, &after);
			if ((subset & 4 /* work_mem */ ) && has_fix[2])
			{
				if (r.rows[LG_CHK_MEMORY].status != LG_CHECK_PASS)
					fail_msg("server %zu subset %d: memory %s: %s", i, subset,
							 lg_check_status_name(r.rows[LG_CHK_MEMORY].status),
							 r.rows[LG_CHK_MEMORY].observed);
			}
			for (int k = 0; k < 4; k++)
			{
				LgSettingRow row = rule(&after, fix_rows[k]);

				if (row.severity > severity[k])
					fail_msg("server %zu subset %d: %s now %s: %s", i, subset, row.setting,
							 lg_severity_name(row.severity), row.reason);
				/* a row whose fix is in is ok and proposes nothing more */
				if ((subset & (1 << k)) && has_fix[k] &&
					(row.fix[0] != '\0' || row.severity != LG_SEV_OK))
					fail_msg("server %zu subset %d: %s applied, still %s: %s", i, subset,
							 row.setting, lg_severity_name(row.severity), row.fix);
			}
		}

		/*
		 * all of them, again while there are any (a pooler proposed for
		 * max_connections may become a raise once work_mem is lower): every
		 * row ok, nothing more to do, readiness' memory check passes
		 */
		{
			FixServer	s = servers[i];
			int			round;

			for (round = 0; round < 3; round++)
			{
				int			applied = 0;

				assess_server(&s, &rin, &r, &in);
				for (int k = 0; k < 4; k++)
				{
					LgSettingRow row = rule(&in, fix_rows[k]);

					if (row.fix[0] != '\0')
					{
						*fix_value(&s, fix_rows[k]) = recommended_value(row.recommended);
						applied++;
					}
				}
				if (applied == 0)
					break;
			}
			assert_true(round < 3);
			assert_int_equal(r.rows[LG_CHK_MEMORY].status, LG_CHECK_PASS);
			for (int k = 0; k < 4; k++)
			{
				LgSettingRow row = rule(&in, fix_rows[k]);

				if (row.severity != LG_SEV_OK)
					fail_msg("server %zu, every fix applied: %s %s: %s", i, row.setting,
							 lg_severity_name(row.severity), row.reason);
			}
			fixed_points++;
		}
	}
	assert_int_equal(fixed_points, 6);
}

/* 80 % of the usable slots for D, reserved on top, +1 at least on a lower bound */
static void
test_max_connections_needed(void **state)
{
	(void) state;
	/* 38 users on 40 slots, 3 reserved: ceil(38 / 0.8) + 3 = 51 */
	assert_int_equal(lg_max_connections_needed(38, 40, 37, false), 51);
	assert_int_equal(lg_max_connections_needed(40, 40, 37, false), 53);
	assert_int_equal(lg_max_connections_needed(0, 100, 97, false), 3);
	/* measured while refused: never the value that refused them */
	assert_int_equal(lg_max_connections_needed(20, 40, 37, true), 41);
	assert_int_equal(lg_max_connections_needed(60, 40, 37, true), 78);
}

/* statement_timeout: per application role, as its sessions ran it */
static void
test_statement_timeout_rule(void **state)
{
	LgSettingsInput in = base_input();
	LgSettingRow row;

	(void) state;
	/* no application role: every login role without its own */
	in.login_roles = true;
	in.roles_without_statement_timeout = "app,\"Lg App\"";
	row = rule(&in, LG_SET_STATEMENT_TIMEOUT);
	assert_int_equal(row.severity, LG_SEV_WARN);
	assert_string_equal(row.fix, "ALTER ROLE app SET statement_timeout = '30s'; ALTER ROLE \"Lg App\" SET statement_timeout = '30s';");
	in.roles_without_statement_timeout = "";
	row = rule(&in, LG_SET_STATEMENT_TIMEOUT);
	assert_int_equal(row.severity, LG_SEV_OK);
	in.login_roles = false;
	row = rule(&in, LG_SET_STATEMENT_TIMEOUT);
	assert_int_equal(row.severity, LG_SEV_WARN);
	assert_string_equal(row.fix, "");
	assert_non_null(strstr(row.action, "ALTER ROLE <application role>"));
	set_value(&in, LG_SET_STATEMENT_TIMEOUT, "1min", 60000);
	row = rule(&in, LG_SET_STATEMENT_TIMEOUT);
	assert_int_equal(row.severity, LG_SEV_INFO);
	assert_string_equal(row.fix, "");

	/*
	 * "Global" is the server-wide value when known: the caller's own (its
	 * role's 1 h) is not, and a caller that SET 0 does not hide a global one
	 */
	in.login_roles = true;
	in.roles_without_statement_timeout = "app";
	in.v[LG_SET_STATEMENT_TIMEOUT].source.kind = LG_SRC_ROLE;
	in.server[LG_TO_STATEMENT].value = 0;
	in.server[LG_TO_STATEMENT].source.kind = LG_SRC_DEFAULT;
	in.server[LG_TO_STATEMENT].source.where = "default";
	row = rule(&in, LG_SET_STATEMENT_TIMEOUT);
	assert_int_equal(row.severity, LG_SEV_WARN);
	assert_string_equal(row.fix, "ALTER ROLE app SET statement_timeout = '30s';");
	set_value(&in, LG_SET_STATEMENT_TIMEOUT, "0", 0);
	in.v[LG_SET_STATEMENT_TIMEOUT].source.kind = LG_SRC_SESSION;
	in.server[LG_TO_STATEMENT].value = 30000;
	in.server[LG_TO_STATEMENT].source.kind = LG_SRC_FILE;
	in.server[LG_TO_STATEMENT].source.where = "/etc/postgresql.conf:12";
	row = rule(&in, LG_SET_STATEMENT_TIMEOUT);
	assert_int_equal(row.severity, LG_SEV_INFO);
	assert_non_null(strstr(row.reason, "Server-wide it is 30 s (/etc/postgresql.conf:12)"));
	memset(in.server, 0, sizeof(in.server));
	in.login_roles = false;
	in.roles_without_statement_timeout = NULL;

	/* the app role: no session seen, role default 0 */
	set_value(&in, LG_SET_STATEMENT_TIMEOUT, "0", 0);
	in.app_role_sql = "app";
	in.app[LG_TO_STATEMENT].default_source.kind = LG_SRC_DEFAULT;
	in.app[LG_TO_STATEMENT].default_source.where = "default";
	row = rule(&in, LG_SET_STATEMENT_TIMEOUT);
	assert_int_equal(row.severity, LG_SEV_WARN);
	assert_string_equal(row.fix, "ALTER ROLE app SET statement_timeout = '30s';");
	assert_non_null(strstr(row.current, "none of its sessions observed"));

	/* the role-in-database default is where it is fixed */
	in.app[LG_TO_STATEMENT].default_source.kind = LG_SRC_DATABASE_ROLE;
	in.app[LG_TO_STATEMENT].default_source.database_sql = "shop";
	row = rule(&in, LG_SET_STATEMENT_TIMEOUT);
	assert_string_equal(row.fix, "ALTER ROLE app IN DATABASE shop SET statement_timeout = '30s';");

	/* all 36 sessions ran with 30 s, given at connect: ok */
	in.app[LG_TO_STATEMENT].sessions = 36;
	in.app[LG_TO_STATEMENT].min_ms = 30000;
	in.app[LG_TO_STATEMENT].max_ms = 30000;
	row = rule(&in, LG_SET_STATEMENT_TIMEOUT);
	assert_int_equal(row.severity, LG_SEV_OK);
	assert_string_equal(row.fix, "");
	assert_string_equal(row.current, "30 s on all 36 app sessions; a new session's default is off");
	assert_string_equal(row.source, "observed on 36 sessions of role app");

	/* with where they came from, over a lookback */
	in.app[LG_TO_STATEMENT].sources = LG_TSRC_CONNECT;
	in.app_lookback_s = 600;
	row = rule(&in, LG_SET_STATEMENT_TIMEOUT);
	assert_string_equal(row.current, "30 s on all 36 app sessions seen in the last 10 min (set at connect); a new session's default is off");
	assert_string_equal(row.source, "observed on 36 sessions of role app seen in the last 10 min");

	/*
	 * seen with off from the server's value, the role's default since fixed:
	 * ok
	 */
	in.app[LG_TO_STATEMENT].sources = LG_TSRC_SERVER;
	in.app[LG_TO_STATEMENT].min_ms = 0;
	in.app[LG_TO_STATEMENT].max_ms = 0;
	in.app[LG_TO_STATEMENT].default_ms = 20000;
	row = rule(&in, LG_SET_STATEMENT_TIMEOUT);
	assert_int_equal(row.severity, LG_SEV_OK);
	assert_non_null(strstr(row.current, "a new session's default is 20 s"));
	in.app[LG_TO_STATEMENT].default_ms = 0;
	in.app[LG_TO_STATEMENT].max_ms = 30000;

	/* mixed sources */
	in.app[LG_TO_STATEMENT].sources = LG_TSRC_CONNECT | LG_TSRC_SERVER;
	in.app[LG_TO_STATEMENT].min_ms = 0;
	row = rule(&in, LG_SET_STATEMENT_TIMEOUT);
	assert_int_equal(row.severity, LG_SEV_WARN);
	assert_string_equal(row.current, "off to 30 s over 36 app sessions seen in the last 10 min (set at connect, the server's value, on different sessions); a new session's default is off");
	in.app[LG_TO_STATEMENT].sources = 0;
	in.app[LG_TO_STATEMENT].min_ms = 30000;
	in.app_lookback_s = 0;

	/* some sessions run without: warn */
	in.app[LG_TO_STATEMENT].min_ms = 0;
	row = rule(&in, LG_SET_STATEMENT_TIMEOUT);
	assert_int_equal(row.severity, LG_SEV_WARN);
	assert_non_null(strstr(row.current, "off to 30 s over 36 app sessions"));

	/* the default is on but the sessions turn it off: the app must change */
	in.app[LG_TO_STATEMENT].default_ms = 30000;
	in.app[LG_TO_STATEMENT].max_ms = 0;
	row = rule(&in, LG_SET_STATEMENT_TIMEOUT);
	assert_int_equal(row.severity, LG_SEV_WARN);
	assert_string_equal(row.fix, "");
	assert_non_null(strstr(row.action, "set statement_timeout = 0 themselves"));
}

static void
test_idle_in_transaction_rule(void **state)
{
	LgSettingsInput in = base_input();
	LgSettingRow row;

	(void) state;
	row = rule(&in, LG_SET_IDLE_IN_TRANSACTION_SESSION_TIMEOUT);
	assert_int_equal(row.severity, LG_SEV_WARN);
	assert_string_equal(row.fix, "ALTER SYSTEM SET idle_in_transaction_session_timeout = '5min'; SELECT pg_reload_conf();");

	/* the caller's database default: ALTER DATABASE */
	in.v[LG_SET_IDLE_IN_TRANSACTION_SESSION_TIMEOUT].source.kind = LG_SRC_DATABASE;
	in.v[LG_SET_IDLE_IN_TRANSACTION_SESSION_TIMEOUT].source.database_sql = "shop";
	row = rule(&in, LG_SET_IDLE_IN_TRANSACTION_SESSION_TIMEOUT);
	assert_string_equal(row.fix, "ALTER DATABASE shop SET idle_in_transaction_session_timeout = '5min';");

	in.app_role_sql = "app";
	row = rule(&in, LG_SET_IDLE_IN_TRANSACTION_SESSION_TIMEOUT);
	assert_string_equal(row.fix, "ALTER ROLE app SET idle_in_transaction_session_timeout = '60s';");
	in.app[LG_TO_IDLE_IN_TRANSACTION].default_ms = 60000;
	row = rule(&in, LG_SET_IDLE_IN_TRANSACTION_SESSION_TIMEOUT);
	assert_int_equal(row.severity, LG_SEV_OK);
}

static void
test_other_rules(void **state)
{
	LgSettingsInput in = base_input();
	LgSettingRow row;

	(void) state;
	set_value(&in, LG_SET_SUPERUSER_RESERVED_CONNECTIONS, "1", 1);
	row = rule(&in, LG_SET_SUPERUSER_RESERVED_CONNECTIONS);
	assert_int_equal(row.severity, LG_SEV_WARN);
	assert_string_equal(row.fix, "ALTER SYSTEM SET superuser_reserved_connections = 3;");

	set_value(&in, LG_SET_MAX_LOCKS_PER_TRANSACTION, "32", 32);
	row = rule(&in, LG_SET_MAX_LOCKS_PER_TRANSACTION);
	assert_int_equal(row.severity, LG_SEV_WARN);
	assert_true(row.restart_required);

	row = rule(&in, LG_SET_LOCK_TIMEOUT);
	assert_int_equal(row.severity, LG_SEV_INFO);
	assert_string_equal(row.fix, "");
	in.app_role_sql = "app";
	row = rule(&in, LG_SET_LOCK_TIMEOUT);
	assert_string_equal(row.fix, "ALTER ROLE app SET lock_timeout = '5s';");

	set_value(&in, LG_SET_LOG_MIN_MESSAGES, "fatal", 1);
	row = rule(&in, LG_SET_LOG_MIN_MESSAGES);
	assert_int_equal(row.severity, LG_SEV_HIGH);
	assert_string_equal(row.fix, "ALTER SYSTEM SET log_min_messages = 'warning'; SELECT pg_reload_conf();");
	assert_string_equal(lg_severity_name(row.severity), "high");
}

static void
test_override_rule(void **state)
{
	LgSettingsInput in = base_input();
	LgSettingSource src = {LG_SRC_ROLE, "\"Lg App\"", NULL, NULL, NULL};
	LgSettingRow row;

	(void) state;
	lg_setting_override_rule(&in, LG_SET_STATEMENT_TIMEOUT, "0", 0, &src, &row);
	assert_int_equal(row.severity, LG_SEV_WARN);
	assert_string_equal(row.source, "ALTER ROLE \"Lg App\"");
	assert_string_equal(row.fix, "ALTER ROLE \"Lg App\" SET statement_timeout = '30s';");
	lg_setting_override_rule(&in, LG_SET_STATEMENT_TIMEOUT, "20s", 20000, &src, &row);
	assert_int_equal(row.severity, LG_SEV_OK);

	src.kind = LG_SRC_DATABASE;
	src.database_sql = "shop";
	lg_setting_override_rule(&in, LG_SET_LOG_MIN_MESSAGES, "PANIC", -1, &src, &row);
	assert_int_equal(row.severity, LG_SEV_HIGH);
	assert_string_equal(row.fix, "ALTER DATABASE shop RESET log_min_messages;");
	lg_setting_override_rule(&in, LG_SET_LOG_MIN_MESSAGES, "notice", -1, &src, &row);
	assert_int_equal(row.severity, LG_SEV_OK);
}

/* which role or database default a new session of the app role takes */
static void
test_default_level(void **state)
{
	(void) state;
	/* role in this database > role > this database > ALTER ROLE ALL */
	assert_int_equal(lg_default_level(true, true, true, true), LG_DEF_DATABASE_ROLE);
	assert_int_equal(lg_default_level(true, true, false, false), LG_DEF_ROLE);
	assert_int_equal(lg_default_level(false, false, true, true), LG_DEF_DATABASE);
	assert_int_equal(lg_default_level(false, false, false, false), LG_DEF_ALL_ROLES);
	assert_true(LG_DEF_DATABASE_ROLE > LG_DEF_ROLE && LG_DEF_ROLE > LG_DEF_DATABASE &&
				LG_DEF_DATABASE > LG_DEF_ALL_ROLES && LG_DEF_ALL_ROLES > LG_DEF_NONE);
	/* another role's (the caller's) or another database's: never */
	assert_int_equal(lg_default_level(true, false, false, false), LG_DEF_NONE);
	assert_int_equal(lg_default_level(true, false, true, true), LG_DEF_NONE);
	assert_int_equal(lg_default_level(true, true, true, false), LG_DEF_NONE);
	assert_int_equal(lg_default_level(false, false, true, false), LG_DEF_NONE);
	/* each timeout judged has its setting */
	assert_string_equal(lg_setting_name(lg_timeout_setting(LG_TO_STATEMENT)), "statement_timeout");
	assert_string_equal(lg_setting_name(lg_timeout_setting(LG_TO_IDLE_IN_TRANSACTION)),
						"idle_in_transaction_session_timeout");
	assert_string_equal(lg_setting_name(lg_timeout_setting(LG_TO_LOCK)), "lock_timeout");
	assert_string_equal(lg_setting_name(lg_timeout_setting(LG_TO_IDLE_SESSION)), "idle_session_timeout");
}

/*
 * M2: the application role's sessions ran but the caller may not see them:
 * said so, with their count, instead of "none of its sessions seen".
 */
static void
test_hidden_app_sessions(void **state)
{
	LgSettingsInput in = base_input();
	LgSettingRow row;

	(void) state;
	in.app_role_sql = "app";
	in.app_lookback_s = 900;
	row = rule(&in, LG_SET_STATEMENT_TIMEOUT);
	assert_string_equal(row.current, "off (default for role app; none of its sessions seen in the last 15 min)");
	in.app_hidden_sessions = 160;
	row = rule(&in, LG_SET_STATEMENT_TIMEOUT);
	assert_string_equal(row.current, "off (default for role app; 160 of its sessions seen in the last 15 min are not visible to you: the privileges of pg_read_all_stats or of role app show them)");
	assert_int_equal(row.severity, LG_SEV_WARN);
	row = rule(&in, LG_SET_LOCK_TIMEOUT);
	assert_null(strstr(row.current, "none of its sessions"));
}

/*
 * M1: an override that switches a timeout off defeats ALTER SYSTEM for its
 * sessions: a warning, with a RESET where the server's value is right, else
 * the value the timeout's rule recommends, set where the override is.
 */
static void
test_timeout_overrides(void **state)
{
	LgSettingsInput in = base_input();
	LgSettingSource db = {LG_SRC_DATABASE, NULL, "\"App DB\"", NULL, NULL};
	LgSettingSource role = {LG_SRC_DATABASE_ROLE, "\"Lg App\"", "shop", NULL, NULL};
	LgSettingRow row;

	(void) state;
	assert_true(lg_setting_has_overrides(LG_SET_IDLE_IN_TRANSACTION_SESSION_TIMEOUT));
	assert_true(lg_setting_has_overrides(LG_SET_IDLE_SESSION_TIMEOUT));
	assert_true(lg_setting_has_overrides(LG_SET_LOCK_TIMEOUT));
	assert_true(lg_setting_has_overrides(LG_SET_STATEMENT_TIMEOUT));
	assert_false(lg_setting_has_overrides(LG_SET_WORK_MEM));

	/* the server has none: set the recommended value where the override is */
	lg_setting_override_rule(&in, LG_SET_IDLE_IN_TRANSACTION_SESSION_TIMEOUT, "0", 0, &db, &row);
	assert_int_equal(row.severity, LG_SEV_WARN);
	assert_string_equal(row.source, "ALTER DATABASE \"App DB\"");
	assert_string_equal(row.fix, "ALTER DATABASE \"App DB\" SET idle_in_transaction_session_timeout = '5min';");
	assert_string_equal(row.recommended, "5min");
	lg_setting_override_rule(&in, LG_SET_IDLE_IN_TRANSACTION_SESSION_TIMEOUT, "0", 0, &role, &row);
	assert_string_equal(row.fix, "ALTER ROLE \"Lg App\" IN DATABASE shop SET idle_in_transaction_session_timeout = '60s';");

	/*
	 * the reviewer's case: the server's fix applied (5min), the override
	 * still 0
	 */
	set_value(&in, LG_SET_IDLE_IN_TRANSACTION_SESSION_TIMEOUT, "5min", 300000);
	in.v[LG_SET_IDLE_IN_TRANSACTION_SESSION_TIMEOUT].source.kind = LG_SRC_FILE;
	assert_int_equal(rule(&in, LG_SET_IDLE_IN_TRANSACTION_SESSION_TIMEOUT).severity, LG_SEV_OK);
	lg_setting_override_rule(&in, LG_SET_IDLE_IN_TRANSACTION_SESSION_TIMEOUT, "0", 0, &db, &row);
	assert_int_equal(row.severity, LG_SEV_WARN);
	assert_string_equal(row.recommended, "reset (the server's 5 min)");
	assert_string_equal(row.fix, "ALTER DATABASE \"App DB\" RESET idle_in_transaction_session_timeout;");
	lg_setting_override_rule(&in, LG_SET_IDLE_IN_TRANSACTION_SESSION_TIMEOUT, "1min", 60000, &db, &row);
	assert_int_equal(row.severity, LG_SEV_OK);

	/*
	 * the caller SET its own 0: the server-wide value the worker published
	 * still decides (a reset brings back the server's 5 min)
	 */
	set_value(&in, LG_SET_IDLE_IN_TRANSACTION_SESSION_TIMEOUT, "0", 0);
	in.v[LG_SET_IDLE_IN_TRANSACTION_SESSION_TIMEOUT].source.kind = LG_SRC_SESSION;
	in.server[LG_TO_IDLE_IN_TRANSACTION].value = 300000;
	in.server[LG_TO_IDLE_IN_TRANSACTION].source.kind = LG_SRC_FILE;
	in.server[LG_TO_IDLE_IN_TRANSACTION].source.where = "postgresql.conf:12";
	lg_setting_override_rule(&in, LG_SET_IDLE_IN_TRANSACTION_SESSION_TIMEOUT, "0", 0, &db, &row);
	assert_int_equal(row.severity, LG_SEV_WARN);
	assert_string_equal(row.fix, "ALTER DATABASE \"App DB\" RESET idle_in_transaction_session_timeout;");

	/*
	 * not published yet: the glue copies the caller's value, here its own SET
	 * 5min, which says nothing of the server: set, not reset
	 */
	set_value(&in, LG_SET_IDLE_IN_TRANSACTION_SESSION_TIMEOUT, "5min", 300000);
	in.v[LG_SET_IDLE_IN_TRANSACTION_SESSION_TIMEOUT].source.kind = LG_SRC_SESSION;
	in.server[LG_TO_IDLE_IN_TRANSACTION] = in.v[LG_SET_IDLE_IN_TRANSACTION_SESSION_TIMEOUT];
	lg_setting_override_rule(&in, LG_SET_IDLE_IN_TRANSACTION_SESSION_TIMEOUT, "0", 0, &db, &row);
	assert_string_equal(row.fix, "ALTER DATABASE \"App DB\" SET idle_in_transaction_session_timeout = '5min';");
	memset(&in.server, 0, sizeof(in.server));
	set_value(&in, LG_SET_IDLE_IN_TRANSACTION_SESSION_TIMEOUT, "5min", 300000);
	in.v[LG_SET_IDLE_IN_TRANSACTION_SESSION_TIMEOUT].source.kind = LG_SRC_FILE;

	/* lock_timeout off where the server bounds lock waits */
	lg_setting_override_rule(&in, LG_SET_LOCK_TIMEOUT, "0", 0, &db, &row);
	assert_int_equal(row.severity, LG_SEV_OK);	/* the server's is off too */
	set_value(&in, LG_SET_LOCK_TIMEOUT, "5s", 5000);
	lg_setting_override_rule(&in, LG_SET_LOCK_TIMEOUT, "0", 0, &db, &row);
	assert_int_equal(row.severity, LG_SEV_WARN);
	assert_string_equal(row.fix, "ALTER DATABASE \"App DB\" RESET lock_timeout;");
	/* a session's own value says nothing about the server's */
	in.v[LG_SET_LOCK_TIMEOUT].source.kind = LG_SRC_SESSION;
	lg_setting_override_rule(&in, LG_SET_LOCK_TIMEOUT, "0", 0, &db, &row);
	assert_int_equal(row.severity, LG_SEV_OK);

	/* idle_session_timeout: 0 is right, under a minute is not */
	lg_setting_override_rule(&in, LG_SET_IDLE_SESSION_TIMEOUT, "0", 0, &role, &row);
	assert_int_equal(row.severity, LG_SEV_OK);
	lg_setting_override_rule(&in, LG_SET_IDLE_SESSION_TIMEOUT, "10s", 10000, &role, &row);
	assert_int_equal(row.severity, LG_SEV_WARN);
	assert_string_equal(row.fix, "ALTER ROLE \"Lg App\" IN DATABASE shop RESET idle_session_timeout;");
	set_value(&in, LG_SET_IDLE_SESSION_TIMEOUT, "5s", 5000);
	lg_setting_override_rule(&in, LG_SET_IDLE_SESSION_TIMEOUT, "10s", 10000, &role, &row);
	assert_string_equal(row.fix, "ALTER ROLE \"Lg App\" IN DATABASE shop SET idle_session_timeout = 0;");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_source_kind),
		cmocka_unit_test(test_base_value),
		cmocka_unit_test(test_fix_follows_source),
		cmocka_unit_test(test_command_line_row),
		cmocka_unit_test(test_command_line_names_place),
		cmocka_unit_test(test_patroni_fix),
		cmocka_unit_test(test_patroni_rows),
		cmocka_unit_test(test_memory_rules),
		cmocka_unit_test(test_max_connections_rule),
		cmocka_unit_test(test_max_connections_needed),
		cmocka_unit_test(test_memory_fixed_point),
		cmocka_unit_test(test_statement_timeout_rule),
		cmocka_unit_test(test_idle_in_transaction_rule),
		cmocka_unit_test(test_other_rules),
		cmocka_unit_test(test_override_rule),
		cmocka_unit_test(test_default_level),
		cmocka_unit_test(test_timeout_overrides),
		cmocka_unit_test(test_hidden_app_sessions),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
