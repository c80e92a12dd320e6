/*
 * classify.h — event kinds counted by the log hook, and the pure classifier
 * that maps an error's SQLSTATE plus untranslated message_id to a kind.
 *
 * Plain C, no server headers: unit-tested directly by test/unit/test_classify.c.
 * The order of LgEventKind is part of the shared-memory layout and of the
 * state file; append new kinds at the end (before LG_EVENT_COUNT) and bump
 * LG_SHMEM_VERSION.
 */
#ifndef LG_CLASSIFY_H
#define LG_CLASSIFY_H

#include <stdbool.h>

typedef enum LgEventKind
{
	LG_EV_REJECTED_TOO_MANY_CLIENTS = 0,
	LG_EV_REJECTED_RESERVED_SLOTS,
	LG_EV_REJECTED_DATABASE_LIMIT,
	LG_EV_REJECTED_ROLE_LIMIT,
	LG_EV_STATEMENT_TIMEOUT,
	LG_EV_QUERY_CANCELED,
	LG_EV_LOCK_TIMEOUT,
	LG_EV_IDLE_IN_TRANSACTION_TIMEOUT,
	LG_EV_IDLE_SESSION_TIMEOUT,
	LG_EV_DEADLOCK,
	LG_EV_RECOVERY_CONFLICT,
	LG_EV_ADMIN_TERMINATED,
	LG_EV_AUTH_FAILED,
	LG_EV_OUT_OF_MEMORY,
	LG_EV_LOCK_TABLE_FULL,
	LG_EV_CONNECTIONS_ESTABLISHED,
	LG_EVENT_COUNT,
	LG_EV_NONE = -1
} LgEventKind;

/* SQL-visible name of each kind ("rejected_too_many_clients", ...). */
extern const char *const lg_event_names[LG_EVENT_COUNT];

/* SQLSTATEs that can produce each kind, for the events view ("53300", ...). */
extern const char *const lg_event_sqlstates[LG_EVENT_COUNT];

#endif							/* LG_CLASSIFY_H */
