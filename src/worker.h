/*
 * worker.h — the background worker (worker.c) and its health figures.
 */
#ifndef LG_WORKER_H
#define LG_WORKER_H

#include "storage/lwlock.h"
#include "utils/timestamp.h"

#include "settings_rules.h"

/*
 * A timeout's server-wide value, as the worker has it: the worker applies
 * no role or database defaults (a worker without a database returns from
 * InitPostgres before process_settings()) and has no connect options, so
 * its value is the one every backend starts from: the configuration files
 * (postgresql.conf, postgresql.auto.conf), the command line, the
 * environment or the built-in default.
 */
typedef struct LgServerSetting
{
	int64		value;			/* base unit (ms) */
	char		source[32];		/* pg_settings.source in the worker */
	char		file[256];		/* sourcefile:sourceline, "" when not a file */
} LgServerSetting;

typedef struct LgServerSettings
{
	TimestampTz published_at;	/* 0: not published yet */
	LgServerSetting timeout[LG_TO_COUNT];	/* by LgTimeoutId */
} LgServerSettings;

/* The worker's health, as loadguard.status shows it. */
typedef struct LgWorkerState
{
	int			worker_pid;		/* 0 while no worker runs */
	TimestampTz worker_started_at;
	TimestampTz last_tick_at;
	uint64		ticks;
	uint64		ticks_late;		/* started more than one interval late */
	double		tick_total_us;
	double		tick_max_us;
	/* published at start and after each reload the worker processes */
	LgServerSettings server;
} LgWorkerState;

/* _PG_init: register the worker */
extern void lg_worker_register(void);
PGDLLEXPORT void lg_worker_main(Datum main_arg);

/* A copy of the worker's health figures. */
extern void lg_worker_read(LgWorkerState *out);

/* A copy of the server-wide timeouts the worker last published. */
extern void lg_worker_read_server_settings(LgServerSettings *out);

/* module table entry "worker" */
extern Size lg_worker_shmem_size(void);
extern void lg_worker_shmem_init(LWLock *lock);

#endif							/* LG_WORKER_H */
