/*
 * connect_cost.c — connection setup times: buckets, sums and percentiles
 * (see connect_cost.h for the layout and its error bound).
 */
#include "connect_cost.h"

#include <string.h>

int
lg_connect_bucket(uint64_t us)
{
	int			msb;
	int			half;

	if (us < ((uint64_t) 1 << LG_CONNECT_MIN_EXP))
		return 0;
	msb = 63 - __builtin_clzll(us);
	if (msb >= LG_CONNECT_MAX_EXP)
		return LG_CONNECT_BUCKETS - 1;
	/* the bit under the top one says which half of the octave */
	half = (int) ((us >> (msb - 1)) & 1);
	return 2 * (msb - LG_CONNECT_MIN_EXP) + half;
}

uint64_t
lg_connect_bucket_lower(int bucket)
{
	int			e = LG_CONNECT_MIN_EXP + bucket / 2;
	uint64_t	base = (uint64_t) 1 << e;

	if (bucket <= 0)
		return 0;
	return (bucket % 2) ? base + base / 2 : base;
}

uint64_t
lg_connect_bucket_upper(int bucket)
{
	if (bucket >= LG_CONNECT_BUCKETS - 1)
		return UINT64_MAX;
	return lg_connect_bucket_lower(bucket + 1);
}

void
lg_connect_cost_clear(LgConnectCost *c)
{
	memset(c, 0, sizeof(*c));
}

void
lg_connect_cost_add(LgConnectCost *c, uint64_t us)
{
	c->count++;
	c->sum_us += (int64_t) us;
	c->buckets[lg_connect_bucket(us)]++;
}

void
lg_connect_cost_add_sample(LgConnectCost *c, int32_t count, int64_t sum_us,
						   const uint32_t *buckets)
{
	if (count <= 0)
		return;
	c->count += count;
	c->sum_us += sum_us;
	for (int b = 0; b < LG_CONNECT_BUCKETS; b++)
		c->buckets[b] += buckets[b];
}

double
lg_connect_cost_mean_ms(const LgConnectCost *c)
{
	return c->count > 0 ? (double) c->sum_us / (double) c->count / 1000.0 : 0.0;
}

double
lg_connect_cost_percentile_ms(const LgConnectCost *c, double q)
{
	uint64_t	total = 0;
	double		rank;
	uint64_t	seen = 0;

	for (int b = 0; b < LG_CONNECT_BUCKETS; b++)
		total += c->buckets[b];
	if (total == 0)
		return 0.0;
	if (q > 1.0)
		q = 1.0;
	/* the rank of the quantile among the total, 1-based, nearest rank */
	rank = q * (double) total;
	for (int b = 0; b < LG_CONNECT_BUCKETS; b++)
	{
		uint64_t	n = c->buckets[b];
		double		lower;
		double		upper;

		if (n == 0 || (double) (seen + n) < rank)
		{
			seen += n;
			continue;
		}
		lower = (double) lg_connect_bucket_lower(b);
		if (b == LG_CONNECT_BUCKETS - 1)
			return lower / 1000.0;
		upper = (double) lg_connect_bucket_upper(b);
		/* linear within the bucket: the rank's share of the bucket's count */
		return (lower + (upper - lower) * ((rank - (double) seen) / (double) n)) / 1000.0;
	}
	return (double) lg_connect_bucket_lower(LG_CONNECT_BUCKETS - 1) / 1000.0;
}
