/*
 * lg_tickbench.c — benchmark-only module (never installed by `make install`
 * of loadguard): runs the loadguard worker's tick N times inside one backend
 * over fake sessions, so that valgrind can count the tick's instructions.
 *
 * Why fake sessions: valgrind follows fork(), so a worker cannot be run
 * under it without running the postmaster and every one of 1,000 client
 * backends under it too.  A single-user backend (postgres --single) has the
 * same shared backend status array and proc array, sized by
 * max_connections; this module fills `sessions` of their slots the way real
 * idle client backends fill them (90 % idle, 10 % idle in transaction, pid
 * in PGPROC as well), calls lg_worker_tick() `ticks` times, and clears the
 * slots again.  Used by test/bench_tick.sh; nothing else loads it.
 *
 * Locking: none.  A single-user backend is the only process attached to
 * its shared memory, so the fake slots race with nobody.
 */
#include "postgres.h"

#include <sys/socket.h>

#include "catalog/pg_authid.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "storage/proc.h"
#include "storage/shmem.h"
#include "utils/backend_status.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

PG_MODULE_MAGIC;

typedef void (*lg_tick_fn) (TimestampTz now, MemoryContext tick_context);

PG_FUNCTION_INFO_V1(lg_tickbench);

/*
 * lg_tickbench(sessions int, ticks int, names int DEFAULT 1): fake
 * `sessions` client backends spread over `names` roles, databases,
 * applications and clients, and run `ticks` ticks.
 */
Datum
lg_tickbench(PG_FUNCTION_ARGS)
{
	int			sessions = PG_GETARG_INT32(0);
	int			ticks = PG_GETARG_INT32(1);
	int			names = Max(PG_GETARG_INT32(2), 1);
	lg_tick_fn	tick;
	MemoryContext tick_context;
	PgBackendStatus *be;
	bool		found;
	int			slots = MaxBackends + NUM_AUXPROCTYPES;
	int			nprocs = (int) ProcGlobal->allProcCount;
	int			filled = 0;
	int		   *used;
	TimestampTz now = GetCurrentTimestamp();

	if (IsUnderPostmaster)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("lg_tickbench runs only in a single-user backend")));
	tick = (lg_tick_fn) load_external_function("loadguard", "lg_worker_tick", true, NULL);
	be = ShmemInitStruct("Backend Status Array",
						 mul_size(sizeof(PgBackendStatus), (Size) slots), &found);
	if (!found)
		elog(ERROR, "no backend status array");
	used = palloc0(sizeof(int) * slots);

	for (int i = 0; i < slots && filled < sessions; i++)
	{
		PgBackendStatus *s = &be[i];
		PGPROC	   *proc = &ProcGlobal->allProcs[i];
		int			k = filled % names;

		if (i >= nprocs || s->st_procpid != 0 || proc->pid != 0 || s == MyBEEntry)
			continue;
		s->st_changecount += 2;
		s->st_procpid = 100000 + i;
		s->st_backendType = B_BACKEND;
		s->st_proc_start_timestamp = now - 60 * USECS_PER_SEC;
		s->st_state_start_timestamp = now - 1 * USECS_PER_SEC;
		s->st_activity_start_timestamp = now - 2 * USECS_PER_SEC;
		s->st_databaseid = MyDatabaseId + k;
		s->st_userid = BOOTSTRAP_SUPERUSERID + k;
		memset(&s->st_clientaddr, 0, sizeof(s->st_clientaddr));
		s->st_clientaddr.addr.ss_family = AF_UNIX;
		snprintf(s->st_appname, NAMEDATALEN, "pgbench%d", k);
		if (filled % 10 == 9)
		{
			s->st_state = STATE_IDLEINTRANSACTION;
			s->st_xact_start_timestamp = now - 2 * USECS_PER_SEC;
		}
		else
		{
			s->st_state = STATE_IDLE;
			s->st_xact_start_timestamp = 0;
		}
		proc->pid = s->st_procpid;
		used[i] = 1;
		filled++;
	}

	tick_context = AllocSetContextCreate(TopMemoryContext, "lg_tickbench",
										 ALLOCSET_DEFAULT_SIZES);
	for (int t = 0; t < ticks; t++)
		tick(GetCurrentTimestamp(), tick_context);
	MemoryContextDelete(tick_context);

	for (int i = 0; i < slots; i++)
	{
		if (!used[i])
			continue;
		be[i].st_changecount += 2;
		be[i].st_procpid = 0;
		ProcGlobal->allProcs[i].pid = 0;
	}
	PG_RETURN_INT32(filled);
}
