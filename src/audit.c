/*
 * audit.c — the audit module: the ring of the stuck-session policy's
 * actions behind loadguard.terminations, and the per-rule, per-outcome
 * counters behind loadguard.policy_stats.  The ring's index arithmetic is
 * ring.c's.
 *
 * Locking: the ring and the counters are under this module's lock (from the
 * module table).  Writers (the worker, and backends running
 * loadguard.terminate_stuck()) hold it exclusively only to copy one entry
 * in; readers hold it shared to copy the counters or the ring out.
 * Nothing allocates, logs or errors while it is held.
 */
#include "postgres.h"

#include "storage/shmem.h"

#include "audit.h"
#include "loadguard.h"
#include "persist.h"
#include "ring.h"

typedef struct LgAuditState
{
	LgRing		ring;			/* capacity: audit_size at startup */
	uint64		counts[LG_RULE_COUNT][LG_OUTCOME_COUNT];
	LgAuditEntry entries[FLEXIBLE_ARRAY_MEMBER];
} LgAuditState;

static LgAuditState *lg_audit = NULL;
static LWLock *lg_audit_lock = NULL;

Size
lg_audit_shmem_size(void)
{
	return add_size(offsetof(LgAuditState, entries),
					mul_size(lg_audit_size, sizeof(LgAuditEntry)));
}

void
lg_audit_shmem_init(LWLock *lock)
{
	bool		found;

	lg_audit_lock = lock;
	lg_audit = ShmemInitStruct("loadguard audit", lg_audit_shmem_size(), &found);
	if (!found)
	{
		memset(lg_audit, 0, offsetof(LgAuditState, entries));
		lg_ring_init(&lg_audit->ring, (uint32) lg_audit_size);
	}
}

void
lg_audit_append(const LgAuditEntry *entry)
{
	LWLockAcquire(lg_audit_lock, LW_EXCLUSIVE);
	memcpy(&lg_audit->entries[lg_ring_push(&lg_audit->ring)], entry, sizeof(LgAuditEntry));
	lg_audit->counts[entry->rule][entry->outcome]++;
	LWLockRelease(lg_audit_lock);
}

int
lg_audit_copy(LgAuditEntry **entries)
{
	uint32		count;
	LgAuditEntry *copy = palloc(mul_size(lg_audit->ring.capacity, sizeof(LgAuditEntry)));

	LWLockAcquire(lg_audit_lock, LW_SHARED);
	count = lg_ring_count(&lg_audit->ring);
	for (uint32 i = 0; i < count; i++)
		memcpy(&copy[i], &lg_audit->entries[lg_ring_slot(&lg_audit->ring, i)],
			   sizeof(LgAuditEntry));
	LWLockRelease(lg_audit_lock);

	*entries = copy;
	return (int) count;
}

bool
lg_audit_find_cancel(const LgSession *s, bool include_dry_run, LgPriorCancel *prior)
{
	bool		found = false;

	LWLockAcquire(lg_audit_lock, LW_SHARED);
	/* newest first */
	for (uint32 k = lg_ring_count(&lg_audit->ring); k > 0 && !found; k--)
	{
		const LgAuditEntry *e = &lg_audit->entries[lg_ring_slot(&lg_audit->ring, k - 1)];

		if (e->pid == s->pid && e->backend_start == s->backend_start &&
			e->query_start == s->query_start && e->action == LG_VERDICT_CANCEL &&
			(e->outcome == LG_OUTCOME_DONE ||
			 (include_dry_run && e->outcome == LG_OUTCOME_DRY_RUN)))
		{
			prior->cancelled_at = e->at;
			prior->query_start = e->query_start;
			found = true;
		}
	}
	LWLockRelease(lg_audit_lock);
	return found;
}

void
lg_policy_counts(uint64 *cancels, uint64 *terminations)
{
	uint64		counts[LG_RULE_COUNT][LG_OUTCOME_COUNT];

	*cancels = 0;
	*terminations = 0;
	if (lg_audit == NULL)
		return;
	lg_policy_copy_counts(counts);
	for (int rule = 0; rule < LG_RULE_COUNT; rule++)
	{
		if (rule == LG_RULE_ACTIVE_QUERY)
			*cancels += counts[rule][LG_OUTCOME_DONE];
		else
			*terminations += counts[rule][LG_OUTCOME_DONE];
	}
}

void
lg_policy_copy_counts(uint64 counts[LG_RULE_COUNT][LG_OUTCOME_COUNT])
{
	LWLockAcquire(lg_audit_lock, LW_SHARED);
	memcpy(counts, lg_audit->counts, sizeof(lg_audit->counts));
	LWLockRelease(lg_audit_lock);
}

/* loadguard.reset(): the counters restart; the ring is kept. */
void
lg_audit_reset(TimestampTz now)
{
	LWLockAcquire(lg_audit_lock, LW_EXCLUSIVE);
	memset(lg_audit->counts, 0, sizeof(lg_audit->counts));
	LWLockRelease(lg_audit_lock);
}

/*
 * Persisted audit (persist.c): the per-rule counters and the entries held,
 * oldest first.  A file written with another audit_size loads as far as it
 * fits, newest entries kept.  The worker's memo of live backends
 * (terminate.c) is not kept: those backends are gone after a restart.
 */
typedef struct LgAuditPersisted
{
	uint32		nentries;
	uint32		entry_size;		/* sizeof(LgAuditEntry) when written */
	uint64		counts[LG_RULE_COUNT][LG_OUTCOME_COUNT];
} LgAuditPersisted;

/* Postmaster, at clean shutdown: no other process is left, so no lock. */
void
lg_audit_dump(StringInfo out)
{
	LgAuditPersisted head;
	uint32		n = lg_ring_count(&lg_audit->ring);

	memset(&head, 0, sizeof(head));
	head.nentries = n;
	head.entry_size = sizeof(LgAuditEntry);
	memcpy(head.counts, lg_audit->counts, sizeof(head.counts));
	appendBinaryStringInfo(out, (const char *) &head, sizeof(head));
	lg_persist_append_ring(out, &lg_audit->ring, lg_audit->entries, sizeof(LgAuditEntry));
}

/* Postmaster, at startup, into the fresh (empty) ring. */
bool
lg_audit_load(const char *data, Size len)
{
	LgAuditPersisted head;

	if (len < sizeof(head))
		return false;
	memcpy(&head, data, sizeof(head));
	if (!lg_persist_ring_fits(len, sizeof(head), head.nentries, head.entry_size,
							  sizeof(LgAuditEntry)))
		return false;

	memcpy(lg_audit->counts, head.counts, sizeof(lg_audit->counts));
	lg_ring_restore(&lg_audit->ring, lg_audit->entries, sizeof(LgAuditEntry),
					data + sizeof(head), head.nentries);
	return true;
}
