/*
 * persist_v1_0.c — converters from loadguard 1.0's persisted history
 * samples and name tables.  Plain C: see persist_v1_0.h.
 */
#include <string.h>

#include "persist_v1_0.h"

_Static_assert(LG_V1_0_EVENT_COUNT <= LG_EVENT_COUNT,
			   "event kinds are only ever added");
_Static_assert(sizeof(LgSampleV1_0) == 280 && sizeof(LgNameTableV1_0) == 3176,
			   "the 1.0 layouts are frozen: they describe files already written");

void
lg_sample_from_v1_0(const LgSampleV1_0 *in, LgSample *out)
{
	int			nroles = in->nroles;

	memset(out, 0, sizeof(*out));
	out->ts = in->ts;
	out->max_connections = in->max_connections;
	out->usable_connections = in->usable_connections;
	out->client_connections = in->client_connections;
	out->active = in->active;
	out->idle = in->idle;
	out->idle_in_transaction = in->idle_in_transaction;
	out->idle_in_transaction_aborted = in->idle_in_transaction_aborted;
	out->waiting_on_lock = in->waiting_on_lock;
	out->busy_connections = in->active + in->idle_in_transaction +
		in->idle_in_transaction_aborted;
	out->usage_pct = in->usage_pct;
	out->oldest_idle_in_transaction_s = in->oldest_idle_in_transaction_s;
	out->longest_running_query_s = in->longest_running_query_s;
	out->longest_transaction_s = in->longest_transaction_s;
	memcpy(out->events, in->events, sizeof(in->events));
	out->statements = in->statements;
	out->latency_p50_ms = in->latency_p50_ms;
	out->latency_p95_ms = in->latency_p95_ms;
	out->latency_p99_ms = in->latency_p99_ms;
	out->policy_actions = in->policy_actions;

	if (nroles < 0)
		nroles = 0;
	if (nroles > LG_V1_0_SAMPLE_ROLES)
		nroles = LG_V1_0_SAMPLE_ROLES;
	if (nroles > LG_SAMPLE_ROLES)
		nroles = LG_SAMPLE_ROLES;
	out->nroles = nroles;
	for (int i = 0; i < nroles; i++)
	{
		out->roles[i].roleid = in->roles[i].roleid;
		out->roles[i].connections = in->roles[i].connections;
		out->roles[i].active = in->roles[i].active;
		out->roles[i].busy = in->roles[i].active;
	}
	out->other_roles_connections = in->other_roles_connections;
	out->other_roles_active = in->other_roles_active;
	out->other_roles_busy = in->other_roles_active;
	out->roles_complete = in->other_roles_connections == 0;
}

static void
entry_from_v1_0(const LgNameEntryV1_0 *in, LgNameEntry *out)
{
	memset(out, 0, sizeof(*out));
	out->key = in->key;
	out->current = in->current;
	out->idle_in_transaction = in->idle_in_transaction;
	out->peak = in->peak;
	out->peak_at = in->peak_at;
}

void
lg_name_table_from_v1_0(const LgNameTableV1_0 *in, LgNameTable *out)
{
	lg_names_init(out);
	out->nentries = in->nentries;
	if (out->nentries < 0 || out->nentries > LG_NAMES_PER_DIMENSION)
	{
		out->nentries = 0;
		return;
	}
	for (int i = 0; i < out->nentries; i++)
		entry_from_v1_0(&in->entries[i], &out->entries[i]);
	entry_from_v1_0(&in->other, &out->other);
}
