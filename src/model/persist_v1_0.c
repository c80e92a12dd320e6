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
#define COPY_KEPT(type, field) out->field = in->field;
#define CONVERTED_BELOW(type, field)
	LG_SAMPLE_V1_0_FIELDS(COPY_KEPT, CONVERTED_BELOW);
#undef COPY_KEPT
#undef CONVERTED_BELOW
	out->busy_connections = in->active + in->idle_in_transaction +
		in->idle_in_transaction_aborted;
	memcpy(out->events, in->events, sizeof(in->events));

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
