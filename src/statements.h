/*
 * statements.h — the statements module (statements.c): the hooks that
 * time top-level statements, and what the worker and the SQL functions
 * behind loadguard.statement_latency and loadguard.latency_histogram read.
 */
#ifndef LG_STATEMENTS_H
#define LG_STATEMENTS_H

#include "lib/stringinfo.h"
#include "storage/lwlock.h"
#include "utils/timestamp.h"

#include "histogram.h"
#include "sample.h"

/* A copy of the cumulative counters since the last reset. */
typedef struct LgStatementTotals
{
	LgHistogram hist;			/* every recorded top-level statement */
	uint64		errors;			/* of which ended in an error */
	uint64		near_miss_50;	/* ran longer than 50 % of their
								 * statement_timeout */
	uint64		near_miss_80;	/* ran longer than 80 % of it */
	TimestampTz stats_reset;
} LgStatementTotals;

/* _PG_init: executor and utility hooks */
extern void lg_statements_install_hooks(void);

extern void lg_statements_copy(LgStatementTotals *totals);

/* worker: per-interval statement count and percentiles into *sample */
extern void lg_statements_fill_sample(LgSample *sample);

/*
 * worker: the histogram of the statements counted in the newest sample (its
 * per-interval delta), for the minute rollup; NULL before the second tick
 */
extern const LgHistogram *lg_statements_sample_histogram(void);

/* the last minute's rate and p95, as the worker published them */
extern void lg_statements_last_minute(double *statements_per_s, double *latency_p95_ms);

/* module table entry "statements" */
extern Size lg_statements_shmem_size(void);
extern void lg_statements_shmem_init(LWLock *lock);
extern void lg_statements_dump(StringInfo out);
extern bool lg_statements_load(const char *data, Size len);
extern void lg_statements_reset(TimestampTz now);

#endif							/* LG_STATEMENTS_H */
