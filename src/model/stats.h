/*
 * stats.h — the order statistics of small arrays that the plain-C core
 * shares: the nearest-rank percentile (p95 of busy connections per minute in
 * rollup.c, per role in rolestats.c) and the median (connection ages in
 * roles.c).
 *
 * Plain C (no server headers), unit-tested by test/unit/test_rollup.c and
 * test/unit/test_rolestats.c.
 */
#ifndef LG_STATS_H
#define LG_STATS_H

#include <stdint.h>

/* -1, 0 or 1 as x is below, equal to or above y: the body of a qsort comparator */
static inline int
lg_cmp_int64(int64_t x, int64_t y)
{
	return (x > y) - (x < y);
}

/*
 * The q-quantile (0 < q <= 1) of n values by the nearest-rank method: the
 * smallest value with at least q·n values at or below it.  Sorts values in
 * place.  0 for n = 0.
 */
extern int32_t lg_percentile_int32(int32_t *values, uint32_t n, double q);

/*
 * Median of n values (the mean of the two middle ones when n is even,
 * rounded down).  Sorts values in place.  0 when n is 0.
 */
extern int64_t lg_median_i64(int64_t *values, int n);

#endif							/* LG_STATS_H */
