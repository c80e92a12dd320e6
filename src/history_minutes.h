/*
 * history_minutes.h — the minute rollup module (history_minutes.c): the ring
 * of one-minute rows behind loadguard.history_minutes and history_range.
 */
#ifndef LG_HISTORY_MINUTES_H
#define LG_HISTORY_MINUTES_H

#include "lib/stringinfo.h"
#include "storage/lwlock.h"
#include "utils/timestamp.h"

#include "histogram.h"
#include "rollup.h"
#include "sample.h"

/*
 * worker, after each sample went into the raw history: roll it into its
 * minute; latency is the histogram of its statements (NULL: none)
 */
extern void lg_minutes_add(const LgSample *sample, const LgHistogram *latency);

/* ts of the oldest finished minute held, 0 when empty */
extern TimestampTz lg_minutes_oldest(void);

/*
 * Copy at most max of the finished minutes with from <= ts <= to into buf,
 * oldest first; returns the count (as lg_history_copy_chunk).  The minute
 * in progress is not included.
 */
extern int	lg_minutes_copy_chunk(LgMinute *buf, int max, TimestampTz from, TimestampTz to);

/* module table entry "minutes" */
extern Size lg_minutes_shmem_size(void);
extern void lg_minutes_shmem_init(LWLock *lock);
extern void lg_minutes_dump(StringInfo out);
extern bool lg_minutes_load(const char *data, Size len);

#endif							/* LG_HISTORY_MINUTES_H */
