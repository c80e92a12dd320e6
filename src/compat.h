/*
 * compat.h — every PG_VERSION_NUM difference loadguard depends on, in one place.
 * PostgreSQL 15 is the verified target; 14 and 16-17 follow through here.
 */
#ifndef LG_COMPAT_H
#define LG_COMPAT_H

#include "postgres.h"
#include "miscadmin.h"
#include "postmaster/postmaster.h"
#include "utils/guc.h"

#if PG_VERSION_NUM < 140000
#error "loadguard requires PostgreSQL 14 or later"
#endif

/*
 * Connection slots a non-superuser can use.  PG16 added reserved_connections
 * (for pg_use_reserved_connections members) on top of the superuser reserve.
 */
#if PG_VERSION_NUM >= 160000
#define LG_USABLE_CONNECTIONS() \
	(MaxConnections - SuperuserReservedConnections - ReservedConnections)
#else
#define LG_USABLE_CONNECTIONS() \
	(MaxConnections - ReservedBackends)
#endif

/* shmem_request_hook exists from PG15; before it, request in _PG_init. */
#if PG_VERSION_NUM >= 150000
#define LG_HAVE_SHMEM_REQUEST_HOOK 1
#endif

/* GUC "extra" blocks: malloc'd before PG16, guc_malloc'd since. */
#if PG_VERSION_NUM >= 160000
#define lg_guc_extra_alloc(size) guc_malloc(LOG, (size))
#else
#define lg_guc_extra_alloc(size) malloc(size)
#endif

/* Reading another backend's status entry: the copy the pgstat snapshot holds. */
#if PG_VERSION_NUM >= 160000
#define lg_fetch_local_beentry(i) pgstat_get_local_beentry_by_index(i)
#else
#define lg_fetch_local_beentry(i) pgstat_fetch_stat_local_beentry(i)
#endif

/*
 * Slots of the shared backend status array ("Backend Status Array"), which
 * the sampler reads in place: one per backend plus one per auxiliary process.
 */
#if PG_VERSION_NUM >= 170000
#define LG_BACKEND_STATUS_SLOTS() (MaxBackends + NUM_AUXILIARY_PROCS)
#else
#define LG_BACKEND_STATUS_SLOTS() (MaxBackends + NUM_AUXPROCTYPES)
#endif

#endif							/* LG_COMPAT_H */
