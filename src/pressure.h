/*
 * pressure.h — the worker's pressure line (pressure.c).
 */
#ifndef LG_PRESSURE_H
#define LG_PRESSURE_H

#include "utils/timestamp.h"

#include "sample.h"

/* worker, each tick: the once-a-minute pressure line when it is due */
extern void lg_pressure_maybe_log(const LgSample *sample, TimestampTz now);

#endif							/* LG_PRESSURE_H */
