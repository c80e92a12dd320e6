/*
 * views_statements.c — loadguard.statement_latency (one row of totals and
 * percentiles since reset) and loadguard.latency_histogram (its non-empty
 * buckets).  The counters are copied out of shared memory first, the rows
 * built afterwards.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

#include "histogram.h"
#include "loadguard.h"
#include "statements.h"

PG_FUNCTION_INFO_V1(lg_statement_latency);
PG_FUNCTION_INFO_V1(lg_latency_histogram);

#define LATENCY_COLS 8

Datum
lg_statement_latency(PG_FUNCTION_ARGS)
{
	static const double qs[3] = {0.50, 0.95, 0.99};
	LgStatementTotals *totals;
	TupleDesc	tupdesc;
	Datum		values[LATENCY_COLS];
	bool		nulls[LATENCY_COLS];
	double		pct_us[3];
	uint64		statements;
	int			i = 0;

	lg_require_shmem();
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");

	totals = palloc(sizeof(LgStatementTotals));
	lg_statements_copy(totals);
	statements = lg_hist_total(&totals->hist);
	lg_hist_percentiles(&totals->hist, qs, 3, pct_us);

	memset(nulls, 0, sizeof(nulls));
	values[i++] = Int64GetDatum((int64) statements);
	values[i++] = Int64GetDatum((int64) totals->errors);
	values[i++] = Int64GetDatum((int64) totals->near_miss_50);
	values[i++] = Int64GetDatum((int64) totals->near_miss_80);
	/* no percentile of nothing */
	for (int k = 0; k < 3; k++)
	{
		if (statements > 0)
			values[i] = Float8GetDatum(pct_us[k] / 1000.0);
		else
			nulls[i] = true;
		i++;
	}
	values[i++] = TimestampTzGetDatum(totals->stats_reset);

	Assert(i == LATENCY_COLS);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

Datum
lg_latency_histogram(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	LgStatementTotals *totals;
	uint64		total;
	uint64		cumulative = 0;

	lg_require_shmem();
	InitMaterializedSRF(fcinfo, 0);

	totals = palloc(sizeof(LgStatementTotals));
	lg_statements_copy(totals);
	total = lg_hist_total(&totals->hist);

	for (int b = 0; b < LG_HIST_BUCKETS; b++)
	{
		Datum		values[5];
		bool		nulls[5] = {false, false, false, false, false};
		uint64		count = totals->hist.counts[b];

		if (count == 0)
			continue;
		cumulative += count;
		values[0] = Int32GetDatum(b);
		values[1] = Float8GetDatum((double) lg_hist_bucket_lower(b) / 1000.0);
		values[2] = Float8GetDatum((double) lg_hist_bucket_upper(b) / 1000.0);
		values[3] = Int64GetDatum((int64) count);
		values[4] = Float8GetDatum(100.0 * (double) cumulative / (double) total);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}
