/*
 * policy.h — the stuck-session policy's decisions: given one session, the
 * policy settings, the connection usage and what was already done to the
 * session, decide to leave it alone, cancel its query or terminate it, and
 * say why (or why it is exempt).
 *
 * Plain C (no server headers): the glue in terminate.c turns settings and
 * backend status into these structs, carries the decision out and audits it.
 */
#ifndef LG_POLICY_H
#define LG_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lists.h"
#include "session.h"

/* same values as LgTerminateMode in loadguard.h */
typedef enum LgPolicyMode
{
	LG_POLICY_OFF = 0,
	LG_POLICY_DRY_RUN,
	LG_POLICY_ON
} LgPolicyMode;

typedef struct LgPolicySettings
{
	LgPolicyMode mode;
	int64_t		idle_in_transaction_limit_us;	/* 0: rule off */
	int64_t		idle_blocker_limit_us;	/* 0: rule off */
	int64_t		active_query_limit_us;	/* 0: rule off */
	int64_t		cancel_grace_us;
	double		terminate_min_usage;	/* % */
	const LgNameList *exempt_roles;
	const LgNameList *exempt_databases;
	const LgNameList *exempt_applications;
	bool		terminate_superusers;
	int32_t		own_pid;		/* never touched: the caller's own backend */
} LgPolicySettings;

/* A cancel already sent (or, in a dry run, recorded) to a session. */
typedef struct LgPriorCancel
{
	int64_t		cancelled_at;
	int64_t		query_start;	/* of the query that was cancelled */
} LgPriorCancel;

typedef enum LgPolicyVerdict
{
	LG_VERDICT_NONE = 0,
	LG_VERDICT_EXEMPT,
	LG_VERDICT_CANCEL,
	LG_VERDICT_TERMINATE
} LgPolicyVerdict;

typedef enum LgPolicyRule
{
	LG_RULE_NONE = 0,
	LG_RULE_IDLE_IN_TRANSACTION,	/* idle_in_transaction_limit */
	LG_RULE_IDLE_BLOCKER,		/* idle_blocker_limit */
	LG_RULE_ACTIVE_QUERY,		/* active_query_limit: cancel */
	LG_RULE_CANCEL_IGNORED,		/* still running cancel_grace after the cancel */
	LG_RULE_COUNT
} LgPolicyRule;

/* is this application_name Patroni's own ("Patroni", "Patroni heartbeat"...)? */
extern bool lg_is_cluster_manager(const char *application_name);

typedef enum LgExemptWhy
{
	LG_EXEMPT_NOT_EXEMPT = 0,
	LG_EXEMPT_NOT_CLIENT,
	LG_EXEMPT_OWN_SESSION,
	LG_EXEMPT_SUPERUSER,
	LG_EXEMPT_ROLE,
	LG_EXEMPT_DATABASE,
	LG_EXEMPT_APPLICATION,
	LG_EXEMPT_CLUSTER_MANAGER	/* Patroni's own sessions */
} LgExemptWhy;

#define LG_POLICY_REASON_LEN	256

typedef struct LgPolicyDecision
{
	LgPolicyVerdict verdict;
	LgPolicyRule rule;			/* the rule that fired (also when held back) */
	LgExemptWhy exempt;
	bool		held_back;		/* a rule fired but usage <
								 * terminate_min_usage */
	int64_t		age_us;			/* the age the rule measured */
	char		reason[LG_POLICY_REASON_LEN];	/* for people */
} LgPolicyDecision;

extern void lg_policy_decide(const LgSession *session,
							 const LgPolicySettings *settings,
							 double usage_pct, int64_t now,
							 const LgPriorCancel *prior,
							 LgPolicyDecision *decision);

/* "idle_in_transaction_limit", ...; "" for LG_RULE_NONE */
extern const char *lg_policy_rule_name(LgPolicyRule rule);
extern const char *lg_policy_verdict_name(LgPolicyVerdict verdict);
extern const char *lg_policy_state_name(LgSessionState state);

/* "1 h 2 min 3.0 s" style duration into buf */
extern void lg_format_duration(char *buf, size_t len, int64_t us);

/* "terminate: <reason>", "exempt: <reason>" ... for sessions.policy_action */
extern void lg_policy_describe(const LgPolicyDecision *decision,
							   LgPolicyMode mode, char *buf, size_t len);

#endif							/* LG_POLICY_H */
