/*
 * statements.h — what statements.c exposes to the SQL functions behind
 * loadguard.statement_latency and loadguard.latency_histogram.
 */
#ifndef LG_STATEMENTS_H
#define LG_STATEMENTS_H

#include "postgres.h"

#include "utils/timestamp.h"

#include "histogram.h"

/* A copy of the cumulative counters since the last reset. */
typedef struct LgStatementTotals
{
	LgHistogram hist;			/* every recorded top-level statement */
	uint64		errors;			/* of which ended in an error */
	uint64		near_miss_50;	/* ran longer than 50 % of their statement_timeout */
	uint64		near_miss_80;	/* ran longer than 80 % of it */
	TimestampTz stats_reset;
} LgStatementTotals;

extern void lg_statements_copy(LgStatementTotals *totals);

#endif							/* LG_STATEMENTS_H */
