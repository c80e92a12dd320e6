/*
 * timeouts.h — the timeouts each backend actually runs with
 * (statement_timeout, idle_in_transaction_session_timeout,
 * idle_session_timeout, lock_timeout), published into a shared slot per
 * PGPROC (timeouts.c) for loadguard.sessions and loadguard.roles.
 *
 * A backend compares its settings with what it last published at every
 * statement start (lg_timeouts_check, inline: four loads and compares on
 * the statement path) and publishes only when one changed.  A client
 * backend publishes first when its startup transaction commits (events.c),
 * after the server, database, role and connection options have all been
 * applied, so a session that never runs a statement shows them too.
 */
#ifndef LG_TIMEOUTS_H
#define LG_TIMEOUTS_H

#include "storage/lwlock.h"
#include "storage/proc.h"

#include "datatype/timestamp.h"

#include "sample.h"
#include "session.h"
#include "tominutes.h"

/* what this backend last published; statement_timeout_ms = -1: nothing yet */
extern LgTimeouts lg_timeouts_published;

extern void lg_timeouts_publish(void);

/* At statement start: publish if any of the four differs from the last publication. */
static inline void
lg_timeouts_check(void)
{
	if (unlikely(StatementTimeout != lg_timeouts_published.statement_timeout_ms ||
				 IdleInTransactionSessionTimeout != lg_timeouts_published.idle_in_transaction_session_timeout_ms ||
				 IdleSessionTimeout != lg_timeouts_published.idle_session_timeout_ms ||
				 LockTimeout != lg_timeouts_published.lock_timeout_ms))
		lg_timeouts_publish();
}

/* Make the next lg_timeouts_check() publish again. */
extern void lg_timeouts_invalidate(void);

/*
 * The values the backend at proc number procno published, if that backend
 * is pid and has published; false otherwise.
 */
extern bool lg_timeouts_read(int procno, int pid, LgTimeouts *out);

/*
 * The worker, each tick, after the sample's roles are known: tally every
 * live client backend's published timeouts by role into *tally, for the
 * sample's roles (others are skipped); the worker merges the tally into
 * the per-minute ring (timeout_minutes.h), not into the sample.  A session is new in a tick
 * when the worker did not see it in the previous tick (it remembers the pid
 * of each slot), so a lookback counts each session once.
 */
extern void lg_timeouts_tally(const LgSample *sample, LgTimeoutMinute *tally);

extern Size lg_timeouts_shmem_size(void);
extern void lg_timeouts_shmem_init(LWLock *lock);

#endif							/* LG_TIMEOUTS_H */
