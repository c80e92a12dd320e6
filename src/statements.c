/*
 * statements.c — executor and utility hooks feeding the latency histogram,
 * and the worker's per-interval and last-minute figures drawn from it.
 *
 * What is timed: each top-level statement once.  A statement is top-level
 * when it is started from a client's portal (ActivePortal is set) while no
 * other top-level call is in progress:
 *   - a utility statement (CREATE TABLE AS, EXPLAIN ANALYZE, CALL, DO,
 *     FETCH, VACUUM, ...) is timed from entry to exit of ProcessUtility;
 *   - a plannable query is timed as the sum of its top-level ExecutorRun and
 *     ExecutorFinish calls (Finish only where it can run triggers), and
 *     recorded once at ExecutorEnd; a portal fetched by several Execute
 *     messages is one statement, and the client's time between fetches is
 *     not counted.
 * Everything that runs inside such a call (statements of a PL/pgSQL
 * function, the query under CREATE TABLE AS, trigger bodies) is nested and
 * not counted again.  Planning, parse analysis and deferred triggers run at
 * commit are outside the timed span, as in pg_stat_statements'
 * total_exec_time.
 *
 * Errors: the top-level call (and only it) runs inside PG_TRY, so that a
 * statement ended by an error, statement_timeout or a cancel is recorded on
 * the way out, and the nesting flag is cleared.  Nested calls pay no
 * PG_TRY.  An error inside a nested call that a PL/pgSQL exception block
 * catches never reaches us, which is right: the top-level statement goes on.
 * (The cheaper alternative, xact/subxact abort callbacks, cannot tell a
 * procedure's own ROLLBACK from an error ending the CALL.)  The cost is one
 * sigsetjmp per top-level Run, Finish or utility call; see the README (statement latency section)
 * for the measured instructions.
 *
 * Every statement start (ExecutorStart, ProcessUtility) also checks whether
 * the session's timeouts changed since it last published them
 * (timeouts.h): four compares, and a publication only on change.
 *
 * Locking: the histogram buckets and counters are pg_atomic_uint64, bumped
 * lock-free by every backend.  The spinlock protects only stats_reset and
 * the last-minute figures the worker publishes, copied in or out.  reset()
 * zeroes the counters without a lock and bumps a generation counter; the
 * worker treats a changed generation, or any counter gone down, as a reset.
 * (The LWLock the module table hands this module is not used: a spinlock
 * inside LgStatementsShared is enough for a few words.)
 */
#include "postgres.h"

#include "executor/executor.h"
#include "portability/instr_time.h"
#include "storage/proc.h"
#include "storage/shmem.h"
#include "storage/spin.h"
#include "tcop/pquery.h"
#include "tcop/utility.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "histogram.h"
#include "loadguard.h"
#include "statements.h"
#include "timeouts.h"

/* the worker keeps a snapshot about every second to cover the last minute */
#define LG_MINUTE_US			(60 * USECS_PER_SEC)
#define LG_SNAPSHOT_SPACING_US	(950 * 1000)
#define LG_MINUTE_SNAPSHOTS		66

typedef struct LgStatementsShared
{
	pg_atomic_uint64 buckets[LG_HIST_BUCKETS];
	pg_atomic_uint64 errors;
	pg_atomic_uint64 near_miss_50;
	pg_atomic_uint64 near_miss_80;
	pg_atomic_uint64 resets;	/* generation, bumped by every reset */

	slock_t		mutex;			/* protects the fields below */
	TimestampTz stats_reset;
	TimestampTz minute_at;		/* when the worker last published these */
	double		minute_statements_per_s;
	double		minute_p95_ms;
} LgStatementsShared;

static LgStatementsShared *lg_stmts = NULL;

static ExecutorStart_hook_type prev_ExecutorStart = NULL;
static ExecutorRun_hook_type prev_ExecutorRun = NULL;
static ExecutorFinish_hook_type prev_ExecutorFinish = NULL;
static ExecutorEnd_hook_type prev_ExecutorEnd = NULL;
static ProcessUtility_hook_type prev_ProcessUtility = NULL;

/*
 * Backend-local timing state.  lg_in_top is true while a top-level Run,
 * Finish or utility call is in progress: anything starting then is nested.
 * lg_top_query is the top-level query being timed between its ExecutorStart
 * and ExecutorEnd (at most one; see lg_ExecutorStart).
 */
static bool lg_in_top = false;
static QueryDesc *lg_top_query = NULL;
static bool lg_top_ran = false;
static int	lg_top_timeout_ms = 0;
static instr_time lg_top_elapsed;
static instr_time lg_call_start;
static int	lg_util_timeout_ms = 0;

/* worker-local: the previous tick's snapshot and the last minute's ring */
typedef struct LgSnapshot
{
	TimestampTz ts;
	LgHistogram hist;
} LgSnapshot;

static LgHistogram *lg_prev = NULL;
static TimestampTz lg_prev_ts = 0;
static uint64 lg_prev_resets = 0;
static LgSnapshot *lg_minute = NULL;
static int	lg_minute_count = 0;
static int	lg_minute_next = 0;

static inline bool
lg_tracking(void)
{
	return lg_track_statements && lg_enabled && lg_stmts != NULL;
}

/*
 * One finished top-level statement.  timeout_ms is the statement_timeout in
 * force when it started (0: none).
 */
static inline void
lg_record(instr_time elapsed, int timeout_ms, bool error)
{
	uint64		us = INSTR_TIME_GET_MICROSEC(elapsed);

	pg_atomic_fetch_add_u64(&lg_stmts->buckets[lg_hist_bucket(us)], 1);
	if (timeout_ms > 0 && us * 2 > (uint64) timeout_ms * 1000)
	{
		pg_atomic_fetch_add_u64(&lg_stmts->near_miss_50, 1);
		if (us * 5 > (uint64) timeout_ms * 4000)
			pg_atomic_fetch_add_u64(&lg_stmts->near_miss_80, 1);
	}
	if (error)
		pg_atomic_fetch_add_u64(&lg_stmts->errors, 1);
}

static void
lg_ExecutorStart(QueryDesc *queryDesc, int eflags)
{
	lg_timeouts_check();

	if (prev_ExecutorStart)
		prev_ExecutorStart(queryDesc, eflags);
	else
		standard_ExecutorStart(queryDesc, eflags);

	if (!lg_in_top && ActivePortal != NULL && lg_tracking() &&
		(eflags & EXEC_FLAG_EXPLAIN_ONLY) == 0)
	{
		/*
		 * A client may interleave named portals; we time one at a time.  The
		 * one we were timing is recorded with what it ran so far.
		 */
		if (lg_top_query != NULL && lg_top_ran)
			lg_record(lg_top_elapsed, lg_top_timeout_ms, false);
		lg_top_query = queryDesc;
		lg_top_ran = false;
		INSTR_TIME_SET_ZERO(lg_top_elapsed);
		/* the session's setting in force for this statement */
		lg_top_timeout_ms = StatementTimeout;
	}
}

static inline void
lg_top_call_begin(QueryDesc *queryDesc)
{
	lg_in_top = true;
	if (queryDesc == lg_top_query)
		INSTR_TIME_SET_CURRENT(lg_call_start);
}

static inline void
lg_top_call_end(QueryDesc *queryDesc)
{
	lg_in_top = false;
	if (queryDesc == lg_top_query)
	{
		instr_time	now;

		INSTR_TIME_SET_CURRENT(now);
		INSTR_TIME_ACCUM_DIFF(lg_top_elapsed, now, lg_call_start);
		lg_top_ran = true;
	}
}

/* In PG_CATCH: the statement ends here, in an error. */
static void
lg_top_call_failed(QueryDesc *queryDesc)
{
	lg_in_top = false;
	if (queryDesc == lg_top_query)
	{
		instr_time	now;

		INSTR_TIME_SET_CURRENT(now);
		INSTR_TIME_ACCUM_DIFF(lg_top_elapsed, now, lg_call_start);
		lg_record(lg_top_elapsed, lg_top_timeout_ms, true);
		lg_top_query = NULL;
	}
}

/* The next ExecutorRun, ExecutorFinish and ProcessUtility in the chain. */
static void
next_ExecutorRun(QueryDesc *queryDesc, ScanDirection direction, uint64 count,
				 bool execute_once)
{
	if (prev_ExecutorRun)
		prev_ExecutorRun(queryDesc, direction, count, execute_once);
	else
		standard_ExecutorRun(queryDesc, direction, count, execute_once);
}

static void
next_ExecutorFinish(QueryDesc *queryDesc)
{
	if (prev_ExecutorFinish)
		prev_ExecutorFinish(queryDesc);
	else
		standard_ExecutorFinish(queryDesc);
}

static void
next_ProcessUtility(PlannedStmt *pstmt, const char *queryString, bool readOnlyTree,
					ProcessUtilityContext context, ParamListInfo params,
					QueryEnvironment *queryEnv, DestReceiver *dest, QueryCompletion *qc)
{
	if (prev_ProcessUtility)
		prev_ProcessUtility(pstmt, queryString, readOnlyTree, context,
							params, queryEnv, dest, qc);
	else
		standard_ProcessUtility(pstmt, queryString, readOnlyTree, context,
								params, queryEnv, dest, qc);
}

/*
 * A top-level executor call, timed: the next ExecutorRun (run) or
 * ExecutorFinish (!run; direction, count and execute_once unused) inside
 * PG_TRY, so that an error ends the statement's timing.
 */
static void
lg_top_call(QueryDesc *queryDesc, bool run, ScanDirection direction,
			uint64 count, bool execute_once)
{
	lg_top_call_begin(queryDesc);
	PG_TRY();
	{
		if (run)
			next_ExecutorRun(queryDesc, direction, count, execute_once);
		else
			next_ExecutorFinish(queryDesc);
	}
	PG_CATCH();
	{
		lg_top_call_failed(queryDesc);
		PG_RE_THROW();
	}
	PG_END_TRY();
	lg_top_call_end(queryDesc);
}

static void
lg_ExecutorRun(QueryDesc *queryDesc, ScanDirection direction, uint64 count,
			   bool execute_once)
{
	if (lg_in_top || !lg_tracking())
		next_ExecutorRun(queryDesc, direction, count, execute_once);
	else
		lg_top_call(queryDesc, true, direction, count, execute_once);
}

static void
lg_ExecutorFinish(QueryDesc *queryDesc)
{
	/*
	 * A SELECT without data-modifying CTEs queues no AFTER triggers and has
	 * no ModifyTable to finish (see standard_ExecutorStart): its Finish runs
	 * nothing that could nest or take time, so it is not timed.  That saves a
	 * PG_TRY and two clock reads on the most common statement.
	 */
	if (lg_in_top || !lg_tracking() ||
		(queryDesc->operation == CMD_SELECT && !queryDesc->plannedstmt->hasModifyingCTE))
		next_ExecutorFinish(queryDesc);
	else
		lg_top_call(queryDesc, false, ForwardScanDirection, 0, false);
}

static void
lg_ExecutorEnd(QueryDesc *queryDesc)
{
	/*
	 * A top-level query ends outside any top-level call; the !lg_in_top test
	 * keeps a nested query that happens to reuse a freed QueryDesc's address
	 * from matching.
	 */
	if (queryDesc == lg_top_query && !lg_in_top)
	{
		if (lg_top_ran)
			lg_record(lg_top_elapsed, lg_top_timeout_ms, false);
		lg_top_query = NULL;
	}

	if (prev_ExecutorEnd)
		prev_ExecutorEnd(queryDesc);
	else
		standard_ExecutorEnd(queryDesc);
}

static void
lg_ProcessUtility(PlannedStmt *pstmt, const char *queryString, bool readOnlyTree,
				  ProcessUtilityContext context, ParamListInfo params,
				  QueryEnvironment *queryEnv, DestReceiver *dest, QueryCompletion *qc)
{
	instr_time	now;

	/*
	 * at the start, and after: a SET shows before the session's next
	 * statement
	 */
	lg_timeouts_check();

	if (lg_in_top || ActivePortal == NULL || !lg_tracking())
	{
		next_ProcessUtility(pstmt, queryString, readOnlyTree, context,
							params, queryEnv, dest, qc);
		lg_timeouts_check();
		return;
	}

	/* statics, not locals: they must survive the longjmp into PG_CATCH */
	lg_in_top = true;
	lg_util_timeout_ms = StatementTimeout;
	INSTR_TIME_SET_CURRENT(lg_call_start);
	PG_TRY();
	{
		next_ProcessUtility(pstmt, queryString, readOnlyTree, context,
							params, queryEnv, dest, qc);
	}
	PG_CATCH();
	{
		lg_in_top = false;
		INSTR_TIME_SET_CURRENT(now);
		INSTR_TIME_SUBTRACT(now, lg_call_start);
		lg_record(now, lg_util_timeout_ms, true);
		PG_RE_THROW();
	}
	PG_END_TRY();
	lg_in_top = false;
	INSTR_TIME_SET_CURRENT(now);
	INSTR_TIME_SUBTRACT(now, lg_call_start);
	lg_record(now, lg_util_timeout_ms, false);
	lg_timeouts_check();
}

void
lg_statements_install_hooks(void)
{
	prev_ExecutorStart = ExecutorStart_hook;
	ExecutorStart_hook = lg_ExecutorStart;
	prev_ExecutorRun = ExecutorRun_hook;
	ExecutorRun_hook = lg_ExecutorRun;
	prev_ExecutorFinish = ExecutorFinish_hook;
	ExecutorFinish_hook = lg_ExecutorFinish;
	prev_ExecutorEnd = ExecutorEnd_hook;
	ExecutorEnd_hook = lg_ExecutorEnd;
	prev_ProcessUtility = ProcessUtility_hook;
	ProcessUtility_hook = lg_ProcessUtility;
}

Size
lg_statements_shmem_size(void)
{
	return MAXALIGN(sizeof(LgStatementsShared));
}

void
lg_statements_shmem_init(LWLock *lock)
{
	bool		found;

	lg_stmts = ShmemInitStruct("loadguard statements", lg_statements_shmem_size(), &found);
	if (!found)
	{
		for (int i = 0; i < LG_HIST_BUCKETS; i++)
			pg_atomic_init_u64(&lg_stmts->buckets[i], 0);
		pg_atomic_init_u64(&lg_stmts->errors, 0);
		pg_atomic_init_u64(&lg_stmts->near_miss_50, 0);
		pg_atomic_init_u64(&lg_stmts->near_miss_80, 0);
		pg_atomic_init_u64(&lg_stmts->resets, 0);
		SpinLockInit(&lg_stmts->mutex);
		lg_stmts->stats_reset = GetCurrentTimestamp();
		lg_stmts->minute_at = 0;
		lg_stmts->minute_statements_per_s = 0;
		lg_stmts->minute_p95_ms = 0;
	}
}

/* The cumulative histogram now; returns the reset generation read before it. */
static uint64
lg_read_histogram(LgHistogram *hist)
{
	uint64		resets = pg_atomic_read_u64(&lg_stmts->resets);

	pg_read_barrier();
	for (int i = 0; i < LG_HIST_BUCKETS; i++)
		hist->counts[i] = pg_atomic_read_u64(&lg_stmts->buckets[i]);
	return resets;
}

void
lg_statements_copy(LgStatementTotals *totals)
{
	Assert(lg_stmts != NULL);
	lg_read_histogram(&totals->hist);
	totals->errors = pg_atomic_read_u64(&lg_stmts->errors);
	totals->near_miss_50 = pg_atomic_read_u64(&lg_stmts->near_miss_50);
	totals->near_miss_80 = pg_atomic_read_u64(&lg_stmts->near_miss_80);
	SpinLockAcquire(&lg_stmts->mutex);
	totals->stats_reset = lg_stmts->stats_reset;
	SpinLockRelease(&lg_stmts->mutex);
}

static void
lg_minute_push(TimestampTz ts, const LgHistogram *hist)
{
	LgSnapshot *slot = &lg_minute[lg_minute_next];

	slot->ts = ts;
	memcpy(&slot->hist, hist, sizeof(LgHistogram));
	lg_minute_next = (lg_minute_next + 1) % LG_MINUTE_SNAPSHOTS;
	if (lg_minute_count < LG_MINUTE_SNAPSHOTS)
		lg_minute_count++;
}

static const LgSnapshot *
lg_minute_newest(void)
{
	if (lg_minute_count == 0)
		return NULL;
	return &lg_minute[(lg_minute_next + LG_MINUTE_SNAPSHOTS - 1) % LG_MINUTE_SNAPSHOTS];
}

/*
 * The base of the last-minute window: the oldest snapshot no more than a
 * minute old, or the newest one when the sample interval exceeds a minute.
 */
static const LgSnapshot *
lg_minute_base(TimestampTz now)
{
	for (int k = lg_minute_count; k >= 1; k--)
	{
		int			slot = (lg_minute_next + LG_MINUTE_SNAPSHOTS - k) % LG_MINUTE_SNAPSHOTS;
		const LgSnapshot *snap = &lg_minute[slot];

		if (snap->ts >= now - LG_MINUTE_US)
			return snap;
	}
	return lg_minute_newest();
}

/*
 * Worker-local: the histogram of the statements counted in the newest sample
 * (its delta), for the minute rollup; NULL before the second tick.
 */
static LgHistogram *lg_sample_hist = NULL;

const LgHistogram *
lg_statements_sample_histogram(void)
{
	return lg_sample_hist;
}

/*
 * Worker, once per tick: the statements finished since the previous tick
 * and their percentiles into *sample, and the last minute's rate and p95
 * into shared memory for loadguard.status.
 */
void
lg_statements_fill_sample(LgSample *sample)
{
	static const double qs[3] = {0.50, 0.95, 0.99};
	LgHistogram cur;
	LgHistogram delta;
	double		pct_us[3];
	uint64		resets;
	bool		was_reset;
	const LgSnapshot *base;
	double		minute_per_s = 0;
	double		minute_p95_ms = 0;

	if (lg_prev == NULL)
	{
		/* first tick of this worker: the baseline, nothing to report yet */
		lg_prev = MemoryContextAlloc(TopMemoryContext, sizeof(LgHistogram));
		lg_minute = MemoryContextAlloc(TopMemoryContext,
									   sizeof(LgSnapshot) * LG_MINUTE_SNAPSHOTS);
		lg_prev_resets = lg_read_histogram(lg_prev);
		lg_minute_count = 0;
		lg_minute_next = 0;
		lg_prev_ts = sample->ts;
		lg_minute_push(sample->ts, lg_prev);
		return;
	}

	resets = lg_read_histogram(&cur);
	if (resets != lg_prev_resets)
	{
		memcpy(&delta, &cur, sizeof(delta));
		was_reset = true;
	}
	else
		was_reset = lg_hist_delta(&cur, lg_prev, &delta);

	if (lg_sample_hist == NULL)
		lg_sample_hist = MemoryContextAlloc(TopMemoryContext, sizeof(LgHistogram));
	memcpy(lg_sample_hist, &delta, sizeof(delta));
	sample->statements = lg_hist_total(&delta);
	lg_hist_percentiles(&delta, qs, 3, pct_us);
	sample->latency_p50_ms = pct_us[0] / 1000.0;
	sample->latency_p95_ms = pct_us[1] / 1000.0;
	sample->latency_p99_ms = pct_us[2] / 1000.0;

	if (was_reset)
	{
		/* snapshots from before the reset cannot be subtracted any more */
		LgHistogram zero;

		lg_hist_clear(&zero);
		lg_minute_count = 0;
		lg_minute_next = 0;
		lg_minute_push(lg_prev_ts, &zero);
	}

	base = lg_minute_base(sample->ts);
	if (base != NULL && sample->ts > base->ts)
	{
		LgHistogram window;
		double		seconds = (double) (sample->ts - base->ts) / USECS_PER_SEC;

		if (lg_hist_delta(&cur, &base->hist, &window))
			memcpy(&window, &cur, sizeof(window));
		minute_per_s = (double) lg_hist_total(&window) / seconds;
		minute_p95_ms = lg_hist_percentile(&window, 0.95) / 1000.0;
	}

	SpinLockAcquire(&lg_stmts->mutex);
	lg_stmts->minute_at = sample->ts;
	lg_stmts->minute_statements_per_s = minute_per_s;
	lg_stmts->minute_p95_ms = minute_p95_ms;
	SpinLockRelease(&lg_stmts->mutex);

	memcpy(lg_prev, &cur, sizeof(cur));
	lg_prev_resets = resets;
	lg_prev_ts = sample->ts;
	if (lg_minute_newest() == NULL ||
		sample->ts - lg_minute_newest()->ts >= LG_SNAPSHOT_SPACING_US)
		lg_minute_push(sample->ts, &cur);
}

/*
 * The last minute's figures as the worker last published them.  When it has
 * not published for over a minute (loadguard.enabled off, worker gone),
 * nothing was recorded in the last minute either: 0.
 */
void
lg_statements_last_minute(double *statements_per_s, double *latency_p95_ms)
{
	TimestampTz published_at;
	double		per_s;
	double		p95_ms;

	*statements_per_s = 0;
	*latency_p95_ms = 0;
	if (lg_stmts == NULL)
		return;
	SpinLockAcquire(&lg_stmts->mutex);
	published_at = lg_stmts->minute_at;
	per_s = lg_stmts->minute_statements_per_s;
	p95_ms = lg_stmts->minute_p95_ms;
	SpinLockRelease(&lg_stmts->mutex);

	if (published_at != 0 &&
		GetCurrentTimestamp() - published_at <=
		LG_MINUTE_US + 2 * (int64) lg_sample_interval_ms * 1000)
	{
		*statements_per_s = per_s;
		*latency_p95_ms = p95_ms;
	}
}

/*
 * Zero the counters.  Increments racing with this are kept or lost
 * individually; the generation tells the worker a reset happened.
 */
void
lg_statements_reset(TimestampTz now)
{
	for (int i = 0; i < LG_HIST_BUCKETS; i++)
		pg_atomic_write_u64(&lg_stmts->buckets[i], 0);
	pg_atomic_write_u64(&lg_stmts->errors, 0);
	pg_atomic_write_u64(&lg_stmts->near_miss_50, 0);
	pg_atomic_write_u64(&lg_stmts->near_miss_80, 0);
	pg_atomic_fetch_add_u64(&lg_stmts->resets, 1);

	SpinLockAcquire(&lg_stmts->mutex);
	lg_stmts->stats_reset = now;
	lg_stmts->minute_statements_per_s = 0;
	lg_stmts->minute_p95_ms = 0;
	SpinLockRelease(&lg_stmts->mutex);
}

/*
 * Persisted statement counters (persist.c): the histogram, errors, near
 * misses and the reset time.  The last-minute figures describe a worker
 * that is gone and are not kept.  No baseline is needed: every worker's
 * first tick only takes its snapshot (lg_prev == NULL above), so the
 * restored counts never appear as one tick's statements.
 */
typedef struct LgStatementsPersisted
{
	uint64		buckets[LG_HIST_BUCKETS];
	uint64		errors;
	uint64		near_miss_50;
	uint64		near_miss_80;
	TimestampTz stats_reset;
} LgStatementsPersisted;

/* Postmaster, at clean shutdown: no other process is left, so no lock. */
void
lg_statements_dump(StringInfo out)
{
	LgStatementsPersisted saved;

	memset(&saved, 0, sizeof(saved));
	for (int i = 0; i < LG_HIST_BUCKETS; i++)
		saved.buckets[i] = pg_atomic_read_u64(&lg_stmts->buckets[i]);
	saved.errors = pg_atomic_read_u64(&lg_stmts->errors);
	saved.near_miss_50 = pg_atomic_read_u64(&lg_stmts->near_miss_50);
	saved.near_miss_80 = pg_atomic_read_u64(&lg_stmts->near_miss_80);
	saved.stats_reset = lg_stmts->stats_reset;
	appendBinaryStringInfo(out, (const char *) &saved, sizeof(saved));
}

/* Postmaster, at startup, into fresh shared memory. */
bool
lg_statements_load(const char *data, Size len)
{
	LgStatementsPersisted saved;

	if (len != sizeof(saved))
		return false;
	memcpy(&saved, data, sizeof(saved));
	for (int i = 0; i < LG_HIST_BUCKETS; i++)
		pg_atomic_write_u64(&lg_stmts->buckets[i], saved.buckets[i]);
	pg_atomic_write_u64(&lg_stmts->errors, saved.errors);
	pg_atomic_write_u64(&lg_stmts->near_miss_50, saved.near_miss_50);
	pg_atomic_write_u64(&lg_stmts->near_miss_80, saved.near_miss_80);
	lg_stmts->stats_reset = saved.stats_reset;
	return true;
}
