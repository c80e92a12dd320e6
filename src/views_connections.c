/*
 * views_connections.c — loadguard.connections: one row per tracked name and
 * dimension, plus "(other)" where names overflowed.  Each table is copied out
 * under LG_LOCK_NAMES (shared); role and database Oids are named afterwards.
 *
 * Application names and client addresses are not tied to a role here, so,
 * as in pg_stat_activity for other roles' sessions, only roles with the
 * privileges of pg_read_all_stats see them (lg_reader_sees_all(),
 * visibility.h); others get the counts under "<insufficient privilege>".
 */
#include "postgres.h"

#include "commands/dbcommands.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

#include "loadguard.h"
#include "names.h"
#include "sampler.h"
#include "visibility.h"

PG_FUNCTION_INFO_V1(lg_connections);

#define CONNECTIONS_COLS 7

const char *
lg_name_key_display(LgDimension dim, const LgNameKey *key)
{
	char	   *name = NULL;

	switch (dim)
	{
		case LG_DIM_ROLE:
			name = GetUserNameFromId(key->oid, true);
			break;
		case LG_DIM_DATABASE:
			name = get_database_name(key->oid);
			break;
		default:
			return key->name;
	}
	/* dropped since it was counted */
	return name ? name : psprintf("%u", key->oid);
}

static void
lg_connections_put(ReturnSetInfo *rsinfo, LgDimension dim, const char *name,
				   const LgNameEntry *e, TimestampTz stats_reset)
{
	Datum		values[CONNECTIONS_COLS];
	bool		nulls[CONNECTIONS_COLS];

	memset(nulls, 0, sizeof(nulls));
	values[0] = CStringGetTextDatum(lg_dimension_names[dim]);
	values[1] = CStringGetTextDatum(name);
	values[2] = Int32GetDatum(e->current);
	values[3] = Int32GetDatum(e->peak);
	if (e->peak_at != 0)
		values[4] = TimestampTzGetDatum(e->peak_at);
	else
		nulls[4] = true;
	values[5] = Int32GetDatum(e->idle_in_transaction);
	values[6] = TimestampTzGetDatum(stats_reset);
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
}

static int
entry_order(const void *a, const void *b)
{
	const LgNameEntry *x = a;
	const LgNameEntry *y = b;

	if (x->current != y->current)
		return x->current > y->current ? -1 : 1;
	if (x->peak != y->peak)
		return x->peak > y->peak ? -1 : 1;
	return strcmp(x->key.name, y->key.name);
}

Datum
lg_connections(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	LgNameTable *table = palloc(sizeof(LgNameTable));
	TimestampTz stats_reset;
	LgReader	reader;
	bool		see_all;

	lg_require_shmem();
	InitMaterializedSRF(fcinfo, 0);

	LWLockAcquire(lg_lock(LG_LOCK_CORE), LW_SHARED);
	stats_reset = lg_core->stats_reset;
	LWLockRelease(lg_lock(LG_LOCK_CORE));
	lg_reader_init(&reader);
	see_all = lg_reader_sees_all(&reader);

	for (int d = 0; d < LG_DIM_COUNT; d++)
	{
		bool		hidden = !see_all &&
			(d == LG_DIM_APPLICATION || d == LG_DIM_CLIENT);

		lg_connections_copy((LgDimension) d, table);
		qsort(table->entries, table->nentries, sizeof(LgNameEntry), entry_order);
		for (int i = 0; i < table->nentries; i++)
			lg_connections_put(rsinfo, (LgDimension) d,
							   hidden ? LG_INSUFFICIENT_PRIVILEGE :
							   lg_name_key_display((LgDimension) d, &table->entries[i].key),
							   &table->entries[i], stats_reset);
		if (table->other.peak > 0)
			lg_connections_put(rsinfo, (LgDimension) d, "(other)", &table->other, stats_reset);
	}
	return (Datum) 0;
}
