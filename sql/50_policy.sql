-- The stuck-session policy's SQL surface: the terminations view's shape,
-- terminate_stuck() revoked from PUBLIC, and a dry run on an idle server.
CREATE EXTENSION loadguard;

SELECT attname, format_type(atttypid, atttypmod) AS type
  FROM pg_attribute
 WHERE attrelid = 'loadguard.terminations'::regclass AND attnum > 0
 ORDER BY attnum;

-- actions per rule, zero on a fresh server
SELECT * FROM loadguard.policy_stats;

-- terminate_stuck returns rows in the shape of terminations
SELECT pg_get_function_result('loadguard.terminate_stuck(boolean)'::regprocedure) AS result,
       pg_get_function_arguments('loadguard.terminate_stuck(boolean)'::regprocedure) AS arguments;

-- readable by everyone, but only superusers may run terminate_stuck by default
SELECT has_table_privilege('public', 'loadguard.terminations', 'SELECT') AS public_reads_terminations,
       has_function_privilege('public', 'loadguard.terminate_stuck(boolean)', 'EXECUTE') AS public_runs_terminate_stuck;
CREATE ROLE lg_policy_plain;
SET ROLE lg_policy_plain;
SELECT count(*) >= 0 AS plain_reads FROM loadguard.terminations;
SELECT * FROM loadguard.terminate_stuck();
RESET ROLE;
DROP ROLE lg_policy_plain;

-- the view and function explain themselves in psql
SELECT obj_description('loadguard.terminations'::regclass, 'pg_class') IS NOT NULL AS view_commented,
       obj_description('loadguard.terminate_stuck(boolean)'::regprocedure, 'pg_proc') IS NOT NULL AS function_commented;

-- with limits set (once the reload reaches this backend), a dry run as
-- superuser on an idle server finds nothing: this session is the caller,
-- exempt, and the worker is not a client backend
ALTER SYSTEM SET loadguard.idle_in_transaction_limit = '1h';
ALTER SYSTEM SET loadguard.active_query_limit = '1h';
SELECT pg_reload_conf();
SELECT count(*) AS audit_before FROM loadguard.terminations \gset
SELECT * FROM loadguard.terminate_stuck();
SELECT * FROM loadguard.terminate_stuck(dry_run => true);
SELECT count(*) = :audit_before AS nothing_audited FROM loadguard.terminations;
ALTER SYSTEM RESET loadguard.idle_in_transaction_limit;
ALTER SYSTEM RESET loadguard.active_query_limit;
SELECT pg_reload_conf();

DROP EXTENSION loadguard;
