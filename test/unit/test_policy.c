/*
 * test_policy.c — cmocka tests for the stuck-session policy's decisions
 * (src/model/policy.c): rules, limits, the cancel grace, exemptions and the
 * terminate_min_usage hold-back, on sessions built by hand.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "policy.h"

#define SEC		INT64_C(1000000)
#define NOW		(INT64_C(800000000) * SEC)

static LgNameList no_names;

static LgPolicySettings
settings_on(void)
{
	LgPolicySettings s;

	memset(&s, 0, sizeof(s));
	s.mode = LG_POLICY_ON;
	s.idle_in_transaction_limit_us = 60 * SEC;
	s.idle_blocker_limit_us = 10 * SEC;
	s.active_query_limit_us = 30 * SEC;
	s.cancel_grace_us = 10 * SEC;
	s.terminate_min_usage = 0;
	lg_namelist_init(&no_names);
	s.exempt_roles = &no_names;
	s.exempt_databases = &no_names;
	s.exempt_applications = &no_names;
	s.own_pid = 1;
	return s;
}

static LgSession
client(LgSessionState state, int64_t age_us)
{
	LgSession	s;

	memset(&s, 0, sizeof(s));
	s.pid = 4242;
	s.is_client_backend = true;
	snprintf(s.role_name, sizeof(s.role_name), "app");
	snprintf(s.database_name, sizeof(s.database_name), "shop");
	snprintf(s.application_name, sizeof(s.application_name), "web");
	s.state = state;
	s.backend_start = NOW - 3600 * SEC;
	s.xact_start = NOW - age_us - SEC;
	s.query_start = NOW - age_us;
	s.state_start = NOW - age_us;
	return s;
}

static LgPolicyDecision
decide(const LgSession *s, const LgPolicySettings *p, double usage, const LgPriorCancel *prior)
{
	LgPolicyDecision d;

	lg_policy_decide(s, p, usage, NOW, prior, &d);
	return d;
}

static void
test_idle_in_transaction_over_limit_terminated(void **state)
{
	LgPolicySettings p = settings_on();
	LgSession	s = client(LG_STATE_IDLE_IN_TRANSACTION, 61 * SEC);
	LgPolicyDecision d = decide(&s, &p, 50, NULL);

	(void) state;
	assert_int_equal(d.verdict, LG_VERDICT_TERMINATE);
	assert_int_equal(d.rule, LG_RULE_IDLE_IN_TRANSACTION);
	assert_true(d.age_us == 61 * SEC);
	assert_non_null(strstr(d.reason, "idle_in_transaction_limit (1 min 0.0 s)"));
	assert_non_null(strstr(d.reason, "idle in transaction for 1 min 1.0 s"));

	/* aborted transactions count the same */
	s.state = LG_STATE_IDLE_IN_TRANSACTION_ABORTED;
	d = decide(&s, &p, 50, NULL);
	assert_int_equal(d.verdict, LG_VERDICT_TERMINATE);
	assert_non_null(strstr(d.reason, "(aborted)"));
}

static void
test_idle_in_transaction_under_limit_left(void **state)
{
	LgPolicySettings p = settings_on();
	LgSession	s = client(LG_STATE_IDLE_IN_TRANSACTION, 60 * SEC); /* not over */
	LgPolicyDecision d = decide(&s, &p, 50, NULL);

	(void) state;
	assert_int_equal(d.verdict, LG_VERDICT_NONE);
	assert_int_equal(d.rule, LG_RULE_NONE);
	assert_non_null(strstr(d.reason, "under the limit"));

	/* age runs from the state change, not from the transaction start */
	s.xact_start = NOW - 3600 * SEC;
	d = decide(&s, &p, 50, NULL);
	assert_int_equal(d.verdict, LG_VERDICT_NONE);

	/* limit 0 = rule off */
	p.idle_in_transaction_limit_us = 0;
	s = client(LG_STATE_IDLE_IN_TRANSACTION, 3600 * SEC);
	d = decide(&s, &p, 50, NULL);
	assert_int_equal(d.verdict, LG_VERDICT_NONE);
	assert_non_null(strstr(d.reason, "no limit set"));
}

static void
test_idle_blocker_shorter_limit(void **state)
{
	LgPolicySettings p = settings_on();
	LgSession	s = client(LG_STATE_IDLE_IN_TRANSACTION, 11 * SEC);
	LgPolicyDecision d;

	(void) state;
	/* a non-blocker at 11 s is under the 60 s limit */
	d = decide(&s, &p, 50, NULL);
	assert_int_equal(d.verdict, LG_VERDICT_NONE);

	s.nblocking = 2;
	d = decide(&s, &p, 50, NULL);
	assert_int_equal(d.verdict, LG_VERDICT_TERMINATE);
	assert_int_equal(d.rule, LG_RULE_IDLE_BLOCKER);
	assert_non_null(strstr(d.reason, "blocking 2 sessions"));

	/* a blocker under the blocker limit: the reason names the nearer limit */
	s = client(LG_STATE_IDLE_IN_TRANSACTION, 5 * SEC);
	s.nblocking = 1;
	d = decide(&s, &p, 50, NULL);
	assert_int_equal(d.verdict, LG_VERDICT_NONE);
	assert_non_null(strstr(d.reason, "(10.0 s)"));

	/* blocker rule off: the ordinary limit still applies */
	p.idle_blocker_limit_us = 0;
	s = client(LG_STATE_IDLE_IN_TRANSACTION, 61 * SEC);
	s.nblocking = 1;
	d = decide(&s, &p, 50, NULL);
	assert_int_equal(d.verdict, LG_VERDICT_TERMINATE);
	assert_int_equal(d.rule, LG_RULE_IDLE_IN_TRANSACTION);
}

static void
test_active_query_cancel_then_terminate(void **state)
{
	LgPolicySettings p = settings_on();
	LgSession	s = client(LG_STATE_ACTIVE, 31 * SEC);
	LgPolicyDecision d;
	LgPriorCancel prior;

	(void) state;
	d = decide(&s, &p, 50, NULL);
	assert_int_equal(d.verdict, LG_VERDICT_CANCEL);
	assert_int_equal(d.rule, LG_RULE_ACTIVE_QUERY);
	assert_non_null(strstr(d.reason, "over active_query_limit (30.0 s)"));

	/* cancelled 5 s ago, same query: wait for the grace, do not cancel again */
	prior.cancelled_at = NOW - 5 * SEC;
	prior.query_start = s.query_start;
	d = decide(&s, &p, 50, &prior);
	assert_int_equal(d.verdict, LG_VERDICT_NONE);
	assert_non_null(strstr(d.reason, "cancelled 5.0 s ago"));

	/* grace over, same query still running: terminate */
	prior.cancelled_at = NOW - 10 * SEC;
	d = decide(&s, &p, 50, &prior);
	assert_int_equal(d.verdict, LG_VERDICT_TERMINATE);
	assert_int_equal(d.rule, LG_RULE_CANCEL_IGNORED);

	/*
	 * a different query (new query_start) is a fresh case: cancel, never
	 * terminate
	 */
	prior.query_start = s.query_start - SEC;
	d = decide(&s, &p, 50, &prior);
	assert_int_equal(d.verdict, LG_VERDICT_CANCEL);

	/* grace 0: terminate on the next look */
	p.cancel_grace_us = 0;
	prior.cancelled_at = NOW;
	prior.query_start = s.query_start;
	d = decide(&s, &p, 50, &prior);
	assert_int_equal(d.verdict, LG_VERDICT_TERMINATE);
}

static void
test_active_query_limits(void **state)
{
	LgPolicySettings p = settings_on();
	LgSession	s = client(LG_STATE_ACTIVE, 30 * SEC);
	LgPolicyDecision d;

	(void) state;
	d = decide(&s, &p, 50, NULL);
	assert_int_equal(d.verdict, LG_VERDICT_NONE);

	/* query age counts from the query start, not the state change */
	s.query_start = NOW - 40 * SEC;
	s.state_start = NOW - SEC;
	d = decide(&s, &p, 50, NULL);
	assert_int_equal(d.verdict, LG_VERDICT_CANCEL);

	p.active_query_limit_us = 0;
	d = decide(&s, &p, 50, NULL);
	assert_int_equal(d.verdict, LG_VERDICT_NONE);

	/* idle and idle-in-transaction sessions are never cancelled */
	p = settings_on();
	s = client(LG_STATE_IDLE, 3600 * SEC);
	d = decide(&s, &p, 50, NULL);
	assert_int_equal(d.verdict, LG_VERDICT_NONE);
	assert_string_equal(d.reason, "idle");
}

static void
test_exemptions(void **state)
{
	LgPolicySettings p = settings_on();
	LgSession	s = client(LG_STATE_IDLE_IN_TRANSACTION, 3600 * SEC);
	LgNameList	roles,
				dbs,
				apps;
	LgPolicyDecision d;

	(void) state;
	s.is_client_backend = false;
	d = decide(&s, &p, 100, NULL);
	assert_int_equal(d.verdict, LG_VERDICT_EXEMPT);
	assert_int_equal(d.exempt, LG_EXEMPT_NOT_CLIENT);

	s = client(LG_STATE_IDLE_IN_TRANSACTION, 3600 * SEC);
	s.pid = p.own_pid;
	d = decide(&s, &p, 100, NULL);
	assert_int_equal(d.exempt, LG_EXEMPT_OWN_SESSION);

	s = client(LG_STATE_IDLE_IN_TRANSACTION, 3600 * SEC);
	s.is_superuser = true;
	d = decide(&s, &p, 100, NULL);
	assert_int_equal(d.verdict, LG_VERDICT_EXEMPT);
	assert_int_equal(d.exempt, LG_EXEMPT_SUPERUSER);
	p.terminate_superusers = true;
	d = decide(&s, &p, 100, NULL);
	assert_int_equal(d.verdict, LG_VERDICT_TERMINATE);

	p = settings_on();
	lg_namelist_init(&roles);
	lg_namelist_init(&dbs);
	lg_namelist_init(&apps);
	lg_namelist_add(&roles, "app");
	lg_namelist_add(&dbs, "shop");
	lg_namelist_add(&apps, "web");
	s = client(LG_STATE_ACTIVE, 3600 * SEC);

	p.exempt_roles = &roles;
	d = decide(&s, &p, 100, NULL);
	assert_int_equal(d.exempt, LG_EXEMPT_ROLE);
	assert_string_equal(d.reason, "role \"app\" is in loadguard.exempt_roles");
	p.exempt_roles = &no_names;
	p.exempt_databases = &dbs;
	d = decide(&s, &p, 100, NULL);
	assert_int_equal(d.exempt, LG_EXEMPT_DATABASE);
	p.exempt_databases = &no_names;
	p.exempt_applications = &apps;
	d = decide(&s, &p, 100, NULL);
	assert_int_equal(d.exempt, LG_EXEMPT_APPLICATION);

	/* names compare exactly */
	snprintf(s.application_name, sizeof(s.application_name), "Web");
	d = decide(&s, &p, 100, NULL);
	assert_int_equal(d.verdict, LG_VERDICT_CANCEL);

	/* Patroni's own sessions are never touched, whatever the settings */
	p.terminate_superusers = true;
	snprintf(s.application_name, sizeof(s.application_name), "Patroni");
	s.is_superuser = true;
	d = decide(&s, &p, 100, NULL);
	assert_int_equal(d.verdict, LG_VERDICT_EXEMPT);
	assert_int_equal(d.exempt, LG_EXEMPT_CLUSTER_MANAGER);
	snprintf(s.application_name, sizeof(s.application_name), "Patroni heartbeat");
	d = decide(&s, &p, 100, NULL);
	assert_int_equal(d.exempt, LG_EXEMPT_CLUSTER_MANAGER);
	/* ... and only those: a look-alike name is not exempt */
	snprintf(s.application_name, sizeof(s.application_name), "Patronizer");
	d = decide(&s, &p, 100, NULL);
	assert_int_equal(d.verdict, LG_VERDICT_CANCEL);
	s.is_superuser = false;
	p.terminate_superusers = false;

	/* exempt sessions say so even when nothing is stuck */
	s = client(LG_STATE_IDLE, SEC);
	s.is_superuser = true;
	p = settings_on();
	d = decide(&s, &p, 100, NULL);
	assert_int_equal(d.verdict, LG_VERDICT_EXEMPT);
}

static void
test_min_usage_holds_back(void **state)
{
	LgPolicySettings p = settings_on();
	LgSession	s = client(LG_STATE_IDLE_IN_TRANSACTION, 120 * SEC);
	LgPolicyDecision d;

	(void) state;
	p.terminate_min_usage = 80;
	d = decide(&s, &p, 79.9, NULL);
	assert_int_equal(d.verdict, LG_VERDICT_NONE);
	assert_true(d.held_back);
	assert_int_equal(d.rule, LG_RULE_IDLE_IN_TRANSACTION);
	assert_non_null(strstr(d.reason, "would terminate"));
	assert_non_null(strstr(d.reason, "terminate_min_usage (80%)"));

	d = decide(&s, &p, 80, NULL);
	assert_int_equal(d.verdict, LG_VERDICT_TERMINATE);
	assert_false(d.held_back);

	s = client(LG_STATE_ACTIVE, 120 * SEC);
	d = decide(&s, &p, 10, NULL);
	assert_int_equal(d.verdict, LG_VERDICT_NONE);
	assert_non_null(strstr(d.reason, "would cancel"));
}

static void
test_mode_off_and_describe(void **state)
{
	LgPolicySettings p = settings_on();
	LgSession	s = client(LG_STATE_IDLE_IN_TRANSACTION, 120 * SEC);
	LgPolicyDecision d;
	char		text[512];

	(void) state;
	p.mode = LG_POLICY_OFF;
	d = decide(&s, &p, 100, NULL);
	assert_int_equal(d.verdict, LG_VERDICT_NONE);

	p.mode = LG_POLICY_DRY_RUN;
	d = decide(&s, &p, 100, NULL);
	assert_int_equal(d.verdict, LG_VERDICT_TERMINATE);
	lg_policy_describe(&d, p.mode, text, sizeof(text));
	assert_string_equal(text,
						"terminate (dry run): idle in transaction for 2 min 0.0 s, over idle_in_transaction_limit (1 min 0.0 s)");
	p.mode = LG_POLICY_ON;
	lg_policy_describe(&d, p.mode, text, sizeof(text));
	assert_true(strncmp(text, "terminate: idle", 15) == 0);
}

static void
test_names_and_durations(void **state)
{
	char		buf[64];

	(void) state;
	assert_string_equal(lg_policy_rule_name(LG_RULE_IDLE_BLOCKER), "idle_blocker_limit");
	assert_string_equal(lg_policy_rule_name(LG_RULE_CANCEL_IGNORED), "cancel_grace");
	assert_string_equal(lg_policy_rule_name(LG_RULE_NONE), "");
	assert_string_equal(lg_policy_state_name(LG_STATE_IDLE_IN_TRANSACTION_ABORTED),
						"idle in transaction (aborted)");
	lg_format_duration(buf, sizeof(buf), 2500000);
	assert_string_equal(buf, "2.5 s");
	lg_format_duration(buf, sizeof(buf), (3600 + 125) * SEC);
	assert_string_equal(buf, "1 h 2 min 5 s");
	lg_format_duration(buf, sizeof(buf), -5);
	assert_string_equal(buf, "0.0 s");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_idle_in_transaction_over_limit_terminated),
		cmocka_unit_test(test_idle_in_transaction_under_limit_left),
		cmocka_unit_test(test_idle_blocker_shorter_limit),
		cmocka_unit_test(test_active_query_cancel_then_terminate),
		cmocka_unit_test(test_active_query_limits),
		cmocka_unit_test(test_exemptions),
		cmocka_unit_test(test_min_usage_holds_back),
		cmocka_unit_test(test_mode_off_and_describe),
		cmocka_unit_test(test_names_and_durations),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
