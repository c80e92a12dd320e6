/*
 * settings_rules.c — the rule of each setting that matters under load
 * (see settings_rules.h): config_check() and readiness() both call these,
 * so a setting gets one recommendation and one fix whichever is asked.
 *
 * Memory recommendations are pgtune's ("web application" profile):
 * shared_buffers = RAM / 4, effective_cache_size = RAM × 3 / 4,
 * maintenance_work_mem = RAM / 16 (at most 2 GB), work_mem =
 * (RAM − shared_buffers) / (3 × max_connections) /
 * max_parallel_workers_per_gather.  Timeouts are judged for the application
 * role as its sessions run them; statement_timeout is recommended per role,
 * as PostgreSQL's documentation advises against a global value.
 *
 * A fix is written where the value comes from (pg_settings.source): ALTER
 * SYSTEM cannot override a value given on the server's command line, and a
 * role or database default beats anything ALTER SYSTEM writes.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "settings_rules.h"
#include "textfield.h"

#define KB	((int64_t) 1024)
#define MB	(KB * 1024)
#define GB	(MB * 1024)

/* what the rules recommend */
#define LG_REC_STATEMENT_TIMEOUT		"30s"
#define LG_REC_IIT_TIMEOUT_ROLE			"60s"
#define LG_REC_IIT_TIMEOUT_SERVER		"5min"
#define LG_REC_LOCK_TIMEOUT				"5s"
#define LG_MIN_IDLE_SESSION_TIMEOUT_MS	60000
#define LG_MIN_RESERVED					3
#define LG_MIN_LOCKS					64

/* printf into a fixed row field (textfield.h) */
#define set_text(field, ...) lg_text_set((field), LG_RULE_TEXT_LEN, __VA_ARGS__)
#define append_text(field, ...) lg_text_append((field), LG_RULE_TEXT_LEN, __VA_ARGS__)

const char *
lg_severity_name(LgSeverity severity)
{
	switch (severity)
	{
		case LG_SEV_OK:
			return "ok";
		case LG_SEV_INFO:
			return "info";
		case LG_SEV_WARN:
			return "warn";
		case LG_SEV_HIGH:
			return "high";
	}
	return "high";
}

LgSourceKind
lg_source_kind(const char *s)
{
	if (s == NULL)
		return LG_SRC_DEFAULT;
	if (strcmp(s, "configuration file") == 0)
		return LG_SRC_FILE;
	if (strcmp(s, "command line") == 0)
		return LG_SRC_COMMAND_LINE;
	if (strcmp(s, "environment variable") == 0)
		return LG_SRC_ENVIRONMENT;
	if (strcmp(s, "database") == 0)
		return LG_SRC_DATABASE;
	if (strcmp(s, "user") == 0)
		return LG_SRC_ROLE;
	if (strcmp(s, "database user") == 0)
		return LG_SRC_DATABASE_ROLE;
	if (strcmp(s, "client") == 0 || strcmp(s, "session") == 0 ||
		strcmp(s, "interactive") == 0 || strcmp(s, "test") == 0)
		return LG_SRC_SESSION;
	/* "default", "override" (set by the server itself) */
	return LG_SRC_DEFAULT;
}

/* a value the whole server has (file, command line, default), not a role's */
static bool
server_wide(LgSourceKind kind)
{
	return kind == LG_SRC_DEFAULT || kind == LG_SRC_FILE || kind == LG_SRC_COMMAND_LINE ||
		kind == LG_SRC_ENVIRONMENT;
}

int64_t
lg_setting_base_value(int64_t value, const char *unit)
{
	if (unit == NULL || unit[0] == '\0')
		return value;
	if (strcmp(unit, "8kB") == 0)
		return value * 8 * KB;
	if (strcmp(unit, "kB") == 0)
		return value * KB;
	if (strcmp(unit, "MB") == 0)
		return value * MB;
	if (strcmp(unit, "s") == 0)
		return value * 1000;
	if (strcmp(unit, "min") == 0)
		return value * 60000;
	/* "ms", "B" */
	return value;
}

void
lg_format_ms(char *buf, int buflen, int64_t ms)
{
	if (ms == 0)
		snprintf(buf, buflen, "off");
	else if (ms % 3600000 == 0)
		snprintf(buf, buflen, "%lld h", (long long) (ms / 3600000));
	else if (ms % 60000 == 0)
		snprintf(buf, buflen, "%lld min", (long long) (ms / 60000));
	else if (ms % 1000 == 0)
		snprintf(buf, buflen, "%lld s", (long long) (ms / 1000));
	else
		snprintf(buf, buflen, "%lld ms", (long long) ms);
}

/* pgtune's values are written as MB, or kB below 1 MB (at least 64 kB) */
static int64_t
size_setting_bytes(int64_t bytes)
{
	if (bytes >= MB)
		return bytes / MB * MB;
	return (bytes / KB > 64 ? bytes / KB : 64) * KB;
}

static void
size_setting(char *buf, int buflen, int64_t bytes)
{
	int64_t		value = size_setting_bytes(bytes);

	if (value >= MB)
		snprintf(buf, buflen, "%lldMB", (long long) (value / MB));
	else
		snprintf(buf, buflen, "%lldkB", (long long) (value / KB));
}

static void
pretty_bytes(char *buf, int buflen, int64_t bytes)
{
	if (bytes >= 10 * GB)
		snprintf(buf, buflen, "%lld GB", (long long) ((bytes + GB / 2) / GB));
	else if (bytes >= 10 * MB)
		snprintf(buf, buflen, "%lld MB", (long long) ((bytes + MB / 2) / MB));
	else if (bytes >= 10 * KB)
		snprintf(buf, buflen, "%lld kB", (long long) ((bytes + KB / 2) / KB));
	else
		snprintf(buf, buflen, "%lld bytes", (long long) bytes);
}

void
lg_patroni_fix(const char *name, const char *lit, const LgServerStart *start,
			   bool restart, char *out, int outlen)
{
	const char *cfg = start && start->patroni_config ? start->patroni_config : "<patroni.yml>";
	const char *cluster = start && start->patroni_cluster ? start->patroni_cluster : "<cluster>";
	size_t		litlen = strlen(lit);
	int			len;

	/* --pg takes the bare value: '8MB' -> 8MB */
	if (litlen >= 2 && lit[0] == '\'' && lit[litlen - 1] == '\'')
	{
		lit++;
		litlen -= 2;
	}
	len = snprintf(out, outlen, "patronictl -c %s edit-config %s --pg %s=%.*s --force",
				   cfg, cluster, name, (int) litlen, lit);
	if (len < 0 || len >= outlen)
		return;
	if (restart)
		snprintf(out + len, outlen - len,
				 ", then patronictl -c %s restart %s --role replica --pending --force, then patronictl -c %s restart %s --role primary --pending --force (replicas first: a hot standby needs at least the primary's value)",
				 cfg, cluster, cfg, cluster);
	else
		snprintf(out + len, outlen - len, " (Patroni reloads every member)");
}

/*
 * A value given on the command line by something other than Patroni: name
 * where the server is started, as far as the glue could see it.
 */
static void
command_line_action(const char *name, const char *lit, const LgServerStart *start,
					char *action)
{
	set_text(action, "%s is given on the server's command line (postgres -c %s=...), which ALTER SYSTEM cannot override: set %s = %s where the server is started and restart it.",
			 name, name, name, lit);
	if (start && start->started_by && start->started_by[0] != '\0')
		append_text(action, " The server was started by: %s.", start->started_by);
	if (start && start->start_command && start->start_command[0] != '\0')
		append_text(action, " Its command line (postmaster.opts in the data directory): %s.",
					start->start_command);
	else
		append_text(action, " postmaster.opts in the data directory shows that command line (a systemd unit, pg_ctl -o, or a service's options).");
}

void
lg_setting_fix(const char *name, const char *lit, const LgSettingSource *src,
			   bool restart, char *fix, char *action)
{
	const LgServerStart *start = src->start;

	fix[0] = '\0';
	action[0] = '\0';
	switch (src->kind)
	{
		case LG_SRC_DATABASE:
			set_text(fix, "ALTER DATABASE %s SET %s = %s;", src->database_sql, name, lit);
			return;
		case LG_SRC_ROLE:
			set_text(fix, "ALTER ROLE %s SET %s = %s;", src->role_sql, name, lit);
			return;
		case LG_SRC_DATABASE_ROLE:
			set_text(fix, "ALTER ROLE %s IN DATABASE %s SET %s = %s;",
					 src->role_sql, src->database_sql, name, lit);
			return;
		case LG_SRC_COMMAND_LINE:
		case LG_SRC_DEFAULT:
		case LG_SRC_FILE:
		case LG_SRC_ENVIRONMENT:
		case LG_SRC_SESSION:
			break;
	}

	/*
	 * Server-wide values.  Patroni owns them on every member (the same value
	 * everywhere, some on the command line): ALTER SYSTEM would change one
	 * node only, or nothing.
	 */
	if (start && start->patroni)
	{
		char		cmd[LG_RULE_TEXT_LEN];

		lg_patroni_fix(name, lit, start, restart || src->kind == LG_SRC_COMMAND_LINE,
					   cmd, sizeof(cmd));
		set_text(action, "Patroni manages this server: %s.", cmd);
	}
	else if (src->kind == LG_SRC_COMMAND_LINE)
		command_line_action(name, lit, start, action);
	else if (restart)
		set_text(fix, "ALTER SYSTEM SET %s = %s;", name, lit);
	else
		set_text(fix, "ALTER SYSTEM SET %s = %s; SELECT pg_reload_conf();", name, lit);
}

static const char *const setting_names[LG_SET_COUNT] = {
	"max_connections",
	"superuser_reserved_connections",
	"shared_buffers",
	"work_mem",
	"maintenance_work_mem",
	"effective_cache_size",
	"idle_in_transaction_session_timeout",
	"idle_session_timeout",
	"lock_timeout",
	"max_locks_per_transaction",
	"statement_timeout",
	"log_min_messages",
	"autovacuum_work_mem",
	"autovacuum_max_workers",
	"max_parallel_workers_per_gather",
};

const char *
lg_setting_name(LgSettingId id)
{
	return setting_names[id];
}

static const LgSettingId timeout_settings[LG_TO_COUNT] = {
	LG_SET_STATEMENT_TIMEOUT,
	LG_SET_IDLE_IN_TRANSACTION_SESSION_TIMEOUT,
	LG_SET_LOCK_TIMEOUT,
	LG_SET_IDLE_SESSION_TIMEOUT,
};

LgSettingId
lg_timeout_setting(LgTimeoutId t)
{
	return timeout_settings[t];
}

/*
 * A timeout's server-wide value: what the worker published (in->server),
 * else, before it has (the glue then copies the caller's value and source
 * there), the caller's own value when that comes from the server itself
 * (file, command line, default), else 0.
 */
static int64_t
server_timeout_ms(const LgSettingsInput *in, LgSettingId id)
{
	for (int t = 0; t < LG_TO_COUNT; t++)
	{
		if (timeout_settings[t] == id && in->server[t].source.where != NULL &&
			server_wide(in->server[t].source.kind))
			return in->server[t].value;
	}
	return server_wide(in->v[id].source.kind) ? in->v[id].value : 0;
}

/*
 * process_settings() (postinit.c) applies pg_db_role_setting in this order,
 * the first one found winning: role in this database, role, this database,
 * ALTER ROLE ALL.  An entry for another role or database does not apply.
 */
LgDefaultLevel
lg_default_level(bool for_role, bool role_is_app, bool for_database, bool database_is_this)
{
	if ((for_role && !role_is_app) || (for_database && !database_is_this))
		return LG_DEF_NONE;
	if (for_role)
		return for_database ? LG_DEF_DATABASE_ROLE : LG_DEF_ROLE;
	return for_database ? LG_DEF_DATABASE : LG_DEF_ALL_ROLES;
}

/* the row's common part: name, current value, where it comes from */
static const LgSettingValue *
start_row(const LgSettingsInput *in, LgSettingId id, LgSettingRow *row, bool restart)
{
	const LgSettingValue *v = &in->v[id];

	memset(row, 0, sizeof(*row));
	snprintf(row->setting, LG_RULE_NAME_LEN, "%s", setting_names[id]);
	set_text(row->current, "%s", v->text ? v->text : "");
	set_text(row->source, "%s", v->source.where ? v->source.where : "");
	row->restart_required = restart;
	row->severity = LG_SEV_OK;
	return v;
}

/* the fix for this row's setting, where its value comes from */
static void
row_fix(LgSettingRow *row, const LgSettingValue *v, const char *lit)
{
	lg_setting_fix(row->setting, lit, &v->source, row->restart_required, row->fix, row->action);
	if (row->action[0] != '\0')
	{
		append_text(row->reason, " %s", row->action);
		/* a command-line value needs a restart whatever the setting */
		if (v->source.kind == LG_SRC_COMMAND_LINE)
			row->restart_required = true;
	}
}

static int64_t
worst_case_memory(const LgSettingsInput *in)
{
	int64_t		avwm = in->v[LG_SET_AUTOVACUUM_WORK_MEM].value > 0 ?
	in->v[LG_SET_AUTOVACUUM_WORK_MEM].value : in->v[LG_SET_MAINTENANCE_WORK_MEM].value;

	return in->v[LG_SET_SHARED_BUFFERS].value +
		(int64_t) ((double) in->v[LG_SET_MAX_CONNECTIONS].value *
				   (double) in->v[LG_SET_WORK_MEM].value * 1.5) +
		in->v[LG_SET_AUTOVACUUM_MAX_WORKERS].value * avwm;
}

int32_t
lg_max_connections_needed(int64_t demand, int32_t max_connections, int32_t usable_connections,
						  bool lower_bound)
{
	int64_t		needed = (5 * demand + 3) / 4 + ((int64_t) max_connections - usable_connections);

	/* measured while refused, the demand is too low: at least one slot more */
	if (lower_bound && needed <= max_connections)
		needed = (int64_t) max_connections + 1;
	return needed > INT32_MAX ? INT32_MAX : (int32_t) needed;
}

static void
rule_max_connections(const LgSettingsInput *in, LgSettingRow *row)
{
	const LgSettingValue *v = start_row(in, LG_SET_MAX_CONNECTIONS, row, true);
	int64_t		worst = worst_case_memory(in);
	char		worstbuf[32];
	char		rambuf[32];

	pretty_bytes(worstbuf, sizeof(worstbuf), worst);
	pretty_bytes(rambuf, sizeof(rambuf), in->ram_bytes);
	set_text(row->recommended, "%s", row->current);
	if (in->target_users > 0)
	{
		if (in->target_connections_status == 0 /* pass */ ||
			in->target_max_connections <= v->value)
		{
			row->severity = LG_SEV_OK;
			set_text(row->reason, "Holds %d users (loadguard.target_users) within 80%% of the usable slots.",
					 in->target_users);
		}
		else if (in->target_pool_size > 0)
		{
			/* readiness() found that more slots cannot work: one answer */
			row->severity = in->target_connections_status == 2 /* fail */ ? LG_SEV_HIGH : LG_SEV_WARN;
			set_text(row->reason, "%d users (loadguard.target_users) do not fit in the usable slots, and more slots is not the fix here (the connections are mostly idle or opened per request, or the memory or CPU cannot follow %d slots): put a transaction-mode pooler in front (PgBouncer, default_pool_size = %lld); loadguard.readiness shows why and sizes it.",
					 in->target_users, in->target_max_connections, (long long) in->target_pool_size);
		}
		else
		{
			char		lit[32];

			row->severity = in->target_connections_status == 2 /* fail */ ? LG_SEV_HIGH : LG_SEV_WARN;
			set_text(row->recommended, "%s%d", in->target_lower_bound ? "at least " : "",
					 in->target_max_connections);
			set_text(row->reason, "%d users (loadguard.target_users) need %d slots to stay within 80%% of the usable ones; raise it on hot standbys first. If the memory or CPU cannot follow, use a connection pooler instead (see loadguard.readiness).",
					 in->target_users, in->target_max_connections);
			snprintf(lit, sizeof(lit), "%d", in->target_max_connections);
			row_fix(row, v, lit);
		}
	}
	else if (in->ram_bytes > 0 && worst > in->ram_bytes)
	{
		row->severity = LG_SEV_WARN;
		set_text(row->reason, "Every slot in use with work_mem each could need %s of %s RAM; lower work_mem or use a pooler. Set loadguard.target_users to size max_connections for a load.",
				 worstbuf, rambuf);
	}
	else
	{
		row->severity = LG_SEV_INFO;
		set_text(row->reason, "Set loadguard.target_users (or call loadguard.readiness) to size max_connections for a load.");
	}
}

static void
rule_reserved(const LgSettingsInput *in, LgSettingRow *row)
{
	const LgSettingValue *v = start_row(in, LG_SET_SUPERUSER_RESERVED_CONNECTIONS, row, true);

	if (v->value < LG_MIN_RESERVED)
	{
		char		lit[16];

		snprintf(lit, sizeof(lit), "%d", LG_MIN_RESERVED);
		set_text(row->recommended, "%d", LG_MIN_RESERVED);
		row->severity = LG_SEV_WARN;
		set_text(row->reason, "When clients take every slot, the reserved slots are the only way for an administrator to log in and fix it.");
		row_fix(row, v, lit);
	}
	else
	{
		set_text(row->recommended, "%s", row->current);
		set_text(row->reason, "Leaves slots for an administrator when clients take every other one.");
	}
}

/* a memory setting against pgtune's value: fix when the test says so */
static void
memory_fix(LgSettingRow *row, const LgSettingValue *v, const char *rec)
{
	char		lit[40];

	snprintf(lit, sizeof(lit), "'%s'", rec);
	row_fix(row, v, lit);
}

/* pgtune's shared_buffers, and whether the row's fix sets it */
static int64_t
shared_buffers_rec(const LgSettingsInput *in, bool *fixes)
{
	int64_t		rec = in->ram_bytes / 4;
	int64_t		now = in->v[LG_SET_SHARED_BUFFERS].value;

	*fixes = now < rec / 2 || now > in->ram_bytes * 2 / 5;
	return rec;
}

/* pgtune's maintenance_work_mem, and whether the row's fix sets it */
static int64_t
maintenance_work_mem_rec(const LgSettingsInput *in, bool *fixes)
{
	int64_t		rec = in->ram_bytes / 16 < 2 * GB ? in->ram_bytes / 16 : 2 * GB;

	*fixes = in->v[LG_SET_MAINTENANCE_WORK_MEM].value < rec / 2;
	return rec;
}

static void
rule_shared_buffers(const LgSettingsInput *in, LgSettingRow *row)
{
	const LgSettingValue *v = start_row(in, LG_SET_SHARED_BUFFERS, row, true);
	bool		fixes;
	int64_t		rec = shared_buffers_rec(in, &fixes);
	char		rambuf[32];

	pretty_bytes(rambuf, sizeof(rambuf), in->ram_bytes);
	size_setting(row->recommended, LG_RULE_TEXT_LEN, rec);
	if (fixes)
	{
		row->severity = LG_SEV_WARN;
		set_text(row->reason, "pgtune: 25%% of %s RAM. Far below, reads go to the kernel's cache; above 40%%, the kernel and work_mem are starved.", rambuf);
		memory_fix(row, v, row->recommended);
	}
	else
		set_text(row->reason, "Within reach of pgtune's 25%% of %s RAM.", rambuf);
}

int64_t
lg_work_mem_for_connections(int64_t ram_bytes, int64_t shared_buffers,
							int64_t autovacuum_memory, int64_t connections)
{
	double		room = 0.8 * (double) ram_bytes - (double) shared_buffers -
	(double) autovacuum_memory;
	int64_t		work_mem;

	if (connections <= 0 || room <= 0)
		return 0;
	/* whole kilobytes: the unit the fix states it in */
	work_mem = (int64_t) (room / (1.5 * (double) connections)) / KB * KB;
	return work_mem >= LG_MIN_WORK_MEM ? work_mem : 0;
}

/*
 * A memory setting once config_check's fix for it is applied, or as it is
 * now: the larger, so that what is sized on it holds whichever fix is
 * applied first.
 */
static int64_t
memory_after_fixes(int64_t now, bool fixes, int64_t rec)
{
	int64_t		after = fixes ? size_setting_bytes(rec) : now;

	return after > now ? after : now;
}

/*
 * work_mem's ceiling for loadguard.target_users: the largest work_mem
 * readiness' memory check passes with (worst case within 80 % of RAM), at
 * the max_connections config_check recommends (every slot, at least the
 * demand D), and the shared_buffers and autovacuum memory it leaves once its
 * fixes are applied.  Recommending more would make that check, or this row
 * after the next fix, fail: applying config_check's fixes in any order ends
 * with every memory row ok.
 */
typedef struct LgWorkMemTarget
{
	int64_t		connections;	/* max_connections after its fix, >= D */
	int64_t		shared_buffers; /* after its fix */
	int64_t		ceiling;		/* 0: not even 64 kB fits */
} LgWorkMemTarget;

static void
work_mem_target(const LgSettingsInput *in, LgWorkMemTarget *t)
{
	int64_t		max_conn = in->v[LG_SET_MAX_CONNECTIONS].value;
	int64_t		avwm = in->v[LG_SET_AUTOVACUUM_WORK_MEM].value;
	bool		fixes;
	int64_t		rec;

	/* rule_max_connections raises it to the target's value */
	if (in->target_connections_status != 0 /* pass */ && in->target_pool_size <= 0 &&
		in->target_max_connections > max_conn)
		max_conn = in->target_max_connections;
	t->connections = max_conn > in->target_demand ? max_conn : in->target_demand;
	rec = shared_buffers_rec(in, &fixes);
	t->shared_buffers = memory_after_fixes(in->v[LG_SET_SHARED_BUFFERS].value, fixes, rec);
	if (avwm <= 0)
	{
		rec = maintenance_work_mem_rec(in, &fixes);
		avwm = memory_after_fixes(in->v[LG_SET_MAINTENANCE_WORK_MEM].value, fixes, rec);
	}
	t->ceiling = lg_work_mem_for_connections(in->ram_bytes, t->shared_buffers,
											 in->v[LG_SET_AUTOVACUUM_MAX_WORKERS].value * avwm,
											 t->connections);
}

/*
 * work_mem for loadguard.target_users, when readiness' memory check for
 * them does not pass or no work_mem fits under the ceiling: readiness()
 * proposes the same fix.
 */
static void
rule_work_mem_for_target(const LgSettingsInput *in, const LgSettingValue *v,
						 const LgWorkMemTarget *t, int64_t rec, LgSettingRow *row)
{
	row->severity = in->target_memory_status == 2 /* fail */ ? LG_SEV_HIGH : LG_SEV_WARN;
	if (t->ceiling > 0)
	{
		set_text(row->recommended, "%lldkB", (long long) (rec / KB));
		set_text(row->reason, "Worst case with the %lld connections loadguard.target_users = %d needs (shared_buffers + connections x work_mem x 1.5 + autovacuum) is above 80%% of RAM. This work_mem keeps it within 80%% at %lld connections (max_connections as this check recommends it) with the shared_buffers and maintenance_work_mem it recommends, so that applying any of its fixes keeps the others ok; readiness() proposes the same.",
				 (long long) in->target_demand, in->target_users, (long long) t->connections);
		memory_fix(row, v, row->recommended);
	}
	else
	{
		set_text(row->action, "Add RAM, or put a connection pooler in front so that fewer server connections hold work_mem.");
		set_text(row->reason, "At %lld connections (max_connections as this check recommends it, for loadguard.target_users = %d) the worst case (shared_buffers + connections x work_mem x 1.5 + autovacuum) is above 80%% of RAM even at the smallest work_mem. %s",
				 (long long) t->connections, in->target_users, row->action);
	}
}

static void
rule_work_mem(const LgSettingsInput *in, LgSettingRow *row)
{
	const LgSettingValue *v = start_row(in, LG_SET_WORK_MEM, row, false);
	int64_t		max_conn = in->v[LG_SET_MAX_CONNECTIONS].value;
	int64_t		shared_buffers = in->v[LG_SET_SHARED_BUFFERS].value;
	int64_t		wpg = in->v[LG_SET_MAX_PARALLEL_WORKERS_PER_GATHER].value > 1 ?
	in->v[LG_SET_MAX_PARALLEL_WORKERS_PER_GATHER].value : 1;
	bool		target = in->target_users > 0 && in->ram_bytes > 0 &&
	in->target_memory_status != 3 /* skip */ ;
	LgWorkMemTarget t = {0};
	int64_t		rec;
	int64_t		worst = worst_case_memory(in);
	char		worstbuf[32];
	char		rambuf[32];

	/* pgtune's value for the server config_check's fixes leave */
	if (target)
	{
		work_mem_target(in, &t);
		max_conn = t.connections;
		shared_buffers = t.shared_buffers;
	}
	rec = (in->ram_bytes - shared_buffers) / (3 * (max_conn > 0 ? max_conn : 1)) / wpg;
	if (rec < LG_MIN_WORK_MEM)
		rec = LG_MIN_WORK_MEM;
	if (target && t.ceiling < rec)
		rec = t.ceiling;
	if (target && (in->target_memory_status != 0 /* pass */ || t.ceiling == 0))
	{
		rule_work_mem_for_target(in, v, &t, rec, row);
		return;
	}
	pretty_bytes(worstbuf, sizeof(worstbuf), worst);
	pretty_bytes(rambuf, sizeof(rambuf), in->ram_bytes);
	set_text(row->recommended, "%lldkB", (long long) (rec / KB));
	if (in->ram_bytes > 0 && worst > in->ram_bytes)
	{
		row->severity = LG_SEV_HIGH;
		set_text(row->reason, "Worst case with every slot in use (postgresqltuner: shared_buffers + max_connections x work_mem x 1.5 + autovacuum) is %s of %s RAM: the server can be killed for memory. pgtune: (RAM - shared_buffers) / (3 x max_connections) / max_parallel_workers_per_gather.",
				 worstbuf, rambuf);
		memory_fix(row, v, row->recommended);
	}
	else if (v->value > 2 * rec)
	{
		row->severity = LG_SEV_WARN;
		set_text(row->reason, "More than twice pgtune's (RAM - shared_buffers) / (3 x max_connections) / max_parallel_workers_per_gather; a sort or hash can use it several times per query. Raise it per role for reporting instead.");
		memory_fix(row, v, row->recommended);
	}
	else if (v->value < rec / 2)
	{
		row->severity = LG_SEV_INFO;
		set_text(row->reason, "Below half of pgtune's value: sorts and hashes may spill to disk. Check temp files in pg_stat_database before raising it.");
		memory_fix(row, v, row->recommended);
	}
	else
		set_text(row->reason, "Close to pgtune's (RAM - shared_buffers) / (3 x max_connections) / max_parallel_workers_per_gather.");
	if (target)
		append_text(row->reason, " With loadguard.target_users = %d: pgtune over the %lld connections and the shared_buffers this check recommends, at most %lldkB, which keeps readiness' worst case within 80%% of RAM at those connections.",
					in->target_users, (long long) t.connections, (long long) (t.ceiling / KB));
}

static void
rule_maintenance_work_mem(const LgSettingsInput *in, LgSettingRow *row)
{
	const LgSettingValue *v = start_row(in, LG_SET_MAINTENANCE_WORK_MEM, row, false);
	bool		fixes;
	int64_t		rec = maintenance_work_mem_rec(in, &fixes);

	size_setting(row->recommended, LG_RULE_TEXT_LEN, rec);
	if (fixes)
	{
		row->severity = LG_SEV_INFO;
		set_text(row->reason, "pgtune: RAM / 16, at most 2 GB. VACUUM and CREATE INDEX run faster with more; each of %lld autovacuum workers may use it unless autovacuum_work_mem is set.",
				 (long long) in->v[LG_SET_AUTOVACUUM_MAX_WORKERS].value);
		memory_fix(row, v, row->recommended);
	}
	else
		set_text(row->reason, "Close to or above pgtune's RAM / 16 (at most 2 GB).");
}

static void
rule_effective_cache_size(const LgSettingsInput *in, LgSettingRow *row)
{
	const LgSettingValue *v = start_row(in, LG_SET_EFFECTIVE_CACHE_SIZE, row, false);
	int64_t		rec = in->ram_bytes * 3 / 4;
	char		rambuf[32];

	pretty_bytes(rambuf, sizeof(rambuf), in->ram_bytes);
	size_setting(row->recommended, LG_RULE_TEXT_LEN, rec);
	if (v->value < rec / 2)
	{
		row->severity = LG_SEV_INFO;
		set_text(row->reason, "pgtune: 75%% of %s RAM. Too low, the planner assumes little is cached and avoids index scans.", rambuf);
		memory_fix(row, v, row->recommended);
	}
	else
		set_text(row->reason, "Close to pgtune's 75%% of RAM.");
}

/*
 * The application role's timeout, as its sessions ran with it: the row's
 * current value and source say whether it was observed or is the default
 * a new session would get.
 */
static void
describe_app_timeout(const LgSettingsInput *in, const LgEffectiveTimeout *t, LgSettingRow *row)
{
	char		minbuf[32];
	char		maxbuf[32];
	char		defbuf[32];
	char		window[64] = "";

	lg_format_ms(minbuf, sizeof(minbuf), t->min_ms);
	lg_format_ms(maxbuf, sizeof(maxbuf), t->max_ms);
	lg_format_ms(defbuf, sizeof(defbuf), t->default_ms);
	if (in->app_lookback_s > 0)
	{
		char		lookback[32];

		lg_format_ms(lookback, sizeof(lookback), (int64_t) (in->app_lookback_s * 1000));
		snprintf(window, sizeof(window), " seen in the last %s", lookback);
	}
	if (t->sessions > 0)
	{
		static const struct
		{
			uint8_t		bit;
			const char *words;
		}			sources[] = {
			{LG_TSRC_CONNECT, "set at connect"},
			{LG_TSRC_SET, "set with SET"},
			{LG_TSRC_DEFAULT, "the role's or database's default"},
			{LG_TSRC_SERVER, "the server's value"},
		};
		int			nsources = 0;

		if (t->min_ms == t->max_ms)
			set_text(row->current, "%s on all %d %s sessions%s", minbuf, t->sessions,
					 in->app_role_sql, window);
		else
			set_text(row->current, "%s to %s over %d %s sessions%s", minbuf, maxbuf,
					 t->sessions, in->app_role_sql, window);
		/* where the values came from, as the sessions reported it */
		for (int i = 0; i < (int) (sizeof(sources) / sizeof(sources[0])); i++)
		{
			if (t->sources & sources[i].bit)
				append_text(row->current, "%s%s", nsources++ ? ", " : " (", sources[i].words);
		}
		if (nsources > 1)
			append_text(row->current, ", on different sessions");
		if (nsources > 0)
			append_text(row->current, ")");
		if (t->min_ms != t->default_ms || t->max_ms != t->default_ms)
			append_text(row->current, "; a new session's default is %s", defbuf);
		set_text(row->source, "observed on %d sessions of role %s%s", t->sessions,
				 in->app_role_sql, window);
	}
	else if (in->app_hidden_sessions > 0)
	{
		/* they ran, but what they ran with is not the caller's to see */
		set_text(row->current, "%s (default for role %s; %d of its sessions%s are not visible to you: the privileges of pg_read_all_stats or of role %s show them)",
				 defbuf, in->app_role_sql, in->app_hidden_sessions,
				 window[0] ? window : " observed", in->app_role_sql);
		set_text(row->source, "%s", t->default_source.where ? t->default_source.where : "");
	}
	else
	{
		set_text(row->current, "%s (default for role %s; none of its sessions%s)", defbuf,
				 in->app_role_sql, window[0] ? window : " observed");
		set_text(row->source, "%s", t->default_source.where ? t->default_source.where : "");
	}
}

/* what judges an app timeout: the smallest value a session ran with */
static int64_t
app_timeout_ms(const LgEffectiveTimeout *t)
{
	if (t->sessions <= 0)
		return t->default_ms;

	/*
	 * Every value seen came from a default (none set at connect or with SET)
	 * and a new session now gets a different one: the default was changed
	 * since (the fix is in place), and the sessions seen pick it up when they
	 * reconnect.
	 */
	if (t->min_ms != t->default_ms && t->sources != 0 &&
		(t->sources & (LG_TSRC_CONNECT | LG_TSRC_SET)) == 0)
		return t->default_ms;
	return t->min_ms;
}

/*
 * Fix an application role's timeout: where the role's default comes from,
 * or say that the application itself turns it off.
 */
static void
app_timeout_fix(const LgSettingsInput *in, const LgEffectiveTimeout *t, LgSettingRow *row,
				const char *lit)
{
	LgSettingSource role_src;

	if (t->sessions > 0 && t->default_ms != 0)
	{
		/* the default is on, so the sessions turn it off themselves */
		set_text(row->action, "The application's sessions set %s = 0 themselves (connection options or SET), overriding the role's default: remove that from the application's database settings, or set %s there.",
				 row->setting, lit);
		append_text(row->reason, " %s", row->action);
		return;
	}
	memset(&role_src, 0, sizeof(role_src));
	role_src.kind = t->default_source.kind == LG_SRC_DATABASE_ROLE ? LG_SRC_DATABASE_ROLE : LG_SRC_ROLE;
	role_src.role_sql = in->app_role_sql;
	role_src.database_sql = t->default_source.database_sql;
	lg_setting_fix(row->setting, lit, &role_src, false, row->fix, row->action);
	if (t->sessions > 0)
		append_text(row->reason, " Sessions already connected keep their value until they reconnect.");
}

static void
rule_idle_in_transaction(const LgSettingsInput *in, LgSettingRow *row)
{
	const LgSettingValue *v = start_row(in, LG_SET_IDLE_IN_TRANSACTION_SESSION_TIMEOUT, row, false);
	int64_t		value = v->value;

	if (in->app_role_sql)
	{
		describe_app_timeout(in, &in->app[LG_TO_IDLE_IN_TRANSACTION], row);
		value = app_timeout_ms(&in->app[LG_TO_IDLE_IN_TRANSACTION]);
	}
	if (value == 0)
	{
		row->severity = LG_SEV_WARN;
		set_text(row->reason, "A session left idle in a transaction keeps its slot and its locks and holds back vacuum until something ends it.");
		if (in->app_role_sql)
		{
			set_text(row->recommended, "%s for role %s", LG_REC_IIT_TIMEOUT_ROLE, in->app_role_sql);
			app_timeout_fix(in, &in->app[LG_TO_IDLE_IN_TRANSACTION], row, "'" LG_REC_IIT_TIMEOUT_ROLE "'");
		}
		else
		{
			set_text(row->recommended, "%s", LG_REC_IIT_TIMEOUT_SERVER);
			row_fix(row, v, "'" LG_REC_IIT_TIMEOUT_SERVER "'");
		}
	}
	else
	{
		set_text(row->recommended, "%s", row->current);
		set_text(row->reason, "Abandoned transactions are ended.");
	}
}

static void
rule_idle_session(const LgSettingsInput *in, LgSettingRow *row)
{
	const LgSettingValue *v = start_row(in, LG_SET_IDLE_SESSION_TIMEOUT, row, false);
	const LgEffectiveTimeout *t = &in->app[LG_TO_IDLE_SESSION];
	int64_t		value = v->value;

	/* the application's sessions as they ran: the shortest one that is on */
	if (in->app_role_sql)
	{
		describe_app_timeout(in, t, row);
		value = t->sessions > 0 ? (t->min_ms != 0 ? t->min_ms : t->max_ms) : t->default_ms;
	}
	if (value != 0 && value < LG_MIN_IDLE_SESSION_TIMEOUT_MS)
	{
		set_text(row->recommended, "0");
		row->severity = LG_SEV_WARN;
		set_text(row->reason, "Below a minute it closes the idle connections that application pools keep on purpose, and they reconnect again and again.");
		if (in->app_role_sql && t->sessions > 0 && (t->sources & (LG_TSRC_CONNECT | LG_TSRC_SET)))
		{
			set_text(row->action, "The application's sessions set idle_session_timeout themselves (connection options or SET): remove it from the application's database settings.");
			append_text(row->reason, " %s", row->action);
		}
		else if (in->app_role_sql && !server_wide(t->default_source.kind))
		{
			lg_setting_fix(row->setting, "0", &t->default_source, false, row->fix, row->action);
		}
		else

			/*
			 * with app_role: where the server-wide value comes from, not the
			 * caller's
			 */
			row_fix(row, in->app_role_sql ? &in->server[LG_TO_IDLE_SESSION] : v, "0");
	}
	else
	{
		set_text(row->recommended, "%s", row->current);
		set_text(row->reason, "Keep it 0, or long, when application pools hold idle connections.");
	}
}

static void
rule_lock_timeout(const LgSettingsInput *in, LgSettingRow *row)
{
	const LgSettingValue *v = start_row(in, LG_SET_LOCK_TIMEOUT, row, false);
	int64_t		value = v->value;

	if (in->app_role_sql)
	{
		describe_app_timeout(in, &in->app[LG_TO_LOCK], row);
		value = app_timeout_ms(&in->app[LG_TO_LOCK]);
	}
	if (value != 0)
	{
		set_text(row->recommended, "%s", row->current);
		set_text(row->reason, "Lock waits are bounded.");
		return;
	}
	set_text(row->recommended, "a few seconds, per role (migrations, batch jobs)");
	row->severity = LG_SEV_INFO;
	set_text(row->reason, "Without it, a statement waiting for a lock queues behind a long transaction while holding its slot, and every later statement queues behind it.");
	if (in->app_role_sql)
		app_timeout_fix(in, &in->app[LG_TO_LOCK], row, "'" LG_REC_LOCK_TIMEOUT "'");
}

static void
rule_max_locks(const LgSettingsInput *in, LgSettingRow *row)
{
	const LgSettingValue *v = start_row(in, LG_SET_MAX_LOCKS_PER_TRANSACTION, row, true);

	if (v->value < LG_MIN_LOCKS)
	{
		char		lit[16];

		snprintf(lit, sizeof(lit), "%d", LG_MIN_LOCKS);
		set_text(row->recommended, "%d", LG_MIN_LOCKS);
		row->severity = LG_SEV_WARN;
		set_text(row->reason, "The shared lock table holds max_locks_per_transaction x (max_connections + max_prepared_transactions) locks; below the default, \"out of shared memory\" (loadguard event lock_table_full) comes early.");
		row_fix(row, v, lit);
	}
	else
	{
		set_text(row->recommended, "%s", row->current);
		set_text(row->reason, "Raise it (restart) if loadguard counts lock_table_full events (\"out of shared memory\").");
	}
}

static void
rule_statement_timeout(const LgSettingsInput *in, LgSettingRow *row)
{
	const LgSettingValue *v = start_row(in, LG_SET_STATEMENT_TIMEOUT, row, false);
	const LgSettingValue *server = in->server[LG_TO_STATEMENT].source.where ?
	&in->server[LG_TO_STATEMENT] : v;
	const char *why = "Without a timeout a slow query holds its connection until it ends, and under load they pile up until no slot is left. Set it per application role (PostgreSQL's documentation advises against a global value); pick a value above the slowest legitimate query.";

	if (in->app_role_sql)
	{
		const LgEffectiveTimeout *t = &in->app[LG_TO_STATEMENT];

		describe_app_timeout(in, t, row);
		if (app_timeout_ms(t) != 0)
		{
			set_text(row->recommended, "%s", row->current);
			set_text(row->reason, "The application role's statements are bounded.");
			return;
		}
		set_text(row->recommended, "%s for role %s", LG_REC_STATEMENT_TIMEOUT, in->app_role_sql);
		row->severity = LG_SEV_WARN;
		set_text(row->reason, "%s", why);
		app_timeout_fix(in, t, row, "'" LG_REC_STATEMENT_TIMEOUT "'");
		return;
	}

	/*
	 * "Global" is the server-wide value: the caller's own (its SET, its
	 * role's default) says nothing about other sessions.
	 */
	if (server->value != 0)
	{
		set_text(row->recommended, "0 globally, a value per application role");
		row->severity = LG_SEV_INFO;
		set_text(row->reason, "A global statement_timeout also cancels maintenance, migrations and pg_dump; PostgreSQL's documentation advises setting it per role or session instead.");
		if (server->value != v->value)
		{
			char		buf[32];

			lg_format_ms(buf, sizeof(buf), server->value);
			append_text(row->reason, " Server-wide it is %s (%s); this session's value differs.",
						buf, server->source.where);
		}
		return;
	}
	set_text(row->recommended, "%s for the application role", LG_REC_STATEMENT_TIMEOUT);
	if (in->roles_without_statement_timeout && in->roles_without_statement_timeout[0] != '\0')
	{
		const char *p = in->roles_without_statement_timeout;

		row->severity = LG_SEV_WARN;
		set_text(row->reason, "%s", why);
		/* one ALTER ROLE per role of the comma-separated list */
		while (*p)
		{
			const char *end = strchr(p, ',');
			int			len = end ? (int) (end - p) : (int) strlen(p);

			append_text(row->fix, "%sALTER ROLE %.*s SET statement_timeout = '%s';",
						row->fix[0] ? " " : "", len, p, LG_REC_STATEMENT_TIMEOUT);
			p += len;
			if (*p == ',')
				p++;
		}
	}
	else if (!in->login_roles)
	{
		/* nothing to name yet, but 0 is still what sessions will run with */
		row->severity = LG_SEV_WARN;
		set_text(row->reason, "%s", why);
		set_text(row->action, "ALTER ROLE <application role> SET statement_timeout = '%s'; once the application's (non-superuser login) role exists; pass app_role for the exact statement.",
				 LG_REC_STATEMENT_TIMEOUT);
		append_text(row->reason, " No application role exists yet: %s", row->action);
	}
	else
		set_text(row->reason, "No global timeout; the application role(s) have their own (see the rows below).");
}

static void
rule_log_min_messages(const LgSettingsInput *in, LgSettingRow *row)
{
	const LgSettingValue *v = start_row(in, LG_SET_LOG_MIN_MESSAGES, row, false);

	if (v->value)
	{
		set_text(row->recommended, "warning");
		row->severity = LG_SEV_HIGH;
		set_text(row->reason, "Above error, the server does not log the errors loadguard counts (timeouts, refusals, deadlocks): they go uncounted.");
		row_fix(row, v, "'warning'");
	}
	else
	{
		set_text(row->recommended, "%s", row->current);
		set_text(row->reason, "Errors are logged, so loadguard counts them.");
	}
}

void
lg_setting_rule(const LgSettingsInput *in, LgSettingId id, LgSettingRow *row)
{
	switch (id)
	{
		case LG_SET_MAX_CONNECTIONS:
			rule_max_connections(in, row);
			break;
		case LG_SET_SUPERUSER_RESERVED_CONNECTIONS:
			rule_reserved(in, row);
			break;
		case LG_SET_SHARED_BUFFERS:
			rule_shared_buffers(in, row);
			break;
		case LG_SET_WORK_MEM:
			rule_work_mem(in, row);
			break;
		case LG_SET_MAINTENANCE_WORK_MEM:
			rule_maintenance_work_mem(in, row);
			break;
		case LG_SET_EFFECTIVE_CACHE_SIZE:
			rule_effective_cache_size(in, row);
			break;
		case LG_SET_IDLE_IN_TRANSACTION_SESSION_TIMEOUT:
			rule_idle_in_transaction(in, row);
			break;
		case LG_SET_IDLE_SESSION_TIMEOUT:
			rule_idle_session(in, row);
			break;
		case LG_SET_LOCK_TIMEOUT:
			rule_lock_timeout(in, row);
			break;
		case LG_SET_MAX_LOCKS_PER_TRANSACTION:
			rule_max_locks(in, row);
			break;
		case LG_SET_STATEMENT_TIMEOUT:
			rule_statement_timeout(in, row);
			break;
		case LG_SET_LOG_MIN_MESSAGES:
			rule_log_min_messages(in, row);
			break;
		default:
			memset(row, 0, sizeof(*row));
			break;
	}
}

static bool
hides_errors(const char *value)
{
	return strcasecmp(value, "log") == 0 || strcasecmp(value, "fatal") == 0 ||
		strcasecmp(value, "panic") == 0;
}

/* "ALTER ROLE r", "ALTER DATABASE d", "ALTER ROLE r IN DATABASE d" */
static void
override_target(const LgSettingSource *src, char *buf, int buflen)
{
	if (src->kind == LG_SRC_DATABASE_ROLE)
		snprintf(buf, buflen, "ALTER ROLE %s IN DATABASE %s", src->role_sql, src->database_sql);
	else if (src->kind == LG_SRC_ROLE)
		snprintf(buf, buflen, "ALTER ROLE %s", src->role_sql);
	else
		snprintf(buf, buflen, "ALTER DATABASE %s", src->database_sql);
}

/*
 * A role or database override of a timeout (value_ms; -1 when it cannot be
 * read): ALTER SYSTEM cannot reach the sessions it applies to, so a timeout
 * it switches off (or, for idle_session_timeout, sets under a minute) stays
 * off whatever the server's row says.  The fix resets it when the server's
 * own value is right, else sets the value the timeout's rule recommends.
 */
static void
override_timeout_rule(const LgSettingsInput *in, LgSettingId id, int64_t value_ms,
					  const LgSettingSource *src, const char *target, LgSettingRow *row)
{
	int64_t		server_ms = server_timeout_ms(in, id);
	bool		server_right;
	const char *lit;
	char		serverbuf[32];

	lg_format_ms(serverbuf, sizeof(serverbuf), server_ms);
	switch (id)
	{
		case LG_SET_STATEMENT_TIMEOUT:
			/* per role, as PostgreSQL advises: set, never reset to global */
			set_text(row->recommended, "above 0");
			if (value_ms != 0)
			{
				set_text(row->reason, "A per-role or per-database timeout, as PostgreSQL's documentation advises.");
				return;
			}
			row->severity = LG_SEV_WARN;
			set_text(row->reason, "This override switches the timeout off for these sessions.");
			lg_setting_fix(row->setting, "'" LG_REC_STATEMENT_TIMEOUT "'", src, false, row->fix, row->action);
			return;
		case LG_SET_IDLE_IN_TRANSACTION_SESSION_TIMEOUT:
			set_text(row->recommended, "above 0");
			if (value_ms != 0)
			{
				set_text(row->reason, "Abandoned transactions are ended in these sessions.");
				return;
			}
			row->severity = LG_SEV_WARN;
			set_text(row->reason, "This override switches the timeout off for these sessions, whatever the server's value (%s): a session left idle in a transaction keeps its slot and its locks and holds back vacuum.",
					 serverbuf);
			server_right = server_ms != 0;
			/* a role's value, or the server's for a database or every role */
			if (src->kind == LG_SRC_DATABASE || strcmp(src->role_sql ? src->role_sql : "", "ALL") == 0)
				lit = "'" LG_REC_IIT_TIMEOUT_SERVER "'";
			else
				lit = "'" LG_REC_IIT_TIMEOUT_ROLE "'";
			break;
		case LG_SET_LOCK_TIMEOUT:
			set_text(row->recommended, "%s", row->current);
			if (value_ms != 0 || server_ms == 0)
			{
				set_text(row->reason, value_ms != 0 ? "Lock waits are bounded in these sessions." :
						 "Off, as on the server.");
				return;
			}
			row->severity = LG_SEV_WARN;
			set_text(row->reason, "This override switches off the server's lock_timeout (%s) for these sessions: a statement waiting for a lock holds its slot, and every later statement queues behind it.",
					 serverbuf);
			server_right = true;
			lit = "";
			break;
		default:				/* idle_session_timeout */
			set_text(row->recommended, "%s", row->current);
			if (value_ms <= 0 || value_ms >= LG_MIN_IDLE_SESSION_TIMEOUT_MS)
			{
				set_text(row->reason, "Keep it 0, or long, when application pools hold idle connections.");
				return;
			}
			row->severity = LG_SEV_WARN;
			set_text(row->reason, "Below a minute it closes the idle connections that application pools keep on purpose in these sessions, and they reconnect again and again.");
			server_right = server_ms == 0 || server_ms >= LG_MIN_IDLE_SESSION_TIMEOUT_MS;
			lit = "0";
			break;
	}
	if (server_right)
	{
		set_text(row->recommended, "reset (the server's %s)", serverbuf);
		set_text(row->fix, "%s RESET %s;", target, row->setting);
	}
	else
	{
		/* the literal without its quotes */
		set_text(row->recommended, "%.*s", (int) strlen(lit) - (lit[0] == '\'' ? 2 : 0),
				 lit + (lit[0] == '\'' ? 1 : 0));
		lg_setting_fix(row->setting, lit, src, false, row->fix, row->action);
	}
}

bool
lg_setting_has_overrides(LgSettingId id)
{
	return id == LG_SET_STATEMENT_TIMEOUT || id == LG_SET_IDLE_IN_TRANSACTION_SESSION_TIMEOUT ||
		id == LG_SET_IDLE_SESSION_TIMEOUT || id == LG_SET_LOCK_TIMEOUT ||
		id == LG_SET_LOG_MIN_MESSAGES;
}

void
lg_setting_override_rule(const LgSettingsInput *in, LgSettingId id, const char *value,
						 int64_t value_ms, const LgSettingSource *src, LgSettingRow *row)
{
	char		target[LG_RULE_TEXT_LEN];

	memset(row, 0, sizeof(*row));
	override_target(src, target, sizeof(target));
	snprintf(row->setting, LG_RULE_NAME_LEN, "%s", setting_names[id]);
	set_text(row->current, "%s", value);
	set_text(row->source, "%s", target);
	row->severity = LG_SEV_OK;
	if (id != LG_SET_LOG_MIN_MESSAGES)
	{
		override_timeout_rule(in, id, value_ms, src, target, row);
		return;
	}
	set_text(row->recommended, "warning (or reset)");
	if (hides_errors(value))
	{
		row->severity = LG_SEV_HIGH;
		set_text(row->reason, "Above error, the server does not log the errors loadguard counts (timeouts, refusals, deadlocks) for these sessions.");
		set_text(row->fix, "%s RESET %s;", target, row->setting);
	}
	else
		set_text(row->reason, "Errors are still logged, so loadguard counts them.");
}
