/*
 * live.h — the live module (live.c): client connections counted where they
 * start and end, for the exact peak between two ticks.
 */
#ifndef LG_LIVE_H
#define LG_LIVE_H

#include "storage/lwlock.h"

#include "roleslots.h"

/* _PG_init: ClientAuthentication_hook (the exit callback is per backend) */
extern void lg_live_install_hooks(void);

/*
 * Worker, once per tick: the most client connections open at once since
 * the previous call; the next interval's peak starts from the count open now.
 */
extern int32 lg_live_take_peak(void);

/*
 * A client backend's startup transaction committed (events.c): count it in
 * its role's slot until it exits.
 */
extern void lg_live_role_started(void);

/*
 * Worker, once per tick: the most client connections of each role open at
 * once since the previous call, into out (room for LG_ROLE_SLOTS), roles
 * with none left out; returns how many.  A role without a slot (more than
 * LG_ROLE_SLOTS roles at once) is missing.
 */
extern int	lg_live_take_role_peaks(LgRolePeak *out);

/* Client connections open now (between authentication and exit). */
extern int32 lg_live_current(void);

/* module table entry "live": shared atomics, no lock, nothing persisted */
extern Size lg_live_shmem_size(void);
extern void lg_live_shmem_init(LWLock *lock);

#endif							/* LG_LIVE_H */
