-- Versions: a 1.0 catalog keeps working with this library (its views answer
-- with 1.0's columns through the 1.0 C entry points), ALTER EXTENSION
-- loadguard UPDATE from 1.0 gives exactly a fresh install of the default
-- version (objects, definitions, privileges, comments, dependencies,
-- compared as catalog rows), and a function declared with columns its C
-- entry point does not return is refused.

-- Every object of the extension, described by name (never by Oid), with
-- what defines it: one row per (kind, identity, aspect).
CREATE VIEW lg_catalog (kind, identity, aspect, value) AS
WITH ext AS (
  SELECT oid, extversion, extconfig, extcondition FROM pg_extension WHERE extname = 'loadguard'
), member AS (
  SELECT d.classid, d.objid FROM pg_depend d, ext
   WHERE d.refclassid = 'pg_extension'::regclass AND d.refobjid = ext.oid AND d.deptype = 'e'
), described AS (
  -- the members, and the objects that are part of them (view rules, row types)
  SELECT classid, objid FROM member
  UNION
  SELECT d.classid, d.objid FROM pg_depend d JOIN member m
      ON d.refclassid = m.classid AND d.refobjid = m.objid AND d.deptype = 'i'
)
SELECT 'extension', 'loadguard', 'version', ext.extversion FROM ext
UNION ALL
SELECT 'extension', 'loadguard', 'config', coalesce(ext.extconfig::regclass[]::text, '') ||
       coalesce(ext.extcondition::text, '') FROM ext
UNION ALL
SELECT 'schema', n.nspname, 'acl', coalesce(n.nspacl::text, '')
  FROM pg_namespace n WHERE n.nspname = 'loadguard'
UNION ALL
SELECT 'schema', n.nspname, 'comment', coalesce(obj_description(n.oid, 'pg_namespace'), '')
  FROM pg_namespace n WHERE n.nspname = 'loadguard'
UNION ALL
SELECT 'member', pg_describe_object(m.classid, m.objid, 0), 'owner', ''
  FROM member m
UNION ALL
SELECT 'function', p.oid::regprocedure::text, a.aspect, a.value
  FROM member m JOIN pg_proc p ON m.classid = 'pg_proc'::regclass AND p.oid = m.objid,
  LATERAL (VALUES
    ('definition', pg_get_functiondef(p.oid)),
    ('language', p.prolang::text || ' ' || (SELECT lanname FROM pg_language l WHERE l.oid = p.prolang)),
    ('probin', coalesce(p.probin, '')),
    ('prosrc', p.prosrc),
    ('argtypes', (SELECT coalesce(string_agg(t::regtype::text, ',' ORDER BY i), '')
                    FROM unnest(p.proargtypes::oid[]) WITH ORDINALITY u(t, i))),
    ('allargtypes', coalesce(p.proallargtypes::regtype[]::text, '')),
    ('argmodes', coalesce(p.proargmodes::text, '')),
    ('argnames', coalesce(p.proargnames::text, '')),
    ('argdefaults', coalesce(pg_get_expr(p.proargdefaults, 0), '')),
    ('returns', p.prorettype::regtype::text || CASE WHEN p.proretset THEN ' set' ELSE '' END),
    ('flags', concat_ws(' ', p.prokind, p.provolatile, p.proparallel, p.proisstrict,
                        p.prosecdef, p.proleakproof, p.procost, p.prorows, p.proconfig::text)),
    ('owner', p.proowner::regrole::text),
    ('acl', coalesce(p.proacl::text, '')),
    ('comment', coalesce(obj_description(p.oid, 'pg_proc'), ''))) a(aspect, value)
UNION ALL
SELECT 'relation', c.oid::regclass::text, a.aspect, a.value
  FROM member m JOIN pg_class c ON m.classid = 'pg_class'::regclass AND c.oid = m.objid,
  LATERAL (VALUES
    ('relkind', c.relkind::text),
    ('definition', coalesce(pg_get_viewdef(c.oid), '')),
    ('columns', (SELECT string_agg(format('%s %s', attname, format_type(atttypid, atttypmod)), ', ' ORDER BY attnum)
                   FROM pg_attribute WHERE attrelid = c.oid AND attnum > 0 AND NOT attisdropped)),
    ('owner', c.relowner::regrole::text),
    ('acl', coalesce(c.relacl::text, '')),
    ('comment', coalesce(obj_description(c.oid, 'pg_class'), '')),
    ('column comments', coalesce((SELECT string_agg(format('%s: %s', objsubid, description), '; ' ORDER BY objsubid)
                                    FROM pg_description
                                   WHERE classoid = 'pg_class'::regclass AND objoid = c.oid AND objsubid > 0), ''))
  ) a(aspect, value)
UNION ALL
SELECT 'init privileges', pg_describe_object(i.classoid, i.objoid, i.objsubid),
       i.privtype::text, i.initprivs::text
  FROM pg_init_privs i JOIN member m ON i.classoid = m.classid AND i.objoid = m.objid
UNION ALL
SELECT 'dependency', pg_describe_object(d.classid, d.objid, d.objsubid),
       d.deptype::text, pg_describe_object(d.refclassid, d.refobjid, d.refobjsubid)
  FROM pg_depend d
 WHERE (d.classid, d.objid) IN (SELECT classid, objid FROM described)
    OR (d.refclassid, d.refobjid) IN (SELECT classid, objid FROM described);

-- 1. A 1.0 catalog, queried through this library.
CREATE EXTENSION loadguard VERSION '1.0';
SELECT extversion FROM pg_extension WHERE extname = 'loadguard';
-- the views' functions are bound to the 1.0 entry points
SELECT p.proname, p.prosrc
  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
 WHERE n.nspname = 'loadguard' AND p.proname IN
       ('get_status', 'get_history', 'get_connections', 'get_sessions', 'get_events')
 ORDER BY 1;
-- wait for a sample, then read every view: each answers with 1.0's columns
DO $$
BEGIN
  FOR i IN 1..300 LOOP
    EXIT WHEN (SELECT count(*) >= 1 FROM loadguard.history);
    PERFORM pg_sleep(0.1);
  END LOOP;
END $$;
CREATE FUNCTION lg_read_views() RETURNS TABLE (view text, columns bigint, answered boolean)
LANGUAGE plpgsql AS $$
DECLARE
  v regclass;
  n bigint;
BEGIN
  FOR v IN SELECT c.oid FROM pg_class c JOIN pg_namespace ns ON ns.oid = c.relnamespace
            WHERE ns.nspname = 'loadguard' AND c.relkind = 'v' ORDER BY c.relname LOOP
    EXECUTE format('SELECT count(*) FROM (SELECT * FROM %s) s', v) INTO n;
    view := v::text;
    columns := (SELECT count(*) FROM pg_attribute WHERE attrelid = v AND attnum > 0);
    answered := n >= 0;
    RETURN NEXT;
  END LOOP;
END $$;
SELECT * FROM lg_read_views();
-- the values land in 1.0's columns
SELECT max_connections = current_setting('max_connections')::int AS max_connections_ok,
       worker_pid = (SELECT pid FROM pg_stat_activity WHERE backend_type = 'loadguard') AS worker_pid_ok,
       stats_reset <= now() AS stats_reset_ok
  FROM loadguard.status;
SELECT count(*) >= 1 AS has_rows, bool_and(ts IS NOT NULL AND usable_connections <= max_connections) AS sane,
       bool_and(policy_actions >= 0) AS last_column_ok
  FROM loadguard.history;
SELECT count(*) AS kinds, count(DISTINCT event) AS distinct_names,
       bool_and(last_1min <= last_5min AND last_5min <= last_15min AND last_15min <= total) AS windows_ok
  FROM loadguard.events;
SELECT bool_and(current <= peak) AS peaks_ok FROM loadguard.connections;
SELECT count(*) >= 0 AS answered FROM loadguard.sessions;
-- and every 1.0 function can be called
SELECT ram_bytes > 0 AS machine_ok FROM loadguard.machine();
SELECT count(*) > 0 AS readiness_ok FROM loadguard.readiness(10);
SELECT users FROM loadguard.readiness_summary(10);
SELECT count(*) AS readiness_target_rows FROM loadguard.readiness_target();
SELECT count(*) > 0 AS config_check_ok FROM loadguard.config_check();
SELECT loadguard.setting_source('max_connections') IS NOT NULL AS setting_source_ok,
       loadguard.size_setting(1048576) AS size_setting;
SELECT count(*) >= 0 AS terminate_stuck_ok FROM loadguard.terminate_stuck(true);
SELECT count(*) >= 0 AS terminations_ok FROM loadguard.terminations;
SELECT count(*) > 0 AS report_wrap_ok FROM loadguard.report_wrap('a b c', '- ', '  ');
SELECT count(*) > 0 AS report_ok FROM loadguard.report();
SELECT count(*) AS reset_calls FROM (SELECT loadguard.reset()) r;

-- 2. ALTER EXTENSION ... UPDATE from 1.0 equals a fresh install.
ALTER EXTENSION loadguard UPDATE;
CREATE TABLE lg_updated AS SELECT * FROM lg_catalog;
SELECT * FROM lg_read_views();
DROP EXTENSION loadguard;
CREATE EXTENSION loadguard;
CREATE TABLE lg_fresh AS SELECT * FROM lg_catalog;
SELECT extversion = (SELECT default_version FROM pg_available_extensions WHERE name = 'loadguard') AS fresh_is_default
  FROM pg_extension WHERE extname = 'loadguard';
-- the comparison covers every kind of row (it is not comparing nothing)
SELECT kind, count(*) > 0 AS present FROM lg_fresh GROUP BY kind ORDER BY kind;
-- rows only in the fresh install, then rows only in the updated one: none
SELECT * FROM lg_fresh EXCEPT SELECT * FROM lg_updated ORDER BY 1, 2, 3;
SELECT * FROM lg_updated EXCEPT SELECT * FROM lg_fresh ORDER BY 1, 2, 3;

-- 3. A function declared with other columns than its entry point returns
-- is refused, for each versioned entry point.
CREATE FUNCTION lg_wrong_status(OUT sampled_at timestamptz, OUT max_connections integer) RETURNS record
  AS '$libdir/loadguard', 'lg_status' LANGUAGE C;
SELECT * FROM lg_wrong_status();
DROP FUNCTION lg_wrong_status;
CREATE FUNCTION lg_wrong_status(OUT sampled_at timestamptz, OUT max_connections integer) RETURNS record
  AS '$libdir/loadguard', 'lg_status_1_1' LANGUAGE C;
SELECT * FROM lg_wrong_status();
DROP FUNCTION lg_wrong_status;
CREATE FUNCTION lg_wrong_rows(OUT dimension text, OUT name text) RETURNS SETOF record
  AS '$libdir/loadguard', 'lg_connections' LANGUAGE C;
SELECT * FROM lg_wrong_rows();
DROP FUNCTION lg_wrong_rows;
CREATE FUNCTION lg_wrong_rows(OUT dimension text, OUT name text) RETURNS SETOF record
  AS '$libdir/loadguard', 'lg_connections_1_1' LANGUAGE C;
SELECT * FROM lg_wrong_rows();
DROP FUNCTION lg_wrong_rows;
CREATE FUNCTION lg_wrong_rows(OUT pid integer, OUT role text) RETURNS SETOF record
  AS '$libdir/loadguard', 'lg_sessions' LANGUAGE C;
SELECT * FROM lg_wrong_rows();
DROP FUNCTION lg_wrong_rows;
CREATE FUNCTION lg_wrong_rows(OUT pid integer, OUT role text) RETURNS SETOF record
  AS '$libdir/loadguard', 'lg_sessions_1_1' LANGUAGE C;
SELECT * FROM lg_wrong_rows();
DROP FUNCTION lg_wrong_rows;
CREATE FUNCTION lg_wrong_rows(OUT ts timestamptz, OUT max_connections integer) RETURNS SETOF record
  AS '$libdir/loadguard', 'lg_history' LANGUAGE C;
SELECT * FROM lg_wrong_rows();
DROP FUNCTION lg_wrong_rows;
CREATE FUNCTION lg_wrong_rows(OUT ts timestamptz, OUT max_connections integer) RETURNS SETOF record
  AS '$libdir/loadguard', 'lg_history_1_1' LANGUAGE C;
SELECT * FROM lg_wrong_rows();
DROP FUNCTION lg_wrong_rows;
CREATE FUNCTION lg_wrong_rows(OUT event text, OUT sqlstates text[]) RETURNS SETOF record
  AS '$libdir/loadguard', 'lg_events_view' LANGUAGE C;
SELECT * FROM lg_wrong_rows();
DROP FUNCTION lg_wrong_rows;
CREATE FUNCTION lg_wrong_rows(OUT event text, OUT sqlstates text[]) RETURNS SETOF record
  AS '$libdir/loadguard', 'lg_events_view_1_1' LANGUAGE C;
SELECT * FROM lg_wrong_rows();
DROP FUNCTION lg_wrong_rows;
-- the right number of columns, one misnamed (history's event columns too)
CREATE FUNCTION lg_wrong_rows(
    OUT event text, OUT sqlstates text[], OUT total bigint, OUT last_seen timestamptz,
    OUT last_1min bigint, OUT last_5min bigint, OUT last_10min bigint, OUT stats_reset timestamptz)
  RETURNS SETOF record AS '$libdir/loadguard', 'lg_events_view' LANGUAGE C;
SELECT * FROM lg_wrong_rows();
DROP FUNCTION lg_wrong_rows;
CREATE FUNCTION lg_wrong_history() RETURNS SETOF record
  AS '$libdir/loadguard', 'lg_history' LANGUAGE C;
SELECT count(*) FROM lg_wrong_history() AS h(
    ts timestamptz, max_connections integer, usable_connections integer,
    client_connections integer, usage_pct double precision, active integer, idle integer,
    idle_in_transaction integer, idle_in_transaction_aborted integer, waiting_on_lock integer,
    oldest_idle_in_transaction_s double precision, longest_running_query_s double precision,
    longest_transaction_s double precision,
    rejected_too_many_clients bigint, rejected_reserved_slots bigint, rejected_database_limit bigint,
    rejected_role_limit bigint, statement_timeout bigint, query_canceled bigint, lock_timeout bigint,
    idle_in_transaction_timeout bigint, idle_session_timeout bigint, deadlock bigint,
    recovery_conflict bigint, admin_terminated bigint, auth_failed bigint, out_of_memory bigint,
    lock_table_overflow bigint, connections_established bigint,
    statements bigint, latency_p50_ms double precision, latency_p95_ms double precision,
    latency_p99_ms double precision, policy_actions bigint);
DROP FUNCTION lg_wrong_history;

DROP EXTENSION loadguard;
DROP TABLE lg_updated, lg_fresh;
DROP FUNCTION lg_read_views;
DROP VIEW lg_catalog;
