/*
 * classify.c — names of the event kinds, and the classifier that maps an
 * error report (SQLSTATE + untranslated message_id) to a kind.
 * Plain C: unit-tested by test/unit/test_classify.c.
 */
#include <stddef.h>
#include <strings.h>

#include "classify.h"

const char *const lg_event_names[LG_EVENT_COUNT] = {
	[LG_EV_REJECTED_TOO_MANY_CLIENTS] = "rejected_too_many_clients",
	[LG_EV_REJECTED_RESERVED_SLOTS] = "rejected_reserved_slots",
	[LG_EV_REJECTED_DATABASE_LIMIT] = "rejected_database_limit",
	[LG_EV_REJECTED_ROLE_LIMIT] = "rejected_role_limit",
	[LG_EV_STATEMENT_TIMEOUT] = "statement_timeout",
	[LG_EV_QUERY_CANCELED] = "query_canceled",
	[LG_EV_LOCK_TIMEOUT] = "lock_timeout",
	[LG_EV_IDLE_IN_TRANSACTION_TIMEOUT] = "idle_in_transaction_timeout",
	[LG_EV_IDLE_SESSION_TIMEOUT] = "idle_session_timeout",
	[LG_EV_DEADLOCK] = "deadlock",
	[LG_EV_RECOVERY_CONFLICT] = "recovery_conflict",
	[LG_EV_ADMIN_TERMINATED] = "admin_terminated",
	[LG_EV_AUTH_FAILED] = "auth_failed",
	[LG_EV_OUT_OF_MEMORY] = "out_of_memory",
	[LG_EV_LOCK_TABLE_FULL] = "lock_table_full",
	[LG_EV_CONNECTIONS_ESTABLISHED] = "connections_established",
};

const char *const lg_event_sqlstates[LG_EVENT_COUNT] = {
	[LG_EV_REJECTED_TOO_MANY_CLIENTS] = "53300",
	[LG_EV_REJECTED_RESERVED_SLOTS] = "53300",
	[LG_EV_REJECTED_DATABASE_LIMIT] = "53300",
	[LG_EV_REJECTED_ROLE_LIMIT] = "53300",
	[LG_EV_STATEMENT_TIMEOUT] = "57014",
	[LG_EV_QUERY_CANCELED] = "57014",
	[LG_EV_LOCK_TIMEOUT] = "55P03",
	[LG_EV_IDLE_IN_TRANSACTION_TIMEOUT] = "25P03",
	[LG_EV_IDLE_SESSION_TIMEOUT] = "57P05",
	[LG_EV_DEADLOCK] = "40P01",
	[LG_EV_RECOVERY_CONFLICT] = "40001,40P01,3D000",
	[LG_EV_ADMIN_TERMINATED] = "57P01",
	[LG_EV_AUTH_FAILED] = "28P01,28000",
	[LG_EV_OUT_OF_MEMORY] = "53200",
	[LG_EV_LOCK_TABLE_FULL] = "53200",
	[LG_EV_CONNECTIONS_ESTABLISHED] = "",
};

/* The message_ids below are PostgreSQL 15's errmsg() format strings. */
#define MSG_TOO_MANY_CLIENTS	"sorry, too many clients already"
#define MSG_RESERVED_SLOTS		"remaining connection slots are reserved for non-replication superuser connections"
#define MSG_DATABASE_LIMIT		"too many connections for database \"%s\""
#define MSG_ROLE_LIMIT			"too many connections for role \"%s\""
#define MSG_STATEMENT_TIMEOUT	"canceling statement due to statement timeout"
#define MSG_USER_CANCEL			"canceling statement due to user request"
#define MSG_LOCK_TIMEOUT		"canceling statement due to lock timeout"
#define MSG_DEADLOCK			"deadlock detected"
#define MSG_CANCEL_RECOVERY		"canceling statement due to conflict with recovery"
#define MSG_TERMINATE_RECOVERY	"terminating connection due to conflict with recovery"
#define MSG_ADMIN_TERMINATE		"terminating connection due to administrator command"
#define MSG_OUT_OF_SHARED_MEMORY "out of shared memory"

#define SQLSTATE_TOO_MANY_CONNECTIONS	LG_SQLSTATE('5','3','3','0','0')
#define SQLSTATE_QUERY_CANCELED			LG_SQLSTATE('5','7','0','1','4')
#define SQLSTATE_LOCK_NOT_AVAILABLE		LG_SQLSTATE('5','5','P','0','3')
#define SQLSTATE_IDLE_IN_XACT_TIMEOUT	LG_SQLSTATE('2','5','P','0','3')
#define SQLSTATE_IDLE_SESSION_TIMEOUT	LG_SQLSTATE('5','7','P','0','5')
#define SQLSTATE_DEADLOCK_DETECTED		LG_SQLSTATE('4','0','P','0','1')
#define SQLSTATE_SERIALIZATION_FAILURE	LG_SQLSTATE('4','0','0','0','1')
#define SQLSTATE_DATABASE_DROPPED		LG_SQLSTATE('3','D','0','0','0')
#define SQLSTATE_ADMIN_SHUTDOWN			LG_SQLSTATE('5','7','P','0','1')
#define SQLSTATE_INVALID_PASSWORD		LG_SQLSTATE('2','8','P','0','1')
#define SQLSTATE_INVALID_AUTHORIZATION	LG_SQLSTATE('2','8','0','0','0')
#define SQLSTATE_OUT_OF_MEMORY			LG_SQLSTATE('5','3','2','0','0')

int
lg_sqlstate_pack(const char *text)
{
	if (text == NULL)
		return -1;
	for (int i = 0; i < 5; i++)
	{
		char		c = text[i];

		if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z')))
			return -1;
	}
	if (text[5] != '\0')
		return -1;
	return LG_SQLSTATE(text[0], text[1], text[2], text[3], text[4]);
}

void
lg_sqlstate_unpack(int code, char *buf)
{
	for (int i = 0; i < 5; i++)
	{
		buf[i] = (char) ((code & 0x3F) + '0');
		code >>= 6;
	}
	buf[5] = '\0';
}

/* Exact comparison; a NULL message_id matches nothing. */
static bool
msg_is(const char *message_id, const char *expected)
{
	if (message_id == NULL)
		return false;
	for (; *message_id == *expected; message_id++, expected++)
	{
		if (*message_id == '\0')
			return true;
	}
	return false;
}

bool
lg_classify_needs_shutdown_state(int sqlstate)
{
	return sqlstate == SQLSTATE_ADMIN_SHUTDOWN;
}

/*
 * Where one SQLSTATE has several causes (53300, 57014, 55P03, 40P01, 53200)
 * the message_id decides, and an unknown message of such a code counts as
 * nothing rather than as the wrong kind: "could not obtain lock" (55P03,
 * NOWAIT) is not a lock timeout, "canceling autovacuum task" (57014) is not
 * a user's cancel.  Codes with a single cause (25P03, 57P05) need no message.
 */
LgEventKind
lg_classify_error(const LgErrorReport *r)
{
	const char *m = r->message_id;

	switch (r->sqlstate)
	{
		case SQLSTATE_TOO_MANY_CONNECTIONS:
			if (msg_is(m, MSG_TOO_MANY_CLIENTS))
				return LG_EV_REJECTED_TOO_MANY_CLIENTS;
			if (msg_is(m, MSG_RESERVED_SLOTS))
				return LG_EV_REJECTED_RESERVED_SLOTS;
			if (msg_is(m, MSG_DATABASE_LIMIT))
				return LG_EV_REJECTED_DATABASE_LIMIT;
			if (msg_is(m, MSG_ROLE_LIMIT))
				return LG_EV_REJECTED_ROLE_LIMIT;

			/*
			 * e.g. "number of requested standby connections exceeds
			 * max_wal_senders"
			 */
			return LG_EV_NONE;

		case SQLSTATE_QUERY_CANCELED:
			if (msg_is(m, MSG_STATEMENT_TIMEOUT))
				return LG_EV_STATEMENT_TIMEOUT;
			if (msg_is(m, MSG_USER_CANCEL))
				return LG_EV_QUERY_CANCELED;
			return LG_EV_NONE;

		case SQLSTATE_LOCK_NOT_AVAILABLE:
			return msg_is(m, MSG_LOCK_TIMEOUT) ? LG_EV_LOCK_TIMEOUT : LG_EV_NONE;

		case SQLSTATE_IDLE_IN_XACT_TIMEOUT:
			return LG_EV_IDLE_IN_TRANSACTION_TIMEOUT;

		case SQLSTATE_IDLE_SESSION_TIMEOUT:
			return LG_EV_IDLE_SESSION_TIMEOUT;

		case SQLSTATE_DEADLOCK_DETECTED:
			if (msg_is(m, MSG_DEADLOCK))
				return LG_EV_DEADLOCK;
			/* a standby's buffer-pin deadlock with the startup process */
			if (msg_is(m, MSG_CANCEL_RECOVERY))
				return LG_EV_RECOVERY_CONFLICT;
			return LG_EV_NONE;

		case SQLSTATE_SERIALIZATION_FAILURE:

			/*
			 * 40001 is mostly serializable isolation: only the standby's
			 * conflicts count
			 */
			if (msg_is(m, MSG_CANCEL_RECOVERY) || msg_is(m, MSG_TERMINATE_RECOVERY))
				return LG_EV_RECOVERY_CONFLICT;
			return LG_EV_NONE;

		case SQLSTATE_DATABASE_DROPPED:
			/* the standby replayed DROP DATABASE under a session */
			return msg_is(m, MSG_TERMINATE_RECOVERY) ? LG_EV_RECOVERY_CONFLICT : LG_EV_NONE;

		case SQLSTATE_ADMIN_SHUTDOWN:
			/* fast shutdown sends the same SIGTERM as pg_terminate_backend */
			if (r->client_backend && !r->shutting_down && msg_is(m, MSG_ADMIN_TERMINATE))
				return LG_EV_ADMIN_TERMINATED;
			return LG_EV_NONE;

		case SQLSTATE_INVALID_PASSWORD:
		case SQLSTATE_INVALID_AUTHORIZATION:
			/* refused logins only, not a later SET ROLE or the like */
			return r->in_startup ? LG_EV_AUTH_FAILED : LG_EV_NONE;

		case SQLSTATE_OUT_OF_MEMORY:

			/*
			 * lock.c and predicate.c say exactly this when their table is
			 * full
			 */
			if (msg_is(m, MSG_OUT_OF_SHARED_MEMORY))
				return LG_EV_LOCK_TABLE_FULL;
			return LG_EV_OUT_OF_MEMORY;

		default:
			return LG_EV_NONE;
	}
}

bool
lg_event_is_refusal(LgEventKind kind)
{
	return kind == LG_EV_REJECTED_TOO_MANY_CLIENTS ||
		kind == LG_EV_REJECTED_RESERVED_SLOTS ||
		kind == LG_EV_REJECTED_DATABASE_LIMIT ||
		kind == LG_EV_REJECTED_ROLE_LIMIT;
}

bool
lg_log_level_name_hides_errors(const char *name)
{
	return strcasecmp(name, "log") == 0 ||
		strcasecmp(name, "fatal") == 0 ||
		strcasecmp(name, "panic") == 0;
}
