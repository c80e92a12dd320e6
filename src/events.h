/*
 * events.h — the events module (events.c): the log and authentication
 * hooks that count refused connections, timeouts, deadlocks and the like.
 */
#ifndef LG_EVENTS_H
#define LG_EVENTS_H

#include "lib/stringinfo.h"
#include "storage/lwlock.h"
#include "utils/timestamp.h"

#include "classify.h"
#include "sample.h"

/* Everything loadguard.events shows, read at once. */
typedef struct LgEventsSnapshot
{
	uint64		total[LG_EVENT_COUNT];	/* since stats_reset */
	TimestampTz last_seen[LG_EVENT_COUNT];	/* 0 = never */
	uint64		pending[LG_EVENT_COUNT];	/* after the newest sample */
	TimestampTz pending_since;	/* ts of the newest sample, 0 if none */
	TimestampTz stats_reset;
} LgEventsSnapshot;

/* _PG_init: emit_log_hook and ClientAuthentication_hook */
extern void lg_events_install_hooks(void);

/* worker: per-interval event deltas into *sample */
extern void lg_events_fill_sample(LgSample *sample);

/* worker, at start and after each reload: warn when errors are not logged */
extern void lg_events_check_log_settings(void);

/* Total of one kind since reset; refused connections of every kind. */
extern uint64 lg_events_total(LgEventKind kind);
extern uint64 lg_events_refused_total(void);

extern void lg_events_read(LgEventsSnapshot *snap);

/* The reset generation, bumped by every reset. */
extern uint64 lg_events_generation(void);

/*
 * Once startup is over (the first statement), drop the callback that ran
 * when the startup transaction committed.
 */
extern void lg_events_forget_startup(void);

/*
 * Does this log_min_messages level keep ERROR reports out of the server
 * log, and so away from emit_log_hook?  (For its name, see classify.h.)
 */
extern bool lg_log_level_hides_errors(int level);

/* module table entry "events" */
extern Size lg_events_shmem_size(void);
extern void lg_events_shmem_init(LWLock *lock);
extern void lg_events_dump(StringInfo out);
extern bool lg_events_load(const char *data, Size len);
extern void lg_events_reset(TimestampTz now);

#endif							/* LG_EVENTS_H */
