/*
 * history_minutes.c — the shared ring of one-minute rows behind
 * loadguard.history_minutes and loadguard.history_range, and the builder of
 * the minute in progress (rollup.c does the arithmetic).
 *
 * Locking: the ring header and its rows are protected by the "minutes"
 * module's lock (modules.c).
 * The worker is the only writer: it feeds every sample to the builder, which
 * lives in shared memory only so that it is saved at shutdown; no backend
 * reads it, so the worker updates it without a lock and takes the lock
 * exclusively only to append a finished row.  Readers locate a range by
 * binary search and copy it out a chunk at a time into their own buffer
 * under a shared lock, so nothing allocates while the lock is held.  The postmaster dumps and
 * loads everything when no other process runs.
 */
#include "postgres.h"

#include "storage/shmem.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "history_minutes.h"
#include "loadguard.h"
#include "persist.h"
#include "ring.h"
#include "rollup.h"

typedef struct LgMinutes
{
	LgRing		ring;
	LgMinuteBuilder builder;	/* worker-owned, see above */
	LgMinute	rows[FLEXIBLE_ARRAY_MEMBER];
} LgMinutes;

static LgMinutes *lg_minutes = NULL;
static LWLock *lg_minutes_lock = NULL;

Size
lg_minutes_shmem_size(void)
{
	return add_size(offsetof(LgMinutes, rows),
					mul_size(sizeof(LgMinute), (Size) lg_rollup_size));
}

void
lg_minutes_shmem_init(LWLock *lock)
{
	bool		found;

	lg_minutes_lock = lock;
	lg_minutes = ShmemInitStruct("loadguard history minutes", lg_minutes_shmem_size(), &found);
	if (!found)
	{
		lg_ring_init(&lg_minutes->ring, (uint32) lg_rollup_size);
		lg_rollup_init(&lg_minutes->builder);
	}
}

/* Worker, once per tick, after the sample went into the raw history. */
void
lg_minutes_add(const LgSample *sample, const LgHistogram *latency)
{
	LgMinute	finished;
	uint32		dropped;

	if (!lg_rollup_add(&lg_minutes->builder, sample, latency, &finished))
		return;
	/* in ts order, as in the raw history (history.c) */
	LWLockAcquire(lg_minutes_lock, LW_EXCLUSIVE);
	lg_minutes->rows[lg_ring_push_ordered(&lg_minutes->ring, lg_minutes->rows, sizeof(LgMinute),
										  finished.ts, &dropped)] = finished;
	LWLockRelease(lg_minutes_lock);
	if (dropped > 0)
		ereport(LOG,
				(errmsg("loadguard dropped %u minute rows stamped after %s",
						dropped, timestamptz_to_str(finished.ts)),
				 errdetail("The system clock went back, or the rows restored at startup were taken with a clock that was ahead.")));
}

TimestampTz
lg_minutes_oldest(void)
{
	TimestampTz oldest = 0;

	lg_require_shmem();
	LWLockAcquire(lg_minutes_lock, LW_SHARED);
	if (lg_ring_count(&lg_minutes->ring) > 0)
		oldest = lg_minutes->rows[lg_ring_slot(&lg_minutes->ring, 0)].ts;
	LWLockRelease(lg_minutes_lock);
	return oldest;
}

/* As lg_history_copy_chunk: at most max rows of the range, oldest first. */
int
lg_minutes_copy_chunk(LgMinute *buf, int max, TimestampTz from, TimestampTz to)
{
	uint32		first;
	uint32		n;

	lg_require_shmem();
	LWLockAcquire(lg_minutes_lock, LW_SHARED);
	n = lg_ring_range(&lg_minutes->ring, lg_minutes->rows, sizeof(LgMinute),
					  from, to, &first);
	n = Min(n, (uint32) max);
	lg_ring_copy_out(&lg_minutes->ring, lg_minutes->rows, sizeof(LgMinute), first, n, buf);
	LWLockRelease(lg_minutes_lock);
	return (int) n;
}

/*
 * Persisted (persist.c): a header, the builder, then the rows, oldest first.
 * A file written with another rollup_size loads as far as it fits (the
 * newest rows are kept); one whose row or builder layout differs is skipped.
 */
typedef struct LgMinutesPersisted
{
	uint32		nrows;
	uint32		row_size;		/* sizeof(LgMinute) when written */
	uint32		builder_size;	/* sizeof(LgMinuteBuilder) when written */
	uint32		reserved;
} LgMinutesPersisted;

/* Postmaster, at clean shutdown: no other process is left, so no lock. */
void
lg_minutes_dump(StringInfo out)
{
	LgMinutesPersisted head;
	uint32		n = lg_ring_count(&lg_minutes->ring);

	memset(&head, 0, sizeof(head));
	head.nrows = n;
	head.row_size = sizeof(LgMinute);
	head.builder_size = sizeof(LgMinuteBuilder);
	appendBinaryStringInfo(out, (const char *) &head, sizeof(head));
	appendBinaryStringInfo(out, (const char *) &lg_minutes->builder, sizeof(LgMinuteBuilder));
	lg_persist_append_ring(out, &lg_minutes->ring, lg_minutes->rows, sizeof(LgMinute));
}

/* Postmaster, at startup, into the fresh ring. */
bool
lg_minutes_load(const char *data, Size len)
{
	LgMinutesPersisted head;
	const char *rows;

	if (len < sizeof(head))
		return false;
	memcpy(&head, data, sizeof(head));
	if (head.builder_size != sizeof(LgMinuteBuilder) ||
		!lg_persist_ring_fits(len, sizeof(head) + sizeof(LgMinuteBuilder), head.nrows,
							  head.row_size, sizeof(LgMinute)))
		return false;

	memcpy(&lg_minutes->builder, data + sizeof(head), sizeof(LgMinuteBuilder));
	rows = data + sizeof(head) + sizeof(LgMinuteBuilder);
	lg_ring_restore(&lg_minutes->ring, lg_minutes->rows, sizeof(LgMinute),
					rows, head.nrows);
	return true;
}
