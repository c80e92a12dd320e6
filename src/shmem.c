/*
 * shmem.c — loadguard's shared state: the request, the attach at startup,
 * its locks and the core state (worker stats, newest sample, peaks).
 *
 * Locking: one named tranche "loadguard" with LG_LOCK_COUNT LWLocks (see
 * LgLockId).  Every lock is held only to copy a small struct in or out;
 * nothing that can wait, allocate or error runs under one.  Event counters
 * and the latency histogram are atomics and take no lock: they are updated
 * from backends that may have no PGPROC.
 */
#include "postgres.h"

#include "miscadmin.h"
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "lib/stringinfo.h"
#include "storage/shmem.h"

#include "compat.h"
#include "loadguard.h"

LgCoreState *lg_core = NULL;

static LWLockPadded *lg_locks = NULL;

#ifdef LG_HAVE_SHMEM_REQUEST_HOOK
static shmem_request_hook_type prev_shmem_request_hook = NULL;
#endif
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;

static Size
lg_total_shmem_size(void)
{
	Size		size = lg_core_shmem_size();

	size = add_size(size, lg_history_shmem_size());
	size = add_size(size, lg_events_shmem_size());
	size = add_size(size, lg_statements_shmem_size());
	size = add_size(size, lg_names_shmem_size());
	size = add_size(size, lg_audit_shmem_size());
	size = add_size(size, lg_live_shmem_size());
	return size;
}

static void
lg_shmem_request(void)
{
#ifdef LG_HAVE_SHMEM_REQUEST_HOOK
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
#endif
	RequestAddinShmemSpace(lg_total_shmem_size());
	RequestNamedLWLockTranche("loadguard", LG_LOCK_COUNT);
}

/*
 * Runs in the postmaster at startup and again after every crash restart,
 * when shared memory is new and zeroed: state always starts fresh then.
 */
static void
lg_shmem_startup(void)
{
	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();

	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	lg_locks = GetNamedLWLockTranche("loadguard");
	lg_core_shmem_init();
	lg_history_shmem_init();
	lg_events_shmem_init();
	lg_statements_shmem_init();
	lg_names_shmem_init();
	lg_audit_shmem_init();
	lg_live_shmem_init();
	if (!IsUnderPostmaster)
		lg_persist_startup();
	LWLockRelease(AddinShmemInitLock);
}

void
lg_shmem_install_hooks(void)
{
#ifdef LG_HAVE_SHMEM_REQUEST_HOOK
	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = lg_shmem_request;
#else
	lg_shmem_request();
#endif
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = lg_shmem_startup;
}

LWLock *
lg_lock(LgLockId id)
{
	Assert(lg_locks != NULL && id < LG_LOCK_COUNT);
	return &lg_locks[id].lock;
}

Size
lg_core_shmem_size(void)
{
	return MAXALIGN(sizeof(LgCoreState));
}

void
lg_core_shmem_init(void)
{
	bool		found;

	lg_core = ShmemInitStruct("loadguard core", lg_core_shmem_size(), &found);
	if (!found)
	{
		memset(lg_core, 0, sizeof(LgCoreState));
		lg_core->magic = LG_SHMEM_MAGIC;
		lg_core->version = LG_SHMEM_VERSION;
		lg_core->stats_reset = GetCurrentTimestamp();
	}
}

/* Zero the peaks; the caller also resets the other modules' counters. */
void
lg_core_reset(TimestampTz now)
{
	LWLockAcquire(lg_lock(LG_LOCK_CORE), LW_EXCLUSIVE);
	lg_core->peak_connections = lg_core->have_sample ? lg_core->current.client_connections : 0;
	lg_core->peak_at = lg_core->have_sample ? now : 0;
	lg_core->stats_reset = now;
	LWLockRelease(lg_lock(LG_LOCK_CORE));
}

void
lg_require_shmem(void)
{
	if (lg_core == NULL || lg_core->magic != LG_SHMEM_MAGIC)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("loadguard is not loaded through shared_preload_libraries"),
				 errdetail("loadguard's shared memory, hooks and background worker exist only when the library is preloaded at server start."),
				 errhint("Add loadguard to the existing shared_preload_libraries list (currently \"%s\") and restart the server.",
						 shared_preload_libraries_string ? shared_preload_libraries_string : "")));
}

/*
 * Persisted core state: peaks and the reset time.  The worker's own fields
 * (pid, tick statistics) describe a process that no longer exists.
 */
typedef struct LgCorePersisted
{
	int32		peak_connections;
	TimestampTz peak_at;
	TimestampTz stats_reset;
} LgCorePersisted;

void
lg_core_dump(StringInfo out)
{
	LgCorePersisted saved;

	memset(&saved, 0, sizeof(saved));
	saved.peak_connections = lg_core->peak_connections;
	saved.peak_at = lg_core->peak_at;
	saved.stats_reset = lg_core->stats_reset;
	appendBinaryStringInfo(out, (const char *) &saved, sizeof(saved));
}

void
lg_core_load(const char *data, Size len)
{
	LgCorePersisted saved;

	if (len != sizeof(saved))
		return;
	memcpy(&saved, data, sizeof(saved));
	lg_core->peak_connections = saved.peak_connections;
	lg_core->peak_at = saved.peak_at;
	lg_core->stats_reset = saved.stats_reset;
}
