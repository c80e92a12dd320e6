/*
 * events.c — the log and authentication hooks counting refused connections,
 * timeouts and deadlocks.
 * PLACEHOLDER: owned by the events work (issue 5).
 */
#include "postgres.h"

#include "loadguard.h"

Size
lg_events_shmem_size(void)
{
	return 0;
}

void
lg_events_shmem_init(void)
{
}

void
lg_events_install_hooks(void)
{
}

void
lg_events_fill_sample(LgSample *sample)
{
}

void
lg_events_check_log_settings(void)
{
}

uint64
lg_events_total(LgEventKind kind)
{
	return 0;
}

void
lg_events_reset(void)
{
}
