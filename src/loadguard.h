/*
 * loadguard.h — settings and entry points shared by loadguard's server glue.
 *
 * Each module's shared state lives in its own ShmemInitStruct, sized and
 * attached through the lg_<module>_shmem_size()/lg_<module>_shmem_init()
 * pairs declared here and called from shmem.c.
 */
#ifndef LOADGUARD_H
#define LOADGUARD_H

#include "postgres.h"

#include "fmgr.h"
#include "lib/stringinfo.h"
#include "storage/lwlock.h"
#include "utils/timestamp.h"

#include "lists.h"
#include "sample.h"
#include "session.h"

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
extern const LgNameList *lg_exempt_roles;
extern const LgNameList *lg_exempt_databases;
extern const LgNameList *lg_exempt_applications;

/* true once _PG_init ran from shared_preload_libraries */
extern bool lg_preloaded;

/* Raise the "not preloaded" error unless shared state is attached. */
extern void lg_require_shmem(void);

/* ---- shared memory (shmem.c) ---- */
typedef enum LgLockId
{
	LG_LOCK_CORE = 0,			/* LgCoreState: worker stats, current sample, peaks */
	LG_LOCK_HISTORY,			/* the history ring */
	LG_LOCK_NAMES,				/* per-name connection table */
	LG_LOCK_AUDIT,				/* the policy's audit ring */
	LG_LOCK_COUNT
} LgLockId;

extern LWLock *lg_lock(LgLockId id);
extern void lg_shmem_install_hooks(void);

/*
 * Core shared state.  Protected by LG_LOCK_CORE; held only to copy in or
 * out, never across anything that can wait or error.
 */
#define LG_SHMEM_MAGIC		0x4C47534D	/* "LGSM" */
#define LG_SHMEM_VERSION	1

typedef struct LgCoreState
{
	uint32		magic;
	uint32		version;

	/* the worker */
	int			worker_pid;		/* 0 while no worker runs */
	TimestampTz worker_started_at;
	TimestampTz last_tick_at;
	uint64		ticks;
	uint64		ticks_late;		/* started more than one interval late */
	double		tick_total_us;
	double		tick_max_us;

	/* the newest sample, and peaks since reset */
	bool		have_sample;
	LgSample	current;
	int32		peak_connections;
	TimestampTz peak_at;
	TimestampTz stats_reset;
} LgCoreState;

extern LgCoreState *lg_core;

/* per-module shared memory; each *_init runs under AddinShmemInitLock */
extern Size lg_core_shmem_size(void);
extern void lg_core_shmem_init(void);
extern Size lg_history_shmem_size(void);
extern void lg_history_shmem_init(void);
extern Size lg_events_shmem_size(void);
extern void lg_events_shmem_init(void);
extern Size lg_statements_shmem_size(void);
extern void lg_statements_shmem_init(void);
extern Size lg_names_shmem_size(void);
extern void lg_names_shmem_init(void);
extern Size lg_audit_shmem_size(void);
extern void lg_audit_shmem_init(void);
extern Size lg_live_shmem_size(void);
extern void lg_live_shmem_init(void);

/* ---- hooks installed by _PG_init ---- */
extern void lg_events_install_hooks(void);		/* events.c */
extern void lg_statements_install_hooks(void);	/* statements.c */
extern void lg_live_install_hooks(void);	/* live.c */

/* ---- the worker (worker.c) and one tick's steps ---- */
extern void lg_worker_register(void);
PGDLLEXPORT void lg_worker_main(Datum main_arg);

/*
 * live.c: the most client connections open at once since the previous
 * call (worker, once per tick; resets it), and the number open now.
 */
extern int32 lg_live_take_peak(void);
extern int32 lg_live_current(void);
/* sampler.c: read every backend's status into *sample */
extern void lg_sampler_collect(LgSample *sample, TimestampTz now);
/* events.c: per-interval event deltas into *sample */
extern void lg_events_fill_sample(LgSample *sample);
/* statements.c: per-interval statement count and percentiles into *sample */
extern void lg_statements_fill_sample(LgSample *sample);
/* terminate.c: apply the stuck-session policy (worker only) */
extern void lg_policy_tick(LgSample *sample, TimestampTz now);
/* history.c: append a finished sample to the ring */
extern void lg_history_append(const LgSample *sample);
/* pressure.c: the once-a-minute pressure line */
extern void lg_pressure_maybe_log(const LgSample *sample, TimestampTz now);
/* called by the worker at start and after each reload */
extern void lg_events_check_log_settings(void);

/* ---- totals other modules read for loadguard.status ---- */
extern uint64 lg_events_total(LgEventKind kind);
extern void lg_statements_last_minute(double *statements_per_s, double *latency_p95_ms);
extern void lg_policy_counts(uint64 *cancels, uint64 *terminations);

/* ---- persistence (persist.c); each module dumps and loads its section ---- */
extern void lg_persist_startup(void);
extern void lg_core_dump(StringInfo out);
extern void lg_core_load(const char *data, Size len);
extern void lg_events_dump(StringInfo out);		/* events.c */
extern void lg_events_load(const char *data, Size len);
extern void lg_statements_dump(StringInfo out);	/* statements.c */
extern void lg_statements_load(const char *data, Size len);
extern void lg_history_dump(StringInfo out);	/* history.c */
extern void lg_history_load(const char *data, Size len);
extern void lg_audit_dump(StringInfo out);		/* terminate.c */
extern void lg_audit_load(const char *data, Size len);
extern void lg_names_dump(StringInfo out);		/* connections.c */
extern void lg_names_load(const char *data, Size len);

/* events.c: everything loadguard.events shows, read at once */
typedef struct LgEventsSnapshot
{
	uint64		total[LG_EVENT_COUNT];	/* since stats_reset */
	TimestampTz last_seen[LG_EVENT_COUNT];	/* 0 = never */
	uint64		pending[LG_EVENT_COUNT];	/* after the newest sample */
	TimestampTz pending_since;	/* ts of the newest sample, 0 if none */
	TimestampTz stats_reset;
} LgEventsSnapshot;
extern void lg_events_read(LgEventsSnapshot *snap);

/* ---- reset ---- */
extern void lg_core_reset(TimestampTz now);
extern void lg_events_reset(void);
extern void lg_statements_reset(void);
extern void lg_names_reset(void);
extern void lg_policy_reset(void);


/* ---- APIs between modules (filled in by their owners) ---- */

/*
 * sampler.c: a snapshot of every backend (client or not) now, palloc'd in
 * the current memory context.  Names are resolved only when with_names
 * (needs a transaction; the worker and SQL backends can).  The blocking
 * counts are computed only when with_blocking and some session waits on a
 * lock.  Returns the number of sessions in *sessions.
 */
extern int	lg_sampler_read_sessions(LgSession **sessions, TimestampTz now,
									 bool with_names, bool with_blocking);

/*
 * sampler.c: the status slot of one pid, read again now (no names, no
 * query), for the policy's re-check right before signalling.  False when no
 * backend has that pid.
 */
extern bool lg_sampler_reread_session(int pid, LgSession *session);

/*
 * history.c: copy the samples taken at or after `since` (oldest first)
 * into a palloc'd array; returns the count.  *oldest_ts receives the ts of
 * the oldest sample the ring still holds (0 when empty), so callers can
 * tell when a lookback reaches past the history.
 */
extern int	lg_history_copy(LgSample **samples, TimestampTz since, TimestampTz *oldest_ts);

/*
 * terminate.c: what the policy would do to this session now and why, or why
 * it is exempt (loadguard.sessions.policy_action); NULL when the policy is
 * off.  The text is palloc'd or static.
 */
extern const char *lg_policy_action_text(const LgSession *session, TimestampTz now,
										 double usage_pct);

#endif							/* LOADGUARD_H */
