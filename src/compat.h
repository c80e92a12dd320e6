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

/*
 * The names a connection asked for in its startup packet (database, user,
 * application) and its client address, read through MyProcPort by the
 * hooks that attribute established and refused connections (connlog.c).
 * libpq/libpq-be.h, which defines struct Port, includes the GSSAPI headers
 * on servers built with GSSAPI (Debian's are), and those are not among our
 * build dependencies.  So this mirrors the leading fields of struct Port,
 * up to application_name: all of them precede the first conditionally
 * compiled field, so the layout depends only on the major version.
 * Checked against PostgreSQL 15's libpq-be.h; on other versions
 * LG_HAVE_PORT_PREFIX is undefined and those connections are attributed to
 * "(other)" until their layout is checked here.
 */
#if PG_VERSION_NUM >= 150000 && PG_VERSION_NUM < 160000
#include "libpq/pqcomm.h"
#include "nodes/pg_list.h"

typedef struct LgPortPrefix
{
	pgsocket	sock;
	bool		noblock;
	ProtocolVersion proto;
	SockAddr	laddr;
	SockAddr	raddr;
	char	   *remote_host;
	char	   *remote_hostname;
	int			remote_hostname_resolv;
	int			remote_hostname_errcode;
	char	   *remote_port;
	int			canAcceptConnections;	/* enum CAC_state */
	char	   *database_name;
	char	   *user_name;
	char	   *cmdline_options;
	List	   *guc_options;
	char	   *application_name;
} LgPortPrefix;

#define LG_HAVE_PORT_PREFIX 1
#endif

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
