/*
 * sampler.h — internal interfaces between the sampler (sampler.c), the
 * per-name connection table (connections.c) and the views over them.
 * Not used by other modules: those go through loadguard.h.
 */
#ifndef LG_SAMPLER_H
#define LG_SAMPLER_H

#include "postgres.h"

#include "libpq/pqcomm.h"

#include "names.h"
#include "session.h"

/*
 * Pids blocking `pid` (pg_blocking_pids semantics: hard and soft blockers,
 * parallel groups), palloc'd; returns the count.
 */
extern int	lg_sampler_blockers_of(int pid, int **blockers);

/*
 * connections.c: apply one tick's distinct tallies per dimension, after the
 * connections established and refused since the previous tick (connlog.h).
 */
struct LgNameCounts;
extern void lg_connections_update(LgNameTally *const tallies[LG_DIM_COUNT],
								  const int ntallies[LG_DIM_COUNT],
								  struct LgNameCounts *counts, TimestampTz now);

/*
 * connections.c: copy of one dimension's table (under LG_LOCK_NAMES, shared).
 */
extern void lg_connections_copy(LgDimension dim, LgNameTable *out);

/* Display name of a table key: role/database name (needs a transaction), or the text key. */
extern const char *lg_name_key_display(LgDimension dim, const LgNameKey *key);

/* A client address as text into out[LG_CLIENT_ADDR_LEN]; "" for unix sockets. */
extern void lg_format_client_addr(const SockAddr *addr, char *out);

/* "" (unix socket or none) as the connections view shows it */
#define LG_CLIENT_LOCAL "local"

#endif							/* LG_SAMPLER_H */
