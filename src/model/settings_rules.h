/*
 * settings_rules.h — one rule per setting that matters under load: its
 * threshold, the value to recommend, the statement that fixes it where the
 * value really comes from, and whether that needs a restart.
 *
 * Plain C (no server headers, no allocation, no globals).  config_check()
 * (views_config.c) and the settings checks of readiness() (readiness.c)
 * both call these functions, so they cannot give two answers for one
 * setting.  The glue fills an LgSettingsInput from pg_settings,
 * pg_db_role_setting, the machine and, for the application role, the
 * values its sessions were seen running with.
 */
#ifndef LG_SETTINGS_RULES_H
#define LG_SETTINGS_RULES_H

#include <stdbool.h>
#include <stdint.h>

#include "sample.h"

typedef enum LgSeverity
{
	LG_SEV_OK = 0,
	LG_SEV_INFO,
	LG_SEV_WARN,
	LG_SEV_HIGH
} LgSeverity;

/* where a value comes from (pg_settings.source, or a catalog override) */
typedef enum LgSourceKind
{
	LG_SRC_DEFAULT = 0,			/* built-in default */
	LG_SRC_FILE,				/* postgresql.conf, postgresql.auto.conf,
								 * includes */
	LG_SRC_COMMAND_LINE,		/* postgres -c name=value (Patroni, service
								 * files) */
	LG_SRC_ENVIRONMENT,			/* an environment variable of the postmaster */
	LG_SRC_DATABASE,			/* ALTER DATABASE d SET */
	LG_SRC_ROLE,				/* ALTER ROLE r SET */
	LG_SRC_DATABASE_ROLE,		/* ALTER ROLE r IN DATABASE d SET */
	LG_SRC_SESSION				/* connect options or SET: one session only */
} LgSourceKind;

/*
 * How the server was started, as the glue found it: under Patroni (which
 * owns the server-wide configuration of every member and passes some
 * settings on the command line), or by something else whose command line
 * postmaster.opts records.  One per server; every LgSettingSource of a
 * server-wide value points to it (NULL: nothing known).
 */
typedef struct LgServerStart
{
	bool		patroni;		/* managed by Patroni */
	const char *patroni_config; /* Patroni's configuration file, or NULL */
	const char *patroni_cluster;	/* Patroni's scope (cluster_name), or NULL */
	const char *start_command;	/* the server's command line (postmaster.opts) */
	const char *started_by;		/* the parent process's command line, or NULL */
	bool		standby;		/* this node is a hot standby */
} LgServerStart;

typedef struct LgSettingSource
{
	LgSourceKind kind;
	const char *role_sql;		/* quoted identifier: ROLE, DATABASE_ROLE */
	const char *database_sql;	/* quoted identifier: DATABASE, DATABASE_ROLE */
	const char *where;			/* shown as config_check.source: file:line,
								 * ... */
	const LgServerStart *start; /* how the server was started, or NULL */
} LgSettingSource;

typedef enum LgSettingId
{
	LG_SET_MAX_CONNECTIONS = 0,
	LG_SET_SUPERUSER_RESERVED_CONNECTIONS,
	LG_SET_SHARED_BUFFERS,
	LG_SET_WORK_MEM,
	LG_SET_MAINTENANCE_WORK_MEM,
	LG_SET_EFFECTIVE_CACHE_SIZE,
	LG_SET_IDLE_IN_TRANSACTION_SESSION_TIMEOUT,
	LG_SET_IDLE_SESSION_TIMEOUT,
	LG_SET_LOCK_TIMEOUT,
	LG_SET_MAX_LOCKS_PER_TRANSACTION,
	LG_SET_STATEMENT_TIMEOUT,
	LG_SET_LOG_MIN_MESSAGES,
	/* inputs only: no row of their own */
	LG_SET_AUTOVACUUM_WORK_MEM,
	LG_SET_AUTOVACUUM_MAX_WORKERS,
	LG_SET_MAX_PARALLEL_WORKERS_PER_GATHER,
	LG_SET_COUNT
} LgSettingId;

/* the setting's name in pg_settings */
extern const char *lg_setting_name(LgSettingId id);

/* settings config_check() has a row for, in its order */
#define LG_SET_ROW_COUNT (LG_SET_LOG_MIN_MESSAGES + 1)

typedef struct LgSettingValue
{
	const char *text;			/* as current_setting() shows it */
	int64_t		value;			/* base unit: bytes, ms or a count; for
								 * log_min_messages 1 when it hides errors */
	LgSettingSource source;
} LgSettingValue;

/*
 * A timeout as the application role's sessions run with it: observed on
 * its sessions when any were seen, else the value they would get (role,
 * database or server default).
 */
typedef struct LgEffectiveTimeout
{
	int32_t		sessions;		/* app sessions observed; 0 = none seen */
	int64_t		min_ms;			/* over those sessions (0 = off) */
	int64_t		max_ms;
	uint8_t		sources;		/* where their values came from: LG_TSRC_* */
	int64_t		default_ms;		/* what a new session gets without options */
	LgSettingSource default_source;
} LgEffectiveTimeout;

/* the timeouts judged per application role */
typedef enum LgTimeoutId
{
	LG_TO_STATEMENT = 0,
	LG_TO_IDLE_IN_TRANSACTION,
	LG_TO_LOCK,
	LG_TO_IDLE_SESSION,
	LG_TO_COUNT
} LgTimeoutId;

/* the setting each LgTimeoutId judges */
extern LgSettingId lg_timeout_setting(LgTimeoutId t);

/*
 * Whether a role or database default (pg_db_role_setting) applies to a new
 * session of the application role in this database, and its precedence
 * (higher wins).  Below all of them is the server-wide value: the
 * configuration files, the command line or the built-in default, as the
 * background worker, which applies no role or database defaults, has it.
 */
typedef enum LgDefaultLevel
{
	LG_DEF_NONE = 0,			/* another role's or database's */
	LG_DEF_ALL_ROLES,			/* ALTER ROLE ALL SET */
	LG_DEF_DATABASE,			/* ALTER DATABASE d SET */
	LG_DEF_ROLE,				/* ALTER ROLE r SET */
	LG_DEF_DATABASE_ROLE		/* ALTER ROLE r IN DATABASE d SET */
} LgDefaultLevel;

extern LgDefaultLevel lg_default_level(bool for_role, bool role_is_app,
									   bool for_database, bool database_is_this);

typedef struct LgSettingsInput
{
	LgSettingValue v[LG_SET_COUNT];
	int64_t		ram_bytes;

	/* the application role (quoted), or NULL */
	const char *app_role_sql;
	LgEffectiveTimeout app[LG_TO_COUNT];
	double		app_lookback_s; /* the lookback the sessions were seen in */

	/*
	 * The timeouts' server-wide values, below every role, database and
	 * session setting (the worker's, views_config.c): what the application
	 * role's defaults build on, and what "global" means.  Until the worker
	 * has published, the glue copies the caller's value and source here (its
	 * where says so); source.where NULL (unit tests): v stands in.
	 */
	LgSettingValue server[LG_TO_COUNT];

	/*
	 * Sessions of the application role seen in the lookback that the caller
	 * may not see (pg_stat_activity's rule): counted, like loadguard.roles
	 * counts every role's sessions, but their timeouts are not read.
	 */
	int32_t		app_hidden_sessions;

	/*
	 * Without an application role: login roles (not superusers), quoted and
	 * comma-separated, that have no statement_timeout of their own; NULL or
	 * "" when there are none.  login_roles: are there any such roles at all.
	 */
	const char *roles_without_statement_timeout;
	bool		login_roles;

	/* log_min_messages overrides that hide errors, as RESET statements */
	const char *log_min_messages_resets;

	/*
	 * max_connections, sized by the readiness model for target_users (the
	 * same run readiness() makes for those users:
	 * lg_readiness_settings_target fills these from it).
	 */
	int32_t		target_users;	/* 0: not set */
	int			target_connections_status;	/* LgCheckStatus of that run */
	int32_t		target_max_connections; /* lg_max_connections_needed() */
	bool		target_lower_bound;
	/* > 0: more slots is not the fix, a pooler of this size is */
	int64_t		target_pool_size;

	/*
	 * work_mem, judged by the same run's memory check: its status, the
	 * connections it counted, and the work_mem that brings its worst case to
	 * 80 % of RAM (lg_work_mem_for_connections; 0: none is large enough).
	 */
	int			target_memory_status;	/* LgCheckStatus */
	int64_t		target_demand;
	int64_t		target_work_mem;
} LgSettingsInput;

#define LG_RULE_NAME_LEN	64
#define LG_RULE_TEXT_LEN	1024

typedef struct LgSettingRow
{
	char		setting[LG_RULE_NAME_LEN];
	char		current[LG_RULE_TEXT_LEN];
	char		recommended[LG_RULE_TEXT_LEN];
	LgSeverity	severity;
	char		reason[LG_RULE_TEXT_LEN];
	char		fix[LG_RULE_TEXT_LEN];	/* SQL, or "" */
	char		action[LG_RULE_TEXT_LEN];	/* what to do where SQL cannot */
	bool		restart_required;
	char		source[LG_RULE_TEXT_LEN];
} LgSettingRow;

/* pg_settings.source text → kind */
extern LgSourceKind lg_source_kind(const char *pg_settings_source);

/* value × unit ("8kB", "kB", "MB", "ms", "s", "min", NULL) in base units */
extern int64_t lg_setting_base_value(int64_t value, const char *unit);

/*
 * The statement that sets name = value_literal where the current value comes
 * from: ALTER SYSTEM (with pg_reload_conf() unless restart), ALTER DATABASE,
 * ALTER ROLE [IN DATABASE].  A command-line value cannot be changed by SQL:
 * fix is left "" and action says where to change it.
 */
extern void lg_setting_fix(const char *name, const char *value_literal,
						   const LgSettingSource *src, bool restart,
						   char *fix, char *action);

/*
 * Patroni's form of a server-wide change: "patronictl -c <config>
 * edit-config <cluster> --pg name=value --force", and with restart the
 * pending restart of the replicas, then of the primary.  value_literal may
 * be SQL-quoted ('8MB'); the quotes are dropped.
 */
extern void lg_patroni_fix(const char *name, const char *value_literal,
						   const LgServerStart *start, bool restart,
						   char *out, int outlen);

/*
 * The max_connections that lets `demand` connections pass the connections
 * check (80 % of the usable slots) with the reserved slots on top; when the
 * demand was measured while connections were refused (lower_bound), at least
 * one more than now.  readiness() and config_check() both size it here.
 */
extern int32_t lg_max_connections_needed(int64_t demand, int32_t max_connections,
										 int32_t usable_connections, bool lower_bound);

/*
 * The work_mem that brings the worst case (shared_buffers + connections x
 * work_mem x 1.5 + autovacuum) to 80 % of RAM; 0 when that would be under
 * the 64 kB the server accepts.  readiness()'s memory check and
 * config_check()'s work_mem rule both size it here.
 */
#define LG_MIN_WORK_MEM		((int64_t) 64 * 1024)

extern int64_t lg_work_mem_for_connections(int64_t ram_bytes, int64_t shared_buffers,
										   int64_t autovacuum_memory, int64_t connections);

/* one setting's row (id < LG_SET_ROW_COUNT) */
extern void lg_setting_rule(const LgSettingsInput *in, LgSettingId id, LgSettingRow *row);

/*
 * A role or database override (src) of log_min_messages or of a timeout
 * config_check judges (lg_setting_has_overrides), its value as stored and,
 * for a timeout, in ms (-1: unreadable); in: the server's values.
 */
extern void lg_setting_override_rule(const LgSettingsInput *in, LgSettingId id,
									 const char *value, int64_t value_ms,
									 const LgSettingSource *src, LgSettingRow *row);

/* does config_check list the role and database overrides of this setting? */
extern bool lg_setting_has_overrides(LgSettingId id);

/* "30 s", "5 min", "250 ms", "off" */
extern void lg_format_ms(char *buf, int buflen, int64_t ms);

extern const char *lg_severity_name(LgSeverity severity);

#endif							/* LG_SETTINGS_RULES_H */
