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
#include "utils/guc_tables.h"
#include "utils/memutils.h"

#include "compat.h"
#include "events.h"
#include "loadguard.h"
#include "rolestats.h"
#include "timeouts.h"

typedef struct LgTimeoutSlot
{
	pg_atomic_uint32 changecount;
	int32		pid;			/* 0: never published */
	Oid			roleid;			/* session user of a client backend, else
								 * InvalidOid */
	LgTimeouts	values;
	uint8		sources[LG_TIMEOUT_KINDS];	/* LG_TSRC_* of each value */
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

/* the four settings in LgTimeouts' order, found once per backend */
static const char *const timeout_gucs[LG_TIMEOUT_KINDS] = {
	"statement_timeout", "idle_in_transaction_session_timeout",
	"idle_session_timeout", "lock_timeout",
};
static struct config_generic *timeout_records[LG_TIMEOUT_KINDS];
static bool timeout_records_found = false;

/* where each value comes from, as LG_TSRC_* (GucSource of the setting) */
static void
timeout_sources(uint8 *sources)
{
	if (!timeout_records_found)
	{
		struct config_generic **vars = get_guc_variables();
		int			n = GetNumConfigOptions();

		/* built-in settings: their records never move */
		for (int i = 0; i < n; i++)
			for (int k = 0; k < LG_TIMEOUT_KINDS; k++)
				if (strcmp(vars[i]->name, timeout_gucs[k]) == 0)
					timeout_records[k] = vars[i];
		timeout_records_found = true;
	}
	for (int k = 0; k < LG_TIMEOUT_KINDS; k++)
	{
		GucSource	src = timeout_records[k] ? timeout_records[k]->source : PGC_S_DEFAULT;

		switch (src)
		{
			case PGC_S_DATABASE:
			case PGC_S_USER:
			case PGC_S_DATABASE_USER:
				sources[k] = LG_TSRC_DEFAULT;
				break;
			case PGC_S_CLIENT:
				sources[k] = LG_TSRC_CONNECT;
				break;
			case PGC_S_SESSION:
			case PGC_S_INTERACTIVE:
			case PGC_S_TEST:
				sources[k] = LG_TSRC_SET;
				break;
			default:
				sources[k] = LG_TSRC_SERVER;
				break;
		}
	}
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
	slot->roleid = MyBackendType == B_BACKEND ? GetSessionUserId() : InvalidOid;
	slot->values = lg_timeouts_published;
	timeout_sources(slot->sources);
	pg_atomic_fetch_add_u32(&slot->changecount, 1);
}

/*
 * A consistent copy of one slot (the changecount protocol); false when the
 * writer kept it busy for every try.
 */
static bool
copy_slot(LgTimeoutSlot *slot, LgTimeoutSlot *copy)
{
	for (int tries = 0; tries < 1000; tries++)
	{
		uint32		before = pg_atomic_read_u32(&slot->changecount);
		uint32		after;

		pg_read_barrier();
		memcpy((char *) copy + sizeof(pg_atomic_uint32),
			   (const char *) slot + sizeof(pg_atomic_uint32),
			   sizeof(LgTimeoutSlot) - sizeof(pg_atomic_uint32));
		pg_read_barrier();
		after = pg_atomic_read_u32(&slot->changecount);
		if (before == after && (before & 1) == 0)
			return true;
	}
	return false;
}

void
lg_timeouts_tally(const LgSample *sample, LgTimeoutMinute *tally)
{
	/* the worker's own memory: the pid it saw in each slot last tick */
	static int32 *seen_pids = NULL;

	memset(tally, 0, sizeof(*tally));
	tally->ts = sample->ts;
	tally->nroles = Min(sample->nroles, LG_SAMPLE_ROLES);
	for (int r = 0; r < tally->nroles; r++)
		tally->roles[r].roleid = sample->roles[r].roleid;
	if (lg_timeouts == NULL)
		return;
	if (seen_pids == NULL)
		seen_pids = MemoryContextAllocZero(TopMemoryContext,
										   sizeof(int32) * Max(lg_timeouts->nslots, 1));
	for (int procno = 0; procno < lg_timeouts->nslots && procno < (int) ProcGlobal->allProcCount; procno++)
	{
		LgTimeoutSlot *slot = &lg_timeouts->slots[procno];
		LgTimeoutSlot copy;
		int32		values[LG_TIMEOUT_KINDS];
		bool		is_new;

		/* never published, or not a client backend: two reads */
		if (slot->pid == 0 || !OidIsValid(slot->roleid))
		{
			seen_pids[procno] = 0;
			continue;
		}
		if (!copy_slot(slot, &copy) || copy.pid == 0 || !OidIsValid(copy.roleid) ||
			copy.pid != ((volatile PGPROC *) &ProcGlobal->allProcs[procno])->pid)
		{
			seen_pids[procno] = 0;
			continue;			/* left by a backend that has exited */
		}
		/* new to this tick: not the session this slot held last tick */
		is_new = seen_pids[procno] != copy.pid;
		seen_pids[procno] = copy.pid;
		values[0] = copy.values.statement_timeout_ms;
		values[1] = copy.values.idle_in_transaction_session_timeout_ms;
		values[2] = copy.values.idle_session_timeout_ms;
		values[3] = copy.values.lock_timeout_ms;
		for (int r = 0; r < tally->nroles; r++)
		{
			if (tally->roles[r].roleid == copy.roleid)
			{
				lg_role_timeouts_add(&tally->roles[r].t, values, copy.sources, is_new);
				break;
			}
		}
	}
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
