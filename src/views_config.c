/*
 * views_config.c — loadguard.config_check() (1.1) and the settings input
 * it shares with readiness().
 *
 * lg_settings_input_fill() reads every setting the rules need with its
 * pg_settings.source, the application role's own defaults from
 * pg_db_role_setting (and, where the per-minute timeouts ring has them,
 * the values its sessions ran with), the login roles without a statement_timeout and the
 * log_min_messages overrides.  The rules themselves are settings_rules.c's;
 * this file only turns catalogs into their input and rows into tuples.
 * Reads catalogs through SPI; of shared memory, only copies of the timeout
 * minutes (timeout_minutes.h, under that module's lock) and of the
 * server-wide timeouts the worker publishes (worker.h, under its lock).
 */
#include "postgres.h"

#include <sys/stat.h>

#include "access/htup_details.h"
#include "access/xlog.h"
#include "catalog/pg_authid.h"
#include "catalog/pg_collation.h"
#include "catalog/pg_type.h"
#include "commands/dbcommands.h"
#include "common/string.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "postmaster/postmaster.h"
#include "storage/fd.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/varlena.h"

#include "catscan.h"
#include "loadguard.h"
#include "overrides.h"
#include "readiness.h"
#include "roles.h"
#include "rolestats.h"
#include "settings_rules.h"
#include "timeout_minutes.h"
#include "views.h"
#include "visibility.h"
#include "worker.h"

PG_FUNCTION_INFO_V1(lg_config_check_1_1);

/*
 * The kind of each timeout judged for the application role (LgTimeoutId)
 * in an LgRoleTimeouts (LgTimeouts' order)
 */
static const int timeout_kinds[LG_TO_COUNT] = {0, 1, 3, 2};

/*
 * Where lg_settings_input_fill() puts the input's strings: the caller's
 * context.  SPI_execute returns in SPI's procedure context, which
 * SPI_finish frees, so the reader switches back here after its query.
 */
static MemoryContext input_cxt = NULL;

/*
 * Catalog queries run with search_path pinned to pg_catalog, as the SQL
 * functions of the extension do with SET search_path: nothing on the
 * caller's path (a function or operator of the same name) can answer them.
 */
int
lg_pin_search_path(void)
{
	int			nestlevel = NewGUCNestLevel();

	(void) set_config_option("search_path", "pg_catalog, pg_temp",
							 PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
	return nestlevel;
}

void
lg_unpin_search_path(int nestlevel)
{
	AtEOXact_GUC(true, nestlevel);
}

static bool
level_hides_errors(const char *level)
{
	return pg_strcasecmp(level, "log") == 0 || pg_strcasecmp(level, "fatal") == 0 ||
		pg_strcasecmp(level, "panic") == 0;
}

static const char *
current_database_sql(void)
{
	char	   *name = get_database_name(MyDatabaseId);

	return quote_identifier(name ? name : "");
}

/* the caller's settings as pg_settings shows them, with their sources */
static void
read_pg_settings(LgSettingsInput *in)
{
	Datum		names[LG_SET_COUNT];
	Oid			argtypes[1] = {TEXTARRAYOID};
	Datum		args[1];
	int			ret;

	for (int i = 0; i < LG_SET_COUNT; i++)
		names[i] = CStringGetTextDatum(lg_setting_name(i));
	args[0] = PointerGetDatum(construct_array(names, LG_SET_COUNT, TEXTOID, -1, false, TYPALIGN_INT));

	ret = SPI_execute_with_args(
								"SELECT name, pg_catalog.current_setting(name), setting, unit, source,"
								"       CASE WHEN sourcefile IS NOT NULL THEN sourcefile || ':' || sourceline"
								"            ELSE source END"
								"  FROM pg_catalog.pg_settings WHERE name = ANY ($1)",
								1, argtypes, args, NULL, true, 0);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "SPI_execute_with_args failed: %d", ret);
	MemoryContextSwitchTo(input_cxt);

	for (uint64 r = 0; r < SPI_processed; r++)
	{
		HeapTuple	tup = SPI_tuptable->vals[r];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		char	   *name = SPI_getvalue(tup, desc, 1);

		for (int i = 0; i < LG_SET_COUNT; i++)
		{
			LgSettingValue *v = &in->v[i];
			char	   *setting;
			char	   *source;

			if (name == NULL || strcmp(name, lg_setting_name(i)) != 0)
				continue;
			v->text = SPI_getvalue(tup, desc, 2);
			setting = SPI_getvalue(tup, desc, 3);
			source = SPI_getvalue(tup, desc, 5);
			if (i == LG_SET_LOG_MIN_MESSAGES)
				v->value = setting && level_hides_errors(setting);
			else if (setting)
				v->value = lg_setting_base_value(strtoll(setting, NULL, 10),
												 SPI_getvalue(tup, desc, 4));
			v->source.kind = lg_source_kind(source);
			v->source.where = SPI_getvalue(tup, desc, 6);
			v->source.role_sql = quote_identifier(GetUserNameFromId(GetSessionUserId(), false));
			v->source.database_sql = current_database_sql();
		}
	}
}

/*
 * The server-wide value of each timeout, below every role and database
 * default: what the worker published (worker.h), not this session's value,
 * which the caller's own SET, connect options and role or database defaults
 * change.  The source file is shown only to those who may see it in
 * pg_settings.  Until the worker has published (it has just started, or
 * cannot run yet), this session's value stands in, and the source says so.
 */
static void
read_server_timeouts(LgSettingsInput *in)
{
	LgServerSettings server;
	bool		see_files = has_privs_of_role(GetUserId(), ROLE_PG_READ_ALL_SETTINGS);

	lg_worker_read_server_settings(&server);
	for (int t = 0; t < LG_TO_COUNT; t++)
	{
		const LgSettingValue *v = &in->v[lg_timeout_setting(t)];
		const LgServerSetting *s = &server.timeout[t];
		LgSettingValue *e = &in->server[t];

		*e = *v;
		if (server.published_at == 0)
		{
			e->source.where =
				psprintf("%s in this session: the loadguard worker has not published the server-wide value yet",
						 v->source.where ? v->source.where : "default");
			continue;
		}
		e->value = s->value;
		e->source.kind = lg_source_kind(s->source);
		e->source.where = pstrdup(see_files && s->file[0] ? s->file : s->source);
	}
}

/*
 * What a new session of the application role gets for each timeout: the
 * role-in-database, role, database, then ALTER ROLE ALL default
 * (lg_default_level), over the server-wide value.
 */
static void
read_app_defaults(LgSettingsInput *in, Oid app_role, const LgOverride *overrides, int n)
{
	LgDefaultLevel level[LG_TO_COUNT] = {LG_DEF_NONE};

	for (int t = 0; t < LG_TO_COUNT; t++)
	{
		in->app[t].default_ms = in->server[t].value;
		in->app[t].default_source = in->server[t].source;
	}

	for (int r = 0; r < n; r++)
	{
		const char *name = overrides[r].name;
		const char *value = overrides[r].value;
		LgDefaultLevel this_level;

		this_level = lg_default_level(OidIsValid(overrides[r].role),
									  overrides[r].role == app_role,
									  OidIsValid(overrides[r].database),
									  overrides[r].database == MyDatabaseId);
		if (this_level == LG_DEF_NONE)
			continue;

		for (int t = 0; t < LG_TO_COUNT; t++)
		{
			LgEffectiveTimeout *e = &in->app[t];
			int			parsed;

			if (name == NULL || value == NULL ||
				strcmp(name, lg_setting_name(lg_timeout_setting(t))) != 0 ||
				this_level < level[t] ||
				!parse_int(value, &parsed, GUC_UNIT_MS, NULL))
				continue;
			level[t] = this_level;
			e->default_ms = parsed;
			e->default_source.kind = this_level == LG_DEF_DATABASE_ROLE ? LG_SRC_DATABASE_ROLE :
				this_level == LG_DEF_DATABASE ? LG_SRC_DATABASE : LG_SRC_ROLE;
			e->default_source.role_sql = this_level == LG_DEF_ALL_ROLES ? "ALL" : in->app_role_sql;
			e->default_source.database_sql = current_database_sql();
			if (this_level == LG_DEF_DATABASE_ROLE)
				e->default_source.where = psprintf("ALTER ROLE %s IN DATABASE %s",
												   in->app_role_sql, current_database_sql());
			else if (this_level == LG_DEF_DATABASE)
				e->default_source.where = psprintf("ALTER DATABASE %s", current_database_sql());
			else
				e->default_source.where = psprintf("ALTER ROLE %s", e->default_source.role_sql);
		}
	}
}

/* does this role have a setting of its own (in any database)? */
static bool
role_sets(const LgOverride *overrides, int n, Oid role, const char *name)
{
	for (int i = 0; i < n; i++)
		if (overrides[i].role == role && strcmp(overrides[i].name, name) == 0)
			return true;
	return false;
}

/* what read_roles_without_timeout() gathers from pg_authid */
typedef struct LgLoginRoleScan
{
	const LgOverride *overrides;
	int			noverrides;
	bool		any;			/* any login role at all */
	LgArray		without;		/* their names (char *) */
} LgLoginRoleScan;

static void
add_login_role(HeapTuple tup, TupleDesc desc, void *arg)
{
	LgLoginRoleScan *scan = (LgLoginRoleScan *) arg;
	Form_pg_authid form = (Form_pg_authid) GETSTRUCT(tup);

	if (!form->rolcanlogin || form->rolsuper ||
		strncmp(NameStr(form->rolname), "pg_", 3) == 0)
		return;
	scan->any = true;
	if (!role_sets(scan->overrides, scan->noverrides, form->oid, "statement_timeout"))
		*(char **) lg_array_push(&scan->without) = pstrdup(NameStr(form->rolname));
}

/* role names in name order (the C collation of type name) */
static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *) a, *(const char *const *) b);
}

/*
 * Login roles (not superusers, not pg_*) without a statement_timeout of
 * their own, in name order, quoted and comma-separated; NULL when none.
 */
static void
read_roles_without_timeout(LgSettingsInput *in, const LgOverride *overrides, int n)
{
	LgLoginRoleScan scan = {overrides, n, false};
	char	  **names;
	StringInfoData buf;

	lg_array_init(&scan.without, sizeof(char *), 16);
	lg_catalog_scan(AuthIdRelationId, add_login_role, &scan);
	names = scan.without.items;
	qsort(names, scan.without.n, sizeof(char *), name_cmp);
	initStringInfo(&buf);
	for (int i = 0; i < scan.without.n; i++)
		appendStringInfo(&buf, "%s%s", i > 0 ? "," : "", quote_identifier(names[i]));
	in->roles_without_statement_timeout = buf.len > 0 ? buf.data : NULL;
	in->login_roles = scan.any;
}

/* two texts in the order ORDER BY would give them */
static int
collated_cmp(const char *x, const char *y)
{
	return varstr_cmp(x, strlen(x), y, strlen(y), DEFAULT_COLLATION_OID);
}

/* fix statements, in that order */
static int
statement_cmp(const void *a, const void *b)
{
	return collated_cmp(*(const char *const *) a, *(const char *const *) b);
}

/*
 * Role and database overrides of log_min_messages that hide errors, as the
 * RESET statements that remove them (overrides.c's scan: also ALTER ROLE
 * ALL, and no failure on a role dropped meanwhile).
 */
static void
read_log_min_messages_resets(LgSettingsInput *in, const LgOverride *overrides, int n)
{
	char	  **stmts = palloc(sizeof(char *) * Max(n, 1));
	int			nstmts = 0;
	StringInfoData buf;

	for (int i = 0; i < n; i++)
	{
		LgOverrideScope scope;
		char	   *role;
		char	   *db;

		if (pg_strcasecmp(overrides[i].name, "log_min_messages") == 0 &&
			level_hides_errors(overrides[i].value) &&
			lg_override_describe(&overrides[i], &scope, &role, &db, &stmts[nstmts]))
			nstmts++;
	}
	qsort(stmts, nstmts, sizeof(char *), statement_cmp);
	initStringInfo(&buf);
	for (int i = 0; i < nstmts; i++)
		appendStringInfo(&buf, "%s%s", i > 0 ? " " : "", stmts[i]);
	in->log_min_messages_resets = nstmts > 0 ? buf.data : NULL;
}

/* a /proc/<pid>/cmdline as one line, arguments separated by spaces */
static char *
read_cmdline(pid_t pid, pid_t *ppid)
{
	char		path[64];
	char		buf[1024];
	FILE	   *f;
	size_t		n;

	*ppid = 0;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int) pid);
	if ((f = AllocateFile(path, "r")) != NULL)
	{
		int			parent;

		/* "pid (comm) state ppid": comm may hold spaces, skip to the last ')' */
		n = fread(buf, 1, sizeof(buf) - 1, f);
		buf[n] = '\0';
		FreeFile(f);
		if (strrchr(buf, ')') && sscanf(strrchr(buf, ')') + 1, " %*c %d", &parent) == 1)
			*ppid = parent;
	}
	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int) pid);
	if ((f = AllocateFile(path, "r")) == NULL)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	FreeFile(f);
	if (n == 0)
		return NULL;
	while (n > 0 && buf[n - 1] == '\0')
		n--;
	buf[n] = '\0';
	for (size_t i = 0; i < n; i++)
		if (buf[i] == '\0')
			buf[i] = ' ';
	return pstrdup(buf);
}

/* does the YAML file at path say data_dir: <DataDir>? */
static bool
config_names_data_dir(const char *path)
{
	FILE	   *f = AllocateFile(path, "r");
	char		line[MAXPGPATH + 64];
	bool		found = false;

	if (f == NULL)
		return false;
	while (!found && fgets(line, sizeof(line), f))
	{
		char	   *p = line;
		size_t		len;

		while (*p == ' ' || *p == '\t')
			p++;
		if (strncmp(p, "data_dir:", 9) != 0)
			continue;
		p += 9;
		while (*p == ' ' || *p == '\'' || *p == '"')
			p++;
		len = strlen(DataDir);
		found = strncmp(p, DataDir, len) == 0 &&
			(p[len] == '\n' || p[len] == '\0' || p[len] == '\'' || p[len] == '"' ||
			 p[len] == ' ' || (p[len] == '/' && (p[len + 1] == '\n' || p[len + 1] == '\0')));
	}
	FreeFile(f);
	return found;
}

static char *
find_patroni_config(void)
{
	DIR		   *dir = AllocateDir("/proc");
	struct dirent *de;
	char	   *result = NULL;
	uid_t		me = geteuid();

	if (dir == NULL)
		return NULL;
	while (result == NULL && (de = ReadDir(dir, "/proc")) != NULL)
	{
		char		path[MAXPGPATH];
		struct stat st;
		pid_t		parent;
		char	   *cmd;
		char	   *last;

		if (strspn(de->d_name, "0123456789") != strlen(de->d_name))
			continue;
		snprintf(path, sizeof(path), "/proc/%s", de->d_name);
		if (stat(path, &st) != 0 || st.st_uid != me)
			continue;
		cmd = read_cmdline(atoi(de->d_name), &parent);
		if (cmd == NULL || strstr(cmd, "patroni") == NULL || strstr(cmd, "patronictl") != NULL)
			continue;
		last = strrchr(cmd, ' ');
		if (last && (pg_str_endswith(last, ".yml") || pg_str_endswith(last, ".yaml")) &&
			config_names_data_dir(last + 1))
			result = pstrdup(last + 1);
	}
	FreeDir(dir);
	return result;
}

/*
 * How this server was started: Patroni (patroni.dynamic.json, which Patroni
 * keeps in the data directory of every member; its configuration file found
 * among this user's processes), the command line from postmaster.opts, the
 * process that started the postmaster, and whether it is a hot standby.  Files that cannot be read leave the fields NULL.
 *
 * The command lines and Patroni's configuration path name the data directory
 * and the binaries, which core shows only to pg_read_all_settings (SHOW
 * data_directory, config_file): other callers get NULL there, and the rules
 * print their generic text (postmaster.opts, <patroni.yml>) instead.
 */
static LgServerStart *
read_server_start(void)
{
	LgServerStart *start = palloc0(sizeof(LgServerStart));
	char	   *path;
	struct stat st;
	FILE	   *f;
	const char *cluster = GetConfigOption("cluster_name", true, false);

	start->standby = RecoveryInProgress();

	path = psprintf("%s/patroni.dynamic.json", DataDir);
	start->patroni = stat(path, &st) == 0;
	if (start->patroni && cluster && cluster[0] != '\0')
		start->patroni_cluster = pstrdup(cluster);

	if (!has_privs_of_role(GetUserId(), ROLE_PG_READ_ALL_SETTINGS))
		return start;

	path = psprintf("%s/postmaster.opts", DataDir);
	if ((f = AllocateFile(path, "r")) != NULL)
	{
		char		line[1024];

		if (fgets(line, sizeof(line), f))
		{
			line[strcspn(line, "\n")] = '\0';
			start->start_command = pstrdup(line);
		}
		FreeFile(f);
	}

	/* the process that started the postmaster (unless it was reparented) */
	{
		pid_t		parent;

		(void) read_cmdline(PostmasterPid, &parent);
		if (parent > 1)
			start->started_by = read_cmdline(parent, &parent);
	}

	/*
	 * Patroni's configuration file: Patroni daemonizes the postmaster, so it
	 * is not an ancestor; look for a patroni process of this user whose last
	 * argument is a .yml naming this data directory.
	 */
	if (start->patroni)
		start->patroni_config = find_patroni_config();
	return start;
}


/*
 * The timeouts the application role's sessions ran with over the lookback,
 * as the worker recorded them each tick from what they published (issue 16;
 * timeouts.c) into the per-minute ring (timeout_minutes.h): sessions gone
 * since count as much as those connected now.  The minutes that overlap
 * the lookback are read, so it reaches back up to a minute further.
 * Only when the caller may see that role's sessions, as pg_stat_activity
 * would show them; otherwise only their count.  None seen (or hidden): the
 * rules fall back to the default a new session gets (role, database,
 * server).
 */
static void
read_app_sessions(LgSettingsInput *in, Oid app_role, double lookback_s)
{
	LgReader	reader;
	LgTimeoutMinute *minutes = NULL;
	TimestampTz now = GetCurrentTimestamp();
	TimestampTz since = 0;
	LgTimeoutsSeen seen;
	int			n;

	in->app_lookback_s = lookback_s;
	lg_reader_init(&reader);
	if (lookback_s * USECS_PER_SEC < (double) now)
		since = now - (TimestampTz) (lookback_s * USECS_PER_SEC);
	n = lg_tominutes_read(since, &minutes);
	lg_tominutes_lookback(minutes, n, app_role, since, &seen);
	if (minutes)
		pfree(minutes);
	if (seen.sessions <= 0)
		return;
	/* hidden from this caller: how many, as loadguard.roles tells everyone */
	if (!lg_reader_sees_session(&reader, app_role))
	{
		in->app_hidden_sessions = seen.sessions;
		return;
	}
	for (int t = 0; t < LG_TO_COUNT; t++)
	{
		int			k = timeout_kinds[t];

		in->app[t].sessions = seen.sessions;
		in->app[t].min_ms = seen.min_ms[k];
		in->app[t].max_ms = seen.max_ms[k];
		in->app[t].sources = seen.sources[k];
	}
}

void
lg_settings_input_fill(LgSettingsInput *in, Oid app_role, const char *app_role_name,
					   int64 ram_bytes, double lookback_s)
{
	int			nestlevel;
	LgServerStart *start;
	MemoryContext callercxt = CurrentMemoryContext;
	MemoryContext spicxt;
	LgOverride *overrides;
	int			noverrides;

	memset(in, 0, sizeof(*in));
	in->ram_bytes = ram_bytes;
	if (app_role_name)
		in->app_role_sql = quote_identifier(app_role_name);

	/*
	 * pg_db_role_setting and pg_authid first, by heap scans (overrides.c,
	 * catscan.c), in the caller's memory context
	 */
	noverrides = lg_overrides_read(&overrides);
	read_roles_without_timeout(in, overrides, noverrides);

	nestlevel = lg_pin_search_path();
	SPI_connect();

	/*
	 * SPI_finish frees SPI's procedure context, where SPI_getvalue and palloc
	 * would put the input's strings: allocate them in the caller's.
	 */
	input_cxt = callercxt;
	spicxt = MemoryContextSwitchTo(callercxt);
	read_pg_settings(in);
	start = read_server_start();
	for (int i = 0; i < LG_SET_COUNT; i++)
		in->v[i].source.start = start;
	MemoryContextSwitchTo(spicxt);
	input_cxt = NULL;
	SPI_finish();
	lg_unpin_search_path(nestlevel);

	read_server_timeouts(in);
	if (OidIsValid(app_role))
		read_app_defaults(in, app_role, overrides, noverrides);
	read_log_min_messages_resets(in, overrides, noverrides);

	if (OidIsValid(app_role))
		read_app_sessions(in, app_role, lookback_s);
}

/* ------------------------------------------------------------ config_check */

static Datum
text_or_null(const char *s, bool *isnull)
{
	*isnull = (s == NULL || s[0] == '\0');
	return *isnull ? (Datum) 0 : CStringGetTextDatum(s);
}

static void
put_row(ReturnSetInfo *rsinfo, const LgSettingRow *row)
{
	Datum		values[8];
	bool		nulls[8] = {false};

	values[0] = CStringGetTextDatum(row->setting);
	values[1] = text_or_null(row->current, &nulls[1]);
	values[2] = text_or_null(row->recommended, &nulls[2]);
	values[3] = CStringGetTextDatum(lg_severity_name(row->severity));
	values[4] = text_or_null(row->reason, &nulls[4]);
	values[5] = text_or_null(row->fix, &nulls[5]);
	values[6] = BoolGetDatum(row->restart_required);
	values[7] = text_or_null(row->source, &nulls[7]);
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
}

/* override rows in the order of their targets ("ALTER ROLE r ...") */
static int
row_source_cmp(const void *a, const void *b)
{
	return collated_cmp(((const LgSettingRow *) a)->source,
						((const LgSettingRow *) b)->source);
}

/*
 * The role and database overrides of one setting, one row each, judged
 * against the server's value (in).  ALTER ROLE ALL's shows as role ALL; one
 * whose role or database was dropped meanwhile is left out.
 */
static void
put_overrides(ReturnSetInfo *rsinfo, const LgSettingsInput *in, LgSettingId id,
			  const LgOverride *overrides, int n)
{
	const char *name = lg_setting_name(id);
	LgSettingRow *rows = palloc(sizeof(LgSettingRow) * Max(n, 1));
	int			nrows = 0;

	for (int i = 0; i < n; i++)
	{
		LgOverrideScope scope;
		char	   *role;
		char	   *db;
		char	   *reset;
		LgSettingSource src;
		int			ms = -1;

		if (strcmp(overrides[i].name, name) != 0 ||
			!lg_override_describe(&overrides[i], &scope, &role, &db, &reset))
			continue;
		if (id != LG_SET_LOG_MIN_MESSAGES && !parse_int(overrides[i].value, &ms, GUC_UNIT_MS, NULL))
			ms = -1;
		memset(&src, 0, sizeof(src));
		src.kind = scope == LG_OVERRIDE_ROLE_IN_DATABASE ? LG_SRC_DATABASE_ROLE :
			scope == LG_OVERRIDE_DATABASE ? LG_SRC_DATABASE : LG_SRC_ROLE;
		src.role_sql = scope == LG_OVERRIDE_ALL_ROLES ? "ALL" :
			role ? quote_identifier(role) : NULL;
		src.database_sql = db ? quote_identifier(db) : NULL;
		lg_setting_override_rule(in, id, overrides[i].value, ms, &src, &rows[nrows++]);
	}
	qsort(rows, nrows, sizeof(LgSettingRow), row_source_cmp);
	for (int i = 0; i < nrows; i++)
		put_row(rsinfo, &rows[i]);
	pfree(rows);
}

Datum
lg_config_check_1_1(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	LgSettingsInput in;
	Oid			app_role = InvalidOid;
	const char *app_role_name = NULL;
	LgSettingRow row;
	LgOverride *overrides;
	int			noverrides;

	lg_require_shmem();
	if (!PG_ARGISNULL(0))
	{
		app_role_name = pstrdup(NameStr(*PG_GETARG_NAME(0)));
		app_role = get_role_oid(app_role_name, true);
		if (!OidIsValid(app_role))
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_OBJECT),
					 errmsg("app_role \"%s\" does not exist", app_role_name)));
	}

	/* the app role's sessions over readiness' default lookback */
	lg_settings_input_fill(&in, app_role, app_role_name, lg_machine_ram_bytes(),
						   15 * SECS_PER_MINUTE);

	/*
	 * max_connections is sized by the readiness model for target_users, with
	 * the same role as readiness(target_users, NULL, '15 minutes', app_role):
	 * its other connections are fixed overhead in both.
	 */
	if (lg_target_users > 0)
	{
		LgReadinessInput *rin = palloc(sizeof(LgReadinessInput));
		LgReadinessResult *result = palloc(sizeof(LgReadinessResult));

		lg_readiness_for_users(lg_target_users, app_role, app_role_name, rin, result);
		lg_readiness_settings_target(rin, result, &in);
	}

	noverrides = lg_overrides_read(&overrides);
	InitMaterializedSRF(fcinfo, 0);
	for (int id = 0; id < LG_SET_ROW_COUNT; id++)
	{
		lg_setting_rule(&in, (LgSettingId) id, &row);
		put_row(rsinfo, &row);
		if (lg_setting_has_overrides((LgSettingId) id))
			put_overrides(rsinfo, &in, (LgSettingId) id, overrides, noverrides);
	}
	return (Datum) 0;
}
