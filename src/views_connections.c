/*
 * views_connections.c — loadguard.connections: one row per tracked name and
 * dimension, plus "(other)" where names overflowed.  Each table is copied out
 * under the connections module's lock (shared); role and database Oids are
 * named afterwards.
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

#include "connections.h"
#include "history.h"
#include "loadguard.h"
#include "names.h"
#include "views.h"
#include "visibility.h"

PG_FUNCTION_INFO_V1(lg_connections);
PG_FUNCTION_INFO_V1(lg_connections_1_1);

/* loadguard.get_connections()'s columns, in order, by the version that added them */
static const LgViewColumn connections_columns[] = {
	{"dimension", LG_API_1_0},
	{"name", LG_API_1_0},
	{"current", LG_API_1_0},
	{"peak", LG_API_1_0},
	{"peak_at", LG_API_1_0},
	{"idle_in_transaction", LG_API_1_0},
	{"stats_reset", LG_API_1_0},
	{"refused", LG_API_1_1},
	{"established", LG_API_1_1},
};

#define CONNECTIONS_MAX_COLS lengthof(connections_columns)

const char *
lg_name_key_display(LgDimension dim, const LgNameKey *key)
{
	char	   *name = NULL;

	/*
	 * a role or database that does not exist, kept by the name it was asked
	 * for
	 */
	if (key->oid == 0)
		return key->name;

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
lg_connections_put(ReturnSetInfo *rsinfo, LgApiVersion api, LgDimension dim,
				   const char *name, const LgNameEntry *e, TimestampTz stats_reset)
{
	Datum		values[CONNECTIONS_MAX_COLS];
	bool		nulls[CONNECTIONS_MAX_COLS];
	int			i = 0;

	memset(nulls, 0, sizeof(nulls));
	values[i++] = CStringGetTextDatum(lg_dimension_names[dim]);
	values[i++] = CStringGetTextDatum(name);
	values[i++] = Int32GetDatum(e->current);
	values[i++] = Int32GetDatum(e->peak);
	if (e->peak_at != 0)
		values[i++] = TimestampTzGetDatum(e->peak_at);
	else
		nulls[i++] = true;
	values[i++] = Int32GetDatum(e->idle_in_transaction);
	values[i++] = TimestampTzGetDatum(stats_reset);
	if (api >= LG_API_1_1)
	{
		values[i++] = Int64GetDatum(e->refused);
		values[i++] = Int64GetDatum(e->established);
	}
	Assert(i == rsinfo->setDesc->natts);
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

static Datum
lg_connections_internal(FunctionCallInfo fcinfo, LgApiVersion api)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	LgNameTable *table = palloc(sizeof(LgNameTable));
	LgCurrent	current;
	TimestampTz stats_reset;
	LgReader	reader;
	bool		see_all;

	lg_require_shmem();
	InitMaterializedSRF(fcinfo, 0);
	lg_view_check_columns(fcinfo, rsinfo->setDesc, api,
						  connections_columns, lengthof(connections_columns));

	lg_history_current(&current);
	stats_reset = current.stats_reset;
	lg_reader_init(&reader);
	see_all = lg_reader_sees_all(&reader);

	for (int d = 0; d < LG_DIM_COUNT; d++)
	{
		bool		hidden;

		hidden = !see_all && (d == LG_DIM_APPLICATION || d == LG_DIM_CLIENT);

		lg_connections_copy((LgDimension) d, table);
		qsort(table->entries, table->nentries, sizeof(LgNameEntry), entry_order);
		for (int i = 0; i < table->nentries; i++)
			lg_connections_put(rsinfo, api, (LgDimension) d,
							   hidden ? LG_INSUFFICIENT_PRIVILEGE :
							   lg_name_key_display((LgDimension) d, &table->entries[i].key),
							   &table->entries[i], stats_reset);
		if (table->other.peak > 0 ||
			(api >= LG_API_1_1 && (table->other.refused != 0 || table->other.established != 0)))
			lg_connections_put(rsinfo, api, (LgDimension) d, "(other)", &table->other, stats_reset);
	}
	return (Datum) 0;
}

/* lg_connections (1.0's columns) and lg_connections_1_1 */
LG_VIEW_ENTRY_POINTS(lg_connections, lg_connections_internal);
