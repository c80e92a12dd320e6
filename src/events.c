/*
 * events.c — the log and authentication hooks that count refused
 * connections, timeouts, deadlocks and the like; the worker's per-interval
 * deltas of those counters; and the check that the server logs enough for
 * them to be complete.
 *
 * Note about locking: the hooks run in every process, including backends
 * refused a connection slot before they got a PGPROC.  They therefore take
 * no lock, allocate nothing and never ereport: they classify the report
 * (classify.c) and update pg_atomic_uint64 counters in LgEventsShared.
 * The worker alone writes the "accounted" fields (what it has already put
 * into samples), under this module's own lock (from the module table);
 * readers take that lock shared.
 *
 * connections_established: ClientAuthentication_hook runs for failed logins
 * too, and the reserved-slot, role-limit and database-limit refusals (and
 * e.g. "database does not exist") happen after authentication succeeded.
 * So the hook counts successful authentications of client backends, the log
 * hook counts those same backends when they die before startup finished,
 * and established = authenticated - failed_after_auth.
 *
 * Who: a refused connection is logged with the names in its startup packet,
 * and a connection that completes startup (its first transaction commits)
 * with its role, database, application and client, in the connection log
 * (connlog.c) that the worker drains into loadguard.connections.
 */
#include "postgres.h"

#include <fcntl.h>
#include <unistd.h>

#include "access/genam.h"
#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/pg_database.h"
#include "catalog/pg_db_role_setting.h"
#include "commands/dbcommands.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "port/atomics.h"
#include "replication/walsender.h"
#include "storage/ipc.h"
#include "storage/shmem.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/elog.h"
#include "utils/guc.h"
#include "utils/pidfile.h"
#include "utils/timestamp.h"

#include "connlog.h"
#include "events.h"
#include "live.h"
#include "loadguard.h"
#include "overrides.h"
#include "timeouts.h"

/*
 * ClientAuthentication_hook from libpq/auth.h, declared here because that
 * header pulls in libpq-be.h, which needs the GSSAPI development headers
 * on servers built with GSSAPI (Debian's are).  Only the Port pointer is
 * passed on; its layout is never used.
 */
struct Port;
typedef void (*lg_client_auth_hook_type) (struct Port *port, int status);
extern PGDLLIMPORT lg_client_auth_hook_type ClientAuthentication_hook;

/* classify.h packs SQLSTATEs without server headers: same encoding? */
StaticAssertDecl(LG_SQLSTATE('5', '3', '3', '0', '0') == ERRCODE_TOO_MANY_CONNECTIONS,
				 "classify.h SQLSTATE packing differs from MAKE_SQLSTATE");
StaticAssertDecl(LG_SQLSTATE('5', '7', 'P', '0', '1') == ERRCODE_ADMIN_SHUTDOWN,
				 "classify.h SQLSTATE packing differs from MAKE_SQLSTATE");

typedef struct LgEventsShared
{
	/*
	 * Since reset, by kind.  The LG_EV_CONNECTIONS_ESTABLISHED slot holds
	 * successful authentications of client backends; see failed_after_auth.
	 */
	pg_atomic_uint64 count[LG_EVENT_COUNT];
	pg_atomic_uint64 last_seen[LG_EVENT_COUNT]; /* TimestampTz, 0 = never */
	pg_atomic_uint64 failed_after_auth;
	pg_atomic_uint64 generation;	/* bumped by every reset */
	pg_atomic_uint64 stats_reset;	/* TimestampTz */

	/* the worker's bookkeeping, under lg_events_lock */
	bool		accounted_valid;
	uint64		accounted_generation;
	uint64		accounted[LG_EVENT_COUNT];	/* established = authenticated */
	uint64		accounted_failed;
	int64		established_deficit;	/* failures not yet subtracted */
	TimestampTz accounted_at;
} LgEventsShared;

static LgEventsShared *lg_events = NULL;
static LWLock *lg_events_lock = NULL;

static emit_log_hook_type prev_emit_log_hook = NULL;
static lg_client_auth_hook_type prev_ClientAuthentication_hook = NULL;

/* the startup-commit callback is registered; it has run */
static bool startup_callback = false;
static bool startup_done = false;

static void lg_startup_commit(XactEvent event, void *arg);

/* this backend authenticated and was counted, in this reset generation */
static bool auth_counted = false;
static uint64 auth_counted_generation = 0;

Size
lg_events_shmem_size(void)
{
	return MAXALIGN(sizeof(LgEventsShared));
}

void
lg_events_shmem_init(LWLock *lock)
{
	bool		found;

	lg_events_lock = lock;
	lg_events = ShmemInitStruct("loadguard events", lg_events_shmem_size(), &found);
	if (!found)
	{
		memset(lg_events, 0, sizeof(LgEventsShared));
		for (int k = 0; k < LG_EVENT_COUNT; k++)
		{
			pg_atomic_init_u64(&lg_events->count[k], 0);
			pg_atomic_init_u64(&lg_events->last_seen[k], 0);
		}
		pg_atomic_init_u64(&lg_events->failed_after_auth, 0);
		pg_atomic_init_u64(&lg_events->generation, 0);
		pg_atomic_init_u64(&lg_events->stats_reset, (uint64) GetCurrentTimestamp());
	}
}

static inline void
count_event(LgEventKind kind)
{
	pg_atomic_fetch_add_u64(&lg_events->count[kind], 1);
	pg_atomic_write_u64(&lg_events->last_seen[kind], (uint64) GetCurrentTimestamp());
}

/*
 * Is the postmaster shutting down?  Fast shutdown terminates sessions with
 * the same SIGTERM and message as pg_terminate_backend, and nothing in
 * shared memory tells the two apart.  But the postmaster writes "stopping"
 * into postmaster.pid (one write() call) before it signals anyone, and a
 * backend runs with the data directory as its working directory.  Only
 * read for 57P01 reports, which are rare.  An unreadable file counts as
 * stopping: better to miss a termination than to count a shutdown.
 */
static bool
postmaster_stopping(void)
{
	char		buf[1024];
	int			fd;
	ssize_t		len;
	int			line = 1;
	char	   *p;
	int			save_errno = errno;

	fd = open("postmaster.pid", O_RDONLY | PG_BINARY, 0);
	if (fd < 0)
	{
		errno = save_errno;
		return true;
	}
	len = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	errno = save_errno;
	if (len <= 0)
		return true;
	buf[len] = '\0';

	for (p = buf; *p != '\0' && line < LOCK_FILE_LINE_PM_STATUS; p++)
	{
		if (*p == '\n')
			line++;
	}
	if (line < LOCK_FILE_LINE_PM_STATUS)
		return false;			/* status line not written yet: starting */
	return strncmp(p, PM_STATUS_STOPPING, strlen(PM_STATUS_STOPPING)) == 0;
}

/*
 * emit_log_hook.  Runs for every message the server logs, in any process,
 * possibly without a PGPROC: atomics only (see the file header).
 */
static void
lg_emit_log(ErrorData *edata)
{
	LgErrorReport report;
	LgEventKind kind;
	uint64		generation;

	if (prev_emit_log_hook)
		prev_emit_log_hook(edata);

	if (edata->elevel < ERROR || lg_events == NULL || !lg_enabled)
		return;

	/* a session that authenticated is dying before its startup finished */
	generation = pg_atomic_read_u64(&lg_events->generation);
	if (auth_counted && edata->elevel >= FATAL && IsInitProcessingMode())
	{
		auth_counted = false;
		if (generation == auth_counted_generation)
			pg_atomic_fetch_add_u64(&lg_events->failed_after_auth, 1);
	}

	report.sqlstate = edata->sqlerrcode;
	report.message_id = edata->message_id;
	report.client_backend = (MyBackendType == B_BACKEND && !am_walsender);
	report.in_startup = IsInitProcessingMode();
	report.shutting_down = false;
	if (report.client_backend && lg_classify_needs_shutdown_state(report.sqlstate))
		report.shutting_down = postmaster_stopping();

	kind = lg_classify_error(&report);
	if (kind != LG_EV_NONE)
		count_event(kind);

	/* by whom: the names in the refused startup packet (connlog.c) */
	if (lg_event_is_refusal(kind))
		lg_connlog_refused(generation);
}

/*
 * ClientAuthentication_hook: runs once per connection attempt that got as
 * far as authentication, with its result.
 */
static void
lg_client_authentication(struct Port *port, int status)
{
	if (prev_ClientAuthentication_hook)
		prev_ClientAuthentication_hook(port, status);

	if (status != STATUS_OK || lg_events == NULL || !lg_enabled || am_walsender)
		return;

	auth_counted_generation = pg_atomic_read_u64(&lg_events->generation);
	auth_counted = true;
	count_event(LG_EV_CONNECTIONS_ESTABLISHED);

	/* the rest waits for the startup transaction to commit */
	if (!startup_callback)
	{
		RegisterXactCallback(lg_startup_commit, NULL);
		startup_callback = true;
	}
}

/*
 * The first transaction of a client backend commits: startup is complete,
 * with the server, database, role and connection-option settings all
 * applied and the session user and database known.  Count it under its
 * role (live.c), log it as established (connlog.c) and publish its
 * effective timeouts (timeouts.c).
 * A callback cannot unregister itself while the list is walked: the first
 * statement does it (lg_events_forget_startup).
 */
static void
lg_startup_commit(XactEvent event, void *arg)
{
	if (event != XACT_EVENT_COMMIT || startup_done || !IsInitProcessingMode())
		return;
	startup_done = true;
	lg_live_role_started();
	if (lg_events == NULL || !lg_enabled)
		return;
	lg_connlog_established();
	lg_timeouts_publish();
	lg_timeouts_invalidate();
}

void
lg_events_forget_startup(void)
{
	if (startup_callback && startup_done)
	{
		UnregisterXactCallback(lg_startup_commit, NULL);
		startup_callback = false;
	}
}

void
lg_events_install_hooks(void)
{
	prev_emit_log_hook = emit_log_hook;
	emit_log_hook = lg_emit_log;
	prev_ClientAuthentication_hook = ClientAuthentication_hook;
	ClientAuthentication_hook = lg_client_authentication;
}

/* Counters now; established as authenticated (failed read into *failed). */
static void
read_counters(uint64 *counts, uint64 *failed)
{
	/* failures follow their authentication: read them first, never more */
	*failed = pg_atomic_read_u64(&lg_events->failed_after_auth);
	pg_memory_barrier();
	for (int k = 0; k < LG_EVENT_COUNT; k++)
		counts[k] = pg_atomic_read_u64(&lg_events->count[k]);
}

static uint32
clamp_u32(int64 v)
{
	if (v <= 0)
		return 0;
	if (v > (int64) PG_UINT32_MAX)
		return PG_UINT32_MAX;
	return (uint32) v;
}

/*
 * Worker, once per tick: the events since the previous tick.  After a reset
 * the counters restart from zero, so everything they hold is new.  A
 * refusal after authentication may land one tick after its authentication:
 * the deficit carries it over, so that the per-sample established deltas
 * add up to the total.
 */
void
lg_events_fill_sample(LgSample *sample)
{
	uint64		generation;
	uint64		cur[LG_EVENT_COUNT];
	uint64		cur_failed;

	if (lg_events == NULL)
		return;

	generation = pg_atomic_read_u64(&lg_events->generation);
	pg_memory_barrier();
	read_counters(cur, &cur_failed);

	LWLockAcquire(lg_events_lock, LW_EXCLUSIVE);
	if (!lg_events->accounted_valid || lg_events->accounted_generation != generation)
	{
		memset(lg_events->accounted, 0, sizeof(lg_events->accounted));
		lg_events->accounted_failed = 0;
		lg_events->established_deficit = 0;
	}
	for (int k = 0; k < LG_EVENT_COUNT; k++)
	{
		uint64		prev = lg_events->accounted[k];
		int64		delta = (int64) (cur[k] >= prev ? cur[k] - prev : cur[k]);

		if (k == LG_EV_CONNECTIONS_ESTABLISHED)
		{
			uint64		prev_failed = lg_events->accounted_failed;
			int64		failed = (int64) (cur_failed >= prev_failed ?
										  cur_failed - prev_failed : cur_failed);

			delta = delta - failed + lg_events->established_deficit;
			lg_events->established_deficit = Min(delta, 0);
		}
		sample->events[k] = clamp_u32(delta);
		lg_events->accounted[k] = cur[k];
	}
	lg_events->accounted_failed = cur_failed;
	lg_events->accounted_generation = generation;
	lg_events->accounted_valid = true;
	lg_events->accounted_at = (TimestampTz) sample->ts;
	LWLockRelease(lg_events_lock);
}

uint64
lg_events_total(LgEventKind kind)
{
	uint64		counts[LG_EVENT_COUNT];
	uint64		failed;

	if (lg_events == NULL || kind < 0 || kind >= LG_EVENT_COUNT)
		return 0;
	read_counters(counts, &failed);
	if (kind == LG_EV_CONNECTIONS_ESTABLISHED)
		return counts[kind] > failed ? counts[kind] - failed : 0;
	return counts[kind];
}

uint64
lg_events_refused_total(void)
{
	uint64		refused = 0;

	for (int k = 0; k < LG_EVENT_COUNT; k++)
	{
		if (lg_event_is_refusal((LgEventKind) k))
			refused += lg_events_total((LgEventKind) k);
	}
	return refused;
}

uint64
lg_events_generation(void)
{
	return lg_events ? pg_atomic_read_u64(&lg_events->generation) : 0;
}

void
lg_events_read(LgEventsSnapshot *snap)
{
	uint64		counts[LG_EVENT_COUNT];
	uint64		failed;

	memset(snap, 0, sizeof(*snap));
	if (lg_events == NULL)
		return;
	read_counters(counts, &failed);
	for (int k = 0; k < LG_EVENT_COUNT; k++)
	{
		snap->total[k] = counts[k];
		snap->last_seen[k] = (TimestampTz) pg_atomic_read_u64(&lg_events->last_seen[k]);
	}
	snap->total[LG_EV_CONNECTIONS_ESTABLISHED] =
		counts[LG_EV_CONNECTIONS_ESTABLISHED] > failed ?
		counts[LG_EV_CONNECTIONS_ESTABLISHED] - failed : 0;
	snap->stats_reset = (TimestampTz) pg_atomic_read_u64(&lg_events->stats_reset);

	/* what happened after the worker's last sample, not in history yet */
	LWLockAcquire(lg_events_lock, LW_SHARED);
	if (lg_events->accounted_valid &&
		lg_events->accounted_generation == pg_atomic_read_u64(&lg_events->generation))
	{
		for (int k = 0; k < LG_EVENT_COUNT; k++)
		{
			uint64		prev = lg_events->accounted[k];
			int64		delta = (int64) (counts[k] >= prev ? counts[k] - prev : counts[k]);

			if (k == LG_EV_CONNECTIONS_ESTABLISHED)
				delta = delta - (int64) (failed - Min(failed, lg_events->accounted_failed)) +
					lg_events->established_deficit;
			snap->pending[k] = delta > 0 ? (uint64) delta : 0;
		}
		snap->pending_since = lg_events->accounted_at;
	}
	else
	{
		/* reset (or no sample yet): all counted since is still pending */
		memcpy(snap->pending, snap->total, sizeof(snap->pending));
		snap->pending_since = snap->stats_reset;
	}
	LWLockRelease(lg_events_lock);
}

void
lg_events_reset(TimestampTz now)
{
	if (lg_events == NULL)
		return;
	/* bump first: a backend between authentication and refusal then skips */
	pg_atomic_fetch_add_u64(&lg_events->generation, 1);
	for (int k = 0; k < LG_EVENT_COUNT; k++)
	{
		pg_atomic_write_u64(&lg_events->count[k], 0);
		pg_atomic_write_u64(&lg_events->last_seen[k], 0);
	}
	pg_atomic_write_u64(&lg_events->failed_after_auth, 0);
	pg_atomic_write_u64(&lg_events->stats_reset, (uint64) now);
}

bool
lg_log_level_hides_errors(int level)
{
	return level == LOG || level == LOG_SERVER_ONLY || level > ERROR;
}

/*
 * The undercount warning for log_min_messages = value, set globally (o is
 * NULL) or by an override of the given scope; fix is the statement that
 * removes the problem.
 */
static void
warn_undercount(const char *value, const LgOverride *o, LgOverrideScope scope,
				const char *role, const char *db, const char *fix)
{
	/*
	 * The worker's log_min_messages is the global one, and when that is the
	 * problem it would drop this very warning ("log" ranks above WARNING in
	 * the server log): let it through, only here.
	 */
	int			saved_log_min_messages = log_min_messages;
	bool		panic = pg_strcasecmp(value, "panic") == 0;

	if (log_min_messages == LOG || log_min_messages > WARNING)
		log_min_messages = WARNING;
	ereport(WARNING,
			(o == NULL ?
			 errmsg("loadguard will undercount events: log_min_messages is \"%s\"",
					value) :
			 scope == LG_OVERRIDE_ROLE_IN_DATABASE ?
			 errmsg("loadguard will undercount events: log_min_messages is \"%s\" for role \"%s\" in database \"%s\"",
					value, role, db) :
			 scope == LG_OVERRIDE_ROLE ?
			 errmsg("loadguard will undercount events: log_min_messages is \"%s\" for role \"%s\"",
					value, role) :
			 scope == LG_OVERRIDE_DATABASE ?
			 errmsg("loadguard will undercount events: log_min_messages is \"%s\" for database \"%s\"",
					value, db) :
			 errmsg("loadguard will undercount events: log_min_messages is \"%s\" for all roles",
					value),
			 panic ?
			 errdetail("Only logged errors reach loadguard, so statement timeouts, cancels, lock timeouts, deadlocks and lock table overflows, and refused connections and failed logins, are not counted in loadguard.events.") :
			 errdetail("Only logged errors reach loadguard, so statement timeouts, cancels, lock timeouts, deadlocks and lock table overflows are not counted in loadguard.events."),
			 errhint("Set log_min_messages to \"error\" or lower: %s", fix)));
	log_min_messages = saved_log_min_messages;
}

/*
 * Warn for every role or database override of log_min_messages that keeps
 * errors out of the log.  Needs a database connection: pg_db_role_setting
 * is shared, but it is not one of the relations the relcache can open
 * without reading pg_class.
 */
static void
check_role_database_settings(void)
{
	LgOverride *overrides;
	int			n;

	StartTransactionCommand();
	n = lg_overrides_read(&overrides);
	for (int i = 0; i < n; i++)
	{
		LgOverrideScope scope;
		char	   *role;
		char	   *db;
		char	   *fix;

		if (pg_strcasecmp(overrides[i].name, "log_min_messages") != 0 ||
			!lg_log_level_name_hides_errors(overrides[i].value))
			continue;
		if (lg_override_describe(&overrides[i], &scope, &role, &db, &fix))
			warn_undercount(overrides[i].value, &overrides[i], scope, role, db, fix);
	}
	CommitTransactionCommand();
}

/* Entry point of the short-lived worker that runs the check above. */
PGDLLEXPORT void lg_log_check_main(Datum main_arg);

void
lg_log_check_main(Datum main_arg)
{
	BackgroundWorkerUnblockSignals();
	BackgroundWorkerInitializeConnectionByOid(DatumGetObjectId(main_arg), InvalidOid, 0);
	pgstat_report_appname("loadguard log check");
	check_role_database_settings();
	proc_exit(0);
}

/*
 * A database the check worker can connect to: "postgres" when it allows
 * connections, else the first non-template one that does, else any.
 * pg_database is readable without a database (the relcache has it nailed).
 */
static Oid
pick_database(void)
{
	Relation	rel;
	TableScanDesc scan;
	HeapTuple	tup;
	Oid			postgres = InvalidOid;
	Oid			plain = InvalidOid;
	Oid			any = InvalidOid;

	StartTransactionCommand();
	rel = table_open(DatabaseRelationId, AccessShareLock);
	scan = table_beginscan_catalog(rel, 0, NULL);
	while ((tup = heap_getnext(scan, ForwardScanDirection)) != NULL)
	{
		Form_pg_database db = (Form_pg_database) GETSTRUCT(tup);

		if (!db->datallowconn || db->datconnlimit == DATCONNLIMIT_INVALID_DB)
			continue;
		if (strcmp(NameStr(db->datname), "postgres") == 0)
			postgres = db->oid;
		else if (!db->datistemplate && !OidIsValid(plain))
			plain = db->oid;
		else if (!OidIsValid(any))
			any = db->oid;
	}
	table_endscan(scan);
	table_close(rel, AccessShareLock);
	CommitTransactionCommand();

	if (OidIsValid(postgres))
		return postgres;
	return OidIsValid(plain) ? plain : any;
}

/*
 * Worker, at start and after each reload: warn when log_min_messages keeps
 * errors out of the log, globally (checked here) or in a role or database
 * override (checked by a short-lived worker connected to a database, since
 * this worker has none).
 */
void
lg_events_check_log_settings(void)
{
	BackgroundWorker worker;
	Oid			dboid;

	if (lg_log_level_hides_errors(log_min_messages))
		warn_undercount(GetConfigOption("log_min_messages", false, false),
						NULL, LG_OVERRIDE_ALL_ROLES, NULL, NULL,
						"ALTER SYSTEM SET log_min_messages = 'warning'; SELECT pg_reload_conf();");

	dboid = pick_database();
	if (!OidIsValid(dboid))
		return;

	memset(&worker, 0, sizeof(worker));
	worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
	worker.bgw_start_time = BgWorkerStart_ConsistentState;
	worker.bgw_restart_time = BGW_NEVER_RESTART;
	worker.bgw_main_arg = ObjectIdGetDatum(dboid);
	snprintf(worker.bgw_library_name, BGW_MAXLEN, "loadguard");
	snprintf(worker.bgw_function_name, BGW_MAXLEN, "lg_log_check_main");
	snprintf(worker.bgw_name, BGW_MAXLEN, "loadguard log settings check");
	snprintf(worker.bgw_type, BGW_MAXLEN, "loadguard log check");
	if (!RegisterDynamicBackgroundWorker(&worker, NULL))
		ereport(LOG,
				(errmsg("loadguard could not check role and database settings of log_min_messages"),
				 errdetail("No background worker slot was free."),
				 errhint("Raise max_worker_processes.")));
}

/*
 * Persisted event state (persist.c): totals, last-seen times, and the
 * worker's accounting as of its last sample before shutdown.  Restoring the
 * accounting is what keeps the first tick after a restart from reporting
 * the restored totals as one huge delta: it reports only what was counted
 * after the last sample before shutdown, so history deltas still add up to
 * the totals.  The reset generation is per server lifetime and restarts at
 * 0 with the accounting.
 */
typedef struct LgEventsPersisted
{
	uint64		count[LG_EVENT_COUNT];
	TimestampTz last_seen[LG_EVENT_COUNT];
	uint64		failed_after_auth;
	TimestampTz stats_reset;
	bool		accounted_valid;
	uint64		accounted[LG_EVENT_COUNT];
	uint64		accounted_failed;
	int64		established_deficit;
	TimestampTz accounted_at;
} LgEventsPersisted;

/* Postmaster, at clean shutdown: no other process is left, so no lock. */
void
lg_events_dump(StringInfo out)
{
	LgEventsPersisted saved;
	bool		current;

	memset(&saved, 0, sizeof(saved));
	for (int k = 0; k < LG_EVENT_COUNT; k++)
	{
		saved.count[k] = pg_atomic_read_u64(&lg_events->count[k]);
		saved.last_seen[k] = (TimestampTz) pg_atomic_read_u64(&lg_events->last_seen[k]);
	}
	saved.failed_after_auth = pg_atomic_read_u64(&lg_events->failed_after_auth);
	saved.stats_reset = (TimestampTz) pg_atomic_read_u64(&lg_events->stats_reset);
	current = lg_events->accounted_valid &&
		lg_events->accounted_generation == pg_atomic_read_u64(&lg_events->generation);
	saved.accounted_valid = current;
	if (current)
	{
		memcpy(saved.accounted, lg_events->accounted, sizeof(saved.accounted));
		saved.accounted_failed = lg_events->accounted_failed;
		saved.established_deficit = lg_events->established_deficit;
		saved.accounted_at = lg_events->accounted_at;
	}
	appendBinaryStringInfo(out, (const char *) &saved, sizeof(saved));
}

/* Postmaster, at startup, into fresh shared memory. */
bool
lg_events_load(const char *data, Size len)
{
	LgEventsPersisted saved;

	if (len != sizeof(saved))
		return false;
	memcpy(&saved, data, sizeof(saved));
	for (int k = 0; k < LG_EVENT_COUNT; k++)
	{
		pg_atomic_write_u64(&lg_events->count[k], saved.count[k]);
		pg_atomic_write_u64(&lg_events->last_seen[k], (uint64) saved.last_seen[k]);
	}
	pg_atomic_write_u64(&lg_events->failed_after_auth, saved.failed_after_auth);
	pg_atomic_write_u64(&lg_events->stats_reset, (uint64) saved.stats_reset);
	pg_atomic_write_u64(&lg_events->generation, 0);

	lg_events->accounted_generation = 0;
	lg_events->accounted_valid = true;
	if (saved.accounted_valid)
	{
		memcpy(lg_events->accounted, saved.accounted, sizeof(saved.accounted));
		lg_events->accounted_failed = saved.accounted_failed;
		lg_events->established_deficit = saved.established_deficit;
		lg_events->accounted_at = saved.accounted_at;
	}
	else
	{
		/*
		 * no sample since the last reset: the restored totals are the
		 * baseline
		 */
		memcpy(lg_events->accounted, saved.count, sizeof(saved.count));
		lg_events->accounted_failed = saved.failed_after_auth;
		lg_events->established_deficit = 0;
		lg_events->accounted_at = GetCurrentTimestamp();
	}
	return true;
}
