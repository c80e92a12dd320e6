/*
 * views.h — small helpers shared by the SQL-callable functions behind
 * loadguard's views.
 */
#ifndef LG_VIEWS_H
#define LG_VIEWS_H

#include "postgres.h"

#include "datatype/timestamp.h"
#include "utils/timestamp.h"

/* An interval of the given seconds, for columns meant for people. */
static inline Datum
lg_interval_datum(double seconds)
{
	Interval   *result = (Interval *) palloc0(sizeof(Interval));

	result->time = (TimeOffset) (seconds * USECS_PER_SEC);
	return IntervalPGetDatum(result);
}

#endif							/* LG_VIEWS_H */
