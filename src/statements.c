/*
 * statements.c — executor and utility hooks feeding the latency histogram.
 * PLACEHOLDER: owned by the statements work (issue 6).
 */
#include "postgres.h"

#include "loadguard.h"

Size
lg_statements_shmem_size(void)
{
	return 0;
}

void
lg_statements_shmem_init(void)
{
}

void
lg_statements_install_hooks(void)
{
}

void
lg_statements_fill_sample(LgSample *sample)
{
}

void
lg_statements_last_minute(double *statements_per_s, double *latency_p95_ms)
{
	*statements_per_s = 0;
	*latency_p95_ms = 0;
}

void
lg_statements_reset(void)
{
}
