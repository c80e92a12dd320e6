-- Hostile input: every SQL function of the extension called with NULL, zero,
-- negative, huge and malformed arguments, and every setting given
-- out-of-range and malformed values.  Each call either fails with an error
-- that names the argument or setting, or returns a documented result; the
-- backend never crashes, and a failed call changes nothing (no audit rows,
-- no counters, nothing written to postgresql.auto.conf).
CREATE EXTENSION loadguard;
\set SHOW_CONTEXT never

-- every function in the schema, so that a new one cannot be added unnoticed
SELECT p.oid::regprocedure AS function
  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
 WHERE n.nspname = 'loadguard'
 ORDER BY p.oid::regprocedure::text;

-- run one call; say how many rows it returned, or its SQLSTATE and message
CREATE FUNCTION regress_lg_try(call text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
  n bigint;
BEGIN
  EXECUTE format('SELECT count(*) FROM (%s) c', call) INTO n;
  RETURN format('%s rows', n);
EXCEPTION WHEN OTHERS THEN
  RETURN format('%s: %s', SQLSTATE, SQLERRM);
END $$;

SELECT count(*) AS audit_before FROM loadguard.terminations \gset
SELECT sum(done + failed + skipped + dry_run) AS actions_before FROM loadguard.policy_stats \gset

-- readiness and readiness_summary: users, baseline_users, lookback, app_role
SELECT fn, args, regress_lg_try(format('SELECT * FROM loadguard.%s(%s)', fn, args)) AS result
  FROM unnest(ARRAY['readiness', 'readiness_summary']) fn,
       unnest(ARRAY[
         'NULL', '0', '-1', '-2147483648', '2147483647', '10000001',
         '10, 0', '10, -1', '10, 2147483647', '10, 10000001',
         '10, NULL, NULL', '10, NULL, ''0''', '10, NULL, ''-1 hour''',
         '10, NULL, ''-1 microsecond''', '10, NULL, ''1 month -31 days''',
         '10, NULL, ''1 day -24 hours''',
         '10, NULL, ''15 minutes'', ''''',
         '10, NULL, ''15 minutes'', ''regress_lg_no_such_role''',
         '10, NULL, ''15 minutes'', repeat(''x'', 200)'
       ]) WITH ORDINALITY a(args, ord)
 ORDER BY fn, ord;

-- the documented edges are accepted: 1 and 10,000,000 users, and a lookback
-- far longer than the history holds (it uses what is there and says so)
SELECT users, verdict IS NOT NULL AS has_verdict
  FROM loadguard.readiness_summary(1);
SELECT users, verdict IS NOT NULL AS has_verdict
  FROM loadguard.readiness_summary(10000000, 10000000);
SELECT users, verdict IS NOT NULL AS has_verdict
  FROM loadguard.readiness_summary(10, NULL, '1000000 years');
SELECT count(*) AS checks, bool_or(detail LIKE '%history%') AS says_history_is_shorter
  FROM loadguard.readiness(10, 5, '1000000 years');
SELECT count(*) AS checks
  FROM loadguard.readiness(10000000, 1, '1 microsecond', 'postgres');
-- get_roles(): a lookback far longer than the history holds reads all of
-- it; its months used to overflow into a negative lookback
SELECT count(*) >= 0 AS has_rows FROM loadguard.get_roles('1000000 years');
SELECT regress_lg_try('SELECT * FROM loadguard.get_roles(''-1000000 years'')') AS result;
-- interval input itself refuses infinity on PostgreSQL 15
SELECT * FROM loadguard.readiness(10, NULL, 'infinity');

-- report(): the same arguments, checked by readiness_summary; without a
-- target it prints no readiness section and ignores the others
SELECT args, regress_lg_try(format('SELECT * FROM loadguard.report(%s)', args)) AS result
  FROM unnest(ARRAY[
         '0', '-1', '2147483647', '10, 0', '10, -1', '10, NULL, NULL',
         '10, NULL, ''0''', '10, NULL, ''-1 hour''', '10, NULL, ''15 minutes'', ''''',
         '10, NULL, ''15 minutes'', repeat(''x'', 200)'
       ]) WITH ORDINALITY a(args, ord)
 ORDER BY ord;
SELECT count(*) > 0 AS printed, bool_or(r LIKE '%no target%') AS says_no_target
  FROM loadguard.report(NULL, 0, '-1 hour', 'regress_lg_no_such_role') r;
SELECT count(*) > 0 AS printed, bool_or(r LIKE '%verdict%') AS has_verdict
  FROM loadguard.report(10000000, NULL, '1000000 years') r;

-- config_check(): app_role must exist
SELECT args, regress_lg_try(format('SELECT * FROM loadguard.config_check(%s)', args)) AS result
  FROM unnest(ARRAY['''''', '''regress_lg_no_such_role''', 'repeat(''x'', 200)',
                    '''pg_catalog''', 'NULL']) WITH ORDINALITY a(args, ord)
 ORDER BY ord;
-- a role whose name needs quoting is quoted in every fix
CREATE ROLE "regress_lg_app'; DROP TABLE x; --" LOGIN;
SELECT setting, fix_sql FROM loadguard.config_check('regress_lg_app''; DROP TABLE x; --')
 WHERE fix_sql LIKE '%regress_lg_app%';
DROP ROLE "regress_lg_app'; DROP TABLE x; --";

-- terminate_stuck() is STRICT: NULL does nothing and returns no rows
SELECT * FROM loadguard.terminate_stuck(NULL);

-- report_wrap(): NULL body, NULL prefixes, width 0 or negative (one word a
-- line), and a word longer than the width (kept whole)
SELECT line IS NULL AS is_null, line FROM loadguard.report_wrap(NULL, NULL, NULL, NULL) line;
SELECT line FROM loadguard.report_wrap(NULL, '> ', '  ') line;
SELECT line FROM loadguard.report_wrap('one two three', '> ', '  ', 0) line;
SELECT line FROM loadguard.report_wrap('one two three', '> ', '  ', -1) line;
SELECT line FROM loadguard.report_wrap('one two three', '> ', '  ', -2147483648) line;
SELECT length(line) FROM loadguard.report_wrap(repeat('x', 300), '', '', 10) line;

-- the config_check helpers
SELECT loadguard.setting_source(NULL) IS NULL AS null_source,
       loadguard.setting_source('') IS NULL AS empty_source,
       loadguard.setting_source('regress_lg.no_such') IS NULL AS unknown_source,
       loadguard.setting_source(repeat('x', 100000)) IS NULL AS huge_source;
SELECT loadguard.size_setting(NULL) IS NULL AS null_size,
       loadguard.size_setting(0), loadguard.size_setting(-1),
       loadguard.size_setting(-9223372036854775808),
       loadguard.size_setting(9223372036854775807);

-- history_range: NULL, reversed, infinite and extreme bounds, bad resolutions
SELECT count(*) AS null_from FROM loadguard.history_range(NULL, now());
SELECT count(*) AS null_to FROM loadguard.history_range(now(), NULL);
SELECT count(*) AS reversed FROM loadguard.history_range(now(), now() - interval '1 hour');
SELECT count(*) >= 0 AS everything FROM loadguard.history_range('-infinity', 'infinity');
SELECT count(*) >= 0 AS everything_minutes FROM loadguard.history_range('-infinity', 'infinity', '1 minute');
SELECT count(*) AS before_2000
  FROM loadguard.history_range('4713-01-01 BC', '1999-12-31 23:59:59.999999+00');
SELECT count(*) AS far_future FROM loadguard.history_range('294276-12-31', 'infinity', '1000 years');
SELECT count(*) >= 0 AS month_resolution FROM loadguard.history_range(now() - interval '1 day', now(), '1 mon');
SELECT count(*) FROM loadguard.history_range(now(), now(), '0');
SELECT count(*) FROM loadguard.history_range(now(), now(), '-1 s');
SELECT count(*) FROM loadguard.history_range(now(), now(), '1 mon -31 days');

-- the rows of history reads share one memory context per backend, reset when
-- the last query using it ends: two reads in one query, a read aborted by an
-- error, a cursor left open across other reads
SELECT count(*) > 0 AS cross_join
  FROM loadguard.history a, loadguard.history_range('-infinity', 'infinity') b;
SELECT 1 / (count(*) - count(*)) FROM loadguard.history;
SELECT 1 / (samples - samples) FROM loadguard.history_range('-infinity', 'infinity');
BEGIN;
DECLARE rows_cursor CURSOR FOR SELECT ts FROM loadguard.history_range('-infinity', 'infinity');
FETCH 1 FROM rows_cursor \gset cursor_
SELECT count(*) >= 0 AS read_while_cursor_open FROM loadguard.history;
FETCH 1 FROM rows_cursor \gset cursor_again_
SELECT :'cursor_again_ts'::timestamptz > :'cursor_ts'::timestamptz AS cursor_reads_on;
COMMIT;
SELECT count(*) >= 1 AS read_after_errors FROM loadguard.history;

-- the functions behind the views take no arguments
SELECT loadguard.get_status(NULL);
SELECT loadguard.get_history_minutes(NULL);

-- none of the failed calls acted or audited anything
SELECT count(*) = :audit_before AS no_audit_rows FROM loadguard.terminations;
SELECT sum(done + failed + skipped + dry_run) = :actions_before AS no_actions
  FROM loadguard.policy_stats;

-- ---------------------------------------------------------------------
-- settings: every one, with what sql/00_extension.sql does not try
-- ---------------------------------------------------------------------
-- non-numeric values and units on unitless settings
ALTER SYSTEM SET loadguard.sample_interval = 'fast';
ALTER SYSTEM SET loadguard.sample_interval = '1 parsec';
ALTER SYSTEM SET loadguard.sample_interval = '';
ALTER SYSTEM SET loadguard.history_size = 'many';
ALTER SYSTEM SET loadguard.history_size = '10MB';
ALTER SYSTEM SET loadguard.history_size = '1.5';
ALTER SYSTEM SET loadguard.history_size = 99999999999999999999;
ALTER SYSTEM SET loadguard.audit_size = '1s';
ALTER SYSTEM SET loadguard.audit_size = 15;
ALTER SYSTEM SET loadguard.log_pressure = '50ms';
ALTER SYSTEM SET loadguard.log_pressure = -1;
ALTER SYSTEM SET loadguard.log_pressure = 'high';
ALTER SYSTEM SET loadguard.connections_per_user = 'NaN';
ALTER SYSTEM SET loadguard.connections_per_user = 'infinity';
ALTER SYSTEM SET loadguard.connections_per_user = '1kB';
ALTER SYSTEM SET loadguard.connections_per_user = 1000.5;
ALTER SYSTEM SET loadguard.connections_per_user = -1;
ALTER SYSTEM SET loadguard.terminate_min_usage = 101;
ALTER SYSTEM SET loadguard.terminate_min_usage = -1;
ALTER SYSTEM SET loadguard.terminate_min_usage = '50%';
ALTER SYSTEM SET loadguard.idle_in_transaction_limit = '24h 1ms';
ALTER SYSTEM SET loadguard.idle_in_transaction_limit = 'forever';
ALTER SYSTEM SET loadguard.idle_blocker_limit = '-1s';
ALTER SYSTEM SET loadguard.idle_blocker_limit = '25h';
ALTER SYSTEM SET loadguard.idle_blocker_limit = '10 MB';
ALTER SYSTEM SET loadguard.active_query_limit = 'soon';
ALTER SYSTEM SET loadguard.cancel_grace = '-1';
ALTER SYSTEM SET loadguard.cancel_grace = '61min';
ALTER SYSTEM SET loadguard.cancel_grace = '1e100';
-- unknown enum values and malformed booleans
ALTER SYSTEM SET loadguard.terminate = '';
ALTER SYSTEM SET loadguard.terminate = 'dry-run';
ALTER SYSTEM SET loadguard.terminate = 'kill';
ALTER SYSTEM SET loadguard.enabled = 'maybe';
ALTER SYSTEM SET loadguard.enabled = 2;
ALTER SYSTEM SET loadguard.terminate_superusers = 'always';
ALTER SYSTEM SET loadguard.track_statements = 'sometimes';
SET loadguard.track_statements = '';
-- lists: unterminated quotes, names over 63 bytes, 65 names, empty entries
ALTER SYSTEM SET loadguard.exempt_databases = '"unterminated';
ALTER SYSTEM SET loadguard.exempt_applications = 'ok, "unterminated';
ALTER SYSTEM SET loadguard.exempt_roles = '""';
ALTER SYSTEM SET loadguard.exempt_roles = ',';
SELECT format('ALTER SYSTEM SET loadguard.exempt_roles = %L', repeat('r', 64)) \gexec
SELECT format('ALTER SYSTEM SET loadguard.exempt_applications = %L', '"' || repeat('a', 64) || '"') \gexec
SELECT format('ALTER SYSTEM SET loadguard.exempt_%s = %L', list,
              string_agg('n' || i, ',' ORDER BY i))
  FROM unnest(ARRAY['roles', 'databases', 'applications']) list,
       generate_series(1, 65) i
 GROUP BY list ORDER BY list \gexec
-- nothing was written by the rejected commands
SELECT count(*) AS auto_conf_lines
  FROM pg_file_settings WHERE name LIKE 'loadguard.%' AND sourcefile LIKE '%postgresql.auto.conf';
-- the limits themselves are accepted: 64 names, one of them a quoted
-- 63-byte name; a quote inside an unquoted name is part of the name, as in
-- every server list setting
SELECT format('ALTER SYSTEM SET loadguard.exempt_roles = %L',
              string_agg('n' || i, ',' ORDER BY i) || ',"' || repeat('Q', 63) || '"')
  FROM generate_series(1, 63) i \gexec
SELECT count(*) AS accepted_lines
  FROM pg_file_settings WHERE name = 'loadguard.exempt_roles' AND sourcefile LIKE '%postgresql.auto.conf';
ALTER SYSTEM SET loadguard.exempt_applications = 'a"b';
SELECT setting FROM pg_file_settings WHERE name = 'loadguard.exempt_applications';
ALTER SYSTEM RESET loadguard.exempt_roles;
ALTER SYSTEM RESET loadguard.exempt_applications;
-- a user-settable setting rejects the same, in a session
SET loadguard.target_users = 'ten';
SET loadguard.target_users = '10ms';
SET loadguard.target_users = 10000001;
SET loadguard.target_users = 2147483648;
SHOW loadguard.target_users;
RESET loadguard.target_users;
-- reload-only settings cannot be changed in a session at all
SET loadguard.terminate = on;
SET loadguard.exempt_roles = 'x';
-- nothing is left in postgresql.auto.conf
SELECT count(*) AS auto_conf_lines
  FROM pg_file_settings WHERE name LIKE 'loadguard.%' AND sourcefile LIKE '%postgresql.auto.conf';

-- the backend is still here and the worker still ticks
SELECT count(*) AS still_alive FROM loadguard.status WHERE worker_pid IS NOT NULL;

DROP FUNCTION regress_lg_try(text);
DROP EXTENSION loadguard;
