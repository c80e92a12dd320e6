/*
 * tominutes.c — per-role timeouts minute by minute, and over a lookback.
 * Plain C: see tominutes.h.
 */
#include <string.h>

#include "tominutes.h"

int64_t
lg_tominute_start(int64_t ts)
{
	int64_t		r = ts % LG_TOMINUTE_US;

	return r < 0 ? ts - r - LG_TOMINUTE_US : ts - r;
}

int
lg_tominutes_capacity(int history_size, int interval_ms)
{
	int64_t		span_ms = (int64_t) (history_size > 0 ? history_size : 0) *
	(interval_ms > 0 ? interval_ms : 0);
	int64_t		minutes = span_ms / 60000 + 2;

	return minutes > LG_TOMINUTES_MAX ? LG_TOMINUTES_MAX : (int) minutes;
}

static LgRoleTimeoutsEntry *
find_role(LgTimeoutMinute *m, uint32_t roleid)
{
	for (int i = 0; i < m->nroles && i < LG_SAMPLE_ROLES; i++)
		if (m->roles[i].roleid == roleid)
			return &m->roles[i];
	return NULL;
}

static int16_t
add_sat16(int16_t a, int16_t b)
{
	int32_t		sum = (int32_t) a + b;

	return sum > INT16_MAX ? INT16_MAX : (int16_t) sum;
}

void
lg_tominute_merge(LgTimeoutMinute *minute, const LgTimeoutMinute *tick)
{
	for (int i = 0; i < tick->nroles && i < LG_SAMPLE_ROLES; i++)
	{
		const LgRoleTimeoutsEntry *src = &tick->roles[i];
		LgRoleTimeoutsEntry *dst;

		if (src->t.sessions <= 0)
			continue;
		dst = find_role(minute, src->roleid);
		if (dst == NULL)
		{
			if (minute->nroles >= LG_SAMPLE_ROLES)
				continue;
			dst = &minute->roles[minute->nroles++];
			dst->roleid = src->roleid;
			dst->peak_sessions = src->t.sessions;
			dst->unused = 0;
			dst->t = src->t;
			dst->last_ts = tick->ts;
			continue;
		}
		/* the sessions already counted this minute are not new again */
		dst->t.sessions = add_sat16(dst->t.sessions, src->t.new_sessions);
		dst->t.new_sessions = add_sat16(dst->t.new_sessions, src->t.new_sessions);
		for (int k = 0; k < LG_TIMEOUT_KINDS; k++)
		{
			if (src->t.min_ms[k] < dst->t.min_ms[k])
				dst->t.min_ms[k] = src->t.min_ms[k];
			if (src->t.max_ms[k] > dst->t.max_ms[k])
				dst->t.max_ms[k] = src->t.max_ms[k];
			dst->t.sources[k] |= src->t.sources[k];
		}
		if (src->t.sessions > dst->peak_sessions)
			dst->peak_sessions = src->t.sessions;
		if (tick->ts > dst->last_ts)
			dst->last_ts = tick->ts;
	}
}

void
lg_tominutes_add(LgRing *ring, LgTimeoutMinute *entries, const LgTimeoutMinute *tick)
{
	int64_t		start = lg_tominute_start(tick->ts);
	uint32_t	count = lg_ring_count(ring);
	LgTimeoutMinute *m;

	if (count > 0)
	{
		m = &entries[lg_ring_slot(ring, count - 1)];
		if (start <= m->ts)
		{
			lg_tominute_merge(m, tick);
			return;
		}
	}
	m = &entries[lg_ring_push(ring)];
	memset(m, 0, sizeof(*m));
	m->ts = start;
	lg_tominute_merge(m, tick);
}

int
lg_tominutes_copy(const LgRing *ring, const LgTimeoutMinute *entries,
				  int64_t since, LgTimeoutMinute *out)
{
	uint32_t	count = lg_ring_count(ring);
	int			n = 0;

	for (uint32_t i = 0; i < count; i++)
	{
		const LgTimeoutMinute *m = &entries[lg_ring_slot(ring, i)];

		if (m->ts + LG_TOMINUTE_US > since)
			out[n++] = *m;
	}
	return n;
}

static bool
minute_valid(const LgTimeoutMinute *m)
{
	if (m->ts != lg_tominute_start(m->ts) || m->nroles < 0 || m->nroles > LG_SAMPLE_ROLES)
		return false;
	for (int r = 0; r < m->nroles; r++)
	{
		const LgRoleTimeoutsEntry *e = &m->roles[r];

		if (e->peak_sessions < 0 || e->t.sessions < 0 || e->t.new_sessions < 0)
			return false;
	}
	return true;
}

bool
lg_tominutes_restore(LgRing *ring, LgTimeoutMinute *entries, const void *minutes, uint32_t n)
{
	uint32_t	kept = lg_ring_restore(ring, entries, sizeof(LgTimeoutMinute), minutes, n);

	for (uint32_t i = 0; i < kept; i++)
	{
		const LgTimeoutMinute *m = &entries[lg_ring_slot(ring, i)];

		if (!minute_valid(m) ||
			(i > 0 && m->ts <= entries[lg_ring_slot(ring, i - 1)].ts))
		{
			lg_ring_init(ring, ring->capacity);
			return false;
		}
	}
	return true;
}

void
lg_tominutes_lookback(const LgTimeoutMinute *minutes, int n, uint32_t roleid,
					  int64_t since, LgTimeoutsSeen *out)
{
	bool		any = false;

	memset(out, 0, sizeof(*out));
	for (int i = 0; i < n; i++)
	{
		const LgRoleTimeoutsEntry *e = NULL;
		const LgRoleTimeouts *t;

		for (int r = 0; r < minutes[i].nroles && r < LG_SAMPLE_ROLES; r++)
			if (minutes[i].roles[r].roleid == roleid)
				e = &minutes[i].roles[r];
		if (e == NULL || e->t.sessions <= 0 || e->last_ts < since)
			continue;
		t = &e->t;
		for (int k = 0; k < LG_TIMEOUT_KINDS; k++)
		{
			if (!any || t->min_ms[k] < out->min_ms[k])
				out->min_ms[k] = t->min_ms[k];
			if (!any || t->max_ms[k] > out->max_ms[k])
				out->max_ms[k] = t->max_ms[k];
			out->sources[k] |= t->sources[k];
		}
		/* the first minute counted: every session is new to the lookback */
		out->sessions += !any ? t->sessions : t->new_sessions;
		any = true;
		if (e->peak_sessions > out->peak_sessions)
			out->peak_sessions = e->peak_sessions;
	}
	/* sessions all seen before the window but none counted: at least the peak */
	if (out->sessions < out->peak_sessions)
		out->sessions = out->peak_sessions;
}
