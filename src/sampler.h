/*
 * sampler.h — the sampler (sampler.c): reads every backend's status into
 * plain structs (LgSample per tick, LgSession snapshots on request).
 */
#ifndef LG_SAMPLER_H
#define LG_SAMPLER_H

#include "libpq/pqcomm.h"
#include "storage/lwlock.h"
#include "utils/timestamp.h"

#include "sample.h"
#include "session.h"

/* worker: read every backend's status into *sample (and the per-name tallies) */
extern void lg_sampler_collect(LgSample *sample, TimestampTz now);

/*
 * A snapshot of every backend (client or not) now, sorted by pid, palloc'd
 * in the current memory context.  Names are resolved only when with_names
 * (needs a transaction; the worker and SQL backends can).  The blocking
 * counts are computed only when with_blocking and some session waits on a
 * lock.  Returns the number of sessions in *sessions.
 */
extern int	lg_sampler_read_sessions(LgSession **sessions, TimestampTz now,
									 bool with_names, bool with_blocking);

/*
 * The status slot of one pid, read again now (no names, no query), for the
 * policy's re-check right before signalling.  False when no backend has
 * that pid.
 */
extern bool lg_sampler_reread_session(int pid, LgSession *session);

/* A growing list of pids, palloc'd. */
typedef struct LgPidList
{
	int			n;
	int			cap;
	int		   *pids;
} LgPidList;

/*
 * Who blocks whom among sessions (sorted by pid), with pg_blocking_pids()
 * semantics (hard and soft blockers, parallel groups), looked up only for
 * sessions waiting on a lock since it takes every lock-manager partition
 * lock.  Sets nblocked_by and nblocking of every session; when the lists
 * are given (n entries each), also fills in the pids on both sides.
 */
extern void lg_sampler_blocking_graph(LgSession *sessions, int n,
									  LgPidList *blocked_by, LgPidList *blocking);

/* A client address as text into out[LG_CLIENT_ADDR_LEN]; "" for unix sockets. */
extern void lg_format_client_addr(const SockAddr *addr, char *out);

/* module table entry "sampler": attach the server's backend status array */
extern void lg_sampler_shmem_init(LWLock *lock);

#endif							/* LG_SAMPLER_H */
