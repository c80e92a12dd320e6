/*
 * history.c — the shared ring of samples behind loadguard.history, and the
 * newest sample and peaks in the core state.
 *
 * Locking: the ring header and its slots are protected by LG_LOCK_HISTORY.
 * The worker (the only writer) builds a sample in local memory and holds the
 * lock exclusively only to copy it into its slot; readers size their buffer
 * under a shared lock, allocate after releasing it, and copy under a second
 * shared lock, so nothing allocates or errors while a lock is held.  The
 * newest sample and the peaks live in LgCoreState under LG_LOCK_CORE.
 */
#include "postgres.h"

#include "storage/shmem.h"
#include "utils/memutils.h"

#include "loadguard.h"
#include "names.h"
#include "ring.h"

typedef struct LgHistory
{
	LgRing		ring;
	LgSample	slots[FLEXIBLE_ARRAY_MEMBER];
} LgHistory;

static LgHistory *lg_history = NULL;

Size
lg_history_shmem_size(void)
{
	return add_size(offsetof(LgHistory, slots),
					mul_size(sizeof(LgSample), (Size) lg_history_size));
}

void
lg_history_shmem_init(void)
{
	bool		found;

	lg_history = ShmemInitStruct("loadguard history", lg_history_shmem_size(), &found);
	if (!found)
		lg_ring_init(&lg_history->ring, (uint32) lg_history_size);
}

void
lg_history_append(const LgSample *sample)
{
	uint32		slot;

	LWLockAcquire(lg_lock(LG_LOCK_HISTORY), LW_EXCLUSIVE);
	slot = lg_ring_push(&lg_history->ring);
	lg_history->slots[slot] = *sample;
	LWLockRelease(lg_lock(LG_LOCK_HISTORY));

	LWLockAcquire(lg_lock(LG_LOCK_CORE), LW_EXCLUSIVE);
	lg_core->current = *sample;
	lg_core->have_sample = true;
	lg_peak_update(&lg_core->peak_connections, &lg_core->peak_at,
				   sample->peak_connections, sample->ts);
	LWLockRelease(lg_lock(LG_LOCK_CORE));
}

int
lg_history_copy(LgSample **samples, TimestampTz since, TimestampTz *oldest_ts)
{
	LgSample   *buf = NULL;
	uint32		room = 0;

	lg_require_shmem();
	for (;;)
	{
		uint32		first;
		uint32		n;
		uint32		copied = 0;

		LWLockAcquire(lg_lock(LG_LOCK_HISTORY), LW_SHARED);
		n = lg_ring_count_since(&lg_history->ring, lg_history->slots, since, &first);
		if (n <= room)
		{
			copied = lg_ring_copy_since(&lg_history->ring, lg_history->slots,
										since, buf, room);
			*oldest_ts = lg_ring_count(&lg_history->ring) > 0 ?
				lg_history->slots[lg_ring_slot(&lg_history->ring, 0)].ts : 0;
		}
		LWLockRelease(lg_lock(LG_LOCK_HISTORY));

		if (n <= room)
		{
			*samples = buf;
			return (int) copied;
		}

		/* room for what arrives meanwhile, so one retry nearly always does */
		if (buf)
			pfree(buf);
		room = n + 64;
		buf = palloc_extended(sizeof(LgSample) * (Size) room, MCXT_ALLOC_HUGE);
	}
}

/*
 * Persisted history (persist.c): the samples held, oldest first, after a
 * small header.  A file written with another history_size loads as far as
 * it fits: the newest samples are kept.
 */
typedef struct LgHistoryPersisted
{
	uint32		nsamples;
	uint32		sample_size;	/* sizeof(LgSample) when written */
} LgHistoryPersisted;

/* Postmaster, at clean shutdown: no other process is left, so no lock. */
void
lg_history_dump(StringInfo out)
{
	LgHistoryPersisted head;
	uint32		n = lg_ring_count(&lg_history->ring);

	memset(&head, 0, sizeof(head));
	head.nsamples = n;
	head.sample_size = sizeof(LgSample);
	appendBinaryStringInfo(out, (const char *) &head, sizeof(head));
	for (uint32 i = 0; i < n; i++)
		appendBinaryStringInfo(out,
							   (const char *) &lg_history->slots[lg_ring_slot(&lg_history->ring, i)],
							   sizeof(LgSample));
}

/* Postmaster, at startup, into the fresh (empty) ring. */
void
lg_history_load(const char *data, Size len)
{
	LgHistoryPersisted head;
	uint32		keep;
	uint32		skip;

	if (len < sizeof(head))
		return;
	memcpy(&head, data, sizeof(head));
	if (head.sample_size != sizeof(LgSample) ||
		len - sizeof(head) != (Size) head.nsamples * sizeof(LgSample))
		return;

	keep = Min(head.nsamples, lg_history->ring.capacity);
	skip = head.nsamples - keep;
	lg_ring_init(&lg_history->ring, lg_history->ring.capacity);
	for (uint32 i = 0; i < keep; i++)
	{
		uint32		slot = lg_ring_push(&lg_history->ring);

		memcpy(&lg_history->slots[slot],
			   data + sizeof(head) + (Size) (skip + i) * sizeof(LgSample),
			   sizeof(LgSample));
	}
}
