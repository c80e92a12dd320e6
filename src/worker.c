/*
 * worker.c — the loadguard background worker: schedule, reload, and one tick
 * (sample → events → statements → policy → history → pressure log).
 *
 * Connection: the worker reads backend status from shared memory and needs
 * no database.  It connects to shared catalogs only
 * (BackgroundWorkerInitializeConnection(NULL, NULL)) so that it can name
 * roles and databases (pg_authid, pg_database are shared) in its log lines.
 * That takes a max_worker_processes slot, never a client connection slot, and
 * works on a hot standby once it is consistent.
 *
 * Schedule: ticks are due at start + k × interval, so timer drift never
 * accumulates; a tick that starts more than one interval after it was due
 * is counted in ticks_late.  After a long stall (more than
 * LG_MAX_CATCH_UP intervals behind) the schedule restarts from now rather
 * than firing a burst of back-to-back ticks.
 *
 * Memory: everything a tick allocates goes into tick_context, reset after
 * every tick, so a worker running for months holds constant memory.
 *
 * Exit: SIGTERM makes the worker exit with code 1, so that the postmaster
 * restarts it after bgw_restart_time unless the server is shutting down.
 *
 * Locking: the worker's own health figures (pid, ticks, tick costs) and
 * the server-wide timeouts it publishes live in LgWorkerState, this
 * module's struct, under its lock from the module table.  Only the worker
 * writes them; loadguard.status and the settings input of readiness() and
 * config_check() (views_config.c) copy them out under the lock held shared.
 */
#include "postgres.h"

#include <math.h>

#include "miscadmin.h"
#include "access/xact.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/proc.h"
#include "storage/shmem.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "events.h"
#include "history.h"
#include "history_minutes.h"
#include "live.h"
#include "loadguard.h"
#include "pressure.h"
#include "sampler.h"
#include "statements.h"
#include "terminate.h"
#include "timeout_minutes.h"
#include "timeouts.h"
#include "worker.h"

#define LG_WORKER_RESTART_SECONDS	2
#define LG_MAX_CATCH_UP				10

static volatile sig_atomic_t got_sigterm = false;

static LgWorkerState *lg_worker = NULL;
static LWLock *lg_worker_lock = NULL;

Size
lg_worker_shmem_size(void)
{
	return MAXALIGN(sizeof(LgWorkerState));
}

void
lg_worker_shmem_init(LWLock *lock)
{
	bool		found;

	lg_worker_lock = lock;
	lg_worker = ShmemInitStruct("loadguard worker", lg_worker_shmem_size(), &found);
	if (!found)
		memset(lg_worker, 0, sizeof(LgWorkerState));
}

void
lg_worker_read(LgWorkerState *out)
{
	lg_require_shmem();
	LWLockAcquire(lg_worker_lock, LW_SHARED);
	memcpy(out, lg_worker, sizeof(LgWorkerState));
	LWLockRelease(lg_worker_lock);
}

void
lg_worker_read_server_settings(LgServerSettings *out)
{
	lg_require_shmem();
	LWLockAcquire(lg_worker_lock, LW_SHARED);
	memcpy(out, &lg_worker->server, sizeof(LgServerSettings));
	LWLockRelease(lg_worker_lock);
}

/*
 * Publish the server-wide values of the timeouts readiness() judges for the
 * application role, as pg_settings shows them in this process (worker.h:
 * no role, database or connect settings apply here).  At start and after
 * each reload; a backend's own value is no guide to another role's.
 */
static void
lg_worker_publish_server_settings(void)
{
	LgServerSettings server;
	int			n = GetNumConfigOptions();

	memset(&server, 0, sizeof(server));

	/*
	 * GetConfigOptionByNum checks the reader's privileges (a catalog lookup)
	 * before it gives the source file; its strings go with the transaction.
	 */
	StartTransactionCommand();
	for (int i = 0; i < n; i++)
	{
		const char *values[17];
		bool		noshow;

		GetConfigOptionByNum(i, values, &noshow);
		for (int t = 0; t < LG_TO_COUNT; t++)
		{
			LgServerSetting *s = &server.timeout[t];

			if (strcmp(values[0], lg_setting_name(lg_timeout_setting(t))) != 0)
				continue;
			s->value = lg_setting_base_value(strtoll(values[1], NULL, 10), values[2]);
			strlcpy(s->source, values[8] ? values[8] : "default", sizeof(s->source));
			if (values[14] && values[15])
				snprintf(s->file, sizeof(s->file), "%s:%s", values[14], values[15]);
		}
	}
	CommitTransactionCommand();

	server.published_at = GetCurrentTimestamp();
	LWLockAcquire(lg_worker_lock, LW_EXCLUSIVE);
	lg_worker->server = server;
	LWLockRelease(lg_worker_lock);
}

static void
lg_worker_sigterm(SIGNAL_ARGS)
{
	int			save_errno = errno;

	got_sigterm = true;
	SetLatch(MyLatch);
	errno = save_errno;
}

void
lg_worker_register(void)
{
	BackgroundWorker worker;

	memset(&worker, 0, sizeof(worker));
	worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
	worker.bgw_start_time = BgWorkerStart_ConsistentState;
	worker.bgw_restart_time = LG_WORKER_RESTART_SECONDS;
	snprintf(worker.bgw_library_name, BGW_MAXLEN, "loadguard");
	snprintf(worker.bgw_function_name, BGW_MAXLEN, "lg_worker_main");
	snprintf(worker.bgw_name, BGW_MAXLEN, "loadguard worker");
	snprintf(worker.bgw_type, BGW_MAXLEN, "loadguard");
	RegisterBackgroundWorker(&worker);
}

static void
lg_worker_detach(int code, Datum arg)
{
	LWLockAcquire(lg_worker_lock, LW_EXCLUSIVE);
	if (lg_worker->worker_pid == MyProcPid)
		lg_worker->worker_pid = 0;
	LWLockRelease(lg_worker_lock);
}

/*
 * One tick.  Exported (not declared in a header) for the benchmark module
 * test/bench/lg_tickbench.c, which runs it under valgrind.
 */
extern PGDLLEXPORT void lg_worker_tick(TimestampTz now, MemoryContext tick_context);

/* the sessions' timeouts are tallied at most this often (worker memory) */
#define LG_TIMEOUTS_TALLY_US	USECS_PER_SEC
static TimestampTz last_timeouts_tally = 0;

void
lg_worker_tick(TimestampTz now, MemoryContext tick_context)
{
	MemoryContext oldcontext = MemoryContextSwitchTo(tick_context);
	LgSample	sample;
	LgTimeoutMinute timeouts;
	int32		peak;

	memset(&sample, 0, sizeof(sample));
	sample.ts = now;

	/* the backend status snapshot is per transaction; take a fresh one */
	pgstat_clear_snapshot();

	lg_sampler_collect(&sample, now);

	/*
	 * The sessions' timeouts feed per-minute tallies: once a second is
	 * plenty, and at a 10 ms interval the pass over every session would be a
	 * large part of each tick (doc/benchmarks.md).  A session younger than
	 * that may go unseen, as one between two ticks does at the default
	 * interval.
	 */
	if (now - last_timeouts_tally >= LG_TIMEOUTS_TALLY_US || now < last_timeouts_tally)
	{
		lg_timeouts_tally(&sample, &timeouts);
		lg_tominutes_record(&timeouts);
		last_timeouts_tally = now;
	}
	/* take the peak once: Max() evaluates its arguments twice */
	peak = lg_live_take_peak();
	sample.peak_connections = Max(peak, sample.client_connections);
	lg_events_fill_sample(&sample);
	lg_statements_fill_sample(&sample);
	lg_policy_tick(&sample, now);
	lg_history_append(&sample);
	lg_minutes_add(&sample, lg_statements_sample_histogram());
	lg_pressure_maybe_log(&sample, now);

	MemoryContextSwitchTo(oldcontext);
	MemoryContextReset(tick_context);
}

static void
lg_worker_record_tick(TimestampTz started, TimestampTz finished, bool late)
{
	double		cost_us = (double) (finished - started);

	LWLockAcquire(lg_worker_lock, LW_EXCLUSIVE);
	lg_worker->last_tick_at = started;
	lg_worker->ticks++;
	if (late)
		lg_worker->ticks_late++;
	lg_worker->tick_total_us += cost_us;
	if (cost_us > lg_worker->tick_max_us)
		lg_worker->tick_max_us = cost_us;
	LWLockRelease(lg_worker_lock);
}

void
lg_worker_main(Datum main_arg)
{
	MemoryContext tick_context;
	TimestampTz next_due;

	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	pqsignal(SIGTERM, lg_worker_sigterm);
	BackgroundWorkerUnblockSignals();

	BackgroundWorkerInitializeConnection(NULL, NULL, 0);
	pgstat_report_appname("loadguard worker");

	lg_require_shmem();
	LWLockAcquire(lg_worker_lock, LW_EXCLUSIVE);
	lg_worker->worker_pid = MyProcPid;
	lg_worker->worker_started_at = GetCurrentTimestamp();
	LWLockRelease(lg_worker_lock);
	before_shmem_exit(lg_worker_detach, (Datum) 0);

	tick_context = AllocSetContextCreate(TopMemoryContext,
										 "loadguard tick",
										 ALLOCSET_DEFAULT_SIZES);

	ereport(LOG,
			(errmsg("loadguard worker started"),
			 errdetail("Sampling every %d ms into a history of %d samples.",
					   lg_sample_interval_ms, lg_history_size)));
	lg_events_check_log_settings();
	lg_worker_publish_server_settings();

	next_due = GetCurrentTimestamp();
	for (;;)
	{
		TimestampTz now;
		int64		interval_us = (int64) lg_sample_interval_ms * 1000;

		if (got_sigterm)
		{
			ereport(LOG, (errmsg("loadguard worker exiting on SIGTERM")));
			proc_exit(1);
		}

		if (ConfigReloadPending)
		{
			ConfigReloadPending = false;
			ProcessConfigFile(PGC_SIGHUP);
			lg_events_check_log_settings();
			lg_worker_publish_server_settings();
			/* a new interval takes effect from the next tick on */
			next_due = Min(next_due, GetCurrentTimestamp() + interval_us);
		}

		now = GetCurrentTimestamp();
		if (now >= next_due)
		{
			bool		late = (now - next_due) > interval_us;

			if (lg_enabled)
				lg_worker_tick(now, tick_context);
			lg_worker_record_tick(now, GetCurrentTimestamp(), late);

			next_due += interval_us;
			if (next_due + LG_MAX_CATCH_UP * interval_us < now)
				next_due = now + interval_us;
		}
		else
		{
			long		wait_ms;

			/*
			 * The clock went back: the next tick would be as far off as the
			 * step.  Tick now rather than sample nothing meanwhile.
			 */
			if (next_due - now > interval_us)
				next_due = now;
			wait_ms = (long) ceil((double) (next_due - now) / 1000.0);

			(void) WaitLatch(MyLatch,
							 WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
							 Max(wait_ms, 1),
							 PG_WAIT_EXTENSION);
			ResetLatch(MyLatch);
		}
		CHECK_FOR_INTERRUPTS();
	}
}
