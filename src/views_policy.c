/*
 * views_policy.c — loadguard.terminations (the audit ring) and
 * loadguard.terminate_stuck() (the policy once, now, with the caller's
 * rights), and loadguard.policy_stats (actions per rule and outcome).  The
 * ring is copied out under the audit module's lock by lg_audit_copy();
 * tuples are built after the lock is released.
 *
 * Redaction follows pg_stat_activity: query text, client address and
 * application of sessions of roles whose privileges the caller lacks are
 * shown only to roles with the privileges of pg_read_all_stats.
 */
#include "postgres.h"

#include "catalog/pg_authid.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/inet.h"
#include "utils/timestamp.h"

#include "audit.h"
#include "compat.h"
#include "loadguard.h"
#include "sampler.h"
#include "terminate.h"
#include "views.h"

PG_FUNCTION_INFO_V1(lg_terminations);
PG_FUNCTION_INFO_V1(lg_terminate_stuck);
PG_FUNCTION_INFO_V1(lg_policy_stats);

#define AUDIT_COLS 16

static Datum
text_or_null(const char *s, bool *isnull)
{
	*isnull = (s == NULL || s[0] == '\0');
	return *isnull ? (Datum) 0 : CStringGetTextDatum(s);
}

static void
put_audit_row(Tuplestorestate *store, TupleDesc tupdesc,
			  const LgAuditEntry *e, bool read_all_stats)
{
	Datum		values[AUDIT_COLS];
	bool		nulls[AUDIT_COLS];
	bool		visible = read_all_stats || has_privs_of_role(GetUserId(), e->roleid);
	int			i = 0;

	memset(nulls, 0, sizeof(nulls));
	values[i++] = TimestampTzGetDatum(e->at);
	values[i++] = Int32GetDatum(e->pid);
	values[i] = text_or_null(e->role_name, &nulls[i]);
	i++;
	values[i] = text_or_null(e->database_name, &nulls[i]);
	i++;
	if (visible)
	{
		values[i] = text_or_null(e->application_name, &nulls[i]);
		i++;
		if (e->client_addr[0])
			values[i] = DirectFunctionCall1(inet_in, CStringGetDatum(e->client_addr));
		else
			nulls[i] = true;
		i++;
	}
	else
	{
		nulls[i++] = true;
		nulls[i++] = true;
	}
	values[i++] = CStringGetTextDatum(lg_policy_state_name(e->state));
	values[i++] = lg_interval_datum((double) e->age_us / USECS_PER_SEC);
	values[i++] = CStringGetTextDatum(lg_policy_rule_name(e->rule));
	values[i++] = CStringGetTextDatum(e->detail);
	values[i++] = CStringGetTextDatum(lg_policy_verdict_name(e->action));
	values[i++] = BoolGetDatum(e->dry_run);
	values[i++] = CStringGetTextDatum(e->outcome == LG_OUTCOME_DONE ? "done" :
									  e->outcome == LG_OUTCOME_FAILED ? "failed" :
									  "skipped");
	values[i++] = CStringGetTextDatum(e->outcome_detail);
	if (OidIsValid(e->requested_by))
		values[i] = text_or_null(GetUserNameFromId(e->requested_by, true), &nulls[i]);
	else
		nulls[i] = true;
	i++;
	values[i++] = CStringGetTextDatum(visible ? e->query : "<insufficient privilege>");

	Assert(i == AUDIT_COLS);
	tuplestore_putvalues(store, tupdesc, values, nulls);
}

Datum
lg_terminations(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	LgAuditEntry *entries;
	int			n;
	bool		read_all_stats;

	lg_require_shmem();
	InitMaterializedSRF(fcinfo, 0);
	read_all_stats = has_privs_of_role(GetUserId(), ROLE_PG_READ_ALL_STATS);

	n = lg_audit_copy(&entries);
	for (int i = 0; i < n; i++)
		put_audit_row(rsinfo->setResult, rsinfo->setDesc, &entries[i], read_all_stats);
	pfree(entries);
	return (Datum) 0;
}

/*
 * The policy once, now: the current limits and exemptions, acting only with
 * the rights pg_terminate_backend() would give the caller.  Works whatever
 * loadguard.terminate says; dry_run decides whether anything is signalled.
 */
Datum
lg_terminate_stuck(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	bool		dry_run = PG_GETARG_BOOL(0);
	bool		read_all_stats;
	LgPolicySettings settings;
	LgSession  *sessions;
	int			n;
	int			clients = 0;
	double		usage_pct;
	TimestampTz now;

	lg_require_shmem();
	InitMaterializedSRF(fcinfo, 0);
	read_all_stats = has_privs_of_role(GetUserId(), ROLE_PG_READ_ALL_STATS);

	now = GetCurrentTimestamp();
	n = lg_sampler_read_sessions(&sessions, now, true, true);
	for (int i = 0; i < n; i++)
		if (sessions[i].is_client_backend)
			clients++;
	usage_pct = 100.0 * clients / Max(LG_USABLE_CONNECTIONS(), 1);

	lg_policy_current_settings(&settings, dry_run ? LG_POLICY_DRY_RUN : LG_POLICY_ON,
							   MyProcPid);
	for (int i = 0; i < n; i++)
	{
		LgPolicyDecision d;
		LgPriorCancel prior;
		LgAuditEntry entry;

		lg_policy_decide(&sessions[i], &settings, usage_pct, now, NULL, &d);
		if (d.verdict == LG_VERDICT_CANCEL &&
			lg_audit_find_cancel(&sessions[i], dry_run, &prior))
			lg_policy_decide(&sessions[i], &settings, usage_pct, now, &prior, &d);
		if (d.verdict != LG_VERDICT_CANCEL && d.verdict != LG_VERDICT_TERMINATE)
			continue;

		lg_policy_carry_out(&sessions[i], &d, dry_run, true, GetCurrentTimestamp(), &entry);
		put_audit_row(rsinfo->setResult, rsinfo->setDesc, &entry, read_all_stats);
	}
	return (Datum) 0;
}

/* One row per rule: its action and how often it was done, failed, skipped or dry run. */
Datum
lg_policy_stats(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	uint64		counts[LG_RULE_COUNT][LG_OUTCOME_COUNT];

	lg_require_shmem();
	InitMaterializedSRF(fcinfo, 0);
	lg_policy_copy_counts(counts);

	for (int rule = LG_RULE_NONE + 1; rule < LG_RULE_COUNT; rule++)
	{
		Datum		values[6];
		bool		nulls[6] = {0};

		values[0] = CStringGetTextDatum(lg_policy_rule_name(rule));
		values[1] = CStringGetTextDatum(rule == LG_RULE_ACTIVE_QUERY ? "cancel" : "terminate");
		values[2] = Int64GetDatum((int64) counts[rule][LG_OUTCOME_DONE]);
		values[3] = Int64GetDatum((int64) counts[rule][LG_OUTCOME_FAILED]);
		values[4] = Int64GetDatum((int64) counts[rule][LG_OUTCOME_SKIPPED]);
		values[5] = Int64GetDatum((int64) counts[rule][LG_OUTCOME_DRY_RUN]);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}
