/*
 * terminate.h — carrying out the stuck-session policy (terminate.c): the
 * worker's tick, loadguard.terminate_stuck() (views_policy.c) and the
 * sessions view's policy_action text.
 */
#ifndef LG_TERMINATE_H
#define LG_TERMINATE_H

#include "utils/timestamp.h"

#include "audit.h"
#include "policy.h"
#include "sample.h"
#include "session.h"

/* The policy settings as the GUCs say now, with the given mode. */
extern void lg_policy_current_settings(LgPolicySettings *settings,
									   LgPolicyMode mode, int32 own_pid);

/*
 * Carry out one decision (cancel or terminate): check the caller's rights
 * when check_rights (terminate_stuck), re-check the target, signal it unless
 * dry_run, then audit and log.  *entry receives the audit row.
 */
extern void lg_policy_carry_out(const LgSession *session,
								const LgPolicyDecision *decision,
								bool dry_run, bool check_rights,
								TimestampTz now, LgAuditEntry *entry);

/* worker: apply the stuck-session policy to this tick's sessions */
extern void lg_policy_tick(LgSample *sample, TimestampTz now);

/*
 * What the policy would do to this session now and why, or why it is
 * exempt (loadguard.sessions.policy_action); NULL when the policy is off.
 * The text is palloc'd or static.
 */
extern const char *lg_policy_action_text(const LgSession *session, TimestampTz now,
										 double usage_pct);

#endif							/* LG_TERMINATE_H */
