/*
 * worker.h — the background worker (worker.c) and its health figures.
 */
#ifndef LG_WORKER_H
#define LG_WORKER_H

#include "storage/lwlock.h"
#include "utils/timestamp.h"

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
} LgWorkerState;

/* _PG_init: register the worker */
extern void lg_worker_register(void);
PGDLLEXPORT void lg_worker_main(Datum main_arg);

/* A copy of the worker's health figures. */
extern void lg_worker_read(LgWorkerState *out);

/* module table entry "worker" */
extern Size lg_worker_shmem_size(void);
extern void lg_worker_shmem_init(LWLock *lock);

#endif							/* LG_WORKER_H */
