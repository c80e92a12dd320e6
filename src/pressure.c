/*
 * pressure.c — the worker's once-a-minute pressure line.
 * PLACEHOLDER: owned by the sessions work (issue 4).
 */
#include "postgres.h"

#include "loadguard.h"

void
lg_pressure_maybe_log(const LgSample *sample, TimestampTz now)
{
}
