/*
 * visibility.h — THE rule for what a reader may see of one session.  Every
 * view and function that shows one session (loadguard.sessions,
 * loadguard.terminations, terminate_stuck()'s rows, and any column added to
 * them later, such as a session's timeouts) decides with
 * lg_reader_sees_session(), once per row, and nowhere else.
 *
 * The rule is pg_stat_activity's (HAS_PGSTAT_PERMISSIONS in PostgreSQL 15's
 * pgstatfuncs.c): a reader sees a session in full when it has the privileges
 * of the session's role or of pg_read_all_stats (pg_monitor includes it;
 * superusers have every role's privileges).  Otherwise a row shows only what
 * pg_stat_activity shows everyone: pid, role and database.  Every other
 * column is NULL — state, every age and timestamp of the session, wait
 * events, client address, and anything derived from them (the policy's
 * verdict and reasons, the session's settings) — and query reads
 * LG_INSUFFICIENT_PRIVILEGE.  loadguard also hides the application name of
 * such a session, which pg_stat_activity shows to all (SPEC: "application of
 * other roles' sessions").  A hidden value is never printed in another
 * column either (e.g. policy_action naming an exempt application).
 *
 * A view that lists only some sessions must pick a hidden session's row by
 * what the reader may see, or the row itself tells the state: sessions lists
 * a hidden session only when it waits on or blocks another, which
 * pg_blocking_pids() and pg_locks show to every role.
 *
 * Aggregates over many sessions (status, history, connections, readiness)
 * are not about one session; connections names applications and client
 * addresses only to readers for whom lg_reader_sees_all() is true.
 *
 * Server-side output (the server log) stays complete, but must never reach
 * the client: log lines that name a session use LOG_SERVER_ONLY.
 */
#ifndef LG_VISIBILITY_H
#define LG_VISIBILITY_H

/* what pg_stat_activity shows instead of a hidden query */
#define LG_INSUFFICIENT_PRIVILEGE	"<insufficient privilege>"

/* The calling role, looked up once per call of a view's function. */
typedef struct LgReader
{
	Oid			userid;
	bool		read_all_stats; /* has the privileges of pg_read_all_stats */
} LgReader;

extern void lg_reader_init(LgReader *reader);

/* May the reader see this session's details (see the header comment)? */
extern bool lg_reader_sees_session(const LgReader *reader, Oid session_role);

/* May the reader see every session's details (pg_read_all_stats)? */
static inline bool
lg_reader_sees_all(const LgReader *reader)
{
	return reader->read_all_stats;
}

#endif							/* LG_VISIBILITY_H */
