/*
 * terminate.h — the policy's server glue shared by terminate.c (re-check,
 * signal, audit, the worker's tick) and views_policy.c (loadguard.terminations,
 * loadguard.terminate_stuck()).
 */
#ifndef LG_TERMINATE_H
#define LG_TERMINATE_H

#include "postgres.h"

#include "loadguard.h"
#include "policy.h"

typedef enum LgOutcome
{
	LG_OUTCOME_DONE = 0,		/* signal sent */
	LG_OUTCOME_FAILED,			/* kill() failed */
	LG_OUTCOME_SKIPPED,			/* moved on, gone, no permission */
	LG_OUTCOME_DRY_RUN,			/* recorded only; shown as skipped, "dry run" */
	LG_OUTCOME_COUNT
} LgOutcome;

#define LG_OUTCOME_DETAIL_LEN	96

/* One policy action, as the audit ring keeps it. */
typedef struct LgAuditEntry
{
	TimestampTz at;
	int32		pid;
	Oid			roleid;
	Oid			requested_by;	/* terminate_stuck's caller; InvalidOid: the worker */
	char		role_name[NAMEDATALEN];
	char		database_name[NAMEDATALEN];
	char		application_name[NAMEDATALEN];
	char		client_addr[LG_CLIENT_ADDR_LEN];
	LgSessionState state;
	LgPolicyRule rule;
	LgPolicyVerdict action;		/* cancel or terminate */
	LgOutcome	outcome;
	bool		dry_run;
	int64		age_us;
	TimestampTz backend_start;
	TimestampTz query_start;
	char		detail[LG_POLICY_REASON_LEN];
	char		outcome_detail[LG_OUTCOME_DETAIL_LEN];
	char		query[LG_QUERY_SNIPPET_LEN];
} LgAuditEntry;

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

/* A cancel of this session's current query already in the audit ring. */
extern bool lg_audit_find_cancel(const LgSession *session, bool include_dry_run,
								 LgPriorCancel *prior);

/* Copy the per-rule, per-outcome counters out. */
extern void lg_policy_copy_counts(uint64 counts[LG_RULE_COUNT][LG_OUTCOME_COUNT]);

/* Copy the audit ring out, oldest first, palloc'd; returns the count. */
extern int	lg_audit_copy(LgAuditEntry **entries);

#endif							/* LG_TERMINATE_H */
