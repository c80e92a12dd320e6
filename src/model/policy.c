/*
 * policy.c — the stuck-session policy's decisions (see policy.h).
 * Plain C: no server headers, no allocation, no globals.
 *
 * Order of questions: is the session one the policy may ever touch
 * (exemptions), does a rule fire, and may the policy act at this usage?
 * Exemptions come first so that loadguard.sessions can say why a session
 * will never be touched even while it is not stuck.
 */
#include <stdio.h>
#include <string.h>

#include "policy.h"

#define US_PER_SEC	INT64_C(1000000)

const char *
lg_policy_rule_name(LgPolicyRule rule)
{
	switch (rule)
	{
		case LG_RULE_IDLE_IN_TRANSACTION:
			return "idle_in_transaction_limit";
		case LG_RULE_IDLE_BLOCKER:
			return "idle_blocker_limit";
		case LG_RULE_ACTIVE_QUERY:
			return "active_query_limit";
		case LG_RULE_CANCEL_IGNORED:
			return "cancel_grace";
		case LG_RULE_NONE:
		case LG_RULE_COUNT:
			break;
	}
	return "";
}

const char *
lg_policy_verdict_name(LgPolicyVerdict verdict)
{
	switch (verdict)
	{
		case LG_VERDICT_NONE:
			return "none";
		case LG_VERDICT_EXEMPT:
			return "exempt";
		case LG_VERDICT_CANCEL:
			return "cancel";
		case LG_VERDICT_TERMINATE:
			return "terminate";
	}
	return "none";
}

const char *
lg_policy_state_name(LgSessionState state)
{
	switch (state)
	{
		case LG_STATE_ACTIVE:
			return "active";
		case LG_STATE_IDLE:
			return "idle";
		case LG_STATE_IDLE_IN_TRANSACTION:
			return "idle in transaction";
		case LG_STATE_IDLE_IN_TRANSACTION_ABORTED:
			return "idle in transaction (aborted)";
		case LG_STATE_FASTPATH:
			return "fastpath function call";
		case LG_STATE_DISABLED:
			return "disabled";
		case LG_STATE_UNKNOWN:
			break;
	}
	return "unknown";
}

void
lg_format_duration(char *buf, size_t len, int64_t us)
{
	int64_t		hours,
				minutes;
	double		seconds;

	if (us < 0)
		us = 0;
	hours = us / (3600 * US_PER_SEC);
	minutes = (us / (60 * US_PER_SEC)) % 60;
	seconds = (double) (us % (60 * US_PER_SEC)) / (double) US_PER_SEC;
	if (hours > 0)
		snprintf(buf, len, "%lld h %lld min %.0f s", (long long) hours, (long long) minutes, seconds);
	else if (minutes > 0)
		snprintf(buf, len, "%lld min %.1f s", (long long) minutes, seconds);
	else
		snprintf(buf, len, "%.1f s", seconds);
}

/*
 * Patroni connects as a superuser with application_name "Patroni" (later
 * versions add a suffix: "Patroni heartbeat", "Patroni restapi"); cutting
 * those sessions would make it see a dead node and fail over.
 */
bool
lg_is_cluster_manager(const char *application_name)
{
	return strncmp(application_name, "Patroni", 7) == 0 &&
		(application_name[7] == '\0' || application_name[7] == ' ');
}

static LgExemptWhy
exemption(const LgSession *s, const LgPolicySettings *settings,
		  char *reason, size_t len)
{
	if (!s->is_client_backend)
	{
		snprintf(reason, len, "not a client backend");
		return LG_EXEMPT_NOT_CLIENT;
	}
	if (lg_is_cluster_manager(s->application_name))
	{
		snprintf(reason, len, "Patroni's own session (application \"%s\")", s->application_name);
		return LG_EXEMPT_CLUSTER_MANAGER;
	}
	if (s->pid == settings->own_pid)
	{
		snprintf(reason, len, "the calling session itself");
		return LG_EXEMPT_OWN_SESSION;
	}
	if (s->is_superuser && !settings->terminate_superusers)
	{
		snprintf(reason, len, "superuser (loadguard.terminate_superusers is off)");
		return LG_EXEMPT_SUPERUSER;
	}
	if (lg_namelist_contains(settings->exempt_roles, s->role_name))
	{
		snprintf(reason, len, "role \"%s\" is in loadguard.exempt_roles", s->role_name);
		return LG_EXEMPT_ROLE;
	}
	if (lg_namelist_contains(settings->exempt_databases, s->database_name))
	{
		snprintf(reason, len, "database \"%s\" is in loadguard.exempt_databases", s->database_name);
		return LG_EXEMPT_DATABASE;
	}
	if (lg_namelist_contains(settings->exempt_applications, s->application_name))
	{
		snprintf(reason, len, "application \"%s\" is in loadguard.exempt_applications",
				 s->application_name);
		return LG_EXEMPT_APPLICATION;
	}
	return LG_EXEMPT_NOT_EXEMPT;
}

static void
decide_idle_in_transaction(const LgSession *s, const LgPolicySettings *settings,
						   int64_t now, LgPolicyDecision *d)
{
	char		age[48],
				limit[48];
	const char *what;

	what = s->state == LG_STATE_IDLE_IN_TRANSACTION_ABORTED ?
		"idle in transaction (aborted)" : "idle in transaction";
	d->age_us = now - s->state_start;
	lg_format_duration(age, sizeof(age), d->age_us);

	if (s->nblocking > 0 && settings->idle_blocker_limit_us > 0 &&
		d->age_us > settings->idle_blocker_limit_us)
	{
		lg_format_duration(limit, sizeof(limit), settings->idle_blocker_limit_us);
		d->verdict = LG_VERDICT_TERMINATE;
		d->rule = LG_RULE_IDLE_BLOCKER;
		snprintf(d->reason, sizeof(d->reason),
				 "%s for %s while blocking %d session%s, over idle_blocker_limit (%s)",
				 what, age, (int) s->nblocking, s->nblocking == 1 ? "" : "s", limit);
	}
	else if (settings->idle_in_transaction_limit_us > 0 &&
			 d->age_us > settings->idle_in_transaction_limit_us)
	{
		lg_format_duration(limit, sizeof(limit), settings->idle_in_transaction_limit_us);
		d->verdict = LG_VERDICT_TERMINATE;
		d->rule = LG_RULE_IDLE_IN_TRANSACTION;
		snprintf(d->reason, sizeof(d->reason),
				 "%s for %s, over idle_in_transaction_limit (%s)", what, age, limit);
	}
	else
	{
		int64_t		next = settings->idle_in_transaction_limit_us;

		/* the limit this session will meet first, if any */
		if (s->nblocking > 0 && settings->idle_blocker_limit_us > 0 &&
			(next == 0 || settings->idle_blocker_limit_us < next))
			next = settings->idle_blocker_limit_us;
		if (next > 0)
		{
			lg_format_duration(limit, sizeof(limit), next);
			snprintf(d->reason, sizeof(d->reason), "%s for %s, under the limit (%s)",
					 what, age, limit);
		}
		else
			snprintf(d->reason, sizeof(d->reason), "%s for %s, no limit set", what, age);
	}
}

static void
decide_active(const LgSession *s, const LgPolicySettings *settings,
			  int64_t now, const LgPriorCancel *prior, LgPolicyDecision *d)
{
	char		age[48],
				limit[48];

	d->age_us = now - s->query_start;
	lg_format_duration(age, sizeof(age), d->age_us);

	if (settings->active_query_limit_us <= 0)
	{
		snprintf(d->reason, sizeof(d->reason), "running for %s, no limit set", age);
		return;
	}
	lg_format_duration(limit, sizeof(limit), settings->active_query_limit_us);
	if (d->age_us <= settings->active_query_limit_us)
	{
		snprintf(d->reason, sizeof(d->reason), "running for %s, under active_query_limit (%s)",
				 age, limit);
		return;
	}

	/* a cancel for this very query (same start) is already out */
	if (prior != NULL && prior->cancelled_at != 0 && prior->query_start == s->query_start)
	{
		char		since[48],
					grace[48];
		int64_t		since_us = now - prior->cancelled_at;

		lg_format_duration(since, sizeof(since), since_us);
		lg_format_duration(grace, sizeof(grace), settings->cancel_grace_us);
		if (since_us >= settings->cancel_grace_us)
		{
			d->verdict = LG_VERDICT_TERMINATE;
			d->rule = LG_RULE_CANCEL_IGNORED;
			snprintf(d->reason, sizeof(d->reason),
					 "running for %s and still running %s after a cancel, over cancel_grace (%s)",
					 age, since, grace);
		}
		else
			snprintf(d->reason, sizeof(d->reason),
					 "running for %s, cancelled %s ago; terminated if still running after cancel_grace (%s)",
					 age, since, grace);
		return;
	}

	d->verdict = LG_VERDICT_CANCEL;
	d->rule = LG_RULE_ACTIVE_QUERY;
	snprintf(d->reason, sizeof(d->reason), "running for %s, over active_query_limit (%s)",
			 age, limit);
}

void
lg_policy_decide(const LgSession *s, const LgPolicySettings *settings,
				 double usage_pct, int64_t now, const LgPriorCancel *prior,
				 LgPolicyDecision *d)
{
	memset(d, 0, sizeof(*d));
	d->verdict = LG_VERDICT_NONE;

	if (settings->mode == LG_POLICY_OFF)
	{
		snprintf(d->reason, sizeof(d->reason), "loadguard.terminate is off");
		return;
	}

	d->exempt = exemption(s, settings, d->reason, sizeof(d->reason));
	if (d->exempt != LG_EXEMPT_NOT_EXEMPT)
	{
		d->verdict = LG_VERDICT_EXEMPT;
		return;
	}

	switch (s->state)
	{
		case LG_STATE_IDLE_IN_TRANSACTION:
		case LG_STATE_IDLE_IN_TRANSACTION_ABORTED:
			if (s->state_start != 0)
				decide_idle_in_transaction(s, settings, now, d);
			break;
		case LG_STATE_ACTIVE:
		case LG_STATE_FASTPATH:
			if (s->query_start != 0)
				decide_active(s, settings, now, prior, d);
			break;
		default:
			snprintf(d->reason, sizeof(d->reason), "%s", lg_policy_state_name(s->state));
			break;
	}

	if ((d->verdict == LG_VERDICT_CANCEL || d->verdict == LG_VERDICT_TERMINATE) &&
		usage_pct < settings->terminate_min_usage)
	{
		char		fired[LG_POLICY_REASON_LEN];

		memcpy(fired, d->reason, sizeof(fired));
		snprintf(d->reason, sizeof(d->reason),
				 "would %s (%.170s), held back while usage %.0f%% is under terminate_min_usage (%.0f%%)",
				 lg_policy_verdict_name(d->verdict), fired, usage_pct,
				 settings->terminate_min_usage);
		d->verdict = LG_VERDICT_NONE;
		d->held_back = true;
	}
}

void
lg_policy_describe(const LgPolicyDecision *d, LgPolicyMode mode,
				   char *buf, size_t len)
{
	bool		acts = d->verdict == LG_VERDICT_CANCEL || d->verdict == LG_VERDICT_TERMINATE;

	snprintf(buf, len, "%s%s: %s", lg_policy_verdict_name(d->verdict),
			 acts && mode == LG_POLICY_DRY_RUN ? " (dry run)" : "", d->reason);
}
