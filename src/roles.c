/*
 * roles.c — per-role observations (roles.h): the sessions now, the history
 * over a lookback and the per-name counts since reset, put together.
 * Reads go through the owners' copy functions (lg_sampler_read_sessions,
 * lg_history_copy, lg_connections_copy), which take and release their own
 * locks; nothing here holds a lock.
 */
#include "postgres.h"

#include "utils/timestamp.h"

#include "connections.h"
#include "history.h"
#include "loadguard.h"
#include "names.h"
#include "roles.h"
#include "sampler.h"
#include "visibility.h"

static LgRoleObservation *
find_or_add(LgRoleObservation *obs, int *n, Oid roleid)
{
	for (int i = 0; i < *n; i++)
	{
		if (obs[i].roleid == roleid)
			return &obs[i];
	}
	memset(&obs[*n], 0, sizeof(LgRoleObservation));
	obs[*n].roleid = roleid;
	obs[*n].median_connection_age_s = -1;
	obs[*n].established = -1;
	obs[*n].refused = -1;
	return &obs[(*n)++];
}

static void
timeouts_min_max(LgRoleObservation *o, const LgTimeouts *t)
{
	if (o->ntimeouts++ == 0)
	{
		o->min_timeouts = *t;
		o->max_timeouts = *t;
		return;
	}
#define LG_MIN_MAX(field) \
	do { \
		o->min_timeouts.field = Min(o->min_timeouts.field, t->field); \
		o->max_timeouts.field = Max(o->max_timeouts.field, t->field); \
	} while (0)
	LG_MIN_MAX(statement_timeout_ms);
	LG_MIN_MAX(idle_in_transaction_session_timeout_ms);
	LG_MIN_MAX(idle_session_timeout_ms);
	LG_MIN_MAX(lock_timeout_ms);
#undef LG_MIN_MAX
}

static int
observation_order(const void *a, const void *b)
{
	const LgRoleObservation *x = a;
	const LgRoleObservation *y = b;

	if (x->connections != y->connections)
		return x->connections > y->connections ? -1 : 1;
	if (x->lookback.peak_connections != y->lookback.peak_connections)
		return x->lookback.peak_connections > y->lookback.peak_connections ? -1 : 1;
	return (x->roleid > y->roleid) - (x->roleid < y->roleid);
}

int
lg_roles_observe(TimestampTz since, const LgReader *reader, LgRoleObservation **out,
				 TimestampTz *oldest_ts)
{
	TimestampTz now = GetCurrentTimestamp();
	LgSession  *sessions;
	int			nsessions;
	LgSample   *samples;
	int			nsamples;
	uint32	   *history_roles;
	int			nhistory_roles;
	LgRoleObservation *obs;
	int			n = 0;
	int64	   *ages;
	int32	   *scratch;
	LgNameTable *table;

	nsessions = lg_sampler_read_sessions(&sessions, now, false, false);
	nsamples = lg_history_copy(&samples, since, oldest_ts);
	history_roles = palloc(sizeof(uint32) * (LG_SAMPLE_ROLES * Max(nsamples, 1)));
	nhistory_roles = lg_roles_in_samples(samples, nsamples, history_roles,
										 LG_SAMPLE_ROLES * Max(nsamples, 1));
	obs = palloc(sizeof(LgRoleObservation) * (nsessions + nhistory_roles + 1));

	/* now */
	for (int i = 0; i < nsessions; i++)
	{
		LgSession  *s = &sessions[i];
		LgRoleObservation *o;

		if (!s->is_client_backend || !OidIsValid(s->roleid))
			continue;
		o = find_or_add(obs, &n, s->roleid);
		o->connections++;
		if (lg_session_is_busy(s->state, s->waiting_on_lock))
			o->busy++;
		if (s->timeouts_known &&
			(reader == NULL || lg_reader_sees_session(reader, s->roleid)))
			timeouts_min_max(o, &s->timeouts);
	}
	ages = palloc(sizeof(int64) * Max(nsessions, 1));
	for (int r = 0; r < n; r++)
	{
		int			nages = 0;

		/*
		 * the ages are those of the role's sessions: NULL (negative) for a
		 * reader who may not see them, like their timeouts above
		 */
		if (reader != NULL && !lg_reader_sees_session(reader, obs[r].roleid))
			continue;
		for (int i = 0; i < nsessions; i++)
		{
			if (sessions[i].is_client_backend && sessions[i].roleid == obs[r].roleid &&
				sessions[i].backend_start != 0)
				ages[nages++] = Max(now - sessions[i].backend_start, 0);
		}
		if (nages > 0)
			obs[r].median_connection_age_s =
				(double) lg_median_i64(ages, nages) / USECS_PER_SEC;
	}

	/* over the lookback */
	for (int i = 0; i < nhistory_roles; i++)
		(void) find_or_add(obs, &n, history_roles[i]);
	scratch = palloc(sizeof(int32) * Max(nsamples, 1));
	for (int r = 0; r < n; r++)
	{
		LgRoleObservation *o = &obs[r];

		lg_role_lookback(samples, nsamples, o->roleid, scratch, &o->lookback);
		o->lookback.peak_connections = Max(o->lookback.peak_connections, o->connections);
		o->lookback.peak_busy = Max(o->lookback.peak_busy, o->busy);
		if (o->lookback.samples == 0)
			o->lookback.p95_busy = o->busy;
	}

	/* since reset */
	table = palloc(sizeof(LgNameTable));
	lg_connections_copy(LG_DIM_ROLE, table);
	for (int r = 0; r < n; r++)
	{
		LgNameKey	key;
		bool		found = false;

		lg_name_key_set(&key, obs[r].roleid, NULL);
		for (int i = 0; i < table->nentries && !found; i++)
		{
			const LgNameEntry *e = &table->entries[i];

			if (e->key.hash == key.hash && e->key.oid == key.oid && e->key.name[0] == '\0')
			{
				obs[r].established = e->established;
				obs[r].refused = e->refused;
				found = true;
			}
		}
		if (!found && table->nentries < LG_NAMES_PER_DIMENSION && table->other.peak == 0 &&
			table->other.established == 0 && table->other.refused == 0)
		{
			/* every name fits, and this one has none */
			obs[r].established = 0;
			obs[r].refused = 0;
		}
	}

	qsort(obs, n, sizeof(LgRoleObservation), observation_order);
	*out = obs;
	return n;
}
