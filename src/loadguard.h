/*
 * loadguard.h — what every part of loadguard's server glue shares: the
 * settings, the "not preloaded" check, and the module table.
 *
 * Each module declares its own API in its own header (history.h, events.h,
 * ...).  Like core's headers, none of loadguard's includes postgres.h: every
 * .c file includes it first.
 */
#ifndef LOADGUARD_H
#define LOADGUARD_H

#include "lib/stringinfo.h"
#include "storage/lwlock.h"
#include "utils/timestamp.h"

#include "lists.h"

/* ---- settings (loadguard.c) ---- */
typedef enum LgTerminateMode
{
	LG_TERMINATE_OFF = 0,
	LG_TERMINATE_DRY_RUN,
	LG_TERMINATE_ON
} LgTerminateMode;

extern bool lg_enabled;
extern int	lg_sample_interval_ms;
extern int	lg_history_size;
extern int	lg_rollup_size;
extern int	lg_audit_size;
extern int	lg_log_pressure;
extern bool lg_track_statements;
extern double lg_connections_per_user;
extern int	lg_target_users;
extern int	lg_terminate_mode;
extern int	lg_idle_in_transaction_limit_ms;
extern int	lg_idle_blocker_limit_ms;
extern int	lg_active_query_limit_ms;
extern int	lg_cancel_grace_ms;
extern int	lg_terminate_min_usage;
extern bool lg_terminate_superusers;
extern int	lg_roles_lookback_s;
extern const LgNameList *lg_exempt_roles;
extern const LgNameList *lg_exempt_databases;
extern const LgNameList *lg_exempt_applications;

/* true once _PG_init ran from shared_preload_libraries */
extern bool lg_preloaded;

/* Raise the "not preloaded" error unless shared state is attached (shmem.c). */
extern void lg_require_shmem(void);

/*
 * The module table (modules.c): every module with shared state, in the
 * order shmem.c attaches them.  shmem.c sizes and attaches them, persist.c
 * dumps and loads them, loadguard.reset() resets them, all by iterating
 * this table; adding a module is adding one entry (doc/design.md).
 *
 * Each module owns its struct and its lock: shmem_init receives one LWLock
 * of the "loadguard" tranche for the module's own use, and nobody else
 * touches the module's fields.  Any callback may be NULL.
 */
typedef struct LgModule
{
	const char *name;
	uint32		persist_tag;	/* state file section; 0: not persisted. Part
								 * of the file format: never reuse one. */
	Size		(*shmem_size) (void);

	/*
	 * under AddinShmemInitLock, in the postmaster (and each EXEC_BACKEND
	 * child)
	 */
	void		(*shmem_init) (LWLock *lock);
	/* the postmaster at clean shutdown, every other process gone: no lock */
	void		(*dump) (StringInfo out);

	/*
	 * the postmaster at startup, into fresh shared memory: no lock; false
	 * when the section does not fit (persist.c warns, the module starts
	 * empty)
	 */
	bool		(*load) (const char *data, Size len);
	/* loadguard.reset(): zero counters and peaks since `now` */
	void		(*reset) (TimestampTz now);
} LgModule;

extern const LgModule lg_modules[];
extern const int lg_nmodules;

#endif							/* LOADGUARD_H */
