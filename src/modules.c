/*
 * modules.c — the one place that knows every module with shared state.
 *
 * shmem.c (size, attach), persist.c (state file) and loadguard.reset()
 * iterate this table; see LgModule in loadguard.h, and doc/design.md for
 * adding a module.  The order is the attach order: the sampler attaches the
 * server's backend status array, which needs nothing of ours.
 */
#include "postgres.h"

#include "audit.h"
#include "connections.h"
#include "connlog.h"
#include "events.h"
#include "history.h"
#include "history_minutes.h"
#include "live.h"
#include "loadguard.h"
#include "sampler.h"
#include "statements.h"
#include "timeout_minutes.h"
#include "timeouts.h"
#include "worker.h"

/*
 * The three kinds of module, for a module whose callbacks are lg_<x>_*:
 * shared memory only; persisted and reset; persisted and kept by reset()
 * (history).
 */
#define SHMEM_ONLY(name, x) \
	{name, 0, lg_##x##_shmem_size, lg_##x##_shmem_init, NULL, NULL, NULL}
#define PERSISTED(name, tag, x) \
	{name, tag, lg_##x##_shmem_size, lg_##x##_shmem_init, \
	 lg_##x##_dump, lg_##x##_load, lg_##x##_reset}
#define PERSISTED_KEPT_BY_RESET(name, tag, x) \
	{name, tag, lg_##x##_shmem_size, lg_##x##_shmem_init, \
	 lg_##x##_dump, lg_##x##_load, NULL}

const LgModule lg_modules[] = {
	SHMEM_ONLY("worker", worker),
	PERSISTED("current", 1, current),
	PERSISTED("events", 2, events),
	PERSISTED("statements", 3, statements),
	PERSISTED_KEPT_BY_RESET("history", 4, history),
	PERSISTED("audit", 5, audit),
	PERSISTED("connections", 6, names),
	SHMEM_ONLY("live", live),
	PERSISTED_KEPT_BY_RESET("minutes", 7, minutes),
	/* the server's backend status array: no shared memory of ours */
	{"sampler", 0, NULL, lg_sampler_shmem_init, NULL, NULL, NULL},
	SHMEM_ONLY("connlog", connlog),
	SHMEM_ONLY("timeouts", timeouts),
	PERSISTED_KEPT_BY_RESET("timeout_minutes", 8, tominutes),
};

const int	lg_nmodules = lengthof(lg_modules);
