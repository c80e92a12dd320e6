/*
 * connlog.c — the connection log: one record per connection established,
 * refused or ended, written by the backend concerned and drained by the
 * worker every tick into per-name counts (loadguard.connections.established
 * and .refused) and per-role churn in the sample (established, refused,
 * ended and short-lived connections per role).
 *
 * Why a log and not counters in the names table: the refusals happen in
 * backends that may have no PGPROC (too many clients) and so cannot take
 * an LWLock, and the names they asked for need the bounded table's
 * eviction rules.  The writer only claims a slot of a bounded ring.
 *
 * Note about locking: the ring is a bounded multi-producer, single-consumer
 * queue (Vyukov's): each slot carries a sequence number; a writer claims
 * the slot at `head` with a compare-and-swap on head, fills it, then
 * publishes it by setting its sequence (after a write barrier).  The worker
 * alone reads: it takes slots whose sequence says "written", in order, and
 * hands each back to writers one lap later.  A writer that finds the ring
 * full counts the record in an overflow counter instead (the worker adds
 * those to "(other)"), so the totals stay exact and nobody waits.  Writers
 * allocate nothing, take no lock and never ereport.
 *
 * Which names: an established connection is logged when its startup
 * transaction commits, with its session user and database Oids, its
 * application_name and client address, exactly as the sampler will key the
 * session.  A refused one is logged with what its startup packet asked for
 * (MyProcPort: user, database, application) and its client address; the
 * worker looks the role and database up by name, and keeps names that do
 * not exist as they were asked for.
 */
#include "postgres.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/pg_authid.h"
#include "catalog/pg_database.h"
#include "libpq/libpq-be.h"
#include "miscadmin.h"
#include "port/atomics.h"
#include "storage/ipc.h"
#include "storage/shmem.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "catscan.h"
#include "connections.h"
#include "connlog.h"
#include "events.h"
#include "loadguard.h"
#include "sampler.h"

#define LG_CONNLOG_SLOTS	2048

typedef enum LgConnRecordKind
{
	LG_CONN_ESTABLISHED = 1,
	LG_CONN_REFUSED,
	LG_CONN_ENDED
} LgConnRecordKind;

typedef struct LgConnRecord
{
	pg_atomic_uint64 seq;		/* pos + 1 once written; pos + slots when free */
	uint64		generation;		/* events reset generation when written */
	LgConnRecordKind kind;
	Oid			roleid;			/* established and ended: known */
	Oid			dbid;			/* established: known */
	int64		lifetime_us;	/* ended */
	char		role[NAMEDATALEN];	/* refused: as asked for */
	char		database[NAMEDATALEN];	/* refused: as asked for */
	char		application[NAMEDATALEN];
	char		client[LG_CLIENT_ADDR_LEN];
} LgConnRecord;

typedef struct LgConnLog
{
	pg_atomic_uint64 head;		/* next position to claim */
	/* records that found the ring full */
	pg_atomic_uint64 overflow_established;
	pg_atomic_uint64 overflow_refused;

	/* the worker's, no lock: the next position to read, overflow read so far */
	uint64		tail;
	uint64		seen_established;
	uint64		seen_refused;
	LgConnRecord slots[LG_CONNLOG_SLOTS];
} LgConnLog;

static LgConnLog *lg_connlog = NULL;

Size
lg_connlog_shmem_size(void)
{
	return MAXALIGN(sizeof(LgConnLog));
}

/* module table entry "connlog"; the ring takes no lock, so `lock` is unused */
void
lg_connlog_shmem_init(LWLock *lock)
{
	bool		found;

	lg_connlog = ShmemInitStruct("loadguard connection log", lg_connlog_shmem_size(), &found);
	if (!found)
	{
		memset(lg_connlog, 0, sizeof(LgConnLog));
		pg_atomic_init_u64(&lg_connlog->head, 0);
		pg_atomic_init_u64(&lg_connlog->overflow_established, 0);
		pg_atomic_init_u64(&lg_connlog->overflow_refused, 0);
		for (uint64 i = 0; i < LG_CONNLOG_SLOTS; i++)
			pg_atomic_init_u64(&lg_connlog->slots[i].seq, i);
	}
}

/* Claim a free slot, or NULL when the ring is full. */
static LgConnRecord *
claim_slot(uint64 *pos_out)
{
	uint64		pos = pg_atomic_read_u64(&lg_connlog->head);

	for (;;)
	{
		LgConnRecord *slot = &lg_connlog->slots[pos % LG_CONNLOG_SLOTS];
		uint64		seq = pg_atomic_read_u64(&slot->seq);
		int64		dif = (int64) (seq - pos);

		if (dif == 0)
		{
			/* on failure pos receives the current head */
			if (pg_atomic_compare_exchange_u64(&lg_connlog->head, &pos, pos + 1))
			{
				*pos_out = pos;
				return slot;
			}
		}
		else if (dif < 0)
			return NULL;		/* the worker has not read this slot yet: full */
		else
			pos = pg_atomic_read_u64(&lg_connlog->head);
	}
}

static LgConnRecord *
begin_record(LgConnRecordKind kind, uint64 generation, uint64 *pos)
{
	LgConnRecord *slot;

	if (lg_connlog == NULL || (slot = claim_slot(pos)) == NULL)
		return NULL;
	slot->generation = generation;
	slot->kind = kind;
	slot->roleid = InvalidOid;
	slot->dbid = InvalidOid;
	slot->lifetime_us = 0;
	slot->role[0] = slot->database[0] = slot->application[0] = slot->client[0] = '\0';
	return slot;
}

static void
publish_record(LgConnRecord *slot, uint64 pos)
{
	pg_write_barrier();
	pg_atomic_write_u64(&slot->seq, pos + 1);
}

/*
 * before_shmem_exit callback of a backend that completed startup: one
 * "ended" record with its lifetime.  Lost when the ring is full: lifetimes
 * are a sample, not a total.
 */
static void
lg_connlog_session_end(int code, Datum arg)
{
	LgConnRecord *slot;
	uint64		pos;

	if (!lg_enabled || (slot = begin_record(LG_CONN_ENDED, 0, &pos)) == NULL)
		return;
	slot->roleid = GetSessionUserId();
	slot->lifetime_us = GetCurrentTimestamp() - MyStartTimestamp;
	publish_record(slot, pos);
}

void
lg_connlog_established(void)
{
	static bool exit_registered = false;
	LgConnRecord *slot;
	uint64		pos;

	if (lg_connlog == NULL)
		return;
	if (!exit_registered)
	{
		before_shmem_exit(lg_connlog_session_end, (Datum) 0);
		exit_registered = true;
	}
	slot = begin_record(LG_CONN_ESTABLISHED, lg_events_generation(), &pos);
	if (slot == NULL)
	{
		/* the worker attributes these to "(other)" in every dimension */
		pg_atomic_fetch_add_u64(&lg_connlog->overflow_established, 1);
		return;
	}
	slot->roleid = GetSessionUserId();
	slot->dbid = MyDatabaseId;
	/* the GUC, as the sampler will see it in the session's status */
	if (application_name)
		strlcpy(slot->application, application_name, NAMEDATALEN);
	if (MyProcPort)
		lg_format_client_addr(&MyProcPort->raddr, slot->client);
	publish_record(slot, pos);
}

void
lg_connlog_refused(uint64 generation)
{
	LgConnRecord *slot = NULL;
	uint64		pos;

	if (lg_connlog == NULL)
		return;
	if (MyProcPort != NULL)
		slot = begin_record(LG_CONN_REFUSED, generation, &pos);
	if (slot == NULL)
	{
		pg_atomic_fetch_add_u64(&lg_connlog->overflow_refused, 1);
		return;
	}
	if (MyProcPort->user_name)
		strlcpy(slot->role, MyProcPort->user_name, NAMEDATALEN);
	if (MyProcPort->database_name)
		strlcpy(slot->database, MyProcPort->database_name, NAMEDATALEN);
	if (MyProcPort->application_name)
		strlcpy(slot->application, MyProcPort->application_name, NAMEDATALEN);
	lg_format_client_addr(&MyProcPort->raddr, slot->client);
	publish_record(slot, pos);
}

/* ---- the worker's side ---- */

typedef struct LgOidName
{
	Oid			oid;
	NameData	name;
} LgOidName;

/* what read_names() collects, from which catalog */
typedef struct LgNameScan
{
	Oid			relid;
	LgArray		names;
} LgNameScan;

static void
add_name(HeapTuple tup, TupleDesc desc, void *arg)
{
	LgNameScan *scan = (LgNameScan *) arg;
	LgOidName  *item = lg_array_push(&scan->names);

	if (scan->relid == AuthIdRelationId)
	{
		item->oid = ((Form_pg_authid) GETSTRUCT(tup))->oid;
		item->name = ((Form_pg_authid) GETSTRUCT(tup))->rolname;
	}
	else
	{
		item->oid = ((Form_pg_database) GETSTRUCT(tup))->oid;
		item->name = ((Form_pg_database) GETSTRUCT(tup))->datname;
	}
}

/*
 * Every row's Oid and name of a shared catalog (pg_authid or pg_database),
 * by a heap scan: the worker has no database, so it cannot count on the
 * name indexes being in its relcache.
 */
static int
read_names(Oid relid, LgOidName **out)
{
	LgNameScan	scan;

	scan.relid = relid;
	lg_array_init(&scan.names, sizeof(LgOidName), 64);
	lg_catalog_scan(relid, add_name, &scan);
	*out = scan.names.items;
	return scan.names.n;
}

static Oid
lookup_name(const LgOidName *items, int n, const char *name)
{
	for (int i = 0; i < n && name[0] != '\0'; i++)
	{
		if (strcmp(NameStr(items[i].name), name) == 0)
			return items[i].oid;
	}
	return InvalidOid;
}

static uint64
overflow_delta(pg_atomic_uint64 *counter, uint64 *seen)
{
	uint64		now = pg_atomic_read_u64(counter);
	uint64		delta = now - *seen;

	*seen = now;
	return delta;
}

void
lg_connlog_drain(uint64 generation, LgRoleChurn **roles_out, int *nroles_out,
				 LgNameCounts *names)
{
	uint64		tail = lg_connlog->tail;
	int			avail = 0;
	int			nroles = 0;
	LgConnRecord *recs;
	LgRoleChurn *roles;
	LgOidName  *authids = NULL;
	LgOidName  *databases = NULL;
	int			nauthids = 0;
	int			ndatabases = 0;
	bool		need_lookup = false;

	memset(names, 0, sizeof(*names));

	/* how many records are written, in order, from the tail */
	while (avail < LG_CONNLOG_SLOTS &&
		   pg_atomic_read_u64(&lg_connlog->slots[(tail + avail) % LG_CONNLOG_SLOTS].seq) ==
		   tail + avail + 1)
		avail++;
	pg_read_barrier();

	/*
	 * copy them out and hand the slots back first: nothing below may lose the
	 * ring
	 */
	recs = palloc(sizeof(LgConnRecord) * Max(avail, 1));
	for (int i = 0; i < avail; i++)
	{
		uint64		pos = tail + i;
		LgConnRecord *slot = &lg_connlog->slots[pos % LG_CONNLOG_SLOTS];

		memcpy(&recs[i], slot, sizeof(LgConnRecord));
		need_lookup |= (recs[i].kind == LG_CONN_REFUSED && recs[i].generation == generation);
		pg_memory_barrier();
		pg_atomic_write_u64(&slot->seq, pos + LG_CONNLOG_SLOTS);
	}
	lg_connlog->tail = tail + avail;

	if (need_lookup)
	{
		MemoryContext caller = CurrentMemoryContext;
		bool		own_xact = !IsTransactionState();
		MemoryContext xact_context;

		if (own_xact)
			StartTransactionCommand();

		/*
		 * the lists outlive the transaction: allocate them in the caller's
		 * context
		 */
		xact_context = MemoryContextSwitchTo(caller);
		nauthids = read_names(AuthIdRelationId, &authids);
		ndatabases = read_names(DatabaseRelationId, &databases);
		MemoryContextSwitchTo(xact_context);
		if (own_xact)
			CommitTransactionCommand();
		MemoryContextSwitchTo(caller);
	}

	roles = palloc(sizeof(LgRoleChurn) * Max(avail, 1));
	for (int d = 0; d < LG_DIM_COUNT; d++)
		names->items[d] = palloc(sizeof(LgNameCount) * Max(avail, 1));

	for (int i = 0; i < avail; i++)
	{
		LgConnRecord *r = &recs[i];
		LgRoleChurn *c = &roles[nroles];
		int			k = names->n[0];

		memset(c, 0, sizeof(*c));
		if (r->kind == LG_CONN_ENDED)
		{
			c->roleid = r->roleid;
			c->ended = 1;
			c->short_lived = r->lifetime_us < LG_SHORT_LIVED_US ? 1 : 0;
			nroles++;
			continue;
		}
		if (r->generation != generation)
			continue;			/* counted before a reset */

		if (r->kind == LG_CONN_REFUSED)
		{
			r->roleid = lookup_name(authids, nauthids, r->role);
			r->dbid = lookup_name(databases, ndatabases, r->database);
		}
		if (OidIsValid(r->roleid))
		{
			c->roleid = r->roleid;
			c->established = r->kind == LG_CONN_ESTABLISHED ? 1 : 0;
			c->refused = r->kind == LG_CONN_REFUSED ? 1 : 0;
			nroles++;
		}

		/*
		 * roles and databases by Oid, as the sampler keys them; unknown ones
		 * by name
		 */
		lg_name_key_set(&names->items[LG_DIM_ROLE][k].key, r->roleid,
						OidIsValid(r->roleid) ? NULL : r->role);
		lg_name_key_set(&names->items[LG_DIM_DATABASE][k].key, r->dbid,
						OidIsValid(r->dbid) ? NULL : r->database);
		lg_name_key_set(&names->items[LG_DIM_APPLICATION][k].key, 0, r->application);
		lg_name_key_set(&names->items[LG_DIM_CLIENT][k].key, 0,
						r->client[0] ? r->client : LG_CLIENT_LOCAL);
		for (int d = 0; d < LG_DIM_COUNT; d++)
		{
			names->items[d][k].established = r->kind == LG_CONN_ESTABLISHED ? 1 : 0;
			names->items[d][k].refused = r->kind == LG_CONN_REFUSED ? 1 : 0;
			names->n[d] = k + 1;
		}
	}

	names->other_established =
		(int64) overflow_delta(&lg_connlog->overflow_established, &lg_connlog->seen_established);
	names->other_refused =
		(int64) overflow_delta(&lg_connlog->overflow_refused, &lg_connlog->seen_refused);

	*roles_out = roles;
	*nroles_out = nroles;
}
