/*
 * session.h — one client session as the sampler saw it: the plain struct the
 * sessions view, the stuck-session policy and the pressure line all read.
 *
 * Plain C (no server headers): the policy's decisions are unit-tested on
 * sessions built by hand.  Timestamps are TimestampTz (µs since 2000-01-01)
 * in int64_t; 0 means "not set".
 */
#ifndef LG_SESSION_H
#define LG_SESSION_H

#include <stdbool.h>
#include <stdint.h>

#include "lists.h"

typedef enum LgSessionState
{
	LG_STATE_UNKNOWN = 0,		/* starting, or not reported */
	LG_STATE_ACTIVE,
	LG_STATE_IDLE,
	LG_STATE_IDLE_IN_TRANSACTION,
	LG_STATE_IDLE_IN_TRANSACTION_ABORTED,
	LG_STATE_FASTPATH,
	LG_STATE_DISABLED
} LgSessionState;

#define LG_QUERY_SNIPPET_LEN	256
#define LG_CLIENT_ADDR_LEN		64	/* fits INET6_ADDRSTRLEN, or "local" */

/*
 * The timeouts a session runs with, as it last published them (integer
 * milliseconds, 0 = off): whatever set them — server, role, database,
 * connection options or SET.
 */
typedef struct LgTimeouts
{
	int32_t		statement_timeout_ms;
	int32_t		idle_in_transaction_session_timeout_ms;
	int32_t		idle_session_timeout_ms;
	int32_t		lock_timeout_ms;
} LgTimeouts;

typedef struct LgSession
{
	int32_t		pid;
	bool		is_client_backend;	/* false: autovacuum, walsender, bgworker,
									 * ... */
	uint32_t	roleid;			/* Oid */
	uint32_t	dbid;			/* Oid */
	bool		is_superuser;
	char		role_name[LG_NAME_MAXLEN + 1];	/* "" if not resolved */
	char		database_name[LG_NAME_MAXLEN + 1];
	char		application_name[LG_NAME_MAXLEN + 1];
	char		client_addr[LG_CLIENT_ADDR_LEN];	/* "" for unix sockets */
	LgSessionState state;
	int64_t		backend_start;
	int64_t		state_start;
	int64_t		xact_start;
	int64_t		query_start;
	uint32_t	wait_event_info;
	bool		waiting_on_lock;	/* wait_event_type = 'Lock' */
	int32_t		nblocking;		/* sessions this one blocks (0 if not
								 * computed) */
	int32_t		nblocked_by;	/* sessions blocking this one */
	char		query[LG_QUERY_SNIPPET_LEN];
	bool		timeouts_known; /* false until the session published them */
	LgTimeouts	timeouts;
} LgSession;

#endif							/* LG_SESSION_H */
