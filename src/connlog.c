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
 * Which names: the ones the startup packet asked for (MyProcPort: user,
 * database, application) and the client address.  Refused connections
 * may name a role or database that does not exist; they are kept by name.
 */
#include "postgres.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "access/xact.h"
#include "commands/dbcommands.h"
#include "miscadmin.h"
#include "port/atomics.h"
#include "storage/ipc.h"
#include "storage/shmem.h"
#include "utils/acl.h"
#include "utils/timestamp.h"

#include "compat.h"
#include "connlog.h"
#include "loadguard.h"
#include "sampler.h"

#define LG_CONNLOG_SLOTS	2048

typedef struct LgConnRecord
{
	pg_atomic_uint64 seq;		/* pos + 1 once written; pos + slots when free */
	uint64		generation;		/* events reset generation when written */
	int8		established;	/* +1 authenticated, -1 failed after that */
	bool		refused;
	bool		ended;			/* a session that had completed startup ended */
	Oid			roleid;			/* ended records: session user */
	int64		lifetime_us;	/* ended records */
	char		role[NAMEDATALEN];
	char		database[NAMEDATALEN];
	char		application[NAMEDATALEN];
	char		client[LG_CLIENT_ADDR_LEN];
} LgConnRecord;

typedef struct LgConnLog
{
	pg_atomic_uint64 head;		/* next position to claim */
	/* records that found the ring full, by what they would have counted */
	pg_atomic_uint64 overflow_authenticated;
	pg_atomic_uint64 overflow_failed;
	pg_atomic_uint64 overflow_refused;

	/* the worker's, no lock: the next position to read, overflow read so far */
	uint64		tail;
	uint64		seen_authenticated;
	uint64		seen_failed;
	uint64		seen_refused;
	LgConnRecord slots[LG_CONNLOG_SLOTS];
} LgConnLog;

static LgConnLog *lg_connlog = NULL;

/* this backend's authentication record went into the ring (not overflow) */
static bool auth_logged = false;

Size
lg_connlog_shmem_size(void)
{
	return MAXALIGN(sizeof(LgConnLog));
}

void
lg_connlog_shmem_init(void)
{
	bool		found;

	lg_connlog = ShmemInitStruct("loadguard connection log", lg_connlog_shmem_size(), &found);
	if (!found)
	{
		memset(lg_connlog, 0, sizeof(LgConnLog));
		pg_atomic_init_u64(&lg_connlog->head, 0);
		pg_atomic_init_u64(&lg_connlog->overflow_authenticated, 0);
		pg_atomic_init_u64(&lg_connlog->overflow_failed, 0);
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

static void
publish_slot(LgConnRecord *slot, uint64 pos)
{
	pg_write_barrier();
	pg_atomic_write_u64(&slot->seq, pos + 1);
}

static void
copy_name(char *dst, const char *src, int size)
{
	if (src == NULL)
	{
		dst[0] = '\0';
		return;
	}
	strlcpy(dst, src, size);
}

/* The startup packet's names and the client address, "" where unknown. */
static void
fill_names(LgConnRecord *r)
{
#ifdef LG_HAVE_PORT_PREFIX
	const LgPortPrefix *port = (const LgPortPrefix *) MyProcPort;

	if (port != NULL)
	{
		copy_name(r->role, port->user_name, NAMEDATALEN);
		copy_name(r->database, port->database_name, NAMEDATALEN);
		copy_name(r->application, port->application_name, NAMEDATALEN);
		lg_format_client_addr(&port->raddr, r->client);
		return;
	}
#endif
	r->role[0] = r->database[0] = r->application[0] = r->client[0] = '\0';
}

static bool
have_names(void)
{
#ifdef LG_HAVE_PORT_PREFIX
	return MyProcPort != NULL;
#else
	return false;
#endif
}

/*
 * Put one record into the log, or count it as overflow.  Returns true when
 * it went into the ring.
 */
static bool
log_record(int established, bool refused, uint64 generation, bool force_overflow)
{
	LgConnRecord *slot;
	uint64		pos;

	if (lg_connlog == NULL)
		return false;
	slot = (have_names() && !force_overflow) ? claim_slot(&pos) : NULL;
	if (slot == NULL)
	{
		/* the worker attributes these to "(other)" in every dimension */
		if (established > 0)
			pg_atomic_fetch_add_u64(&lg_connlog->overflow_authenticated, 1);
		else if (established < 0)
			pg_atomic_fetch_add_u64(&lg_connlog->overflow_failed, 1);
		if (refused)
			pg_atomic_fetch_add_u64(&lg_connlog->overflow_refused, 1);
		return false;
	}
	slot->generation = generation;
	slot->established = (int8) established;
	slot->refused = refused;
	slot->ended = false;
	slot->roleid = InvalidOid;
	slot->lifetime_us = 0;
	fill_names(slot);
	publish_slot(slot, pos);
	return true;
}

/*
 * before_shmem_exit callback of an authenticated backend: one "ended"
 * record with its lifetime, if it completed startup.  Lost (not counted)
 * when the ring is full: lifetimes are a sample, not a total.
 */
static void
lg_connlog_session_end(int code, Datum arg)
{
	LgConnRecord *slot;
	uint64		pos;

	if (lg_connlog == NULL || IsInitProcessingMode() || !lg_enabled)
		return;
	slot = claim_slot(&pos);
	if (slot == NULL)
		return;
	slot->generation = 0;
	slot->established = 0;
	slot->refused = false;
	slot->ended = true;
	slot->roleid = GetSessionUserId();
	slot->lifetime_us = GetCurrentTimestamp() - MyStartTimestamp;
	slot->role[0] = slot->database[0] = slot->application[0] = slot->client[0] = '\0';
	publish_slot(slot, pos);
}

void
lg_connlog_authenticated(uint64 generation)
{
	static bool exit_registered = false;

	auth_logged = log_record(+1, false, generation, false);
	if (!exit_registered)
	{
		before_shmem_exit(lg_connlog_session_end, (Datum) 0);
		exit_registered = true;
	}
}

void
lg_connlog_startup_failed(bool after_auth, bool refused, uint64 generation)
{
	if (!after_auth && !refused)
		return;
	/*
	 * A -1 goes where its +1 went, so that a name never loses what another
	 * name (or "(other)") gained.  Only when the ring fills up between the
	 * two does a -1 land in "(other)" away from its +1.
	 */
	log_record(after_auth ? -1 : 0, refused, generation, after_auth && !auth_logged);
}

static Oid
role_oid(const char *name)
{
	return name[0] ? get_role_oid(name, true) : InvalidOid;
}

static Oid
database_oid(const char *name)
{
	return name[0] ? get_database_oid(name, true) : InvalidOid;
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
	LgRoleChurn *roles;
	bool		own_xact = false;
	char		last_role[NAMEDATALEN] = "";
	Oid			last_roleid = InvalidOid;
	char		last_db[NAMEDATALEN] = "";
	Oid			last_dbid = InvalidOid;

	memset(names, 0, sizeof(*names));

	/* how many records are written, in order, from the tail */
	while (avail < LG_CONNLOG_SLOTS &&
		   pg_atomic_read_u64(&lg_connlog->slots[(tail + avail) % LG_CONNLOG_SLOTS].seq) ==
		   tail + avail + 1)
		avail++;
	pg_read_barrier();

	roles = palloc(sizeof(LgRoleChurn) * Max(avail, 1));
	for (int d = 0; d < LG_DIM_COUNT; d++)
		names->items[d] = palloc(sizeof(LgNameCount) * Max(avail, 1));

	for (int i = 0; i < avail; i++)
	{
		uint64		pos = tail + i;
		LgConnRecord *slot = &lg_connlog->slots[pos % LG_CONNLOG_SLOTS];
		LgConnRecord r;

		memcpy(&r, slot, sizeof(r));
		/* copied: hand the slot back to writers, one lap later */
		pg_memory_barrier();
		pg_atomic_write_u64(&slot->seq, pos + LG_CONNLOG_SLOTS);

		if (r.ended)
		{
			roles[nroles].roleid = r.roleid;
			roles[nroles].established = 0;
			roles[nroles].refused = 0;
			roles[nroles].ended = 1;
			roles[nroles].short_lived = r.lifetime_us < LG_SHORT_LIVED_US ? 1 : 0;
			nroles++;
			continue;
		}
		if (r.generation != generation)
			continue;			/* counted before a reset */

		if (!own_xact && !IsTransactionState())
		{
			StartTransactionCommand();
			own_xact = true;
		}
		if (strcmp(r.role, last_role) != 0 || last_role[0] == '\0')
		{
			strlcpy(last_role, r.role, sizeof(last_role));
			last_roleid = role_oid(r.role);
		}
		if (strcmp(r.database, last_db) != 0 || last_db[0] == '\0')
		{
			strlcpy(last_db, r.database, sizeof(last_db));
			last_dbid = database_oid(r.database);
		}

		if (OidIsValid(last_roleid))
		{
			roles[nroles].roleid = last_roleid;
			roles[nroles].established = r.established;
			roles[nroles].refused = r.refused ? 1 : 0;
			roles[nroles].ended = 0;
			roles[nroles].short_lived = 0;
			nroles++;
		}

		/* roles and databases by Oid, as the sampler keys them; unknown ones by name */
		{
			int			k = names->n[0];

			lg_name_key_set(&names->items[LG_DIM_ROLE][k].key, last_roleid,
							OidIsValid(last_roleid) ? NULL : r.role);
			lg_name_key_set(&names->items[LG_DIM_DATABASE][k].key, last_dbid,
							OidIsValid(last_dbid) ? NULL : r.database);
			lg_name_key_set(&names->items[LG_DIM_APPLICATION][k].key, 0, r.application);
			lg_name_key_set(&names->items[LG_DIM_CLIENT][k].key, 0,
							r.client[0] ? r.client : LG_CLIENT_LOCAL);
			for (int d = 0; d < LG_DIM_COUNT; d++)
			{
				names->items[d][k].established = r.established;
				names->items[d][k].refused = r.refused ? 1 : 0;
				names->n[d] = k + 1;
			}
		}
	}
	lg_connlog->tail = tail + avail;

	if (own_xact)
		CommitTransactionCommand();

	names->other_established =
		(int64) overflow_delta(&lg_connlog->overflow_authenticated, &lg_connlog->seen_authenticated) -
		(int64) overflow_delta(&lg_connlog->overflow_failed, &lg_connlog->seen_failed);
	names->other_refused =
		(int64) overflow_delta(&lg_connlog->overflow_refused, &lg_connlog->seen_refused);

	*roles_out = roles;
	*nroles_out = nroles;
}
