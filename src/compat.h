/*
 * compat.h — every PG_VERSION_NUM difference loadguard depends on, in one
 * place.
 *
 * Only PostgreSQL 15 is built and tested, so only 15 is accepted.  Porting
 * to another major version starts here: each macro below names what
 * changed in the versions around 15 (as far as known), but nothing for
 * them is kept that no build checks.  Like every loadguard header it
 * expects postgres.h to be included first by the .c file.
 */
#ifndef LG_COMPAT_H
#define LG_COMPAT_H

#include "miscadmin.h"
#include "postmaster/postmaster.h"
#include "storage/proc.h"

#if PG_VERSION_NUM < 150000 || PG_VERSION_NUM >= 160000
#error "loadguard supports only PostgreSQL 15 (the one major version it is built and tested on)"
#endif

/*
 * Connection slots a non-superuser can use.  (PostgreSQL 16 renames
 * ReservedBackends and adds reserved_connections on top of it.)
 */
#define LG_USABLE_CONNECTIONS() (MaxConnections - ReservedBackends)

/*
 * Slots of the shared backend status array ("Backend Status Array"), which
 * the sampler reads in place: one per backend plus one per auxiliary
 * process.  (PostgreSQL 17 renames NUM_AUXPROCTYPES.)
 */
#define LG_BACKEND_STATUS_SLOTS() (MaxBackends + NUM_AUXPROCTYPES)

/*
 * GUC "extra" blocks belong to the GUC machinery, which frees them: with
 * free() in 15 (guc_free() from 16 on, for guc_malloc'd blocks).  loadguard
 * only allocates one once it is complete and never frees one itself.
 */
#define lg_guc_extra_alloc(size) malloc(size)

/*
 * Number of PGPROC slots (ProcGlobal->allProcCount), known when shared
 * memory is requested: the per-backend timeout slots are indexed by
 * pgprocno.  Before PG15, _PG_init requests memory before MaxBackends is
 * computed, so it is derived from the settings it is computed from.
 */
#if PG_VERSION_NUM >= 150000
#define LG_PROC_SLOTS() (MaxBackends + NUM_AUXILIARY_PROCS + max_prepared_xacts)
#else
#define LG_PROC_SLOTS() (MaxConnections + autovacuum_max_workers + 1 + \
						 max_worker_processes + max_wal_senders + \
						 NUM_AUXILIARY_PROCS + max_prepared_xacts)
#endif

#endif							/* LG_COMPAT_H */
