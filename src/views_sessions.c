/*
 * views_sessions.c — loadguard.sessions: client sessions that are idle in a
 * transaction, running longer than a second, waiting on a lock, or blocking
 * others, with who blocks whom.
 *
 * What a reader sees of each session is decided by lg_reader_sees_session()
 * (visibility.h): a hidden session shows pid, role, database and its place
 * in the lock graph, and is listed only when it waits on or blocks another
 * session (what pg_blocking_pids() tells everyone).  The blocking graph is
 * computed only when some session waits on a lock, one pg_blocking_pids()
 * lookup per waiting session, because it takes every lock-manager partition
 * lock.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/inet.h"
#include "utils/timestamp.h"
#include "utils/wait_event.h"

#include "history.h"
#include "loadguard.h"
#include "policy.h"
#include "sampler.h"
#include "terminate.h"
#include "views.h"
#include "visibility.h"

PG_FUNCTION_INFO_V1(lg_sessions);
PG_FUNCTION_INFO_V1(lg_sessions_1_1);

/* loadguard.get_sessions()'s columns, in order, by the version that added them */
static const LgViewColumn sessions_columns[] = {
	{"pid", LG_API_1_0},
	{"role", LG_API_1_0},
	{"database", LG_API_1_0},
	{"application", LG_API_1_0},
	{"client_addr", LG_API_1_0},
	{"state", LG_API_1_0},
	{"state_age", LG_API_1_0},
	{"xact_age", LG_API_1_0},
	{"query_age", LG_API_1_0},
	{"wait_event_type", LG_API_1_0},
	{"wait_event", LG_API_1_0},
	{"blocked_by", LG_API_1_0},
	{"blocking", LG_API_1_0},
	{"query", LG_API_1_0},
	{"policy_action", LG_API_1_0},
	{"statement_timeout_ms", LG_API_1_1},
	{"idle_in_transaction_session_timeout_ms", LG_API_1_1},
	{"idle_session_timeout_ms", LG_API_1_1},
	{"lock_timeout_ms", LG_API_1_1},
};

#define SESSIONS_MAX_COLS lengthof(sessions_columns)
#define LG_LONG_QUERY_US	USECS_PER_SEC

static Datum
pidlist_datum(const LgPidList *list)
{
	Datum	   *elems = palloc(sizeof(Datum) * Max(list->n, 1));

	for (int i = 0; i < list->n; i++)
		elems[i] = Int32GetDatum(list->pids[i]);
	return PointerGetDatum(construct_array(elems, list->n, INT4OID, sizeof(int32), true, TYPALIGN_INT));
}

/*
 * Is the session listed?  For a session the reader may not see in full,
 * only what everyone may see decides (visibility.h): its place in the lock
 * graph, never its state or ages.
 */
static bool
lg_session_worth_a_look(const LgSession *s, TimestampTz now, bool visible,
						const LgPidList *blocked_by, const LgPidList *blocking)
{
	if (!s->is_client_backend)
		return false;
	if (!visible)
		return blocked_by->n > 0 || blocking->n > 0;
	if (s->state == LG_STATE_IDLE_IN_TRANSACTION ||
		s->state == LG_STATE_IDLE_IN_TRANSACTION_ABORTED)
		return true;
	if ((s->state == LG_STATE_ACTIVE || s->state == LG_STATE_FASTPATH) &&
		s->query_start != 0 && now - s->query_start > LG_LONG_QUERY_US)
		return true;
	return s->waiting_on_lock || blocked_by->n > 0 || blocking->n > 0;
}

static inline void
lg_set_age(Datum *value, bool *isnull, TimestampTz now, TimestampTz since)
{
	*isnull = (since == 0);
	if (since != 0)
		*value = lg_interval_datum((double) Max(now - since, 0) / USECS_PER_SEC);
}

static inline void
set_text(Datum *value, bool *isnull, const char *text)
{
	*isnull = (text == NULL);
	if (text != NULL)
		*value = CStringGetTextDatum(text);
}

static Datum
lg_sessions_internal(FunctionCallInfo fcinfo, LgApiVersion api)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	TimestampTz now = GetCurrentTimestamp();
	LgSession  *sessions;
	LgPidList  *blocked_by;
	LgPidList  *blocking;
	LgCurrent	current;
	LgReader	reader;
	double		usage_pct = 0;
	int			n;

	lg_require_shmem();
	InitMaterializedSRF(fcinfo, 0);
	lg_view_check_columns(fcinfo, rsinfo->setDesc, api,
						  sessions_columns, lengthof(sessions_columns));

	/* sorted by pid, with names */
	n = lg_sampler_read_sessions(&sessions, now, true, false);
	blocked_by = palloc0(sizeof(LgPidList) * Max(n, 1));
	blocking = palloc0(sizeof(LgPidList) * Max(n, 1));
	lg_sampler_blocking_graph(sessions, n, blocked_by, blocking);

	lg_history_current(&current);
	if (current.have_sample)
		usage_pct = current.sample.usage_pct;

	lg_reader_init(&reader);

	for (int i = 0; i < n; i++)
	{
		LgSession  *s = &sessions[i];
		Datum		values[SESSIONS_MAX_COLS];
		bool		nulls[SESSIONS_MAX_COLS];
		bool		visible;
		const char *text;

		visible = lg_reader_sees_session(&reader, s->roleid);
		if (!lg_session_worth_a_look(s, now, visible, &blocked_by[i], &blocking[i]))
			continue;

		/*
		 * Columns everyone may see; for a hidden session every other column
		 * stays NULL (visibility.h), including any added later.
		 */
		memset(nulls, true, sizeof(nulls));
		values[0] = Int32GetDatum(s->pid);
		nulls[0] = false;
		if (s->role_name[0])
		{
			values[1] = CStringGetTextDatum(s->role_name);
			nulls[1] = false;
		}
		if (s->database_name[0])
		{
			values[2] = CStringGetTextDatum(s->database_name);
			nulls[2] = false;
		}
		values[11] = pidlist_datum(&blocked_by[i]);
		values[12] = pidlist_datum(&blocking[i]);
		nulls[11] = nulls[12] = false;
		values[13] = CStringGetTextDatum(visible ? s->query : LG_INSUFFICIENT_PRIVILEGE);
		nulls[13] = false;
		if (!visible)
		{
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
			continue;
		}

		/* the session in full: each column says whether it has a value */
		values[3] = CStringGetTextDatum(s->application_name);
		nulls[3] = false;
		if (s->client_addr[0])
		{
			values[4] = DirectFunctionCall1(inet_in, CStringGetDatum(s->client_addr));
			nulls[4] = false;
		}
		/* like pg_stat_activity, a state not (yet) reported is NULL */
		if (s->state != LG_STATE_UNKNOWN)
		{
			values[5] = CStringGetTextDatum(lg_policy_state_name(s->state));
			nulls[5] = false;
		}
		lg_set_age(&values[6], &nulls[6], now, s->state_start);
		lg_set_age(&values[7], &nulls[7], now, s->xact_start);
		lg_set_age(&values[8], &nulls[8], now, s->query_start);
		text = s->wait_event_info ? pgstat_get_wait_event_type(s->wait_event_info) : NULL;
		set_text(&values[9], &nulls[9], text);
		text = s->wait_event_info ? pgstat_get_wait_event(s->wait_event_info) : NULL;
		set_text(&values[10], &nulls[10], text);
		set_text(&values[14], &nulls[14], lg_policy_action_text(s, now, usage_pct));
		if (api >= LG_API_1_1 && s->timeouts_known)
		{
			/* what the session runs with: shown only with its state (above) */
			values[15] = Int32GetDatum(s->timeouts.statement_timeout_ms);
			values[16] = Int32GetDatum(s->timeouts.idle_in_transaction_session_timeout_ms);
			values[17] = Int32GetDatum(s->timeouts.idle_session_timeout_ms);
			values[18] = Int32GetDatum(s->timeouts.lock_timeout_ms);
			nulls[15] = nulls[16] = nulls[17] = nulls[18] = false;
		}
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/* lg_sessions (1.0's columns) and lg_sessions_1_1 */
LG_VIEW_ENTRY_POINTS(lg_sessions, lg_sessions_internal);
