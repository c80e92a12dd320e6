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

/*
 * SQLSTATE packed the way the server's MAKE_SQLSTATE does (six bits per
 * character), so that edata->sqlerrcode can be compared without server
 * headers.  events.c checks the encoding against the server's at compile time.
 */
#define LG_SIXBIT(ch) (((ch) - '0') & 0x3F)
#define LG_SQLSTATE(c1, c2, c3, c4, c5) \
	(LG_SIXBIT(c1) + (LG_SIXBIT(c2) << 6) + (LG_SIXBIT(c3) << 12) + \
	 (LG_SIXBIT(c4) << 18) + (LG_SIXBIT(c5) << 24))

/* "53300" -> packed code; -1 unless exactly five of [0-9A-Z]. */
extern int	lg_sqlstate_pack(const char *text);

/* packed code -> five characters plus NUL in buf[6]. */
extern void lg_sqlstate_unpack(int code, char *buf);

/*
 * One error report as the log hook sees it.  message_id is the untranslated
 * errmsg format string (edata->message_id), never the translated text.
 */
typedef struct LgErrorReport
{
	int			sqlstate;		/* packed, as edata->sqlerrcode */
	const char *message_id;		/* may be NULL (elog without errmsg) */
	bool		client_backend; /* a regular client backend (not walsender,
								 * autovacuum, background worker) */
	bool		in_startup;		/* connection startup has not finished */
	bool		shutting_down;	/* the postmaster is shutting down */
} LgErrorReport;

/* The kind this report counts as, or LG_EV_NONE. */
extern LgEventKind lg_classify_error(const LgErrorReport *report);

/*
 * Whether classifying this SQLSTATE needs report->shutting_down; the hook
 * looks the shutdown state up only then, since that costs a file read.
 */
extern bool lg_classify_needs_shutdown_state(int sqlstate);

/*
 * Is this kind a refused connection: too many clients, reserved slots, or
 * a database or role connection limit?
 */
extern bool lg_event_is_refusal(LgEventKind kind);

/*
 * Does this log_min_messages value (a level name, any case) keep ERROR
 * reports out of the server log, and so away from emit_log_hook?  "log"
 * does too: for the server log, LOG ranks between ERROR and FATAL.
 */
extern bool lg_log_level_name_hides_errors(const char *name);

#endif							/* LG_CLASSIFY_H */
