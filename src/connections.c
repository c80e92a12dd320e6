/*
 * connections.c — the shared per-name connection tables behind
 * loadguard.connections: current and peak connections by database, role,
 * application and client address, bounded per dimension (see names.h).
 *
 * Each name also counts the connections established and refused under it
 * since reset, from the connection log (connlog.c) the worker drains.
 *
 * Locking: all four tables are protected by this module's lock (from the
 * module table).  The worker
 * builds its tallies in local memory and holds the lock exclusively only to
 * merge them in (a bounded loop over at most LG_NAMES_PER_DIMENSION
 * entries per name); readers copy a table out under a shared lock.
 * Databases and roles are stored by Oid and named when read, so the worker
 * needs no catalog access each tick.
 */
#include "postgres.h"

#include "storage/shmem.h"
#include "utils/timestamp.h"

#include "connections.h"
#include "connlog.h"
#include "loadguard.h"
#include "names.h"
#include "persist_v1_0.h"

typedef struct LgNamesShared
{
	LgNameTable tables[LG_DIM_COUNT];
} LgNamesShared;

static LgNamesShared *lg_names = NULL;
static LWLock *lg_names_lock = NULL;

Size
lg_names_shmem_size(void)
{
	return MAXALIGN(sizeof(LgNamesShared));
}

void
lg_names_shmem_init(LWLock *lock)
{
	bool		found;

	lg_names_lock = lock;
	lg_names = ShmemInitStruct("loadguard connections", lg_names_shmem_size(), &found);
	if (!found)
	{
		for (int d = 0; d < LG_DIM_COUNT; d++)
			lg_names_init(&lg_names->tables[d]);
	}
}

void
lg_connections_update(LgNameTally *const tallies[LG_DIM_COUNT],
					  const int ntallies[LG_DIM_COUNT],
					  LgNameCounts *counts, TimestampTz now)
{
	LWLockAcquire(lg_names_lock, LW_EXCLUSIVE);
	for (int d = 0; d < LG_DIM_COUNT; d++)
	{
		/* counts first: a name that just connected gets its slot with them */
		lg_names_count(&lg_names->tables[d], counts->items[d], counts->n[d]);
		lg_names->tables[d].other.established += counts->other_established;
		lg_names->tables[d].other.refused += counts->other_refused;
		lg_names_update(&lg_names->tables[d], tallies[d], ntallies[d], now);
	}
	LWLockRelease(lg_names_lock);
}

void
lg_connections_copy(LgDimension dim, LgNameTable *out)
{
	lg_require_shmem();
	LWLockAcquire(lg_names_lock, LW_SHARED);
	memcpy(out, &lg_names->tables[dim], sizeof(LgNameTable));
	LWLockRelease(lg_names_lock);
}

void
lg_names_reset(TimestampTz now)
{
	LWLockAcquire(lg_names_lock, LW_EXCLUSIVE);
	for (int d = 0; d < LG_DIM_COUNT; d++)
		lg_names_reset_table(&lg_names->tables[d], now);
	LWLockRelease(lg_names_lock);
}

/*
 * Persisted per-name tables (persist.c): names and their peaks.  Current
 * counts describe sessions that are gone after a restart: zeroed, and the
 * worker's first tick fills them in again.
 */

/* Postmaster, at clean shutdown: no other process is left, so no lock. */
void
lg_names_dump(StringInfo out)
{
	appendBinaryStringInfo(out, (const char *) lg_names, sizeof(LgNamesShared));
}

/* Postmaster, at startup, into fresh shared memory. */
bool
lg_names_load(const char *data, Size len)
{
	if (len == sizeof(LgNameTableV1_0) * LG_DIM_COUNT && len != sizeof(LgNamesShared))
	{
		/* written by 1.0: no established or refused counts yet */
		for (int d = 0; d < LG_DIM_COUNT; d++)
		{
			LgNameTableV1_0 old;

			memcpy(&old, data + d * sizeof(LgNameTableV1_0), sizeof(old));
			lg_name_table_from_v1_0(&old, &lg_names->tables[d]);
		}
	}
	else if (len == sizeof(LgNamesShared))
		memcpy(lg_names, data, sizeof(LgNamesShared));
	else
		return false;
	for (int d = 0; d < LG_DIM_COUNT; d++)
	{
		LgNameTable *t = &lg_names->tables[d];

		if (t->nentries < 0 || t->nentries > LG_NAMES_PER_DIMENSION)
		{
			lg_names_init(t);
			continue;
		}
		for (int i = 0; i < t->nentries; i++)
		{
			t->entries[i].current = 0;
			t->entries[i].idle_in_transaction = 0;
		}
		t->other.current = 0;
		t->other.idle_in_transaction = 0;
	}
	return true;
}
