/*
 * views_policy.c — loadguard.terminations (the audit ring) and
 * loadguard.terminate_stuck() (the policy once, now, with the caller's
 * rights), and loadguard.policy_stats (actions per rule and outcome).  The
 * ring is copied out under the audit module's lock by lg_audit_copy();
 * tuples are built after the lock is released.
 *
 * What a reader sees of each row is decided by lg_reader_sees_session()
 * (visibility.h).  A row about a session the reader may not see says only
 * who (pid, role, database), when loadguard acted, whether it was a dry run,
 * the outcome and who asked; the state, age, application, client, query and
 * everything the policy derived from them (rule, detail, action, outcome
 * detail) are NULL, the query "<insufficient privilege>".
 */
#include "postgres.h"

#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/inet.h"
#include "utils/timestamp.h"

#include "audit.h"
#include "compat.h"
#include "loadguard.h"
#include "sampler.h"
#include "terminate.h"
#include "views.h"
#include "visibility.h"

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
			  const LgAuditEntry *e, const LgReader *reader)
{
	Datum		values[AUDIT_COLS];
	bool		nulls[AUDIT_COLS];
	bool		visible = lg_reader_sees_session(reader, e->roleid);
	const char *outcome;

	outcome = e->outcome == LG_OUTCOME_DONE ? "done" :
		e->outcome == LG_OUTCOME_FAILED ? "failed" : "skipped";

	/*
	 * Columns everyone may see; for a hidden session every other column stays
	 * NULL (visibility.h), including any added later.
	 */
	memset(nulls, true, sizeof(nulls));
	values[0] = TimestampTzGetDatum(e->at);
	nulls[0] = false;
	values[1] = Int32GetDatum(e->pid);
	nulls[1] = false;
	values[2] = text_or_null(e->role_name, &nulls[2]);
	values[3] = text_or_null(e->database_name, &nulls[3]);
	values[11] = BoolGetDatum(e->dry_run);
	nulls[11] = false;
	values[12] = CStringGetTextDatum(outcome);
	nulls[12] = false;
	if (OidIsValid(e->requested_by))
		values[14] = text_or_null(GetUserNameFromId(e->requested_by, true), &nulls[14]);
	values[15] = CStringGetTextDatum(visible ? e->query : LG_INSUFFICIENT_PRIVILEGE);
	nulls[15] = false;

	if (visible)
	{
		values[4] = text_or_null(e->application_name, &nulls[4]);
		if (e->client_addr[0])
		{
			values[5] = DirectFunctionCall1(inet_in, CStringGetDatum(e->client_addr));
			nulls[5] = false;
		}
		values[6] = CStringGetTextDatum(lg_policy_state_name(e->state));
		nulls[6] = false;
		values[7] = lg_interval_datum((double) e->age_us / USECS_PER_SEC);
		nulls[7] = false;
		values[8] = CStringGetTextDatum(lg_policy_rule_name(e->rule));
		nulls[8] = false;
		values[9] = CStringGetTextDatum(e->detail);
		nulls[9] = false;
		values[10] = CStringGetTextDatum(lg_policy_verdict_name(e->action));
		nulls[10] = false;
		values[13] = CStringGetTextDatum(e->outcome_detail);
		nulls[13] = false;
	}
	tuplestore_putvalues(store, tupdesc, values, nulls);
}

Datum
lg_terminations(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	LgAuditEntry *entries;
	int			n;
	LgReader	reader;

	lg_require_shmem();
	InitMaterializedSRF(fcinfo, 0);
	lg_reader_init(&reader);

	n = lg_audit_copy(&entries);
	for (int i = 0; i < n; i++)
		put_audit_row(rsinfo->setResult, rsinfo->setDesc, &entries[i], &reader);
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
	LgReader	reader;
	LgPolicySettings settings;
	LgSession  *sessions;
	int			n;
	int			clients = 0;
	double		usage_pct;
	TimestampTz now;

	lg_require_shmem();
	InitMaterializedSRF(fcinfo, 0);
	lg_reader_init(&reader);

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
		put_audit_row(rsinfo->setResult, rsinfo->setDesc, &entry, &reader);
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
