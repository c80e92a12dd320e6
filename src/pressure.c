/*
 * pressure.c — the worker's pressure line: when connection usage is at or
 * above loadguard.log_pressure %, or connections were refused since the
 * last line, one LOG line at most once a minute.  When every slot is taken
 * the DBA may not get a connection to ask; the server log still works.
 *
 * Runs in the worker only; its state is the worker's own (a restarted
 * worker starts afresh).  Role names need the shared catalog, so the line
 * is built inside a short transaction, at most once a minute.
 */
#include "postgres.h"

#include "access/xact.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "connections.h"
#include "loadguard.h"
#include "names.h"
#include "pressure.h"

#define LG_PRESSURE_EVERY_US	(60 * USECS_PER_SEC)
#define LG_PRESSURE_TOP			3

static TimestampTz last_line_at = 0;
static uint64 refused_since_line = 0;

/*
 * The most client connections open at once since the last line: a line
 * written for a refusal may come when usage has already fallen back.
 */
static int32 peak_since_line = 0;

static void
lg_append_top_applications(StringInfo buf)
{
	LgNameTable *table = palloc(sizeof(LgNameTable));
	bool		used[LG_NAMES_PER_DIMENSION] = {false};
	int			shown = 0;

	lg_connections_copy(LG_DIM_APPLICATION, table);
	appendStringInfoString(buf, "top applications:");
	while (shown < LG_PRESSURE_TOP)
	{
		int			best = -1;

		for (int i = 0; i < table->nentries; i++)
			if (!used[i] && table->entries[i].current > 0 &&
				(best < 0 || table->entries[i].current > table->entries[best].current))
				best = i;
		if (best < 0)
			break;
		used[best] = true;
		appendStringInfo(buf, "%s \"%s\" (%d)", shown ? "," : "",
						 table->entries[best].key.name, table->entries[best].current);
		shown++;
	}
	if (table->other.current > 0)
		appendStringInfo(buf, "%s (other) (%d)", shown ? "," : "", table->other.current);
	else if (shown == 0)
		appendStringInfoString(buf, " none");
	pfree(table);
}

static void
lg_append_top_roles(StringInfo buf, const LgSample *sample)
{
	int			shown = 0;
	int			rest = sample->other_roles_connections;

	/*
	 * roles come largest first; those with churn but no connection now are
	 * left out
	 */
	while (shown < Min(sample->nroles, LG_PRESSURE_TOP) && sample->roles[shown].connections > 0)
		shown++;

	appendStringInfoString(buf, "top roles:");
	for (int i = 0; i < shown; i++)
	{
		const char *name = GetUserNameFromId(sample->roles[i].roleid, true);

		if (name)
			appendStringInfo(buf, "%s \"%s\" (%d)", i ? "," : "", name,
							 sample->roles[i].connections);
		else
			appendStringInfo(buf, "%s %u (%d)", i ? "," : "",
							 sample->roles[i].roleid, sample->roles[i].connections);
	}
	for (int i = shown; i < sample->nroles; i++)
		rest += sample->roles[i].connections;
	if (rest > 0)
		appendStringInfo(buf, "%s (other) (%d)", shown ? "," : "", rest);
	else if (shown == 0)
		appendStringInfoString(buf, " none");
}

void
lg_pressure_maybe_log(const LgSample *sample, TimestampTz now)
{
	MemoryContext caller = CurrentMemoryContext;
	StringInfoData buf;
	bool		over;

	refused_since_line += lg_sample_refused(sample);
	/* a sample's peak is never below its client connections (sample.h) */
	peak_since_line = Max(peak_since_line, sample->peak_connections);

	if (lg_log_pressure <= 0)
	{
		/* switched off: do not carry old refusals or peaks into a later line */
		refused_since_line = 0;
		peak_since_line = 0;
		return;
	}
	over = sample->usage_pct >= (double) lg_log_pressure;
	if (!over && refused_since_line == 0)
		return;
	if (last_line_at != 0 && now - last_line_at < LG_PRESSURE_EVERY_US)
		return;

	initStringInfo(&buf);
	appendStringInfo(&buf,
					 "%d of %d usable connections in use (%.1f%%), at most %d at once since the last line; "
					 "%d active, %d idle, "
					 "%d idle in transaction, %d idle in transaction (aborted), %d waiting on a lock; "
					 "oldest idle in transaction %.1f s; " UINT64_FORMAT " refused since the last line; ",
					 sample->client_connections, sample->usable_connections, sample->usage_pct,
					 peak_since_line, sample->active, sample->idle, sample->idle_in_transaction,
					 sample->idle_in_transaction_aborted, sample->waiting_on_lock,
					 sample->oldest_idle_in_transaction_s, refused_since_line);
	lg_append_top_applications(&buf);
	appendStringInfoString(&buf, "; ");

	/* role names come from the shared catalog pg_authid */
	StartTransactionCommand();
	MemoryContextSwitchTo(caller);
	lg_append_top_roles(&buf, sample);
	CommitTransactionCommand();
	MemoryContextSwitchTo(caller);

	ereport(LOG,
			(errmsg("loadguard: connection pressure: %s", buf.data),
			 errhint("%s", over ?
					 "See loadguard.sessions and loadguard.connections for who holds the slots."
					 : "Connections were refused; see loadguard.events.")));
	pfree(buf.data);
	last_line_at = now;
	refused_since_line = 0;
	peak_since_line = 0;
}
