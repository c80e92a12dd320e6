/*
 * shmem.c — loadguard's shared memory: the request, the attach at startup
 * and the locks, for every module of the module table (modules.c).
 *
 * Locking: one named tranche "loadguard" with one LWLock per module,
 * handed to the module's shmem_init; each module's file header says what
 * its lock protects.  Every lock is held only to copy a small struct in or
 * out; nothing that can wait, allocate or error runs under one.  Counters
 * bumped from backends that may have no PGPROC (events, the latency
 * histogram) are atomics and take no lock.
 */
#include "postgres.h"

#include "miscadmin.h"
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "utils/guc.h"

#include "loadguard.h"
#include "persist.h"
#include "shmem.h"

/* every module is attached in this process */
static bool lg_attached = false;

static shmem_request_hook_type prev_shmem_request_hook = NULL;
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;

static void
lg_shmem_request(void)
{
	Size		size = 0;

	if (prev_shmem_request_hook)
		prev_shmem_request_hook();

	for (int i = 0; i < lg_nmodules; i++)
	{
		if (lg_modules[i].shmem_size)
			size = add_size(size, lg_modules[i].shmem_size());
	}
	RequestAddinShmemSpace(size);
	RequestNamedLWLockTranche("loadguard", lg_nmodules);
}

/*
 * Runs in the postmaster at startup and again after every crash restart,
 * when shared memory is new and zeroed: state always starts fresh then,
 * unless the state file of a clean shutdown restores it.
 */
static void
lg_shmem_startup(void)
{
	LWLockPadded *locks;

	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();

	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	locks = GetNamedLWLockTranche("loadguard");
	for (int i = 0; i < lg_nmodules; i++)
	{
		if (lg_modules[i].shmem_init)
			lg_modules[i].shmem_init(&locks[i].lock);
	}
	lg_attached = true;
	if (!IsUnderPostmaster)
		lg_persist_startup();
	LWLockRelease(AddinShmemInitLock);
}

void
lg_shmem_install_hooks(void)
{
	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = lg_shmem_request;
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = lg_shmem_startup;
}

bool
lg_shmem_attached(void)
{
	return lg_attached;
}

void
lg_require_shmem(void)
{
	const char *current = shared_preload_libraries_string ? shared_preload_libraries_string : "";

	if (lg_attached)
		return;
	if (current[0] == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("loadguard is not loaded through shared_preload_libraries"),
				 errdetail("loadguard's shared memory, hooks and background worker exist only when the library is preloaded at server start."),
				 errhint("Add loadguard to shared_preload_libraries (empty now) and restart the server.")));
	ereport(ERROR,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 errmsg("loadguard is not loaded through shared_preload_libraries"),
			 errdetail("loadguard's shared memory, hooks and background worker exist only when the library is preloaded at server start."),
			 errhint("Add loadguard to the existing shared_preload_libraries list (currently \"%s\") and restart the server.",
					 current)));
}

/* loadguard.reset(): every module's counters and peaks, at one moment */
void
lg_shmem_reset(TimestampTz now)
{
	for (int i = 0; i < lg_nmodules; i++)
	{
		if (lg_modules[i].reset)
			lg_modules[i].reset(now);
	}
}
