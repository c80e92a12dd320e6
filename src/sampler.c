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
#include "events.h"
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
	int			x = ((const LgPidWait *) a)->pid;
	int			y = ((const LgPidWait *) b)->pid;

	return (x > y) - (x < y);
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
			s->roleid = be->st_userid;
			s->dbid = be->st_databaseid;
			s->backend_start = be->st_proc_start_timestamp;
			s->state_start = be->st_state_start_timestamp;
			s->xact_start = be->st_xact_start_timestamp;
			s->query_start = be->st_activity_start_timestamp;
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

/* most connections first, then most churn, then by Oid */
static int
role_by_size(const void *a, const void *b)
{
	const LgRoleCount *x = a;
	const LgRoleCount *y = b;

	if (x->connections != y->connections)
		return x->connections > y->connections ? -1 : 1;
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
		}
		else
			roles[distinct++] = roles[i];
	}
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
 * Per-slot scratch arrays for one tick, allocated once per process: a tick
 * should not allocate ~100 bytes per status slot (most of them empty).
 */
static void
lg_collect_buffers(LgNameTally *tallies[LG_DIM_COUNT])
{
	static LgNameTally *tally_buf[LG_DIM_COUNT];

	if (tally_buf[0] == NULL)
	{
		for (int d = 0; d < LG_DIM_COUNT; d++)
			tally_buf[d] = MemoryContextAlloc(TopMemoryContext,
											  sizeof(LgNameTally) * lg_beentry_count);
	}
	for (int d = 0; d < LG_DIM_COUNT; d++)
		tallies[d] = tally_buf[d];
}

void
lg_sampler_collect(LgSample *sample, TimestampTz now)
{
	LgWaitMap	waits;
	LgRoleCount *roles;
	LgRoleChurn *churn;
	int			nchurn;
	LgNameCounts counts;
	LgNameTally *tallies[LG_DIM_COUNT];
	int			ntallies[LG_DIM_COUNT];
	int			nclients = 0;
	int			nroles;

	Assert(lg_beentries != NULL);

	/*
	 * first the connection log, so that a session counted now is established
	 * already
	 */
	lg_connlog_drain(lg_events_generation(), &churn, &nchurn, &counts);
	lg_wait_map_build(&waits);
	lg_collect_buffers(tallies);
	roles = palloc(sizeof(LgRoleCount) * (lg_beentry_count + nchurn + 1));

	sample->max_connections = MaxConnections;
	sample->usable_connections = LG_USABLE_CONNECTIONS();

	for (int i = 0; i < lg_beentry_count; i++)
	{
		LgSession	s;
		bool		iit;
		bool		waiting;
		bool		busy;

		if (!lg_read_slot(&lg_beentries[i], &s, false) || !s.is_client_backend)
			continue;

		sample->client_connections++;
		iit = false;
		switch (s.state)
		{
			case LG_STATE_ACTIVE:
			case LG_STATE_FASTPATH:
				sample->active++;
				sample->longest_running_query_s =
					Max(sample->longest_running_query_s, lg_age_s(now, s.query_start));
				break;
			case LG_STATE_IDLE:
				sample->idle++;
				break;
			case LG_STATE_IDLE_IN_TRANSACTION:
				sample->idle_in_transaction++;
				iit = true;
				break;
			case LG_STATE_IDLE_IN_TRANSACTION_ABORTED:
				sample->idle_in_transaction_aborted++;
				iit = true;
				break;
			default:
				break;
		}
		if (iit)
			sample->oldest_idle_in_transaction_s =
				Max(sample->oldest_idle_in_transaction_s, lg_age_s(now, s.state_start));
		sample->longest_transaction_s =
			Max(sample->longest_transaction_s, lg_age_s(now, s.xact_start));
		waiting = (lg_wait_map_get(&waits, s.pid, NULL) & 0xFF000000) == PG_WAIT_LOCK;
		if (waiting)
			sample->waiting_on_lock++;
		busy = lg_session_is_busy(s.state, waiting);
		if (busy)
			sample->busy_connections++;

		memset(&roles[nclients], 0, sizeof(LgRoleCount));
		roles[nclients].roleid = s.roleid;
		roles[nclients].connections = 1;
		roles[nclients].active = (s.state == LG_STATE_ACTIVE || s.state == LG_STATE_FASTPATH);
		roles[nclients].busy = busy;

		lg_name_key_set(&tallies[LG_DIM_DATABASE][nclients].key, s.dbid, NULL);
		lg_name_key_set(&tallies[LG_DIM_ROLE][nclients].key, s.roleid, NULL);
		lg_name_key_set(&tallies[LG_DIM_APPLICATION][nclients].key, 0, s.application_name);
		lg_name_key_set(&tallies[LG_DIM_CLIENT][nclients].key, 0,
						s.client_addr[0] ? s.client_addr : LG_CLIENT_LOCAL);
		for (int d = 0; d < LG_DIM_COUNT; d++)
		{
			tallies[d][nclients].current = 1;
			tallies[d][nclients].idle_in_transaction = iit ? 1 : 0;
		}
		nclients++;
	}

	if (sample->usable_connections > 0)
		sample->usage_pct = 100.0 * sample->client_connections / sample->usable_connections;

	nroles = nclients;
	for (int i = 0; i < nchurn; i++)
	{
		LgRoleCount *r = &roles[nroles++];

		memset(r, 0, sizeof(LgRoleCount));
		r->roleid = churn[i].roleid;
		r->established = churn[i].established;
		r->refused = churn[i].refused;
		r->ended = churn[i].ended;
		r->short_lived = churn[i].short_lived;
	}
	lg_fill_roles(sample, roles, nroles);

	for (int d = 0; d < LG_DIM_COUNT; d++)
		ntallies[d] = lg_names_tally(tallies[d], nclients);
	lg_connections_update(tallies, ntallies, &counts, now);
}

static int
session_pid_cmp(const void *a, const void *b)
{
	int			x = ((const LgSession *) a)->pid;
	int			y = ((const LgSession *) b)->pid;

	return (x > y) - (x < y);
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
