/*
 * histogram.c — bucket bounds, deltas, merges and percentiles of the
 * log-scale latency histogram (layout and error bounds: histogram.h).
 */
#include <string.h>

#include "histogram.h"

uint64_t
lg_hist_bucket_lower(int bucket)
{
	int			octave;
	int			sub;

	if (bucket < LG_HIST_SUB_COUNT)
		return (uint64_t) bucket;
	octave = bucket / LG_HIST_SUB_COUNT - 1;
	sub = bucket % LG_HIST_SUB_COUNT;
	return ((uint64_t) (LG_HIST_SUB_COUNT + sub)) << octave;
}

uint64_t
lg_hist_bucket_upper(int bucket)
{
	if (bucket >= LG_HIST_BUCKETS - 1)
		return UINT64_C(1) << LG_HIST_MAX_EXP;
	return lg_hist_bucket_lower(bucket + 1);
}

void
lg_hist_clear(LgHistogram *hist)
{
	memset(hist, 0, sizeof(*hist));
}

uint64_t
lg_hist_total(const LgHistogram *hist)
{
	uint64_t	total = 0;

	for (int i = 0; i < LG_HIST_BUCKETS; i++)
		total += hist->counts[i];
	return total;
}

void
lg_hist_merge(LgHistogram *dst, const LgHistogram *src)
{
	for (int i = 0; i < LG_HIST_BUCKETS; i++)
		dst->counts[i] += src->counts[i];
}

bool
lg_hist_delta(const LgHistogram *cur, const LgHistogram *prev, LgHistogram *delta)
{
	for (int i = 0; i < LG_HIST_BUCKETS; i++)
	{
		if (cur->counts[i] < prev->counts[i])
		{
			if (delta != cur)
				memcpy(delta, cur, sizeof(*delta));
			return true;
		}
		delta->counts[i] = cur->counts[i] - prev->counts[i];
	}
	return false;
}

void
lg_hist_percentiles(const LgHistogram *hist, const double *qs, int nq, double *out_us)
{
	uint64_t	total = lg_hist_total(hist);
	uint64_t	below = 0;		/* counts in buckets before i */
	int			i = 0;

	for (int k = 0; k < nq; k++)
	{
		double		q = qs[k];
		double		rank;

		if (total == 0)
		{
			out_us[k] = 0;
			continue;
		}
		if (q < 0)
			q = 0;
		if (q > 1)
			q = 1;
		rank = q * (double) total;

		/* the first non-empty bucket whose cumulative count reaches rank */
		while (i < LG_HIST_BUCKETS &&
			   (hist->counts[i] == 0 || (double) (below + hist->counts[i]) < rank))
		{
			below += hist->counts[i];
			i++;
		}
		if (i >= LG_HIST_BUCKETS)
		{
			/* rounding at q = 1: the top of the last non-empty bucket */
			int			last = LG_HIST_BUCKETS - 1;

			while (last > 0 && hist->counts[last] == 0)
				last--;
			out_us[k] = (double) lg_hist_bucket_upper(last);
			continue;
		}
		{
			double		lower = (double) lg_hist_bucket_lower(i);
			double		upper = (double) lg_hist_bucket_upper(i);
			double		frac = (rank - (double) below) / (double) hist->counts[i];

			if (frac < 0)
				frac = 0;
			out_us[k] = lower + (upper - lower) * frac;
		}
	}
}

double
lg_hist_percentile(const LgHistogram *hist, double q)
{
	double		result;

	lg_hist_percentiles(hist, &q, 1, &result);
	return result;
}
