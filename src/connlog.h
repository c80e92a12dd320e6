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

#include "postgres.h"

#include "datatype/timestamp.h"

#include "names.h"
#include "sample.h"
#include "session.h"

/* ---- written by the hooks (events.c) ---- */

/* A client backend authenticated: +1 established for its startup packet's names. */
extern void lg_connlog_authenticated(uint64 generation);

/*
 * A backend ends its startup in a FATAL error.  after_auth: it had been
 * counted by lg_connlog_authenticated in this reset generation (-1
 * established); refused: the error is one of the rejected_* refusals.
 */
extern void lg_connlog_startup_failed(bool after_auth, bool refused, uint64 generation);

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
 * Worker: take every complete record, resolve role and database names to
 * Oids (needs the worker's catalog access) and sum them per role and per
 * name.  Palloc'd in the current memory context.  generation is the events
 * reset generation: established/refused records of an older one are
 * dropped (they were counted before the reset).
 */
extern void lg_connlog_drain(uint64 generation, LgRoleChurn **roles, int *nroles,
							 LgNameCounts *names);

extern Size lg_connlog_shmem_size(void);
extern void lg_connlog_shmem_init(void);

#endif							/* LG_CONNLOG_H */
