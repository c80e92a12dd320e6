/*
 * history.c — the shared ring of samples behind loadguard.history.
 * PLACEHOLDER: owned by the sampler work (issue 3).
 */
#include "postgres.h"

#include "storage/shmem.h"

#include "loadguard.h"

Size
lg_history_shmem_size(void)
{
	return 0;
}

void
lg_history_shmem_init(void)
{
}

void
lg_history_append(const LgSample *sample)
{
	LWLockAcquire(lg_lock(LG_LOCK_CORE), LW_EXCLUSIVE);
	lg_core->current = *sample;
	lg_core->have_sample = true;
	LWLockRelease(lg_lock(LG_LOCK_CORE));
}

int
lg_history_copy(LgSample **samples, TimestampTz since, TimestampTz *oldest_ts)
{
	*samples = NULL;
	*oldest_ts = 0;
	return 0;
}
