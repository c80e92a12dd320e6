/*
 * views_events.c — loadguard.events: one row per event kind with its total
 * since reset and its counts over the last 1, 5 and 15 minutes.  The
 * windows add up the per-sample deltas kept in the history ring, plus what
 * happened after the newest sample; so a window is as long as the history
 * holds, at most, and starts no earlier than stats_reset.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

#include "events.h"
#include "history.h"
#include "loadguard.h"
#include "views.h"

PG_FUNCTION_INFO_V1(lg_events_view);
PG_FUNCTION_INFO_V1(lg_events_view_1_1);

/* loadguard.get_events()'s columns, in order, by the version that added them */
static const LgViewColumn events_columns[] = {
	{"event", LG_API_1_0},
	{"sqlstates", LG_API_1_0},
	{"total", LG_API_1_0},
	{"last_seen", LG_API_1_0},
	{"last_1min", LG_API_1_0},
	{"last_5min", LG_API_1_0},
	{"last_15min", LG_API_1_0},
	{"stats_reset", LG_API_1_0},
};

#define EVENTS_MAX_COLS lengthof(events_columns)
#define NWINDOWS 3

static const int window_minutes[NWINDOWS] = {1, 5, 15};

/* "40001,40P01" -> '{40001,40P01}'; "" -> '{}' */
static Datum
sqlstates_array(const char *list)
{
	Datum		elems[8];
	int			n = 0;
	const char *p = list;

	while (*p != '\0' && n < (int) lengthof(elems))
	{
		const char *end = strchr(p, ',');
		int			len = end ? (int) (end - p) : (int) strlen(p);

		elems[n++] = PointerGetDatum(cstring_to_text_with_len(p, len));
		p += len;
		if (*p == ',')
			p++;
	}
	return PointerGetDatum(construct_array(elems, n, TEXTOID, -1, false, TYPALIGN_INT));
}

static Datum
lg_events_internal(FunctionCallInfo fcinfo, LgApiVersion api)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	LgEventsSnapshot snap;
	TimestampTz now = GetCurrentTimestamp();
	TimestampTz since[NWINDOWS];
	uint64		window[NWINDOWS][LG_EVENT_COUNT];
	LgSample   *samples;
	TimestampTz oldest_ts;
	int			nsamples;
	int			ncols PG_USED_FOR_ASSERTS_ONLY;

	lg_require_shmem();
	InitMaterializedSRF(fcinfo, 0);
	ncols = lg_view_check_columns(fcinfo, rsinfo->setDesc, api,
								  events_columns, lengthof(events_columns));

	/*
	 * History first, counters second: a sample appended in between is then
	 * missing from both the copy and the pending counts (the windows may fall
	 * short by it) instead of counted twice.
	 */
	nsamples = lg_history_copy(&samples,
							   now - (TimestampTz) window_minutes[NWINDOWS - 1] * USECS_PER_MINUTE,
							   &oldest_ts);
	lg_events_read(&snap);

	/*
	 * A window starts no earlier than the reset: history outlives reset(),
	 * and a window that reached past it could exceed the total.
	 */
	for (int w = 0; w < NWINDOWS; w++)
		since[w] = Max(now - (TimestampTz) window_minutes[w] * USECS_PER_MINUTE,
					   snap.stats_reset);
	memset(window, 0, sizeof(window));
	for (int i = 0; i < nsamples; i++)
	{
		for (int w = 0; w < NWINDOWS; w++)
		{
			if ((TimestampTz) samples[i].ts < since[w])
				continue;
			for (int k = 0; k < LG_EVENT_COUNT; k++)
				window[w][k] += samples[i].events[k];
		}
	}
	/* events after the newest sample belong to every window it is in */
	if (snap.pending_since != 0)
	{
		for (int w = 0; w < NWINDOWS; w++)
		{
			if (snap.pending_since < since[w])
				continue;
			for (int k = 0; k < LG_EVENT_COUNT; k++)
				window[w][k] += snap.pending[k];
		}
	}

	for (int k = 0; k < LG_EVENT_COUNT; k++)
	{
		Datum		values[EVENTS_MAX_COLS];
		bool		nulls[EVENTS_MAX_COLS];
		int			i = 0;

		memset(nulls, 0, sizeof(nulls));
		values[i++] = CStringGetTextDatum(lg_event_names[k]);
		values[i++] = sqlstates_array(lg_event_sqlstates[k]);
		values[i++] = Int64GetDatum((int64) snap.total[k]);
		if (snap.last_seen[k] != 0)
			values[i++] = TimestampTzGetDatum(snap.last_seen[k]);
		else
			nulls[i++] = true;
		for (int w = 0; w < NWINDOWS; w++)
			values[i++] = Int64GetDatum((int64) window[w][k]);
		values[i++] = TimestampTzGetDatum(snap.stats_reset);
		Assert(i == ncols);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/* lg_events_view (1.0's columns) and lg_events_view_1_1 */
LG_VIEW_ENTRY_POINTS(lg_events_view, lg_events_internal);
