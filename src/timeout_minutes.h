/*
 * timeout_minutes.h — the module "timeout_minutes" (timeout_minutes.c): the
 * per-role timeouts of the sessions, minute by minute, over the raw
 * history's span (model: src/model/tominutes.h).  readiness() and
 * config_check() read them over their lookback (views_config.c).
 *
 * Locking: the ring and its entries are protected by the module's own
 * LWLock (module table): the worker takes it exclusively to merge a tick,
 * readers take it shared to copy the minutes out, each for a copy of a few
 * hundred bytes per minute, nothing that can wait or fail.  The postmaster
 * dumps and loads the ring when no other process runs, without the lock.
 *
 * Saved at clean shutdown in the state file (persist.c, section 8) like the
 * minute rollup, so that after a restart (the fix for max_connections
 * needs one) readiness still judges the timeouts from the sessions of the
 * lookback before it.  loadguard.reset() keeps them, as it keeps the
 * history and its minutes: they are what sessions ran with, not counters.
 * After a crash they start empty, like everything else.
 */
#ifndef LG_TIMEOUT_MINUTES_H
#define LG_TIMEOUT_MINUTES_H

#include "lib/stringinfo.h"
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
extern void lg_tominutes_dump(StringInfo out);
extern bool lg_tominutes_load(const char *data, Size len);

#endif							/* LG_TIMEOUT_MINUTES_H */
