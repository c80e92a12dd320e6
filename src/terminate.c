/*
 * terminate.c — carrying out the stuck-session policy: re-check, signal,
 * audit.  The decisions themselves are in policy.c.
 *
 * Signalling: the worker has no database, so it cannot call
 * pg_terminate_backend(); like core's pg_signal_backend() it looks the pid
 * up with BackendPidGetProc() and sends SIGINT (cancel) or SIGTERM
 * (terminate) to the backend's process group.  Immediately before that it
 * re-reads the backend status and acts only if the same backend (pid and
 * backend start) is still in the same state since the same moment (and, for
 * a query, runs the same query): a session that moved on, or a pid the
 * kernel gave to a new backend, is never hit.
 *
 * Locking: none of its own.  Every action is recorded in the audit ring
 * (audit.c, under the audit module's lock); formatting, logging and
 * catalog lookups happen outside that lock.
 *
 * The worker remembers what it did to each live backend in its own memory
 * (the cancel_grace rule, and acting once per stuck episode); SQL backends
 * (terminate_stuck, the sessions view) find a cancel in the audit ring.
 */
#include "postgres.h"

#include <signal.h>

#include "catalog/pg_authid.h"
#include "miscadmin.h"
#include "storage/proc.h"
#include "storage/procarray.h"
#include "utils/acl.h"
#include "utils/memutils.h"

#include "audit.h"
#include "loadguard.h"
#include "sampler.h"
#include "shmem.h"
#include "terminate.h"

StaticAssertDecl((int) LG_POLICY_OFF == (int) LG_TERMINATE_OFF &&
				 (int) LG_POLICY_DRY_RUN == (int) LG_TERMINATE_DRY_RUN &&
				 (int) LG_POLICY_ON == (int) LG_TERMINATE_ON,
				 "LgPolicyMode must match LgTerminateMode");

/*
 * The worker's memory of what it did to each live backend: the cancel it
 * sent (for the cancel_grace rule), and whether it already terminated it
 * (so a backend that takes a while to exit, or a stuck session in a dry
 * run, is acted on and audited once, not on every tick).
 */
typedef struct LgActionMemo
{
	int32		pid;
	TimestampTz backend_start;
	TimestampTz cancelled_query_start;	/* 0: no cancel */
	TimestampTz cancelled_at;
	bool		terminated;
	bool		dry_run;		/* recorded in a dry run, nothing was sent */
	bool		seen;			/* the backend is still there this tick */
} LgActionMemo;

static LgActionMemo *memo = NULL;
static int	memo_count = 0;
static int	memo_size = 0;

void
lg_policy_current_settings(LgPolicySettings *p, LgPolicyMode mode, int32 own_pid)
{
	static const LgNameList empty = {0};

	memset(p, 0, sizeof(*p));
	p->mode = mode;
	p->idle_in_transaction_limit_us = (int64) lg_idle_in_transaction_limit_ms * 1000;
	p->idle_blocker_limit_us = (int64) lg_idle_blocker_limit_ms * 1000;
	p->active_query_limit_us = (int64) lg_active_query_limit_ms * 1000;
	p->cancel_grace_us = (int64) lg_cancel_grace_ms * 1000;
	p->terminate_min_usage = lg_terminate_min_usage;
	p->exempt_roles = lg_exempt_roles ? lg_exempt_roles : &empty;
	p->exempt_databases = lg_exempt_databases ? lg_exempt_databases : &empty;
	p->exempt_applications = lg_exempt_applications ? lg_exempt_applications : &empty;
	p->terminate_superusers = lg_terminate_superusers;
	p->own_pid = own_pid;
}

/*
 * Is the target still the session the decision was made on?  Reads its
 * status slot again; false with *why when it is not.
 */
static bool
target_unchanged(const LgSession *s, char *why, size_t len)
{
	LgSession	now;

	if (!lg_sampler_reread_session(s->pid, &now) || BackendPidGetProc(s->pid) == NULL)
	{
		snprintf(why, len, "session ended");
		return false;
	}
	if (now.backend_start != s->backend_start || !now.is_client_backend)
	{
		snprintf(why, len, "pid now belongs to another session");
		return false;
	}
	if (now.state != s->state || now.state_start != s->state_start ||
		((s->state == LG_STATE_ACTIVE || s->state == LG_STATE_FASTPATH) &&
		 now.query_start != s->query_start))
	{
		snprintf(why, len, "session moved on (now %s)", lg_policy_state_name(now.state));
		return false;
	}
	return true;
}

/*
 * The rules of pg_signal_backend() for the calling role: superuser targets
 * (and backends that advertise no role) only for superusers; others need
 * the privileges of the target role or of pg_signal_backend.
 */
static bool
caller_may_signal(const LgSession *s, char *why, size_t len)
{
	PGPROC	   *proc = BackendPidGetProc(s->pid);

	if (proc == NULL)
	{
		snprintf(why, len, "session ended");
		return false;
	}
	if ((!OidIsValid(proc->roleId) || superuser_arg(proc->roleId)) && !superuser())
	{
		snprintf(why, len, "permission denied: only superusers may signal superuser sessions");
		return false;
	}
	if (!has_privs_of_role(GetUserId(), proc->roleId) &&
		!has_privs_of_role(GetUserId(), ROLE_PG_SIGNAL_BACKEND))
	{
		snprintf(why, len, "permission denied: needs the privileges of the session's role or of pg_signal_backend");
		return false;
	}
	return true;
}

static void
log_action(const LgAuditEntry *e)
{
	const char *what;
	char		requested[NAMEDATALEN + 64] = "";

	if (e->action == LG_VERDICT_CANCEL)
		what = e->outcome == LG_OUTCOME_DONE ? "cancelled the query of" :
			e->outcome == LG_OUTCOME_DRY_RUN ? "would cancel (dry run) the query of" :
			e->outcome == LG_OUTCOME_FAILED ? "failed to cancel the query of" :
			"did not cancel the query of";
	else
		what = e->outcome == LG_OUTCOME_DONE ? "terminated" :
			e->outcome == LG_OUTCOME_DRY_RUN ? "would terminate (dry run)" :
			e->outcome == LG_OUTCOME_FAILED ? "failed to terminate" :
			"did not terminate";
	if (OidIsValid(e->requested_by))
	{
		char	   *name = GetUserNameFromId(e->requested_by, true);

		snprintf(requested, sizeof(requested),
				 " Requested by role \"%s\" through loadguard.terminate_stuck().",
				 name ? name : "?");
	}

	/*
	 * Complete, for the server log only: from terminate_stuck() this runs in
	 * the caller's backend, and a client with client_min_messages = log must
	 * not receive what its views hide (visibility.h).
	 */
	ereport(LOG_SERVER_ONLY,
			(errmsg("loadguard %s session %d (%s)", what, e->pid,
					lg_policy_rule_name(e->rule)),
			 errdetail("Role \"%s\", database \"%s\", application \"%s\", client %s: %s. Outcome: %s.%s Query: %s",
					   e->role_name, e->database_name, e->application_name,
					   e->client_addr[0] ? e->client_addr : "local",
					   e->detail, e->outcome_detail, requested, e->query),
			 errhidestmt(true)));
}

void
lg_policy_carry_out(const LgSession *s, const LgPolicyDecision *d,
					bool dry_run, bool check_rights, TimestampTz now,
					LgAuditEntry *e)
{
	char		why[LG_OUTCOME_DETAIL_LEN];

	Assert(d->verdict == LG_VERDICT_CANCEL || d->verdict == LG_VERDICT_TERMINATE);

	memset(e, 0, sizeof(*e));
	e->at = now;
	e->pid = s->pid;
	e->roleid = s->roleid;
	e->requested_by = check_rights ? GetUserId() : InvalidOid;
	strlcpy(e->role_name, s->role_name, sizeof(e->role_name));
	strlcpy(e->database_name, s->database_name, sizeof(e->database_name));
	strlcpy(e->application_name, s->application_name, sizeof(e->application_name));
	strlcpy(e->client_addr, s->client_addr, sizeof(e->client_addr));
	e->state = s->state;
	e->rule = d->rule;
	e->action = d->verdict;
	e->age_us = d->age_us;
	e->backend_start = s->backend_start;
	e->query_start = s->query_start;
	e->dry_run = dry_run;
	strlcpy(e->detail, d->reason, sizeof(e->detail));
	strlcpy(e->query, s->query, sizeof(e->query));

	if (check_rights && !caller_may_signal(s, why, sizeof(why)))
		e->outcome = LG_OUTCOME_SKIPPED;
	else if (!target_unchanged(s, why, sizeof(why)))
		e->outcome = LG_OUTCOME_SKIPPED;
	else if (dry_run)
	{
		e->outcome = LG_OUTCOME_DRY_RUN;
		snprintf(why, sizeof(why), "dry run");
	}
	else
	{
		int			sig = d->verdict == LG_VERDICT_CANCEL ? SIGINT : SIGTERM;
		int			rc;

		/* like pg_signal_backend(): the backend's whole process group */
#ifdef HAVE_SETSID
		rc = kill(-s->pid, sig);
#else
		rc = kill(s->pid, sig);
#endif
		if (rc == 0)
		{
			e->outcome = LG_OUTCOME_DONE;
			snprintf(why, sizeof(why), "%s sent", sig == SIGINT ? "SIGINT" : "SIGTERM");
		}
		else
		{
			e->outcome = LG_OUTCOME_FAILED;
			snprintf(why, sizeof(why), "could not send signal: %m");
		}
	}
	strlcpy(e->outcome_detail, why, sizeof(e->outcome_detail));

	lg_audit_append(e);
	log_action(e);
}

static LgActionMemo *
memo_find(const LgSession *s)
{
	for (int i = 0; i < memo_count; i++)
	{
		if (memo[i].pid == s->pid && memo[i].backend_start == s->backend_start)
			return &memo[i];
	}
	return NULL;
}

static void
memo_remember(const LgSession *s, const LgAuditEntry *e)
{
	LgActionMemo *m = memo_find(s);

	if (m == NULL)
	{
		if (memo == NULL)
		{
			memo_size = MaxBackends;
			memo = MemoryContextAlloc(TopMemoryContext, sizeof(LgActionMemo) * memo_size);
		}
		/* at most one entry per live backend once the stale ones are pruned */
		if (memo_count >= memo_size)
			return;
		m = &memo[memo_count++];
		memset(m, 0, sizeof(*m));
		m->pid = s->pid;
		m->backend_start = s->backend_start;
	}
	if (e->action == LG_VERDICT_CANCEL)
	{
		m->cancelled_query_start = s->query_start;
		m->cancelled_at = e->at;
	}
	else
		m->terminated = true;
	m->dry_run = e->dry_run;
	m->seen = true;
}

/* Forget backends that are gone. */
static void
memo_prune(void)
{
	int			kept = 0;

	for (int i = 0; i < memo_count; i++)
	{
		if (memo[i].seen)
		{
			memo[i].seen = false;
			memo[kept++] = memo[i];
		}
	}
	memo_count = kept;
}

void
lg_policy_tick(LgSample *sample, TimestampTz now)
{
	LgPolicySettings settings;
	LgSession  *sessions;
	int			n;
	bool		dry_run = lg_terminate_mode == LG_TERMINATE_DRY_RUN;

	if (lg_terminate_mode == LG_TERMINATE_OFF ||
		(lg_idle_in_transaction_limit_ms == 0 && lg_idle_blocker_limit_ms == 0 &&
		 lg_active_query_limit_ms == 0))
	{
		memo_count = 0;
		return;
	}

	lg_policy_current_settings(&settings, (LgPolicyMode) lg_terminate_mode, MyProcPid);
	n = lg_sampler_read_sessions(&sessions, now, true, lg_idle_blocker_limit_ms > 0);

	for (int i = 0; i < n; i++)
	{
		LgSession  *s = &sessions[i];
		LgActionMemo *m = memo_find(s);
		LgPriorCancel prior;
		bool		have_prior = false;
		LgPolicyDecision d;
		LgAuditEntry entry;

		if (m != NULL)
		{
			m->seen = true;
			/* what a dry run recorded was never sent: start afresh */
			if (m->dry_run && !dry_run)
			{
				m->cancelled_query_start = 0;
				m->terminated = false;
				m->dry_run = false;
			}
			if (m->terminated)
				continue;
			if (m->cancelled_query_start != 0 && m->cancelled_query_start == s->query_start)
			{
				prior.cancelled_at = m->cancelled_at;
				prior.query_start = m->cancelled_query_start;
				have_prior = true;
			}
		}

		lg_policy_decide(s, &settings, sample->usage_pct, now,
						 have_prior ? &prior : NULL, &d);
		if (d.verdict != LG_VERDICT_CANCEL && d.verdict != LG_VERDICT_TERMINATE)
			continue;

		lg_policy_carry_out(s, &d, dry_run, false, GetCurrentTimestamp(), &entry);
		if (entry.outcome == LG_OUTCOME_DONE || entry.outcome == LG_OUTCOME_DRY_RUN)
		{
			sample->policy_actions++;
			memo_remember(s, &entry);
		}
	}
	memo_prune();
}

const char *
lg_policy_action_text(const LgSession *session, TimestampTz now, double usage_pct)
{
	LgPolicySettings settings;
	LgPolicyDecision d;
	LgPriorCancel prior;
	char	   *text;

	if (!lg_shmem_attached() || lg_terminate_mode == LG_TERMINATE_OFF)
		return NULL;

	lg_policy_current_settings(&settings, (LgPolicyMode) lg_terminate_mode, 0);
	lg_policy_decide(session, &settings, usage_pct, now, NULL, &d);
	if (d.verdict == LG_VERDICT_CANCEL &&
		lg_audit_find_cancel(session, lg_terminate_mode == LG_TERMINATE_DRY_RUN, &prior))
		lg_policy_decide(session, &settings, usage_pct, now, &prior, &d);

	text = palloc(LG_POLICY_REASON_LEN + 64);
	lg_policy_describe(&d, settings.mode, text, LG_POLICY_REASON_LEN + 64);
	return text;
}
