/*
 * shmem.h — installing the shared-memory hooks, and what iterates the
 * module table outside persist.c.
 */
#ifndef LG_SHMEM_H
#define LG_SHMEM_H

#include "utils/timestamp.h"

/* _PG_init: request and attach every module's shared memory */
extern void lg_shmem_install_hooks(void);

/* Is shared memory attached in this process (the library was preloaded)? */
extern bool lg_shmem_attached(void);

/* Reset every module that has a reset callback. */
extern void lg_shmem_reset(TimestampTz now);

/* The state-file layout version (shared memory structs that are persisted). */
#define LG_SHMEM_VERSION	1

#endif							/* LG_SHMEM_H */
