/*
 * admin.c — loadguard.reset(): zero counters and peaks in every module of
 * the module table (history and the audit ring are kept); and
 * loadguard.require_preloaded().
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

/*
 * loadguard.require_preloaded(): the not-preloaded error, for the SQL and
 * PL/pgSQL functions, which call it before anything else so that they fail
 * like the C ones instead of on a missing loadguard.* setting.
 */
PG_FUNCTION_INFO_V1(lg_require_preloaded);

Datum
lg_require_preloaded(PG_FUNCTION_ARGS)
{
	lg_require_shmem();
	PG_RETURN_VOID();
}
