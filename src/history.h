/*
 * history.h — the history module (history.c): the ring of samples, and the
 * newest sample with the peaks since reset.
 */
#ifndef LG_HISTORY_H
#define LG_HISTORY_H

#include "lib/stringinfo.h"
#include "storage/lwlock.h"
#include "utils/timestamp.h"

#include "sample.h"

/* The newest sample and the peaks, as loadguard.status shows them. */
typedef struct LgCurrent
{
	bool		have_sample;	/* false until the worker's first tick */
	LgSample	sample;
	int32		peak_connections;
	TimestampTz peak_at;
	TimestampTz stats_reset;
} LgCurrent;

/* worker: append a finished sample to the ring; it becomes the newest */
extern void lg_history_append(const LgSample *sample);

/*
 * Copy the samples taken at or after `since` (oldest first), with their
 * per-role counts, into a palloc'd array; returns the count.  *oldest_ts receives the ts of the
 * oldest sample the ring still holds (0 when empty), so callers can tell
 * when a lookback reaches past the history.
 */
extern int	lg_history_copy(LgSample **samples, TimestampTz since, TimestampTz *oldest_ts);

/*
 * Copy at most max of the samples with from <= ts <= to into buf, oldest
 * first (binary search, then a copy of each sample's figures under the
 * lock); returns the count.  Only the figures: the samples' roles read as
 * unknown (lg_roles_unknown), for readers that show no role.
 * To read a long range, call again with from = the last ts copied + 1.
 * *prev_ts (when not NULL) receives the ts of the sample just before the
 * first one copied, 0 when none.
 */
extern int	lg_history_copy_chunk(LgSample *buf, int max, TimestampTz from,
								  TimestampTz to, TimestampTz *prev_ts);

/* ts of the oldest sample held, 0 when empty */
extern TimestampTz lg_history_oldest(void);

/* A copy of the newest sample and the peaks. */
extern void lg_history_current(LgCurrent *out);

/* module table entries "history" and "current" */
extern Size lg_history_shmem_size(void);
extern void lg_history_shmem_init(LWLock *lock);
extern void lg_history_dump(StringInfo out);
extern bool lg_history_load(const char *data, Size len);
extern Size lg_current_shmem_size(void);
extern void lg_current_shmem_init(LWLock *lock);
extern void lg_current_dump(StringInfo out);
extern bool lg_current_load(const char *data, Size len);
extern void lg_current_reset(TimestampTz now);

#endif							/* LG_HISTORY_H */
