/*
 * audit.h — the audit module (audit.c): the ring of the policy's actions and
 * the per-rule, per-outcome counters.
 */
#ifndef LG_AUDIT_H
#define LG_AUDIT_H

#include "lib/stringinfo.h"
#include "storage/lwlock.h"
#include "utils/timestamp.h"

#include "policy.h"
#include "session.h"

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
	Oid			requested_by;	/* terminate_stuck's caller; InvalidOid: the
								 * worker */
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

/* Record one action (an entry terminate.c filled in). */
extern void lg_audit_append(const LgAuditEntry *entry);

/* Copy the audit ring out, oldest first, palloc'd; returns the count. */
extern int	lg_audit_copy(LgAuditEntry **entries);

/* A cancel of this session's current query already in the audit ring. */
extern bool lg_audit_find_cancel(const LgSession *session, bool include_dry_run,
								 LgPriorCancel *prior);

/* Actions done since reset: cancels, and terminations of every rule. */
extern void lg_policy_counts(uint64 *cancels, uint64 *terminations);

/* Copy the per-rule, per-outcome counters out. */
extern void lg_policy_copy_counts(uint64 counts[LG_RULE_COUNT][LG_OUTCOME_COUNT]);

/* module table entry "audit" */
extern Size lg_audit_shmem_size(void);
extern void lg_audit_shmem_init(LWLock *lock);
extern void lg_audit_dump(StringInfo out);
extern bool lg_audit_load(const char *data, Size len);
extern void lg_audit_reset(TimestampTz now);

#endif							/* LG_AUDIT_H */
