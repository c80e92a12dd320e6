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
#include "loadguard.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

bool		lg_preloaded = false;

bool		lg_enabled = true;
int			lg_sample_interval_ms = 1000;
int			lg_history_size = 3600;
int			lg_audit_size = 1000;
int			lg_log_pressure = 90;
bool		lg_track_statements = true;
double		lg_connections_per_user = 1.0;
int			lg_target_users = 0;
int			lg_terminate_mode = LG_TERMINATE_OFF;
int			lg_idle_in_transaction_limit_ms = 0;
int			lg_idle_blocker_limit_ms = 0;
int			lg_active_query_limit_ms = 0;
int			lg_cancel_grace_ms = 10000;
int			lg_terminate_min_usage = 0;
bool		lg_terminate_superusers = false;
const LgNameList *lg_exempt_roles = NULL;
const LgNameList *lg_exempt_databases = NULL;
const LgNameList *lg_exempt_applications = NULL;

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

	if (!SplitGUCList(raw, ',', &names))
	{
		GUC_check_errdetail("List syntax is invalid.");
		pfree(raw);
		list_free(names);
		return false;
	}

	parsed = lg_guc_extra_alloc(sizeof(LgNameList));
	if (parsed == NULL)
		return false;
	lg_namelist_init(parsed);
	foreach(lc, names)
	{
		LgListResult result = lg_namelist_add(parsed, (char *) lfirst(lc));

		if (result != LG_LIST_OK)
		{
			GUC_check_errdetail("%s", lg_list_result_detail(result));
			free(parsed);
			pfree(raw);
			list_free(names);
			return false;
		}
	}
	pfree(raw);
	list_free(names);
	*extra = parsed;
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

static void
define_settings(void)
{
	DefineCustomBoolVariable("loadguard.enabled",
							 "Master switch for sampling, event counting and the stuck-session policy.",
							 NULL, &lg_enabled, true,
							 PGC_SIGHUP, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("loadguard.sample_interval",
							"How often the worker samples sessions.",
							NULL, &lg_sample_interval_ms, 1000, 10, MS_PER_HOUR,
							PGC_SIGHUP, GUC_UNIT_MS, NULL, NULL, NULL);
	DefineCustomIntVariable("loadguard.history_size",
							"Number of samples kept in shared memory.",
							NULL, &lg_history_size, 3600, 60, 1000000,
							PGC_POSTMASTER, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("loadguard.audit_size",
							"Number of policy actions kept in shared memory.",
							NULL, &lg_audit_size, 1000, 16, 100000,
							PGC_POSTMASTER, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("loadguard.log_pressure",
							"Connection usage percentage at or above which the worker logs a summary line, at most once a minute (0 disables).",
							"A refused connection also triggers the line.",
							&lg_log_pressure, 90, 0, 100,
							PGC_SIGHUP, 0, NULL, NULL, NULL);
	DefineCustomBoolVariable("loadguard.track_statements",
							 "Records top-level statement durations in the latency histogram.",
							 NULL, &lg_track_statements, true,
							 PGC_SUSET, 0, NULL, NULL, NULL);
	DefineCustomRealVariable("loadguard.connections_per_user",
							 "Connections one application user needs, for readiness without a baseline.",
							 NULL, &lg_connections_per_user, 1.0, 0.01, 1000.0,
							 PGC_SIGHUP, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("loadguard.target_users",
							"Number of concurrent users the loadguard.readiness view assesses (0: not set).",
							NULL, &lg_target_users, 0, 0, 10000000,
							PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomEnumVariable("loadguard.terminate",
							 "What the stuck-session policy does: off, dry_run or on.",
							 NULL, &lg_terminate_mode, LG_TERMINATE_OFF, terminate_options,
							 PGC_SIGHUP, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("loadguard.idle_in_transaction_limit",
							"Sessions idle in transaction longer than this are stuck (0 disables).",
							NULL, &lg_idle_in_transaction_limit_ms, 0, 0, MS_PER_DAY,
							PGC_SIGHUP, GUC_UNIT_MS, NULL, NULL, NULL);
	DefineCustomIntVariable("loadguard.idle_blocker_limit",
							"Shorter idle-in-transaction limit for sessions that block others (0 disables).",
							NULL, &lg_idle_blocker_limit_ms, 0, 0, MS_PER_DAY,
							PGC_SIGHUP, GUC_UNIT_MS, NULL, NULL, NULL);
	DefineCustomIntVariable("loadguard.active_query_limit",
							"Queries running longer than this are cancelled (0 disables).",
							NULL, &lg_active_query_limit_ms, 0, 0, MS_PER_DAY,
							PGC_SIGHUP, GUC_UNIT_MS, NULL, NULL, NULL);
	DefineCustomIntVariable("loadguard.cancel_grace",
							"A cancelled query still running this much later is terminated.",
							NULL, &lg_cancel_grace_ms, 10000, 0, MS_PER_HOUR,
							PGC_SIGHUP, GUC_UNIT_MS, NULL, NULL, NULL);
	DefineCustomIntVariable("loadguard.terminate_min_usage",
							"The policy acts only while connection usage percentage is at least this.",
							NULL, &lg_terminate_min_usage, 0, 0, 100,
							PGC_SIGHUP, 0, NULL, NULL, NULL);
	DefineCustomStringVariable("loadguard.exempt_roles",
							   "Comma-separated roles the stuck-session policy never touches.",
							   NULL, &exempt_roles_string, "",
							   PGC_SIGHUP, GUC_LIST_INPUT,
							   check_name_list, assign_exempt_roles, NULL);
	DefineCustomStringVariable("loadguard.exempt_databases",
							   "Comma-separated databases whose sessions the stuck-session policy never touches.",
							   NULL, &exempt_databases_string, "",
							   PGC_SIGHUP, GUC_LIST_INPUT,
							   check_name_list, assign_exempt_databases, NULL);
	DefineCustomStringVariable("loadguard.exempt_applications",
							   "Comma-separated application names the stuck-session policy never touches.",
							   NULL, &exempt_applications_string, "",
							   PGC_SIGHUP, GUC_LIST_INPUT,
							   check_name_list, assign_exempt_applications, NULL);
	DefineCustomBoolVariable("loadguard.terminate_superusers",
							 "Lets the stuck-session policy act on superuser sessions.",
							 NULL, &lg_terminate_superusers, false,
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
