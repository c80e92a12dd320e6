/*
 * rolestats.c — per-role figures over a lookback of samples, and the
 * percentile and median they use (stats.c).  Plain C: see rolestats.h.
 */
#include <stdlib.h>
#include <string.h>

#include "rolestats.h"

static int
cmp_u32(const void *a, const void *b)
{
	return lg_cmp_int64(*(const uint32_t *) a, *(const uint32_t *) b);
}

/* The role's entry in s, or NULL; *known tells whether its counts are known. */
static const LgRoleCount *
role_in_sample(const LgSample *s, uint32_t roleid, bool *known)
{
	for (int i = 0; i < s->nroles && i < LG_SAMPLE_ROLES; i++)
	{
		if (s->roles[i].roleid == roleid)
		{
			*known = true;
			return &s->roles[i];
		}
	}
	*known = s->roles_complete;
	return NULL;
}

void
lg_role_lookback(const LgSample *samples, int n, uint32_t roleid,
				 int32_t *scratch, LgRoleLookback *out)
{
	int64_t		sum_connections = 0;
	int64_t		sum_busy = 0;

	memset(out, 0, sizeof(*out));
	out->roleid = roleid;
	for (int i = 0; i < n; i++)
	{
		bool		known;
		const LgRoleCount *r = role_in_sample(&samples[i], roleid, &known);

		if (!known)
			continue;
		if (r == NULL)
		{
			/* every role is listed and this one is not: it had nothing */
			scratch[out->samples++] = 0;
			continue;
		}
		scratch[out->samples++] = r->busy;
		/* the exact peak between ticks; samples from 1.0 have only the count */
		if (r->connections > out->peak_connections)
			out->peak_connections = r->connections;
		if (r->peak_connections > out->peak_connections)
			out->peak_connections = r->peak_connections;
		if (r->busy > out->peak_busy)
			out->peak_busy = r->busy;
		sum_connections += r->connections;
		sum_busy += r->busy;
		out->established += r->established;
		out->refused += r->refused;
		out->ended += r->ended;
		out->short_lived += r->short_lived;
		out->connect_count += r->connect_count;
		out->connect_us += r->connect_us;
	}
	if (out->samples > 0)
	{
		out->mean_connections = (double) sum_connections / out->samples;
		out->mean_busy = (double) sum_busy / out->samples;
		out->p95_busy = lg_percentile_int32(scratch, out->samples, 0.95);
	}
}

int
lg_roles_in_samples(const LgSample *samples, int n, uint32_t *roleids, int max)
{
	int			count = 0;

	for (int i = 0; i < n; i++)
	{
		for (int r = 0; r < samples[i].nroles && r < LG_SAMPLE_ROLES; r++)
		{
			uint32_t	id = samples[i].roles[r].roleid;
			bool		seen = false;

			for (int k = 0; k < count && !seen; k++)
				seen = (roleids[k] == id);
			if (!seen && count < max)
				roleids[count++] = id;
		}
	}
	qsort(roleids, (size_t) count, sizeof(uint32_t), cmp_u32);
	return count;
}

void
lg_role_timeouts_add(LgRoleTimeouts *agg, const int32_t values[LG_TIMEOUT_KINDS],
					 const uint8_t sources[LG_TIMEOUT_KINDS], bool is_new)
{
	bool		first = agg->sessions == 0;

	if (agg->sessions == INT16_MAX)
		return;
	agg->sessions++;
	if (is_new)
		agg->new_sessions++;
	for (int k = 0; k < LG_TIMEOUT_KINDS; k++)
	{
		if (first || values[k] < agg->min_ms[k])
			agg->min_ms[k] = values[k];
		if (first || values[k] > agg->max_ms[k])
			agg->max_ms[k] = values[k];
		agg->sources[k] |= sources[k];
	}
}
