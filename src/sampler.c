/*
 * sampler.c — reads every backend's status into plain structs: the per-tick
 * LgSample (counts, ages, top roles, per-name tallies) and, on request, the
 * LgSession snapshot the sessions view, the policy and the pressure line use.
 *
 * How status is read: in place, from the shared backend status array, with
 * the same st_changecount protocol pgstat_read_current_status() uses, but
 * copying only the fields loadguard needs.  The copying API
 * (pgstat_fetch_stat_local_beentry) copies every slot with its full query
 * text, SSL and GSS blocks, which costs several times more per tick at a
 * thousand sessions; see the README (sampler section) for the figures.  Wait events come
 * from PGPROC (as pg_stat_activity does), matched by pid through one sorted
 * pass over the proc array instead of one BackendPidGetProc() per backend.
 *
 * Attaching: the server creates the backend status array before it runs
 * the shmem startup hooks, so the sampler's entry in the module table
 * attaches it there, once, and refuses to start the server if it is not
 * found (a stand-in would make every later read see no sessions).
 *
 * Each tick also drains the connection log (connlog.c: connections
 * established, refused and ended since the previous tick) into the sample's
 * per-role counts and the per-name tables, and counts busy sessions apart
 * from those merely holding a connection (rolestats.h).
 *
 * Locking: none taken here except by pg_blocking_pids (the lock manager's
 * partition locks, only when some session waits on a lock and the caller
 * asked for the blocking graph), by lg_connections_update (the connections
 * module's lock), and by the connection log's name lookup (a catalog scan of
 * pg_authid and pg_database, only in a tick that drains a refused
 * connection).
 */
#include "postgres.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/pg_authid.h"
#include "commands/dbcommands.h"
#include "libpq/pqcomm.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "storage/proc.h"
#include "storage/shmem.h"
#include "utils/array.h"
#include "utils/backend_status.h"
#include "utils/fmgrprotos.h"
#include "utils/memutils.h"
#include "utils/syscache.h"
#include "utils/wait_event.h"

#include "compat.h"
#include "connections.h"
#include "connlog.h"
#include "keydict.h"
#include "events.h"
#include "live.h"
#include "loadguard.h"
#include "names.h"
#include "rolestats.h"
#include "sampler.h"
#include "timeouts.h"

/* the shared backend status array, attached once per process */
static PgBackendStatus *lg_beentries = NULL;
static int	lg_beentry_count = 0;

typedef struct LgPidWait
{
	int			pid;
	int			procno;			/* index in ProcGlobal->allProcs */
	uint32		wait_event_info;
} LgPidWait;

typedef struct LgWaitMap
{
	int			n;
	LgPidWait  *items;
} LgWaitMap;

void
lg_sampler_shmem_init(LWLock *lock)
{
	bool		found;
	int			slots = LG_BACKEND_STATUS_SLOTS();
	void	   *ptr;

	ptr = ShmemInitStruct("Backend Status Array",
						  mul_size(sizeof(PgBackendStatus), (Size) slots), &found);
	if (!found)
		ereport(FATAL,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("loadguard could not find the server's backend status array"),
				 errdetail("Shared memory holds no \"Backend Status Array\" when the shmem startup hooks run."),
				 errhint("This build of loadguard does not match this server; rebuild it against the server's headers.")));
	lg_beentries = (PgBackendStatus *) ptr;
	lg_beentry_count = slots;
}

static int
pid_wait_cmp(const void *a, const void *b)
{
	return lg_cmp_int64(((const LgPidWait *) a)->pid, ((const LgPidWait *) b)->pid);
}

/*
 * Wait events of every live process, sorted by pid.  Read without a lock, as
 * pg_stat_activity does: each field is a single aligned word.
 */
static void
lg_wait_map_build(LgWaitMap *map)
{
	uint32		count = ProcGlobal->allProcCount;

	map->items = palloc(sizeof(LgPidWait) * (count + 1));
	map->n = 0;
	for (uint32 i = 0; i < count; i++)
	{
		volatile PGPROC *proc = &ProcGlobal->allProcs[i];
		int			pid = proc->pid;

		if (pid == 0)
			continue;
		map->items[map->n].pid = pid;
		map->items[map->n].procno = (int) i;
		map->items[map->n].wait_event_info = proc->wait_event_info;
		map->n++;
	}
	qsort(map->items, map->n, sizeof(LgPidWait), pid_wait_cmp);
}

/* The wait event of pid (0 if none), and its proc number into *procno (-1 if gone). */
static uint32
lg_wait_map_get(const LgWaitMap *map, int pid, int *procno)
{
	LgPidWait	key = {pid, 0, 0};
	LgPidWait  *hit;

	hit = bsearch(&key, map->items, map->n, sizeof(LgPidWait), pid_wait_cmp);
	if (procno)
		*procno = hit ? hit->procno : -1;
	return hit ? hit->wait_event_info : 0;
}

/* Copy a NUL-terminated string that another process may be rewriting. */
static void
lg_copy_volatile_str(char *dst, const volatile char *src, int dstsize, int srcsize)
{
	int			limit = Min(dstsize - 1, srcsize - 1);
	int			i;

	for (i = 0; i < limit && src[i] != '\0'; i++)
		dst[i] = src[i];
	dst[i] = '\0';
}

static LgSessionState
lg_state_of(BackendState state)
{
	switch (state)
	{
		case STATE_RUNNING:
			return LG_STATE_ACTIVE;
		case STATE_IDLE:
			return LG_STATE_IDLE;
		case STATE_IDLEINTRANSACTION:
			return LG_STATE_IDLE_IN_TRANSACTION;
		case STATE_IDLEINTRANSACTION_ABORTED:
			return LG_STATE_IDLE_IN_TRANSACTION_ABORTED;
		case STATE_FASTPATH:
			return LG_STATE_FASTPATH;
		case STATE_DISABLED:
			return LG_STATE_DISABLED;
		default:
			return LG_STATE_UNKNOWN;
	}
}

void
lg_format_client_addr(const SockAddr *addr, char *out)
{
	out[0] = '\0';
	switch (addr->addr.ss_family)
	{
		case AF_INET:
			inet_ntop(AF_INET, &((const struct sockaddr_in *) &addr->addr)->sin_addr,
					  out, LG_CLIENT_ADDR_LEN);
			break;
		case AF_INET6:
			inet_ntop(AF_INET6, &((const struct sockaddr_in6 *) &addr->addr)->sin6_addr,
					  out, LG_CLIENT_ADDR_LEN);
			break;
		default:
			/* unix socket, or no client (background processes) */
			break;
	}
}

/*
 * A status slot's role, database and four timestamps into dst (an LgSession
 * or an LgTickSlot: the same field names), inside a read of the slot's
 * change counter.
 */
#define LG_COPY_SLOT_IDS(dst, be) \
	do { \
		(dst)->roleid = (be)->st_userid; \
		(dst)->dbid = (be)->st_databaseid; \
		(dst)->backend_start = (be)->st_proc_start_timestamp; \
		(dst)->state_start = (be)->st_state_start_timestamp; \
		(dst)->xact_start = (be)->st_xact_start_timestamp; \
		(dst)->query_start = (be)->st_activity_start_timestamp; \
	} while (0)

/*
 * Read one status slot consistently into *s.  Returns false for an unused
 * slot.  Names are left empty; the query only with with_query.
 */
static bool
lg_read_slot(volatile PgBackendStatus *be, LgSession *s, bool with_query)
{
	SockAddr	clientaddr;
	BackendState st_state = STATE_UNDEFINED;
	int			query_size = Min(LG_QUERY_SNIPPET_LEN, pgstat_track_activity_query_size);

	for (;;)
	{
		int			before;
		int			after;

		pgstat_begin_read_activity(be, before);
		s->pid = be->st_procpid;
		if (s->pid != 0)
		{
			s->is_client_backend = (be->st_backendType == B_BACKEND);
			LG_COPY_SLOT_IDS(s, be);
			st_state = be->st_state;
			memcpy(&clientaddr, (const void *) &be->st_clientaddr, sizeof(SockAddr));
			lg_copy_volatile_str(s->application_name, be->st_appname,
								 sizeof(s->application_name), NAMEDATALEN);
			if (with_query)
				lg_copy_volatile_str(s->query, be->st_activity_raw,
									 sizeof(s->query), query_size);
		}
		pgstat_end_read_activity(be, after);
		if (pgstat_read_activity_complete(before, after))
			break;
		CHECK_FOR_INTERRUPTS();
	}
	if (s->pid == 0)
		return false;

	s->state = lg_state_of(st_state);
	lg_format_client_addr(&clientaddr, s->client_addr);
	if (with_query && s->query[0] != '\0')
	{
		/* the copy may end inside a multibyte character */
		int			len = strlen(s->query);

		s->query[pg_mbcliplen(s->query, len, len)] = '\0';
	}
	return true;
}

static inline double
lg_age_s(TimestampTz now, TimestampTz since)
{
	return (since != 0 && now > since) ? (double) (now - since) / 1000000.0 : 0.0;
}

/*
 * ---- the tick ----
 *
 * lg_sampler_collect runs every sample_interval, so it is built to cost
 * little per status slot and nothing per tick that it can carry over:
 * - an unused slot costs one read of st_procpid, a non-client one two;
 * - a client slot whose st_changecount has not moved since the previous
 *   tick (an idle session) is not read again: its memo holds the copy;
 * - any other client slot is read with the changecount protocol, copying
 *   only the fields the tick counts (the client address only for a session
 *   not seen before);
 * - names are not hashed per session per tick: each dimension keeps a
 *   dictionary of name keys to dense ids (keydict.h) across ticks, and each
 *   status slot remembers the ids of the session in it (LgSlotMemo), so a
 *   session's names are looked up once, and again only if it changes its
 *   application_name; the tick then counts per id in plain arrays;
 * - lock waits come from one pass over the proc array that keeps only the
 *   pids waiting on a lock (usually none), sorted only when there are some;
 * - all memory is allocated once, sized by the number of status slots.
 */

/* What the previous ticks learnt about the session in one status slot. */
typedef struct LgSlotMemo
{
	int			pid;			/* 0: nothing remembered */
	TimestampTz backend_start;	/* with pid, identifies the session */
	uint32		generation;		/* of the dictionaries the ids belong to */
	int32		id[LG_DIM_COUNT];	/* key ids by dimension */
	char		appname[NAMEDATALEN];	/* the application id's name */

	/*
	 * The last consistent copy of the slot's changing fields, and the
	 * st_changecount it was read at: while the count has not moved, nobody
	 * wrote the slot, and the tick uses these instead of reading it again.
	 */
	int			changecount;
	BackendState state;
	TimestampTz state_start;
	TimestampTz xact_start;
	TimestampTz query_start;
} LgSlotMemo;

/* One name's sessions in this tick. */
typedef struct LgKeyCounts
{
	int32		current;
	int32		idle_in_transaction;
	int32		active;			/* active or fastpath */
	int32		busy;			/* see lg_session_is_busy() */
} LgKeyCounts;

typedef struct LgDimTally
{
	LgKeyDict	dict;
	LgKeyCounts *counts;		/* by id; zero outside a tick */
	int32	   *touched;		/* ids counted this tick */
	int32		ntouched;
	LgNameTally *distinct;		/* this tick's names, for connections.c */
} LgDimTally;

typedef struct LgTickState
{
	LgSlotMemo *memo;			/* by status slot */
	LgDimTally	dims[LG_DIM_COUNT];
	uint32		generation;		/* of all four dictionaries */
	int32		last_distinct;	/* most names in one dimension, last tick */
	int		   *lock_waiters;	/* pids, by proc array size */
	LgRoleCount *roles;			/* this tick's roles, then churned roles */
	int			roles_size;
} LgTickState;

/* The fields of a client slot the tick uses. */
typedef struct LgTickSlot
{
	int			changecount;	/* st_changecount the copy was read at */
	int			pid;
	Oid			roleid;
	Oid			dbid;
	BackendState state;
	TimestampTz backend_start;
	TimestampTz state_start;
	TimestampTz xact_start;
	TimestampTz query_start;
	char		appname[NAMEDATALEN];
	bool		have_addr;		/* addr copied (the session is new to the
								 * memo) */
	SockAddr	addr;
} LgTickSlot;

static LgTickState *
lg_tick_state(void)
{
	static LgTickState *ts = NULL;
	int			slots = lg_beentry_count;
	int32		capacity;

	if (ts != NULL)
		return ts;

	/*
	 * A tick adds at most one key per client session, so a dictionary cleared
	 * once it holds more than slots + 64 keys never fills up.
	 */
	capacity = 2 * slots + 64;
	ts = MemoryContextAllocZero(TopMemoryContext, sizeof(LgTickState));
	ts->memo = MemoryContextAllocZero(TopMemoryContext, sizeof(LgSlotMemo) * slots);
	for (int d = 0; d < LG_DIM_COUNT; d++)
	{
		LgDimTally *dim = &ts->dims[d];

		lg_keydict_init(&dim->dict, capacity,
						MemoryContextAllocHuge(TopMemoryContext,
											   lg_keydict_buffer_size(capacity)));
		dim->counts = MemoryContextAllocZero(TopMemoryContext, sizeof(LgKeyCounts) * capacity);
		dim->touched = MemoryContextAlloc(TopMemoryContext, sizeof(int32) * slots);
		dim->distinct = MemoryContextAlloc(TopMemoryContext, sizeof(LgNameTally) * slots);
	}
	ts->generation = 1;
	ts->lock_waiters = MemoryContextAlloc(TopMemoryContext,
										  sizeof(int) * (ProcGlobal->allProcCount + 1));
	ts->roles_size = slots + 64;
	ts->roles = MemoryContextAlloc(TopMemoryContext, sizeof(LgRoleCount) * ts->roles_size);
	return ts;
}

/*
 * Clear the dictionaries, and so every slot's remembered ids, when they
 * hold far more names than the last tick used (names of sessions long gone)
 * or than one more tick could need room for.
 */
static void
lg_tick_trim_dictionaries(LgTickState *ts)
{
	int32		limit = Min(lg_beentry_count, 2 * ts->last_distinct) + 64;
	bool		clear = false;

	for (int d = 0; d < LG_DIM_COUNT; d++)
		clear |= ts->dims[d].dict.nkeys > limit;
	if (!clear)
		return;
	for (int d = 0; d < LG_DIM_COUNT; d++)
		lg_keydict_clear(&ts->dims[d].dict);
	ts->generation++;
}

static int
int_cmp(const void *a, const void *b)
{
	return lg_cmp_int64(*(const int *) a, *(const int *) b);
}

/*
 * Pids of processes waiting on a heavyweight lock now, sorted.  Read
 * without a lock, as pg_stat_activity does: each field is one aligned word.
 */
static int
lg_lock_waiters(int *pids)
{
	uint32		count = ProcGlobal->allProcCount;
	int			n = 0;

	for (uint32 i = 0; i < count; i++)
	{
		volatile PGPROC *proc = &ProcGlobal->allProcs[i];

		if ((proc->wait_event_info & 0xFF000000) == PG_WAIT_LOCK)
		{
			int			pid = proc->pid;

			if (pid != 0)
				pids[n++] = pid;
		}
	}
	if (n > 1)
		qsort(pids, n, sizeof(int), int_cmp);
	return n;
}

/*
 * Read a client backend's slot consistently into *r; false when the slot
 * holds no client backend.  The client address is copied only when
 * want_addr says the session is not in the memo yet.
 */
static bool
lg_read_tick_slot(volatile PgBackendStatus *be, LgTickSlot *r, const LgSlotMemo *memo,
				  uint32 generation)
{
	bool		client;

	for (;;)
	{
		int			before;
		int			after;

		pgstat_begin_read_activity(be, before);
		r->pid = be->st_procpid;
		client = r->pid != 0 && be->st_backendType == B_BACKEND;
		if (client)
		{
			LG_COPY_SLOT_IDS(r, be);
			r->state = be->st_state;
			/* st_appname is always NAMEDATALEN bytes; torn copies are retried */
			memcpy(r->appname, (const char *) be->st_appname, NAMEDATALEN);
			r->have_addr = memo->pid != r->pid || memo->backend_start != r->backend_start ||
				memo->generation != generation;
			if (r->have_addr)
				memcpy(&r->addr, (const void *) &be->st_clientaddr, sizeof(SockAddr));
		}
		pgstat_end_read_activity(be, after);
		if (pgstat_read_activity_complete(before, after))
		{
			r->changecount = before;
			break;
		}
		CHECK_FOR_INTERRUPTS();
	}
	r->appname[NAMEDATALEN - 1] = '\0';
	return client;
}

/* Look up the ids of a session's names (new session, or new application_name). */
static void
lg_tick_memo_update(LgTickState *ts, LgSlotMemo *memo, const LgTickSlot *r)
{
	LgNameKey	key;

	if (r->have_addr)
	{
		char		client[LG_CLIENT_ADDR_LEN];

		lg_format_client_addr(&r->addr, client);
		memo->pid = r->pid;
		memo->backend_start = r->backend_start;
		memo->generation = ts->generation;
		lg_name_key_set(&key, r->dbid, NULL);
		memo->id[LG_DIM_DATABASE] = lg_keydict_intern(&ts->dims[LG_DIM_DATABASE].dict, &key);
		lg_name_key_set(&key, r->roleid, NULL);
		memo->id[LG_DIM_ROLE] = lg_keydict_intern(&ts->dims[LG_DIM_ROLE].dict, &key);
		lg_name_key_set(&key, 0, client[0] ? client : LG_CLIENT_LOCAL);
		memo->id[LG_DIM_CLIENT] = lg_keydict_intern(&ts->dims[LG_DIM_CLIENT].dict, &key);
	}
	strlcpy(memo->appname, r->appname, sizeof(memo->appname));
	lg_name_key_set(&key, 0, r->appname);
	memo->id[LG_DIM_APPLICATION] = lg_keydict_intern(&ts->dims[LG_DIM_APPLICATION].dict, &key);

	/* lg_tick_trim_dictionaries leaves room for every session of a tick */
	for (int d = 0; d < LG_DIM_COUNT; d++)
		if (memo->id[d] < 0)
			elog(ERROR, "loadguard name dictionary full");
}

static inline void
lg_tick_count(LgDimTally *dim, int32 id, bool iit, bool active, bool busy)
{
	LgKeyCounts *c = &dim->counts[id];

	if (c->current++ == 0)
		dim->touched[dim->ntouched++] = id;
	c->idle_in_transaction += iit;
	c->active += active;
	c->busy += busy;
}

static int
role_by_oid(const void *a, const void *b)
{
	Oid			x = ((const LgRoleCount *) a)->roleid;
	Oid			y = ((const LgRoleCount *) b)->roleid;

	return (x > y) - (x < y);
}

static inline int32
role_churn(const LgRoleCount *r)
{
	return r->established + r->refused + r->ended;
}

/* most connections first, then highest peak, then most churn, then by Oid */
static int
role_by_size(const void *a, const void *b)
{
	const LgRoleCount *x = a;
	const LgRoleCount *y = b;

	if (x->connections != y->connections)
		return x->connections > y->connections ? -1 : 1;
	if (x->peak_connections != y->peak_connections)
		return x->peak_connections > y->peak_connections ? -1 : 1;
	if (role_churn(x) != role_churn(y))
		return role_churn(x) > role_churn(y) ? -1 : 1;
	return (x->roleid > y->roleid) - (x->roleid < y->roleid);
}

/*
 * Fill sample->roles (largest first) and other_roles_* from per-session
 * tallies and per-role churn, summed by role.
 */
static void
lg_fill_roles(LgSample *sample, LgRoleCount *roles, int n)
{
	int			distinct = 0;

	qsort(roles, n, sizeof(LgRoleCount), role_by_oid);
	for (int i = 0; i < n; i++)
	{
		if (distinct > 0 && roles[distinct - 1].roleid == roles[i].roleid)
		{
			LgRoleCount *r = &roles[distinct - 1];

			r->connections += roles[i].connections;
			r->active += roles[i].active;
			r->busy += roles[i].busy;
			r->established += roles[i].established;
			r->refused += roles[i].refused;
			r->ended += roles[i].ended;
			r->short_lived += roles[i].short_lived;
			r->peak_connections = Max(r->peak_connections, roles[i].peak_connections);
		}
		else
			roles[distinct++] = roles[i];
	}
	for (int i = 0; i < distinct; i++)
		roles[i].peak_connections = Max(roles[i].peak_connections, roles[i].connections);
	qsort(roles, distinct, sizeof(LgRoleCount), role_by_size);

	sample->nroles = 0;
	sample->other_roles_connections = 0;
	sample->other_roles_active = 0;
	sample->other_roles_busy = 0;
	sample->roles_complete = distinct <= LG_SAMPLE_ROLES;
	for (int i = 0; i < distinct; i++)
	{
		if (i < LG_SAMPLE_ROLES)
			sample->roles[sample->nroles++] = roles[i];
		else
		{
			sample->other_roles_connections += roles[i].connections;
			sample->other_roles_active += roles[i].active;
			sample->other_roles_busy += roles[i].busy;
		}
	}
}

/*
 * Turn this tick's per-id counts into the per-name tallies (largest first)
 * and the role list (with the connection log's per-role churn and the exact
 * per-role peaks of live.c), and zero the counts for the next tick.
 */
static void
lg_tick_finish_tallies(LgTickState *ts, LgSample *sample, int ntallies[LG_DIM_COUNT],
					   const LgRoleChurn *churn, int nchurn,
					   const LgRolePeak *peaks, int npeaks)
{
	int32		most = 0;
	int			nroles = ts->dims[LG_DIM_ROLE].ntouched;

	/* churned roles may be more than the slots: grow once, keep the room */
	if (nroles + nchurn + npeaks > ts->roles_size)
	{
		ts->roles_size = nroles + nchurn + npeaks + 64;
		ts->roles = repalloc(ts->roles, sizeof(LgRoleCount) * ts->roles_size);
	}

	for (int d = 0; d < LG_DIM_COUNT; d++)
	{
		LgDimTally *dim = &ts->dims[d];

		for (int t = 0; t < dim->ntouched; t++)
		{
			int32		id = dim->touched[t];
			LgKeyCounts *c = &dim->counts[id];
			LgNameTally *out = &dim->distinct[t];

			out->key = *lg_keydict_key(&dim->dict, id);
			out->current = c->current;
			out->idle_in_transaction = c->idle_in_transaction;
			if (d == LG_DIM_ROLE)
			{
				LgRoleCount *r = &ts->roles[t];

				memset(r, 0, sizeof(LgRoleCount));
				r->roleid = out->key.oid;
				r->connections = c->current;
				r->active = c->active;
				r->busy = c->busy;
			}
			memset(c, 0, sizeof(LgKeyCounts));
		}
		ntallies[d] = dim->ntouched;
		lg_names_order(dim->distinct, dim->ntouched);
		most = Max(most, dim->ntouched);
	}
	for (int i = 0; i < nchurn; i++)
	{
		LgRoleCount *r = &ts->roles[nroles++];

		memset(r, 0, sizeof(LgRoleCount));
		r->roleid = churn[i].roleid;
		r->established = churn[i].established;
		r->refused = churn[i].refused;
		r->ended = churn[i].ended;
		r->short_lived = churn[i].short_lived;
	}
	for (int i = 0; i < npeaks; i++)
	{
		LgRoleCount *r = &ts->roles[nroles++];

		memset(r, 0, sizeof(LgRoleCount));
		r->roleid = peaks[i].roleid;
		r->peak_connections = peaks[i].peak;
	}
	lg_fill_roles(sample, ts->roles, nroles);
	ts->last_distinct = most;
}

void
lg_sampler_collect(LgSample *sample, TimestampTz now)
{
	LgTickState *ts;
	LgNameTally *tallies[LG_DIM_COUNT];
	int			ntallies[LG_DIM_COUNT];
	int			nwaiters;
	LgRoleChurn *churn;
	int			nchurn;
	LgRolePeak	peaks[LG_ROLE_SLOTS];
	int			npeaks;
	LgNameCounts counts;
	TimestampTz oldest_iit = 0;
	TimestampTz oldest_query = 0;
	TimestampTz oldest_xact = 0;

	Assert(lg_beentries != NULL);

	/*
	 * first the connection log, so that a session counted now is established
	 * already
	 */
	lg_connlog_drain(lg_events_generation(), &churn, &nchurn, &counts);
	ts = lg_tick_state();
	lg_tick_trim_dictionaries(ts);
	nwaiters = lg_lock_waiters(ts->lock_waiters);
	for (int d = 0; d < LG_DIM_COUNT; d++)
		ts->dims[d].ntouched = 0;

	sample->max_connections = MaxConnections;
	sample->usable_connections = LG_USABLE_CONNECTIONS();

	for (int i = 0; i < lg_beentry_count; i++)
	{
		volatile PgBackendStatus *be = &lg_beentries[i];
		LgSlotMemo *memo = &ts->memo[i];
		LgTickSlot	r;
		bool		iit = false;
		bool		active = false;
		bool		waiting;
		bool		busy;
		int			changecount;

		/* unused and non-client slots cost one or two reads */
		if (be->st_procpid == 0 || be->st_backendType != B_BACKEND)
			continue;

		/*
		 * Writers make st_changecount odd while they write and even again
		 * after, so an even count equal to the memo's means the slot holds
		 * what the memo copied: an idle session costs these few reads.
		 */
		changecount = be->st_changecount;
		pg_read_barrier();
		if (changecount == memo->changecount && (changecount & 1) == 0 &&
			memo->generation == ts->generation && memo->pid == be->st_procpid)
		{
			r.pid = memo->pid;
			r.state = memo->state;
			r.state_start = memo->state_start;
			r.xact_start = memo->xact_start;
			r.query_start = memo->query_start;
		}
		else
		{
			if (!lg_read_tick_slot(be, &r, memo, ts->generation))
				continue;
			if (r.have_addr || strcmp(memo->appname, r.appname) != 0)
				lg_tick_memo_update(ts, memo, &r);
			memo->changecount = r.changecount;
			memo->state = r.state;
			memo->state_start = r.state_start;
			memo->xact_start = r.xact_start;
			memo->query_start = r.query_start;
		}

		sample->client_connections++;
		switch (r.state)
		{
			case STATE_RUNNING:
			case STATE_FASTPATH:
				sample->active++;
				active = true;
				if (r.query_start != 0 && (oldest_query == 0 || r.query_start < oldest_query))
					oldest_query = r.query_start;
				break;
			case STATE_IDLE:
				sample->idle++;
				break;
			case STATE_IDLEINTRANSACTION:
				sample->idle_in_transaction++;
				iit = true;
				break;
			case STATE_IDLEINTRANSACTION_ABORTED:
				sample->idle_in_transaction_aborted++;
				iit = true;
				break;
			default:
				break;
		}
		if (iit && r.state_start != 0 && (oldest_iit == 0 || r.state_start < oldest_iit))
			oldest_iit = r.state_start;
		if (r.xact_start != 0 && (oldest_xact == 0 || r.xact_start < oldest_xact))
			oldest_xact = r.xact_start;
		waiting = nwaiters > 0 &&
			bsearch(&r.pid, ts->lock_waiters, nwaiters, sizeof(int), int_cmp) != NULL;
		if (waiting)
			sample->waiting_on_lock++;
		busy = lg_session_is_busy(lg_state_of(r.state), waiting);
		if (busy)
			sample->busy_connections++;

		for (int d = 0; d < LG_DIM_COUNT; d++)
			lg_tick_count(&ts->dims[d], memo->id[d], iit, active, busy);
	}

	sample->oldest_idle_in_transaction_s = lg_age_s(now, oldest_iit);
	sample->longest_running_query_s = lg_age_s(now, oldest_query);
	sample->longest_transaction_s = lg_age_s(now, oldest_xact);
	if (sample->usable_connections > 0)
		sample->usage_pct = 100.0 * sample->client_connections / sample->usable_connections;

	/* after the session loop: nothing more for it to keep in registers */
	npeaks = lg_live_take_role_peaks(peaks);
	lg_tick_finish_tallies(ts, sample, ntallies, churn, nchurn, peaks, npeaks);
	for (int d = 0; d < LG_DIM_COUNT; d++)
		tallies[d] = ts->dims[d].distinct;
	lg_connections_update(tallies, ntallies, &counts, now);
}

static int
session_pid_cmp(const void *a, const void *b)
{
	return lg_cmp_int64(((const LgSession *) a)->pid, ((const LgSession *) b)->pid);
}

static void
pidlist_add(LgPidList *list, int pid)
{
	if (list->n == list->cap)
	{
		list->cap = list->cap ? list->cap * 2 : 4;
		list->pids = list->pids ? repalloc(list->pids, sizeof(int) * list->cap)
			: palloc(sizeof(int) * list->cap);
	}
	list->pids[list->n++] = pid;
}

void
lg_sampler_blocking_graph(LgSession *sessions, int n,
						  LgPidList *blocked_by, LgPidList *blocking)
{
	for (int i = 0; i < n; i++)
	{
		Datum		result;
		ArrayType  *arr;
		int			nb;
		int		   *pids;

		if (!sessions[i].waiting_on_lock)
			continue;
		result = DirectFunctionCall1(pg_blocking_pids, Int32GetDatum(sessions[i].pid));
		arr = DatumGetArrayTypeP(result);
		nb = ArrayGetNItems(ARR_NDIM(arr), ARR_DIMS(arr));
		pids = (int *) ARR_DATA_PTR(arr);
		sessions[i].nblocked_by = nb;
		for (int b = 0; b < nb; b++)
		{
			LgSession	key;
			LgSession  *hit;

			if (blocked_by)
				pidlist_add(&blocked_by[i], pids[b]);
			key.pid = pids[b];
			hit = bsearch(&key, sessions, n, sizeof(LgSession), session_pid_cmp);
			if (hit)
			{
				hit->nblocking++;
				if (blocking)
					pidlist_add(&blocking[hit - sessions], sessions[i].pid);
			}
		}
		pfree(arr);
	}
}

/* Role and database names, and superuser flags, from the shared catalogs. */
static void
lg_resolve_names(LgSession *sessions, int n)
{
	MemoryContext caller = CurrentMemoryContext;
	bool		own_xact = !IsTransactionState();
	Oid			last_role = InvalidOid;
	Oid			last_db = InvalidOid;
	char		role_name[NAMEDATALEN] = "";
	char		db_name[NAMEDATALEN] = "";
	bool		last_super = false;

	if (own_xact)
		StartTransactionCommand();

	for (int i = 0; i < n; i++)
	{
		LgSession  *s = &sessions[i];

		if (OidIsValid(s->roleid))
		{
			if (s->roleid != last_role)
			{
				HeapTuple	tup = SearchSysCache1(AUTHOID, ObjectIdGetDatum(s->roleid));

				role_name[0] = '\0';
				last_super = false;
				if (HeapTupleIsValid(tup))
				{
					Form_pg_authid form = (Form_pg_authid) GETSTRUCT(tup);

					strlcpy(role_name, NameStr(form->rolname), sizeof(role_name));
					last_super = form->rolsuper;
					ReleaseSysCache(tup);
				}
				last_role = s->roleid;
			}
			strlcpy(s->role_name, role_name, sizeof(s->role_name));
			s->is_superuser = last_super;
		}
		if (OidIsValid(s->dbid))
		{
			if (s->dbid != last_db)
			{
				char	   *name = get_database_name(s->dbid);

				strlcpy(db_name, name ? name : "", sizeof(db_name));
				if (name)
					pfree(name);
				last_db = s->dbid;
			}
			strlcpy(s->database_name, db_name, sizeof(s->database_name));
		}
	}

	if (own_xact)
		CommitTransactionCommand();
	MemoryContextSwitchTo(caller);
}

int
lg_sampler_read_sessions(LgSession **sessions, TimestampTz now,
						 bool with_names, bool with_blocking)
{
	LgWaitMap	waits;
	LgSession  *out;
	int			n = 0;
	bool		any_waiting = false;

	lg_require_shmem();
	Assert(lg_beentries != NULL);
	out = palloc0(sizeof(LgSession) * Max(lg_beentry_count, 1));
	lg_wait_map_build(&waits);

	for (int i = 0; i < lg_beentry_count; i++)
	{
		LgSession  *s = &out[n];
		int			procno;

		memset(s, 0, sizeof(LgSession));
		if (!lg_read_slot(&lg_beentries[i], s, true))
			continue;
		s->wait_event_info = lg_wait_map_get(&waits, s->pid, &procno);
		s->timeouts_known = procno >= 0 && lg_timeouts_read(procno, s->pid, &s->timeouts);
		s->waiting_on_lock = (s->wait_event_info & 0xFF000000) == PG_WAIT_LOCK;
		any_waiting |= s->waiting_on_lock;
		n++;
	}
	pfree(waits.items);

	qsort(out, n, sizeof(LgSession), session_pid_cmp);
	if (with_blocking && any_waiting)
		lg_sampler_blocking_graph(out, n, NULL, NULL);
	if (with_names)
		lg_resolve_names(out, n);

	*sessions = out;
	return n;
}

/*
 * Re-read the status slot of one pid now (no names, no query): the policy's
 * last look at a target right before it signals it.  False when no backend
 * has that pid.
 */
bool
lg_sampler_reread_session(int pid, LgSession *session)
{
	Assert(lg_beentries != NULL);
	for (int i = 0; i < lg_beentry_count; i++)
	{
		if (lg_beentries[i].st_procpid != pid)
			continue;
		memset(session, 0, sizeof(LgSession));
		if (lg_read_slot(&lg_beentries[i], session, false) && session->pid == pid)
			return true;
	}
	return false;
}
