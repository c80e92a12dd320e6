/*
 * admin.c — loadguard.reset(): zero counters and peaks in every module
 * (history and the audit ring are kept).
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/timestamp.h"

#include "loadguard.h"

PG_FUNCTION_INFO_V1(lg_reset);

Datum
lg_reset(PG_FUNCTION_ARGS)
{
	lg_require_shmem();
	lg_events_reset();
	lg_statements_reset();
	lg_names_reset();
	lg_policy_reset();
	lg_core_reset(GetCurrentTimestamp());
	PG_RETURN_VOID();
}
