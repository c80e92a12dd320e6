/*
 * admin.c — loadguard.reset(): zero counters and peaks in every module of
 * the module table (history and the audit ring are kept).
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/timestamp.h"

#include "loadguard.h"
#include "shmem.h"

PG_FUNCTION_INFO_V1(lg_reset);

Datum
lg_reset(PG_FUNCTION_ARGS)
{
	lg_require_shmem();
	lg_shmem_reset(GetCurrentTimestamp());
	PG_RETURN_VOID();
}
