/*
 * test_classify.c — cmocka tests for the event classifier (src/model/classify.c):
 * the whole table of SQLSTATE + message_id -> kind, the context flags, and
 * codes and messages that must count as nothing.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "classify.h"
#include "sample.h"

typedef struct Case
{
	const char *sqlstate;
	const char *message_id;
	bool		client_backend;
	bool		in_startup;
	bool		shutting_down;
	LgEventKind expected;
} Case;

/* message_ids exactly as PostgreSQL 15 passes them to errmsg() */
static const Case cases[] = {
	/* refused connections (all during startup) */
	{"53300", "sorry, too many clients already", true, true, false, LG_EV_REJECTED_TOO_MANY_CLIENTS},
	{"53300", "sorry, too many clients already", false, true, false, LG_EV_REJECTED_TOO_MANY_CLIENTS},
	{"53300", "remaining connection slots are reserved for non-replication superuser connections", true, true, false, LG_EV_REJECTED_RESERVED_SLOTS},
	{"53300", "too many connections for database \"%s\"", true, true, false, LG_EV_REJECTED_DATABASE_LIMIT},
	{"53300", "too many connections for role \"%s\"", true, true, false, LG_EV_REJECTED_ROLE_LIMIT},
	{"53300", "number of requested standby connections exceeds max_wal_senders (currently %d)", false, true, false, LG_EV_NONE},
	{"53300", NULL, true, true, false, LG_EV_NONE},
	/* translated text (here German) is never matched */
	{"53300", "tut mir leid, schon zu viele Verbindungen", true, true, false, LG_EV_NONE},
	/* a prefix or an expanded message is not the message_id */
	{"53300", "sorry, too many clients", true, true, false, LG_EV_NONE},
	{"53300", "too many connections for role \"app\"", true, true, false, LG_EV_NONE},

	/* cancels */
	{"57014", "canceling statement due to statement timeout", true, false, false, LG_EV_STATEMENT_TIMEOUT},
	{"57014", "canceling statement due to user request", true, false, false, LG_EV_QUERY_CANCELED},
	{"57014", "canceling autovacuum task", false, false, false, LG_EV_NONE},
	{"57014", "canceling authentication due to timeout", true, true, false, LG_EV_NONE},
	{"57014", "COPY from stdin failed: %s", true, false, false, LG_EV_NONE},
	{"57014", NULL, true, false, false, LG_EV_NONE},

	/* lock timeout, and NOWAIT which is not one */
	{"55P03", "canceling statement due to lock timeout", true, false, false, LG_EV_LOCK_TIMEOUT},
	{"55P03", "could not obtain lock on row in relation \"%s\"", true, false, false, LG_EV_NONE},
	{"55P03", "could not obtain lock on relation \"%s\"", true, false, false, LG_EV_NONE},

	/* session timeouts: one cause per code */
	{"25P03", "terminating connection due to idle-in-transaction timeout", true, false, false, LG_EV_IDLE_IN_TRANSACTION_TIMEOUT},
	{"25P03", NULL, true, false, false, LG_EV_IDLE_IN_TRANSACTION_TIMEOUT},
	{"57P05", "terminating connection due to idle-session timeout", true, false, false, LG_EV_IDLE_SESSION_TIMEOUT},

	/* deadlocks and recovery conflicts */
	{"40P01", "deadlock detected", true, false, false, LG_EV_DEADLOCK},
	{"40P01", "canceling statement due to conflict with recovery", true, false, false, LG_EV_RECOVERY_CONFLICT},
	{"40P01", "something else", true, false, false, LG_EV_NONE},
	{"40001", "canceling statement due to conflict with recovery", true, false, false, LG_EV_RECOVERY_CONFLICT},
	{"40001", "terminating connection due to conflict with recovery", true, false, false, LG_EV_RECOVERY_CONFLICT},
	{"40001", "could not serialize access due to concurrent update", true, false, false, LG_EV_NONE},
	{"40001", "could not serialize access due to read/write dependencies among transactions", true, false, false, LG_EV_NONE},
	{"3D000", "terminating connection due to conflict with recovery", true, false, false, LG_EV_RECOVERY_CONFLICT},
	{"3D000", "database \"%s\" does not exist", true, true, false, LG_EV_NONE},

	/* terminations: client backends outside shutdown only */
	{"57P01", "terminating connection due to administrator command", true, false, false, LG_EV_ADMIN_TERMINATED},
	{"57P01", "terminating connection due to administrator command", true, false, true, LG_EV_NONE},
	{"57P01", "terminating connection due to administrator command", false, false, false, LG_EV_NONE},
	{"57P01", "terminating autovacuum process due to administrator command", false, false, false, LG_EV_NONE},
	{"57P01", "terminating background worker \"%s\" due to administrator command", false, false, false, LG_EV_NONE},
	{"57P01", "terminating connection due to immediate shutdown command", true, false, false, LG_EV_NONE},
	{"57P01", "terminating connection due to unexpected postmaster exit", true, false, false, LG_EV_NONE},

	/* authentication: refused logins only */
	{"28P01", "password authentication failed for user \"%s\"", true, true, false, LG_EV_AUTH_FAILED},
	{"28000", "no pg_hba.conf entry for host \"%s\", user \"%s\", database \"%s\", %s", true, true, false, LG_EV_AUTH_FAILED},
	{"28000", "role \"%s\" does not exist", true, true, false, LG_EV_AUTH_FAILED},
	{"28000", "role \"%s\" is not permitted to log in", true, true, false, LG_EV_AUTH_FAILED},
	{"28000", "role \"%s\" does not exist", true, false, false, LG_EV_NONE},
	{"28P01", "password authentication failed for user \"%s\"", true, false, false, LG_EV_NONE},

	/* memory */
	{"53200", "out of memory", true, false, false, LG_EV_OUT_OF_MEMORY},
	{"53200", "out of memory", false, false, false, LG_EV_OUT_OF_MEMORY},
	{"53200", "out of shared memory", true, false, false, LG_EV_LOCK_TABLE_FULL},
	{"53200", "out of shared memory (%zu bytes requested)", true, false, false, LG_EV_OUT_OF_MEMORY},
	{"53200", NULL, true, false, false, LG_EV_OUT_OF_MEMORY},

	/* codes no kind uses */
	{"XX000", "unexpected failure", true, false, false, LG_EV_NONE},
	{"42601", "syntax error at or near \"%s\"", true, false, false, LG_EV_NONE},
	{"23505", "duplicate key value violates unique constraint \"%s\"", true, false, false, LG_EV_NONE},
	{"57P03", "the database system is shutting down", true, true, true, LG_EV_NONE},
	{"57P04", "database dropped", true, false, false, LG_EV_NONE},
	{"00000", NULL, true, false, false, LG_EV_NONE},
	{"08006", "connection to client lost", true, false, false, LG_EV_NONE},
};

static void
test_table(void **state)
{
	(void) state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
	{
		const Case *c = &cases[i];
		LgErrorReport r;
		LgEventKind got;

		r.sqlstate = lg_sqlstate_pack(c->sqlstate);
		assert_true(r.sqlstate >= 0);
		r.message_id = c->message_id;
		r.client_backend = c->client_backend;
		r.in_startup = c->in_startup;
		r.shutting_down = c->shutting_down;
		got = lg_classify_error(&r);
		if (got != c->expected)
			fail_msg("case %zu: %s \"%s\" gave %d, expected %d", i, c->sqlstate,
					 c->message_id ? c->message_id : "(null)", (int) got, (int) c->expected);
	}
}

/* every kind but connections_established is reachable through the table */
static void
test_every_kind_covered(void **state)
{
	bool		seen[LG_EVENT_COUNT] = {false};

	(void) state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (cases[i].expected != LG_EV_NONE)
			seen[cases[i].expected] = true;
	for (int k = 0; k < LG_EVENT_COUNT; k++)
	{
		if (k == LG_EV_CONNECTIONS_ESTABLISHED)
			continue;
		if (!seen[k])
			fail_msg("kind %s has no case", lg_event_names[k]);
	}
}

/* each kind's advertised SQLSTATEs include the ones the table maps to it */
static void
test_sqlstates_column(void **state)
{
	(void) state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
	{
		if (cases[i].expected == LG_EV_NONE)
			continue;
		if (strstr(lg_event_sqlstates[cases[i].expected], cases[i].sqlstate) == NULL)
			fail_msg("%s does not list %s", lg_event_names[cases[i].expected], cases[i].sqlstate);
	}
	for (int k = 0; k < LG_EVENT_COUNT; k++)
	{
		assert_non_null(lg_event_names[k]);
		assert_non_null(lg_event_sqlstates[k]);
	}
}

static void
test_pack_unpack(void **state)
{
	char		buf[6];

	(void) state;
	/* values of the server's MAKE_SQLSTATE, computed by hand */
	assert_int_equal(lg_sqlstate_pack("00000"), 0);
	assert_int_equal(lg_sqlstate_pack("53300"), 5 + (3 << 6) + (3 << 12));
	assert_int_equal(lg_sqlstate_pack("57P01"), 5 + (7 << 6) + (('P' - '0') << 12) + (1 << 24));
	assert_int_equal(lg_sqlstate_pack("53300"), LG_SQLSTATE('5', '3', '3', '0', '0'));
	lg_sqlstate_unpack(lg_sqlstate_pack("40P01"), buf);
	assert_string_equal(buf, "40P01");
	lg_sqlstate_unpack(lg_sqlstate_pack("XX000"), buf);
	assert_string_equal(buf, "XX000");
	/* malformed text */
	assert_int_equal(lg_sqlstate_pack(NULL), -1);
	assert_int_equal(lg_sqlstate_pack("5330"), -1);
	assert_int_equal(lg_sqlstate_pack("533000"), -1);
	assert_int_equal(lg_sqlstate_pack("53a00"), -1);
	assert_int_equal(lg_sqlstate_pack(""), -1);
}

static void
test_shutdown_lookup_only_when_needed(void **state)
{
	(void) state;
	assert_true(lg_classify_needs_shutdown_state(lg_sqlstate_pack("57P01")));
	assert_false(lg_classify_needs_shutdown_state(lg_sqlstate_pack("53300")));
	assert_false(lg_classify_needs_shutdown_state(lg_sqlstate_pack("57014")));
}

/* the four refusal kinds, and nothing else, count as refused connections */
static void
test_refusals(void **state)
{
	LgSample	sample;
	int			refusals = 0;

	(void) state;
	memset(&sample, 0, sizeof(sample));
	for (int k = 0; k < LG_EVENT_COUNT; k++)
	{
		sample.events[k] = 1000 + k;
		if (lg_event_is_refusal((LgEventKind) k))
			refusals++;
	}
	assert_int_equal(refusals, 4);
	assert_true(lg_event_is_refusal(LG_EV_REJECTED_TOO_MANY_CLIENTS));
	assert_true(lg_event_is_refusal(LG_EV_REJECTED_ROLE_LIMIT));
	assert_false(lg_event_is_refusal(LG_EV_AUTH_FAILED));
	assert_false(lg_event_is_refusal(LG_EV_CONNECTIONS_ESTABLISHED));
	assert_int_equal(lg_sample_refused(&sample),
					 (1000 + LG_EV_REJECTED_TOO_MANY_CLIENTS) +
					 (1000 + LG_EV_REJECTED_RESERVED_SLOTS) +
					 (1000 + LG_EV_REJECTED_DATABASE_LIMIT) +
					 (1000 + LG_EV_REJECTED_ROLE_LIMIT));
}

/* log, fatal and panic (any case) keep ERROR reports out of the log */
static void
test_log_level_names(void **state)
{
	(void) state;
	assert_true(lg_log_level_name_hides_errors("log"));
	assert_true(lg_log_level_name_hides_errors("FATAL"));
	assert_true(lg_log_level_name_hides_errors("Panic"));
	assert_false(lg_log_level_name_hides_errors("error"));
	assert_false(lg_log_level_name_hides_errors("warning"));
	assert_false(lg_log_level_name_hides_errors("debug1"));
	assert_false(lg_log_level_name_hides_errors(""));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_every_kind_covered),
		cmocka_unit_test(test_sqlstates_column),
		cmocka_unit_test(test_pack_unpack),
		cmocka_unit_test(test_shutdown_lookup_only_when_needed),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_log_level_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
