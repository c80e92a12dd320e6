/*
 * classify.c — names of the event kinds, and the classifier that maps an
 * error report (SQLSTATE + untranslated message_id) to a kind.
 * Plain C: unit-tested by test/unit/test_classify.c.
 */
#include <stddef.h>

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
	[LG_EV_RECOVERY_CONFLICT] = "40001,40P01",
	[LG_EV_ADMIN_TERMINATED] = "57P01",
	[LG_EV_AUTH_FAILED] = "28P01,28000",
	[LG_EV_OUT_OF_MEMORY] = "53200",
	[LG_EV_LOCK_TABLE_FULL] = "53200",
	[LG_EV_CONNECTIONS_ESTABLISHED] = "",
};
