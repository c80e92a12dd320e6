/*
 * history.c — the history module: the shared ring of samples behind
 * loadguard.history, and the newest sample with the peaks since reset
 * (loadguard.status).  The worker is the only writer of both.
 *
 * Locking: two structs, each with its own lock from the module table.  The
 * ring (header and slots) is under the "history" module's lock; the newest
 * sample, the peaks and stats_reset under the "current" module's lock.
 * The worker builds a sample in local memory and holds each lock
 * exclusively only to copy it in.  Ring readers size their buffer under a
 * shared lock, allocate after releasing it, and copy under a second shared
 * lock, so nothing allocates or errors while a lock is held.
 *
 * The ring's slots hold each sample's figures; its per-role counts and
 * connection setup-time buckets are packed into a byte pool behind the
 * slots (rolepack.h), which keeps the ring at 248 bytes a sample instead of
 * 728.  Readers that need no roles (the history views) skip unpacking them.
 */
#include "postgres.h"

#include "storage/shmem.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "history.h"
#include "loadguard.h"
#include "names.h"
#include "persist_v1_0.h"
#include "ring.h"
#include "rolepack.h"

/* in shared memory: this, history_size slots, then the pool's bytes */
typedef struct LgHistory
{
	LgRing		ring;
	LgBytePool	pool;			/* history_size * LG_ROLEPACK_BYTES_PER_SAMPLE */
	LgStoredSample slots[FLEXIBLE_ARRAY_MEMBER];
} LgHistory;

static LgHistory *lg_history = NULL;
static uint8 *lg_history_pool_bytes = NULL;
static LWLock *lg_history_lock = NULL;

/* the newest sample and the peaks since stats_reset */
static LgCurrent *lg_current = NULL;
static LWLock *lg_current_lock = NULL;

static Size
pool_offset(void)
{
	return add_size(offsetof(LgHistory, slots),
					mul_size(sizeof(LgStoredSample), (Size) lg_history_size));
}

Size
lg_history_shmem_size(void)
{
	return add_size(pool_offset(),
					mul_size(LG_ROLEPACK_BYTES_PER_SAMPLE, (Size) lg_history_size));
}

void
lg_history_shmem_init(LWLock *lock)
{
	bool		found;

	lg_history_lock = lock;
	lg_history = ShmemInitStruct("loadguard history", lg_history_shmem_size(), &found);
	lg_history_pool_bytes = (uint8 *) lg_history + pool_offset();
	if (!found)
	{
		lg_ring_init(&lg_history->ring, (uint32) lg_history_size);
		lg_pool_init(&lg_history->pool,
					 (uint32) lg_history_size * LG_ROLEPACK_BYTES_PER_SAMPLE);
	}
}

/*
 * Store one sample in the next slot, keeping the ring in ts order (samples
 * stamped later than this one are dropped: the clock went back); caller
 * holds the lock exclusively.  Returns the number dropped.
 */
static uint32
history_push(const LgSample *sample)
{
	uint32		dropped;
	uint32		slot = lg_ring_push_ordered(&lg_history->ring, lg_history->slots,
											sizeof(LgStoredSample), sample->ts, &dropped);

	lg_sample_store(&lg_history->slots[slot], sample, &lg_history->pool,
					lg_history_pool_bytes);
	return dropped;
}

static inline TimestampTz
slot_ts(uint32 i)
{
	return lg_stored_ts(&lg_history->slots[lg_ring_slot(&lg_history->ring, i)]);
}

void
lg_history_append(const LgSample *sample)
{
	uint32		dropped;

	LWLockAcquire(lg_history_lock, LW_EXCLUSIVE);
	dropped = history_push(sample);
	LWLockRelease(lg_history_lock);
	if (dropped > 0)
		ereport(LOG,
				(errmsg("loadguard dropped %u history samples stamped after %s",
						dropped, timestamptz_to_str(sample->ts)),
				 errdetail("The system clock went back, or the samples restored at startup were taken with a clock that was ahead.")));

	LWLockAcquire(lg_current_lock, LW_EXCLUSIVE);
	lg_current->sample = *sample;
	lg_current->have_sample = true;
	lg_peak_update(&lg_current->peak_connections, &lg_current->peak_at,
				   sample->peak_connections, sample->ts);
	LWLockRelease(lg_current_lock);
}

int
lg_history_copy(LgSample **samples, TimestampTz since, TimestampTz *oldest_ts)
{
	LgRing	   *ring = &lg_history->ring;
	LgSample   *buf = NULL;
	uint32		room = 0;

	lg_require_shmem();
	for (;;)
	{
		uint32		first;
		uint32		n;

		LWLockAcquire(lg_history_lock, LW_SHARED);
		first = lg_ring_lower_bound(ring, lg_history->slots, sizeof(LgStoredSample), since);
		n = lg_ring_count(ring) - first;
		if (n <= room)
		{
			for (uint32 i = 0; i < n; i++)
				lg_sample_load(&lg_history->slots[lg_ring_slot(ring, first + i)],
							   &buf[i], true, &lg_history->pool, lg_history_pool_bytes);
			*oldest_ts = lg_ring_count(ring) > 0 ? slot_ts(0) : 0;
		}
		LWLockRelease(lg_history_lock);

		if (n <= room)
		{
			*samples = buf;
			return (int) n;
		}

		/* room for what arrives meanwhile, so one retry nearly always does */
		if (buf)
			pfree(buf);
		room = n + 64;
		buf = palloc_extended(sizeof(LgSample) * (Size) room, MCXT_ALLOC_HUGE);
	}
}

TimestampTz
lg_history_oldest(void)
{
	TimestampTz oldest = 0;

	lg_require_shmem();
	LWLockAcquire(lg_history_lock, LW_SHARED);
	if (lg_ring_count(&lg_history->ring) > 0)
		oldest = slot_ts(0);
	LWLockRelease(lg_history_lock);
	return oldest;
}

/*
 * Only the range is located (binary search) and copied, a chunk at a time
 * into the caller's buffer: the lock is held for O(log n) comparisons plus
 * copying at most max samples' figures (their roles are not unpacked), and
 * the reader needs no buffer the size of the range.
 */
int
lg_history_copy_chunk(LgSample *buf, int max, TimestampTz from, TimestampTz to,
					  TimestampTz *prev_ts)
{
	LgRing	   *ring = &lg_history->ring;
	uint32		first;
	uint32		n;

	lg_require_shmem();
	LWLockAcquire(lg_history_lock, LW_SHARED);
	n = lg_ring_range(ring, lg_history->slots, sizeof(LgStoredSample), from, to, &first);
	n = Min(n, (uint32) max);
	for (uint32 i = 0; i < n; i++)
		lg_sample_load(&lg_history->slots[lg_ring_slot(ring, first + i)], &buf[i],
					   false, &lg_history->pool, lg_history_pool_bytes);
	if (prev_ts)
		*prev_ts = first > 0 ? slot_ts(first - 1) : 0;
	LWLockRelease(lg_history_lock);
	return (int) n;
}

/*
 * Persisted history (persist.c): the samples held, oldest first, after a
 * small header.  A file written with another history_size loads as far as
 * it fits: the newest samples are kept.  Samples in 1.0's layout are
 * converted (persist_v1_0.h).  The file holds whole LgSamples, roles
 * unpacked (unknown where the pool had lost them), so its layout does not
 * depend on how shared memory packs them.
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
	{
		LgSample	sample;

		/* zeroed: the file holds no uninitialized padding */
		memset(&sample, 0, sizeof(sample));
		lg_sample_load(&lg_history->slots[lg_ring_slot(&lg_history->ring, i)], &sample,
					   true, &lg_history->pool, lg_history_pool_bytes);
		appendBinaryStringInfo(out, (const char *) &sample, sizeof(LgSample));
	}
}

/* Postmaster, at startup, into the fresh (empty) ring. */
bool
lg_history_load(const char *data, Size len)
{
	LgHistoryPersisted head;
	bool		v1_0;
	uint32		keep;
	const char *first;

	if (len < sizeof(head))
		return false;
	memcpy(&head, data, sizeof(head));
	/* the current layout, or 1.0's (converted) */
	v1_0 = head.sample_size == sizeof(LgSampleV1_0) && head.sample_size != sizeof(LgSample);
	if ((head.sample_size != sizeof(LgSample) && !v1_0) ||
		len - sizeof(head) != (Size) head.nsamples * head.sample_size)
		return false;

	/*
	 * the newest samples that fit, each converted from 1.0's layout if need
	 * be
	 */
	keep = Min(head.nsamples, lg_history->ring.capacity);
	first = data + sizeof(head) + (Size) (head.nsamples - keep) * head.sample_size;
	lg_ring_init(&lg_history->ring, lg_history->ring.capacity);
	lg_pool_init(&lg_history->pool, lg_history->pool.capacity);
	for (uint32 i = 0; i < keep; i++)
	{
		LgSample	sample;

		if (v1_0)
		{
			LgSampleV1_0 old;

			memcpy(&old, first + (Size) i * sizeof(LgSampleV1_0), sizeof(old));
			lg_sample_from_v1_0(&old, &sample);
		}
		else
			memcpy(&sample, first + (Size) i * sizeof(LgSample), sizeof(sample));
		history_push(&sample);
	}
	return true;
}

/* ---- the newest sample and the peaks (the "current" module) ---- */

Size
lg_current_shmem_size(void)
{
	return MAXALIGN(sizeof(LgCurrent));
}

void
lg_current_shmem_init(LWLock *lock)
{
	bool		found;

	lg_current_lock = lock;
	lg_current = ShmemInitStruct("loadguard current", lg_current_shmem_size(), &found);
	if (!found)
	{
		memset(lg_current, 0, sizeof(LgCurrent));
		lg_current->stats_reset = GetCurrentTimestamp();
	}
}

void
lg_history_current(LgCurrent *out)
{
	lg_require_shmem();
	LWLockAcquire(lg_current_lock, LW_SHARED);
	memcpy(out, lg_current, sizeof(LgCurrent));
	LWLockRelease(lg_current_lock);
}

/* The peaks restart from the newest sample; other modules reset their own. */
void
lg_current_reset(TimestampTz now)
{
	LWLockAcquire(lg_current_lock, LW_EXCLUSIVE);
	lg_current->peak_connections = lg_current->have_sample ?
		lg_current->sample.client_connections : 0;
	lg_current->peak_at = lg_current->have_sample ? now : 0;
	lg_current->stats_reset = now;
	LWLockRelease(lg_current_lock);
}

/*
 * Persisted (section "current", tag 1, which 1.0 called "core"): the peaks
 * and the reset time.  The newest sample is not kept: it describes sessions
 * that are gone after a restart.
 */
typedef struct LgCurrentPersisted
{
	int32		peak_connections;
	TimestampTz peak_at;
	TimestampTz stats_reset;
} LgCurrentPersisted;

void
lg_current_dump(StringInfo out)
{
	LgCurrentPersisted saved;

	memset(&saved, 0, sizeof(saved));
	saved.peak_connections = lg_current->peak_connections;
	saved.peak_at = lg_current->peak_at;
	saved.stats_reset = lg_current->stats_reset;
	appendBinaryStringInfo(out, (const char *) &saved, sizeof(saved));
}

bool
lg_current_load(const char *data, Size len)
{
	LgCurrentPersisted saved;

	if (len != sizeof(saved))
		return false;
	memcpy(&saved, data, sizeof(saved));
	lg_current->peak_connections = saved.peak_connections;
	lg_current->peak_at = saved.peak_at;
	lg_current->stats_reset = saved.stats_reset;
	return true;
}
