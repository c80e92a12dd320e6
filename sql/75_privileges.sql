-- Privileges under real roles: nothing is SECURITY DEFINER; every SQL and
-- PL/pgSQL function pins search_path; PUBLIC reads every view but not other
-- roles' query text, client address or application; pg_read_all_stats and
-- pg_monitor members see them; PUBLIC may not reset() or terminate_stuck();
-- and hostile functions and operators on the caller's search_path change no
-- result.  Sessions of other roles need real connections: see
-- t/080_privileges.pl.
CREATE EXTENSION loadguard;
\set SHOW_CONTEXT never

CREATE ROLE regress_lg_plain;
CREATE ROLE regress_lg_stats IN ROLE pg_read_all_stats;
CREATE ROLE regress_lg_monitor IN ROLE pg_monitor;

-- the extension's functions: none SECURITY DEFINER, none leakproof, and
-- every one not written in C pins search_path
SELECT p.proname, l.lanname, p.prosecdef, p.proleakproof, p.proconfig
  FROM pg_proc p
  JOIN pg_language l ON l.oid = p.prolang
  JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid
                  AND d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
  JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'loadguard'
 ORDER BY l.lanname, p.proname;
SELECT count(*) AS unpinned_or_definer
  FROM pg_proc p
  JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid
                  AND d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
  JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'loadguard'
 WHERE p.prosecdef
    OR (p.prolang <> (SELECT oid FROM pg_language WHERE lanname = 'c')
        AND NOT coalesce('search_path=pg_catalog, pg_temp' = ANY (p.proconfig), false));

-- PUBLIC may run every function except reset() and terminate_stuck()
SELECT p.oid::regprocedure AS function,
       has_function_privilege('regress_lg_plain', p.oid, 'EXECUTE') AS plain_runs
  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
 WHERE n.nspname = 'loadguard' AND NOT has_function_privilege('regress_lg_plain', p.oid, 'EXECUTE');
-- and reads every view, and owns nothing it could change
SELECT c.relname, has_table_privilege('regress_lg_plain', c.oid, 'SELECT') AS plain_reads,
       has_table_privilege('regress_lg_plain', c.oid, 'INSERT,UPDATE,DELETE,TRUNCATE') AS plain_writes
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = 'loadguard'
 ORDER BY c.relname;
SELECT has_schema_privilege('regress_lg_plain', 'loadguard', 'CREATE') AS plain_creates_in_schema;

-- wait for a sample that lists this session's application
DO $$
BEGIN
  FOR i IN 1..300 LOOP
    EXIT WHEN EXISTS (SELECT 1 FROM loadguard.connections
                       WHERE dimension = 'application'
                         AND name = current_setting('application_name'));
    PERFORM pg_sleep(0.1);
  END LOOP;
END $$;
SELECT count(*) AS audit_before FROM loadguard.terminations \gset
SELECT stats_reset AS reset_before FROM loadguard.status \gset

-- this backend belongs to the superuser whatever SET ROLE says, so it is
-- "another role's session" to the roles below: run a query for over a
-- second so that sessions lists it, and look at it as each role (a role
-- that may not see it does not even learn that it runs long: see
-- test/t/081_redaction.pl for every column)
CREATE FUNCTION regress_lg_own_session() RETURNS TABLE (query text, application text, listed boolean)
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_sleep(1.2);
  RETURN QUERY
    SELECT left(s.query, 30), s.application, s.pid IS NOT NULL
      FROM (SELECT 1) one
      LEFT JOIN loadguard.sessions s ON s.pid = pg_backend_pid();
END $$;

SET ROLE regress_lg_plain;
-- every view is readable
SELECT count(*) >= 0 AS status FROM loadguard.status;
SELECT count(*) >= 0 AS history FROM loadguard.history;
SELECT count(*) >= 0 AS events FROM loadguard.events;
SELECT count(*) >= 0 AS sessions FROM loadguard.sessions;
SELECT count(*) >= 0 AS terminations FROM loadguard.terminations;
SELECT count(*) >= 0 AS policy_stats FROM loadguard.policy_stats;
SELECT count(*) >= 0 AS statement_latency FROM loadguard.statement_latency;
SELECT count(*) >= 0 AS latency_histogram FROM loadguard.latency_histogram;
SELECT count(*) >= 0 AS readiness FROM loadguard.readiness;
SELECT count(*) > 0 AS report FROM loadguard.report(10);
SELECT count(*) > 0 AS config_check FROM loadguard.config_check();
-- but not another role's session that waits on nothing and blocks nobody
SELECT * FROM regress_lg_own_session();
-- nor the application names and client addresses of connections
SELECT dimension, bool_and(name = '<insufficient privilege>') AS hidden, sum(current) > 0 AS counted
  FROM loadguard.connections WHERE dimension IN ('application', 'client')
 GROUP BY dimension ORDER BY dimension;
SELECT count(*) > 0 AS roles_and_databases_named
  FROM loadguard.connections
 WHERE (dimension = 'role' AND name = session_user) OR (dimension = 'database' AND name = current_database());
-- no reset, no terminate_stuck, whatever the argument
SELECT loadguard.reset();
SELECT * FROM loadguard.terminate_stuck();
SELECT * FROM loadguard.terminate_stuck(false);
SELECT * FROM loadguard.terminate_stuck(NULL);
-- nor a way around: no writing to the schema, no dropping its objects
CREATE FUNCTION loadguard.regress_lg_planted() RETURNS int LANGUAGE sql AS 'SELECT 1';
CREATE VIEW loadguard.regress_lg_planted AS SELECT 1;
DROP VIEW loadguard.status;
ALTER FUNCTION loadguard.report_wrap(text, text, text, integer) SECURITY DEFINER;
RESET ROLE;

SELECT count(*) = :audit_before AS no_audit_rows FROM loadguard.terminations;
SELECT stats_reset = :'reset_before' AS not_reset FROM loadguard.status;

-- pg_read_all_stats and pg_monitor members see everything
SET ROLE regress_lg_stats;
SELECT * FROM regress_lg_own_session();
SELECT count(*) > 0 AS application_named
  FROM loadguard.connections WHERE dimension = 'application' AND name = current_setting('application_name');
SELECT loadguard.reset();
RESET ROLE;
SET ROLE regress_lg_monitor;
SELECT * FROM regress_lg_own_session();
SELECT count(*) > 0 AS application_named
  FROM loadguard.connections WHERE dimension = 'application' AND name = current_setting('application_name');
RESET ROLE;

-- ---------------------------------------------------------------------
-- hostile objects on the caller's search_path
-- ---------------------------------------------------------------------
-- results with a clean search_path (the report's ages line, which is empty
-- or not depending on the sample, left out)
CREATE TABLE regress_lg_clean AS
  SELECT 'config_check' AS source, row_to_json(c)::text AS line FROM loadguard.config_check() c
  UNION ALL
  SELECT 'readiness', row_to_json(r)::text FROM loadguard.readiness(50, NULL, '1 hour') r
  UNION ALL
  SELECT 'summary', row_to_json(s)::text FROM loadguard.readiness_summary(50) s
  UNION ALL
  SELECT 'report', line FROM loadguard.report(50) line WHERE line NOT LIKE '  oldest %'
  UNION ALL
  SELECT 'wrap', line FROM loadguard.report_wrap('one two three four', '> ', '  ', 9) line
  UNION ALL
  SELECT 'helpers', concat_ws('|', loadguard.size_setting(3 * 1048576), loadguard.size_setting(1000),
                               loadguard.setting_source('work_mem'));

CREATE SCHEMA regress_evil;
GRANT USAGE ON SCHEMA regress_evil TO PUBLIC;
CREATE FUNCTION regress_evil.lower(text) RETURNS text LANGUAGE sql AS $$ SELECT 'evil' $$;
CREATE FUNCTION regress_evil.upper(text) RETURNS text LANGUAGE sql AS $$ SELECT 'evil' $$;
CREATE FUNCTION regress_evil.length(text) RETURNS integer LANGUAGE sql AS $$ SELECT 0 $$;
CREATE FUNCTION regress_evil.btrim(text) RETURNS text LANGUAGE sql AS $$ SELECT 'evil' $$;
CREATE FUNCTION regress_evil.repeat(text, integer) RETURNS text LANGUAGE sql AS $$ SELECT 'evil' $$;
CREATE FUNCTION regress_evil.format(text) RETURNS text LANGUAGE sql AS $$ SELECT 'evil' $$;
CREATE FUNCTION regress_evil.format(text, VARIADIC text[]) RETURNS text LANGUAGE sql AS $$ SELECT 'evil' $$;
CREATE FUNCTION regress_evil.now() RETURNS timestamptz LANGUAGE sql AS $$ SELECT '2000-01-01'::timestamptz $$;
CREATE FUNCTION regress_evil.current_setting(text) RETURNS text LANGUAGE sql AS $$ SELECT '1' $$;
CREATE FUNCTION regress_evil.pg_size_bytes(text) RETURNS bigint LANGUAGE sql AS $$ SELECT 1::bigint $$;
CREATE FUNCTION regress_evil.pg_size_pretty(bigint) RETURNS text LANGUAGE sql AS $$ SELECT 'evil' $$;
CREATE FUNCTION regress_evil.quote_ident(text) RETURNS text LANGUAGE sql AS $$ SELECT 'evil' $$;
CREATE FUNCTION regress_evil.to_char(interval, text) RETURNS text LANGUAGE sql AS $$ SELECT 'evil' $$;
CREATE FUNCTION regress_evil.to_char(timestamptz, text) RETURNS text LANGUAGE sql AS $$ SELECT 'evil' $$;
CREATE FUNCTION regress_evil.round(numeric) RETURNS numeric LANGUAGE sql AS $$ SELECT -1::numeric $$;
CREATE FUNCTION regress_evil.round(numeric, integer) RETURNS numeric LANGUAGE sql AS $$ SELECT -1::numeric $$;
CREATE FUNCTION regress_evil.regexp_split_to_array(text, text) RETURNS text[] LANGUAGE sql AS $$ SELECT ARRAY['evil'] $$;
CREATE FUNCTION regress_evil.split_part(text, text, integer) RETURNS text LANGUAGE sql AS $$ SELECT 'evil' $$;
CREATE FUNCTION regress_evil.array_position(anyarray, anyelement) RETURNS integer LANGUAGE sql AS $$ SELECT 1 $$;
CREATE FUNCTION regress_evil.evil_int_eq(integer, integer) RETURNS boolean LANGUAGE sql AS $$ SELECT false $$;
CREATE FUNCTION regress_evil.evil_text_eq(text, text) RETURNS boolean LANGUAGE sql AS $$ SELECT false $$;
CREATE FUNCTION regress_evil.evil_text_concat(text, text) RETURNS text LANGUAGE sql AS $$ SELECT 'evil' $$;
CREATE FUNCTION regress_evil.evil_int_gt(integer, integer) RETURNS boolean LANGUAGE sql AS $$ SELECT true $$;
CREATE OPERATOR regress_evil.= (LEFTARG = integer, RIGHTARG = integer, FUNCTION = regress_evil.evil_int_eq);
CREATE OPERATOR regress_evil.= (LEFTARG = text, RIGHTARG = text, FUNCTION = regress_evil.evil_text_eq);
CREATE OPERATOR regress_evil.|| (LEFTARG = text, RIGHTARG = text, FUNCTION = regress_evil.evil_text_concat);
CREATE OPERATOR regress_evil.> (LEFTARG = integer, RIGHTARG = integer, FUNCTION = regress_evil.evil_int_gt);
CREATE AGGREGATE regress_evil.count(*) (SFUNC = int8inc, STYPE = bigint, INITCOND = '-100');
CREATE FUNCTION regress_evil.evil_agg(text, text, text) RETURNS text LANGUAGE sql AS $$ SELECT 'evil' $$;
CREATE AGGREGATE regress_evil.string_agg(text, text) (SFUNC = regress_evil.evil_agg, STYPE = text);
CREATE VIEW regress_evil.pg_settings AS SELECT * FROM pg_catalog.pg_settings WHERE false;
CREATE VIEW regress_evil.pg_roles AS SELECT * FROM pg_catalog.pg_roles WHERE false;
CREATE VIEW regress_evil.pg_db_role_setting AS SELECT * FROM pg_catalog.pg_db_role_setting WHERE false;

-- the trap works on an unprotected caller
SET search_path = regress_evil, pg_catalog;
SELECT lower('X') AS lower, 1 = 1 AS int_eq, 'a' || 'b' AS concat, count(*) AS count,
       string_agg('x', ',') AS agg, current_setting('max_connections') AS max_connections
  FROM (VALUES (1)) v;
RESET search_path;

CREATE FUNCTION regress_lg_under_path() RETURNS TABLE (source text, line text)
LANGUAGE sql AS $$
  SELECT 'config_check', row_to_json(c)::text FROM loadguard.config_check() c
  UNION ALL
  SELECT 'readiness', row_to_json(r)::text FROM loadguard.readiness(50, NULL, '1 hour') r
  UNION ALL
  SELECT 'summary', row_to_json(s)::text FROM loadguard.readiness_summary(50) s
  UNION ALL
  SELECT 'report', line FROM loadguard.report(50) line WHERE line NOT LIKE '  oldest %'
  UNION ALL
  SELECT 'wrap', line FROM loadguard.report_wrap('one two three four', '> ', '  ', 9) line
  UNION ALL
  SELECT 'helpers', concat_ws('|', loadguard.size_setting(3 * 1048576), loadguard.size_setting(1000),
                               loadguard.setting_source('work_mem'))
$$;

-- the extension's results under each hostile path, as the superuser and as
-- a plain role
SET search_path = regress_evil, pg_catalog;
CREATE TABLE public.regress_lg_evil1 AS SELECT * FROM public.regress_lg_under_path();
SET search_path = regress_evil, public;
CREATE TABLE public.regress_lg_evil2 AS SELECT * FROM public.regress_lg_under_path();
RESET search_path;
GRANT CREATE ON SCHEMA public TO regress_lg_plain;
SET ROLE regress_lg_plain;
SET search_path = regress_evil, pg_catalog;
CREATE TABLE public.regress_lg_evil3 AS SELECT * FROM public.regress_lg_under_path();
RESET search_path;
RESET ROLE;
CREATE TABLE regress_lg_clean_plain AS SELECT 1 AS dummy;
SET ROLE regress_lg_plain;
CREATE TABLE public.regress_lg_clean3 AS SELECT * FROM public.regress_lg_under_path();
RESET ROLE;

-- compare, with digits masked (ages, times, counts of this session move)
CREATE FUNCTION regress_lg_mask(t text) RETURNS text LANGUAGE sql AS
  $$ SELECT regexp_replace(t, '\d+', 'N', 'g') $$;
SELECT 'evil, pg_catalog' AS path, source,
       count(*) FILTER (WHERE line IS NULL) AS missing
  FROM (SELECT source, regress_lg_mask(line) AS l FROM regress_lg_clean) c
  FULL JOIN (SELECT source AS s2, regress_lg_mask(line) AS line FROM regress_lg_evil1) e
    ON e.s2 = c.source AND e.line = c.l
 GROUP BY source ORDER BY source;
SELECT which, count(*) AS differing_lines
  FROM (
    (SELECT 'evil1' AS which, source, regress_lg_mask(line) FROM regress_lg_evil1
     EXCEPT SELECT 'evil1', source, regress_lg_mask(line) FROM regress_lg_clean)
    UNION ALL
    (SELECT 'clean-evil1', source, regress_lg_mask(line) FROM regress_lg_clean
     EXCEPT SELECT 'clean-evil1', source, regress_lg_mask(line) FROM regress_lg_evil1)
    UNION ALL
    (SELECT 'evil2', source, regress_lg_mask(line) FROM regress_lg_evil2
     EXCEPT SELECT 'evil2', source, regress_lg_mask(line) FROM regress_lg_clean)
    UNION ALL
    (SELECT 'clean-evil2', source, regress_lg_mask(line) FROM regress_lg_clean
     EXCEPT SELECT 'clean-evil2', source, regress_lg_mask(line) FROM regress_lg_evil2)
    UNION ALL
    (SELECT 'evil3', source, regress_lg_mask(line) FROM regress_lg_evil3
     EXCEPT SELECT 'evil3', source, regress_lg_mask(line) FROM regress_lg_clean3)
    UNION ALL
    (SELECT 'clean3-evil3', source, regress_lg_mask(line) FROM regress_lg_clean3
     EXCEPT SELECT 'clean3-evil3', source, regress_lg_mask(line) FROM regress_lg_evil3)
  ) d(which, source, line)
 GROUP BY which ORDER BY which;
-- and none of the results carries the trap's mark
SELECT count(*) AS evil_lines
  FROM (SELECT line FROM regress_lg_evil1 UNION ALL SELECT line FROM regress_lg_evil2
        UNION ALL SELECT line FROM regress_lg_evil3) e
 WHERE line LIKE '%evil%' OR line LIKE '%2000-01-01%';
SELECT count(*) > 20 AS enough_lines FROM regress_lg_evil1;

DROP TABLE regress_lg_clean, regress_lg_clean_plain, regress_lg_clean3,
           regress_lg_evil1, regress_lg_evil2, regress_lg_evil3;
DROP FUNCTION regress_lg_under_path(), regress_lg_mask(text), regress_lg_own_session();
SET client_min_messages = warning;
DROP SCHEMA regress_evil CASCADE;
RESET client_min_messages;
REVOKE CREATE ON SCHEMA public FROM regress_lg_plain;
DROP ROLE regress_lg_plain, regress_lg_stats, regress_lg_monitor;
DROP EXTENSION loadguard;
