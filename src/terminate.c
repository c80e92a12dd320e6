/*
 * terminate.c — carrying out the stuck-session policy: re-check, signal,
 * audit.
 * PLACEHOLDER: owned by the policy work (issue 9).
 */
#include "postgres.h"

#include "loadguard.h"

Size
lg_audit_shmem_size(void)
{
	return 0;
}

void
lg_audit_shmem_init(void)
{
}

void
lg_policy_tick(LgSample *sample, TimestampTz now)
{
}

void
lg_policy_counts(uint64 *cancels, uint64 *terminations)
{
	*cancels = 0;
	*terminations = 0;
}

const char *
lg_policy_action_text(const LgSession *session, TimestampTz now, double usage_pct)
{
	return NULL;
}
