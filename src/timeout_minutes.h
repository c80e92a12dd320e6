/*
 * timeout_minutes.h — the module "timeout_minutes" (timeout_minutes.c): the
 * per-role timeouts of the sessions, minute by minute, over the raw
 * history's span (model: src/model/tominutes.h).  readiness() and
 * config_check() read them over their lookback (views_config.c).
 *
 * Locking: the ring and its entries are protected by the module's own
 * LWLock (module table): the worker takes it exclusively to merge a tick,
 * readers take it shared to copy the minutes out, each for a copy of a few
 * hundred bytes per minute, nothing that can wait or fail.
 *
 * In shared memory only: not saved at shutdown, so after a restart the
 * timeouts are known from the sessions seen since.
 */
#ifndef LG_TIMEOUT_MINUTES_H
#define LG_TIMEOUT_MINUTES_H

#include "storage/lwlock.h"
#include "utils/timestamp.h"

#include "tominutes.h"

/* worker, each tick: merge the tick's tally (timeouts.c) into its minute */
extern void lg_tominutes_record(const LgTimeoutMinute *tick);

/*
 * Copy the minutes that overlap [since, now] into a palloc'd array, oldest
 * first; returns the count (*minutes NULL when 0).
 */
extern int	lg_tominutes_read(TimestampTz since, LgTimeoutMinute **minutes);

/* module table entry "timeout_minutes" */
extern Size lg_tominutes_shmem_size(void);
extern void lg_tominutes_shmem_init(LWLock *lock);

#endif							/* LG_TIMEOUT_MINUTES_H */
