/*
 * stats.c — nearest-rank percentile and median.  Plain C: see stats.h.
 */
#include <math.h>
#include <stdlib.h>

#include "stats.h"

static int
cmp_i32(const void *a, const void *b)
{
	return lg_cmp_int64(*(const int32_t *) a, *(const int32_t *) b);
}

static int
cmp_i64(const void *a, const void *b)
{
	return lg_cmp_int64(*(const int64_t *) a, *(const int64_t *) b);
}

int32_t
lg_percentile_int32(int32_t *values, uint32_t n, double q)
{
	double		rank;
	uint32_t	k;

	if (n == 0)
		return 0;
	qsort(values, n, sizeof(int32_t), cmp_i32);
	/* nearest rank: ceil(q·n), 1-based; the epsilon keeps 0.95·20 at 19 */
	rank = ceil(q * n - 1e-9);
	k = rank < 1 ? 1 : (rank > n ? n : (uint32_t) rank);
	return values[k - 1];
}

int64_t
lg_median_i64(int64_t *values, int n)
{
	if (n <= 0)
		return 0;
	qsort(values, (size_t) n, sizeof(int64_t), cmp_i64);
	if (n % 2 == 1)
		return values[n / 2];
	/* halve before adding: no overflow near INT64_MAX */
	return values[n / 2 - 1] / 2 + values[n / 2] / 2 +
		(values[n / 2 - 1] % 2 + values[n / 2] % 2) / 2;
}
