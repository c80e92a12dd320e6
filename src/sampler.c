/*
 * sampler.c — reads every backend's status into a plain LgSample.
 * PLACEHOLDER: owned by the sampler work (issue 3).
 */
#include "postgres.h"

#include "loadguard.h"

void
lg_sampler_collect(LgSample *sample, TimestampTz now)
{
}

int
lg_sampler_read_sessions(LgSession **sessions, TimestampTz now,
						 bool with_names, bool with_blocking)
{
	*sessions = NULL;
	return 0;
}
