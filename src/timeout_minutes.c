/*
 * timeout_minutes.c — the shared ring of per-role timeouts by minute (see
 * timeout_minutes.h for its role and locking rule; the arithmetic is in
 * src/model/tominutes.c).
 *
 * Sized once, when shared memory is first sized, to cover the raw
 * history's span: loadguard.history_size × loadguard.sample_interval at
 * start, in minutes, plus 2, at most a day.  The size is remembered so that
 * a later reload of sample_interval cannot change what the postmaster
 * asked for (a crash restart re-creates shared memory with the same size).
 */
#include "postgres.h"

#include "storage/shmem.h"

#include "loadguard.h"
#include "persist.h"
#include "timeout_minutes.h"

typedef struct LgTimeoutMinutesShared
{
	LgRing		ring;
	LgTimeoutMinute entries[FLEXIBLE_ARRAY_MEMBER];
} LgTimeoutMinutesShared;

static LgTimeoutMinutesShared *lg_tominutes = NULL;
static LWLock *lg_tominutes_lock = NULL;
static int	lg_tominutes_capacity_at_start = 0;

static int
capacity(void)
{
	if (lg_tominutes_capacity_at_start == 0)
		lg_tominutes_capacity_at_start =
			lg_tominutes_capacity(lg_history_size, lg_sample_interval_ms);
	return lg_tominutes_capacity_at_start;
}

Size
lg_tominutes_shmem_size(void)
{
	return add_size(offsetof(LgTimeoutMinutesShared, entries),
					mul_size(sizeof(LgTimeoutMinute), (Size) capacity()));
}

void
lg_tominutes_shmem_init(LWLock *lock)
{
	bool		found;

	lg_tominutes_lock = lock;
	lg_tominutes = ShmemInitStruct("loadguard timeout minutes",
								   lg_tominutes_shmem_size(), &found);
	if (!found)
		lg_ring_init(&lg_tominutes->ring, (uint32) capacity());
}

void
lg_tominutes_record(const LgTimeoutMinute *tick)
{
	if (lg_tominutes == NULL)
		return;
	LWLockAcquire(lg_tominutes_lock, LW_EXCLUSIVE);
	lg_tominutes_add(&lg_tominutes->ring, lg_tominutes->entries, tick);
	LWLockRelease(lg_tominutes_lock);
}

int
lg_tominutes_read(TimestampTz since, LgTimeoutMinute **minutes)
{
	LgTimeoutMinute *buf;
	int			n;

	*minutes = NULL;
	if (lg_tominutes == NULL)
		return 0;
	/* the ring's capacity is fixed: allocate before taking the lock */
	buf = palloc(sizeof(LgTimeoutMinute) * lg_tominutes->ring.capacity);
	LWLockAcquire(lg_tominutes_lock, LW_SHARED);
	n = lg_tominutes_copy(&lg_tominutes->ring, lg_tominutes->entries, since, buf);
	LWLockRelease(lg_tominutes_lock);
	if (n == 0)
	{
		pfree(buf);
		return 0;
	}
	*minutes = buf;
	return n;
}

typedef struct LgTimeoutMinutesPersisted
{
	uint32		nminutes;
	uint32		minute_size;	/* sizeof(LgTimeoutMinute) when written */
	uint64		reserved;
} LgTimeoutMinutesPersisted;

/* Postmaster, at clean shutdown: no other process is left, so no lock. */
void
lg_tominutes_dump(StringInfo out)
{
	LgTimeoutMinutesPersisted head;

	memset(&head, 0, sizeof(head));
	head.nminutes = lg_ring_count(&lg_tominutes->ring);
	head.minute_size = sizeof(LgTimeoutMinute);
	appendBinaryStringInfo(out, (const char *) &head, sizeof(head));
	lg_persist_append_ring(out, &lg_tominutes->ring, lg_tominutes->entries,
						   sizeof(LgTimeoutMinute));
}

/* Postmaster, at startup, into the fresh (empty) ring. */
bool
lg_tominutes_load(const char *data, Size len)
{
	LgTimeoutMinutesPersisted head;

	if (len < sizeof(head))
		return false;
	memcpy(&head, data, sizeof(head));
	if (!lg_persist_ring_fits(len, sizeof(head), head.nminutes, head.minute_size,
							  sizeof(LgTimeoutMinute)))
		return false;
	return lg_tominutes_restore(&lg_tominutes->ring, lg_tominutes->entries,
								data + sizeof(head), head.nminutes);
}
