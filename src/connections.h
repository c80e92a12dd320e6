/*
 * connections.h — the connections module (connections.c): the per-name
 * connection tables behind loadguard.connections.
 */
#ifndef LG_CONNECTIONS_H
#define LG_CONNECTIONS_H

#include "lib/stringinfo.h"
#include "storage/lwlock.h"
#include "utils/timestamp.h"

#include "names.h"

/* "" (unix socket or none) as the connections view shows it */
#define LG_CLIENT_LOCAL "local"

/*
 * worker: apply one tick's distinct tallies per dimension, after the
 * connections established and refused since the previous tick (connlog.h).
 */
struct LgNameCounts;
extern void lg_connections_update(LgNameTally *const tallies[LG_DIM_COUNT],
								  const int ntallies[LG_DIM_COUNT],
								  struct LgNameCounts *counts, TimestampTz now);

/* A copy of one dimension's table. */
extern void lg_connections_copy(LgDimension dim, LgNameTable *out);

/*
 * views_connections.c: display name of a table key: role or database name
 * (needs a transaction), or the text key.
 */
extern const char *lg_name_key_display(LgDimension dim, const LgNameKey *key);

/* module table entry "connections" */
extern Size lg_names_shmem_size(void);
extern void lg_names_shmem_init(LWLock *lock);
extern void lg_names_dump(StringInfo out);
extern bool lg_names_load(const char *data, Size len);
extern void lg_names_reset(TimestampTz now);

#endif							/* LG_CONNECTIONS_H */
