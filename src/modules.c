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
#include "live.h"
#include "loadguard.h"
#include "sampler.h"
#include "statements.h"
#include "timeouts.h"
#include "worker.h"

const LgModule lg_modules[] = {
	/* name, persist tag, shmem size, shmem init, dump, load, reset */
	{"worker", 0, lg_worker_shmem_size, lg_worker_shmem_init, NULL, NULL, NULL},
	{"current", 1, lg_current_shmem_size, lg_current_shmem_init,
	lg_current_dump, lg_current_load, lg_current_reset},
	{"events", 2, lg_events_shmem_size, lg_events_shmem_init,
	lg_events_dump, lg_events_load, lg_events_reset},
	{"statements", 3, lg_statements_shmem_size, lg_statements_shmem_init,
	lg_statements_dump, lg_statements_load, lg_statements_reset},
	{"history", 4, lg_history_shmem_size, lg_history_shmem_init,
	lg_history_dump, lg_history_load, NULL},
	{"audit", 5, lg_audit_shmem_size, lg_audit_shmem_init,
	lg_audit_dump, lg_audit_load, lg_audit_reset},
	{"connections", 6, lg_names_shmem_size, lg_names_shmem_init,
	lg_names_dump, lg_names_load, lg_names_reset},
	{"live", 0, lg_live_shmem_size, lg_live_shmem_init, NULL, NULL, NULL},
	{"sampler", 0, NULL, lg_sampler_shmem_init, NULL, NULL, NULL},
	{"connlog", 0, lg_connlog_shmem_size, lg_connlog_shmem_init, NULL, NULL, NULL},
	{"timeouts", 0, lg_timeouts_shmem_size, lg_timeouts_shmem_init, NULL, NULL, NULL},
};

const int	lg_nmodules = lengthof(lg_modules);
