/*
 * loadguard.c — module entry point: settings, hook installation and worker
 * registration.  Nothing else lives here.
 *
 * loadguard must be loaded through shared_preload_libraries: its shared
 * memory, hooks and worker exist only then.  Loaded any other way (a bare
 * CREATE EXTENSION), _PG_init does nothing and every SQL function raises
 * the error in lg_require_shmem().
 */
#include "postgres.h"

#include <float.h>

#include "fmgr.h"
#include "nodes/pg_list.h"
#include "utils/guc.h"
#include "utils/varlena.h"

#include "compat.h"
#include "events.h"
#include "live.h"
#include "loadguard.h"
#include "shmem.h"
#include "statements.h"
#include "worker.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

bool		lg_preloaded = false;

/*
 * The settings' variables.  Their defaults are in define_settings() (the
 * tables below and the calls for the one-of-a-kind settings): defining a
 * setting sets its variable to the boot value, before anything reads it.
 */

/* sampling and what shared memory keeps */
bool		lg_enabled;
int			lg_sample_interval_ms;
int			lg_history_size;
int			lg_rollup_size;
int			lg_audit_size;

/* the pressure line, statements, readiness and loadguard.roles */
int			lg_log_pressure;
bool		lg_track_statements;
double		lg_connections_per_user;
int			lg_target_users;
int			lg_roles_lookback_s;

/* the stuck-session policy: what it does, and when */
int			lg_terminate_mode;
int			lg_idle_in_transaction_limit_ms;
int			lg_idle_blocker_limit_ms;
int			lg_active_query_limit_ms;
int			lg_cancel_grace_ms;

/* ... and whom it leaves alone */
int			lg_terminate_min_usage;
bool		lg_terminate_superusers;
const LgNameList *lg_exempt_roles;
const LgNameList *lg_exempt_databases;
const LgNameList *lg_exempt_applications;

static char *exempt_roles_string = NULL;
static char *exempt_databases_string = NULL;
static char *exempt_applications_string = NULL;

static const struct config_enum_entry terminate_options[] = {
	{"off", LG_TERMINATE_OFF, false},
	{"dry_run", LG_TERMINATE_DRY_RUN, false},
	{"on", LG_TERMINATE_ON, false},
	{NULL, 0, false}
};

#define MS_PER_DAY	(24 * 60 * 60 * 1000)
#define MS_PER_HOUR (60 * 60 * 1000)

/*
 * Parse a name-list setting with the server's own tokeniser, validate each
 * name, and hand the parsed list to the assign hook as "extra".
 */
static bool
check_name_list(char **newval, void **extra, GucSource source)
{
	char	   *raw = pstrdup(*newval);
	List	   *names;
	ListCell   *lc;
	LgNameList *parsed;
	LgNameList *result;

	if (!SplitGUCList(raw, ',', &names))
	{
		GUC_check_errdetail("List syntax is invalid.");
		pfree(raw);
		list_free(names);
		return false;
	}

	/* parse in our own memory; the GUC machinery gets only a complete list */
	parsed = palloc(sizeof(LgNameList));
	lg_namelist_init(parsed);
	foreach(lc, names)
	{
		LgListResult added = lg_namelist_add(parsed, (char *) lfirst(lc));

		if (added != LG_LIST_OK)
		{
			GUC_check_errdetail("%s", lg_list_result_detail(added));
			pfree(parsed);
			pfree(raw);
			list_free(names);
			return false;
		}
	}
	pfree(raw);
	list_free(names);

	result = lg_guc_extra_alloc(sizeof(LgNameList));
	if (result == NULL)
	{
		GUC_check_errcode(ERRCODE_OUT_OF_MEMORY);
		GUC_check_errmsg("out of memory");
		pfree(parsed);
		return false;
	}
	memcpy(result, parsed, sizeof(LgNameList));
	pfree(parsed);
	*extra = result;
	return true;
}

static void
assign_exempt_roles(const char *newval, void *extra)
{
	lg_exempt_roles = (const LgNameList *) extra;
}

static void
assign_exempt_databases(const char *newval, void *extra)
{
	lg_exempt_databases = (const LgNameList *) extra;
}

static void
assign_exempt_applications(const char *newval, void *extra)
{
	lg_exempt_applications = (const LgNameList *) extra;
}

/*
 * The integer and name-list settings, defined from these tables in
 * define_settings() (the others are one of a kind).  Short descriptions read
 * like core's ("Sets ..."); what 0 means goes in the long one.  A row holds
 * everything about its setting, the default too (the boot value, which
 * DefineCustomIntVariable stores in the variable).
 */
typedef struct LgIntSetting
{
	const char *name;
	int		   *value;
	int			boot;			/* the default */
	int			min;
	int			max;
	GucContext	context;
	int			flags;
	const char *short_desc;
	const char *long_desc;
} LgIntSetting;

static const LgIntSetting int_settings[] = {
	{"loadguard.sample_interval", &lg_sample_interval_ms, 1000, 10, MS_PER_HOUR, PGC_SIGHUP, GUC_UNIT_MS,
		"Sets the interval between the worker's samples of sessions.",
	"A shorter interval catches shorter bursts and costs the worker more CPU."},
	{"loadguard.history_size", &lg_history_size, 3600, 60, 1000000, PGC_POSTMASTER, 0,
		"Sets the number of samples kept in shared memory.",
	"loadguard.history reaches back this many sample intervals."},
	{"loadguard.rollup_size", &lg_rollup_size, 10080, 60, 527040, PGC_POSTMASTER, 0,
		"Sets the number of one-minute rows kept in shared memory (loadguard.history_minutes).",
	"The default, 10080, is 7 days."},
	{"loadguard.audit_size", &lg_audit_size, 1000, 16, 100000, PGC_POSTMASTER, 0,
		"Sets the number of policy actions kept in shared memory.",
	NULL},
	{"loadguard.log_pressure", &lg_log_pressure, 90, 0, 100, PGC_SIGHUP, 0,
		"Sets the connection usage percentage at or above which the worker logs a pressure line.",
		"The line is logged at most once a minute; a refused connection also triggers it. "
	"0 turns the line off."},
	{"loadguard.target_users", &lg_target_users, 0, 0, 10000000, PGC_USERSET, 0,
		"Sets the number of concurrent users the loadguard.readiness view assesses.",
	"0 means not set: the view then says how to set it."},
	{"loadguard.idle_in_transaction_limit", &lg_idle_in_transaction_limit_ms, 0, 0, MS_PER_DAY, PGC_SIGHUP, GUC_UNIT_MS,
		"Sets the time after which a session idle in transaction is stuck.",
	"The policy terminates a stuck session. 0 turns this rule off."},
	{"loadguard.idle_blocker_limit", &lg_idle_blocker_limit_ms, 0, 0, MS_PER_DAY, PGC_SIGHUP, GUC_UNIT_MS,
		"Sets a shorter idle-in-transaction limit for sessions that block others.",
		"It applies to a session idle in transaction that holds a lock another session waits for. "
	"0 turns this rule off."},
	{"loadguard.active_query_limit", &lg_active_query_limit_ms, 0, 0, MS_PER_DAY, PGC_SIGHUP, GUC_UNIT_MS,
		"Sets the running time after which a query is cancelled.",
		"If the query still runs loadguard.cancel_grace after the cancel, the policy terminates its session. "
	"0 turns this rule off."},
	{"loadguard.cancel_grace", &lg_cancel_grace_ms, 10000, 0, MS_PER_HOUR, PGC_SIGHUP, GUC_UNIT_MS,
		"Sets how long a cancelled query may keep running before its session is terminated.",
		"0 terminates the session at the policy's next tick after the cancel, "
	"if the query still runs."},
	{"loadguard.terminate_min_usage", &lg_terminate_min_usage, 0, 0, 100, PGC_SIGHUP, 0,
		"Sets the connection usage percentage below which the stuck-session policy does not act.",
	"0 lets it act at any usage."},
	{"loadguard.roles_lookback", &lg_roles_lookback_s, 900, 1, 30 * SECS_PER_DAY, PGC_USERSET, GUC_UNIT_S,
		"Sets how far back loadguard.roles looks for peaks, the p95 of busy connections and churn.",
	NULL},
};

/* The policy's exemption lists: SIGHUP name lists, parsed by check_name_list. */
typedef struct LgNameListSetting
{
	const char *name;
	const char *short_desc;
	const char *long_desc;
	char	  **string;
	GucStringAssignHook assign;
} LgNameListSetting;

static const LgNameListSetting name_list_settings[] = {
	{"loadguard.exempt_roles",
		"Sets the roles whose sessions the stuck-session policy never touches.",
		"A comma-separated list of role names.",
	&exempt_roles_string, assign_exempt_roles},
	{"loadguard.exempt_databases",
		"Sets the databases whose sessions the stuck-session policy never touches.",
		"A comma-separated list of database names.",
	&exempt_databases_string, assign_exempt_databases},
	{"loadguard.exempt_applications",
		"Sets the application names whose sessions the stuck-session policy never touches.",
		"A comma-separated list of application names.",
	&exempt_applications_string, assign_exempt_applications},
};

static void
define_settings(void)
{
	for (int i = 0; i < lengthof(int_settings); i++)
	{
		const LgIntSetting *g = &int_settings[i];

		DefineCustomIntVariable(g->name, g->short_desc, g->long_desc, g->value,
								g->boot, g->min, g->max, g->context, g->flags,
								NULL, NULL, NULL);
	}
	for (int i = 0; i < lengthof(name_list_settings); i++)
	{
		const LgNameListSetting *g = &name_list_settings[i];

		DefineCustomStringVariable(g->name, g->short_desc, g->long_desc,
								   g->string, "", PGC_SIGHUP, GUC_LIST_INPUT,
								   check_name_list, g->assign, NULL);
	}
	DefineCustomBoolVariable("loadguard.enabled",
							 "Enables sampling, event counting and the stuck-session policy.",
							 NULL, &lg_enabled, true,
							 PGC_SIGHUP, 0, NULL, NULL, NULL);
	DefineCustomBoolVariable("loadguard.track_statements",
							 "Collects the durations of top-level statements in the latency histogram.",
							 NULL, &lg_track_statements, true,
							 PGC_SUSET, 0, NULL, NULL, NULL);
	DefineCustomBoolVariable("loadguard.terminate_superusers",
							 "Allows the stuck-session policy to act on superuser sessions.",
							 NULL, &lg_terminate_superusers, false,
							 PGC_SIGHUP, 0, NULL, NULL, NULL);
	DefineCustomRealVariable("loadguard.connections_per_user",
							 "Sets the connections one application user needs, for readiness without a baseline.",
							 NULL, &lg_connections_per_user, 1.0, 0.01, 1000.0,
							 PGC_SIGHUP, 0, NULL, NULL, NULL);
	DefineCustomEnumVariable("loadguard.terminate",
							 "Sets what the stuck-session policy does.",
							 "off does nothing, dry_run logs and records what it would do, on cancels queries and terminates sessions.",
							 &lg_terminate_mode, LG_TERMINATE_OFF, terminate_options,
							 PGC_SIGHUP, 0, NULL, NULL, NULL);

	MarkGUCPrefixReserved("loadguard");
}

void
_PG_init(void)
{
	if (!process_shared_preload_libraries_in_progress)
		return;

	lg_preloaded = true;
	define_settings();
	lg_shmem_install_hooks();
	lg_events_install_hooks();
	lg_statements_install_hooks();
	lg_live_install_hooks();
	lg_worker_register();
}
