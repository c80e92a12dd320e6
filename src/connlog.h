/*
 * connlog.h — who connected, who was refused, and how long sessions lived:
 * the lock-free log that the connection hooks (events.c) write and the
 * worker drains every tick (connlog.c).
 *
 * Writers are backends at connection time and at exit, including backends
 * refused a slot before they got a PGPROC, so writing takes no lock and
 * allocates nothing.  When the log is full a record is not lost from the
 * totals: it is counted in an overflow counter that the worker attributes
 * to "(other)".
 */
#ifndef LG_CONNLOG_H
#define LG_CONNLOG_H

#include "datatype/timestamp.h"
#include "storage/lwlock.h"

#include "names.h"
#include "sample.h"
#include "session.h"

/* ---- written by the hooks (events.c) ---- */

/*
 * A client backend finished its startup (its startup transaction commits):
 * +1 established under its role, database, application and client.  Also
 * arranges for an "ended" record with its lifetime when it exits.
 */
extern void lg_connlog_established(void);

/* A connection attempt is refused (one of the rejected_* events). */
extern void lg_connlog_refused(uint64 generation);

/* ---- drained by the worker, once per tick (sampler.c) ---- */

/* Per-role connection churn since the previous drain. */
typedef struct LgRoleChurn
{
	Oid			roleid;
	int32		established;
	int32		refused;
	int32		ended;
	int32		short_lived;
} LgRoleChurn;

/* Per-name established/refused deltas since the previous drain. */
typedef struct LgNameCounts
{
	int			n[LG_DIM_COUNT];
	LgNameCount *items[LG_DIM_COUNT];
	/* what could not be attributed to a name (log overflow) */
	int64		other_established;
	int64		other_refused;
} LgNameCounts;

/*
 * Worker: take every complete record and sum them per role and per name;
 * the role and database names of refused connections are looked up in
 * pg_authid and pg_database (needs the worker's shared-catalog access).
 * Palloc'd in the current memory context.  generation is the events reset
 * generation: records of an older one are dropped from the since-reset
 * counts (they were counted before the reset).
 */
extern void lg_connlog_drain(uint64 generation, LgRoleChurn **roles, int *nroles,
							 LgNameCounts *names);

extern Size lg_connlog_shmem_size(void);
extern void lg_connlog_shmem_init(LWLock *lock);

#endif							/* LG_CONNLOG_H */
