/*
 * timeouts.c — the shared per-backend slots behind the effective-timeout
 * columns of loadguard.sessions and loadguard.roles (see timeouts.h).
 *
 * One slot per PGPROC, indexed by pgprocno, so a backend finds its own
 * without a search and a reader finds a session's from the proc array.
 *
 * Note about locking: each slot has exactly one writer, the backend that
 * owns the PGPROC, and is read with the st_changecount protocol of
 * backend_status.c: the writer makes changecount odd, writes, makes it
 * even; a reader copies between two reads of changecount and retries until
 * both are equal and even.  Writers never wait; readers take no lock.  The
 * slot carries the writer's pid, so that a slot left by a backend that has
 * exited is not read as its successor's.
 */
#include "postgres.h"

#include "access/twophase.h"
#include "access/xact.h"
#include "miscadmin.h"
#include "port/atomics.h"
#include "storage/proc.h"
#include "storage/shmem.h"

#include "compat.h"
#include "events.h"
#include "loadguard.h"
#include "timeouts.h"

typedef struct LgTimeoutSlot
{
	pg_atomic_uint32 changecount;
	int32		pid;			/* 0: never published */
	LgTimeouts	values;
} LgTimeoutSlot;

typedef struct LgTimeoutsShared
{
	int32		nslots;
	LgTimeoutSlot slots[FLEXIBLE_ARRAY_MEMBER];
} LgTimeoutsShared;

static LgTimeoutsShared *lg_timeouts = NULL;

LgTimeouts	lg_timeouts_published = {-1, -1, -1, -1};

Size
lg_timeouts_shmem_size(void)
{
	return add_size(offsetof(LgTimeoutsShared, slots),
					mul_size(sizeof(LgTimeoutSlot), (Size) LG_PROC_SLOTS()));
}

/* module table entry "timeouts"; the slots take no lock, so `lock` is unused */
void
lg_timeouts_shmem_init(LWLock *lock)
{
	bool		found;

	lg_timeouts = ShmemInitStruct("loadguard timeouts", lg_timeouts_shmem_size(), &found);
	if (!found)
	{
		lg_timeouts->nslots = LG_PROC_SLOTS();
		for (int i = 0; i < lg_timeouts->nslots; i++)
		{
			pg_atomic_init_u32(&lg_timeouts->slots[i].changecount, 0);
			lg_timeouts->slots[i].pid = 0;
			memset(&lg_timeouts->slots[i].values, 0, sizeof(LgTimeouts));
		}
	}
}

void
lg_timeouts_invalidate(void)
{
	lg_timeouts_published.statement_timeout_ms = -1;
}

void
lg_timeouts_publish(void)
{
	LgTimeoutSlot *slot;
	int			procno;

	/* the startup callback published first and sent us here to remove it */
	if (!IsInitProcessingMode())
		lg_events_forget_startup();

	if (lg_timeouts == NULL || MyProc == NULL || !lg_enabled)
		return;
	procno = MyProc->pgprocno;
	if (procno < 0 || procno >= lg_timeouts->nslots)
		return;
	slot = &lg_timeouts->slots[procno];

	lg_timeouts_published.statement_timeout_ms = StatementTimeout;
	lg_timeouts_published.idle_in_transaction_session_timeout_ms = IdleInTransactionSessionTimeout;
	lg_timeouts_published.idle_session_timeout_ms = IdleSessionTimeout;
	lg_timeouts_published.lock_timeout_ms = LockTimeout;

	/* odd while writing; the atomic increments are full barriers */
	pg_atomic_fetch_add_u32(&slot->changecount, 1);
	slot->pid = MyProcPid;
	slot->values = lg_timeouts_published;
	pg_atomic_fetch_add_u32(&slot->changecount, 1);
}

bool
lg_timeouts_read(int procno, int pid, LgTimeouts *out)
{
	LgTimeoutSlot *slot;

	if (lg_timeouts == NULL || procno < 0 || procno >= lg_timeouts->nslots)
		return false;
	slot = &lg_timeouts->slots[procno];

	/* the writer holds the slot odd for a few stores only: a bounded retry */
	for (int tries = 0; tries < 1000; tries++)
	{
		uint32		before = pg_atomic_read_u32(&slot->changecount);
		uint32		after;
		int32		slot_pid;
		LgTimeouts	copy;

		pg_read_barrier();
		slot_pid = ((volatile LgTimeoutSlot *) slot)->pid;
		memcpy(&copy, (const void *) &((volatile LgTimeoutSlot *) slot)->values, sizeof(copy));
		pg_read_barrier();
		after = pg_atomic_read_u32(&slot->changecount);
		if (before == after && (before & 1) == 0)
		{
			if (slot_pid != pid)
				return false;
			*out = copy;
			return true;
		}
	}
	return false;
}
