-- Shapes of the sampler's views (status, history, connections, sessions):
-- column names and types, comments, grants.  Values vary and are masked.
CREATE EXTENSION loadguard;

SELECT table_name, ordinal_position AS pos, column_name, data_type
  FROM information_schema.columns
 WHERE table_schema = 'loadguard'
   AND table_name IN ('status', 'history', 'connections', 'sessions')
 ORDER BY table_name, ordinal_position;

-- every view and its function are documented for \dv+ and \df+
SELECT c.relname, obj_description(c.oid, 'pg_class') IS NOT NULL AS has_comment,
       has_table_privilege('public', c.oid, 'SELECT') AS public_select
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = 'loadguard' AND c.relname IN ('status', 'history', 'connections', 'sessions')
 ORDER BY 1;
SELECT p.proname, obj_description(p.oid, 'pg_proc') IS NOT NULL AS has_comment
  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
 WHERE n.nspname = 'loadguard' AND p.proname IN ('get_history', 'get_connections', 'get_sessions')
 ORDER BY 1;

-- wait for two samples, then read each view (values masked)
DO $$
BEGIN
  FOR i IN 1..300 LOOP
    EXIT WHEN (SELECT count(*) >= 2 FROM loadguard.history);
    PERFORM pg_sleep(0.1);
  END LOOP;
END $$;
SELECT count(*) >= 2 AS has_rows,
       bool_and(ts IS NOT NULL AND client_connections >= 0 AND usage_pct >= 0) AS sane,
       bool_and(max_connections = current_setting('max_connections')::int) AS max_connections_ok
  FROM loadguard.history;
-- oldest first
SELECT bool_and(ts > prev) AS ascending
  FROM (SELECT ts, lag(ts) OVER () AS prev FROM loadguard.history) h
 WHERE prev IS NOT NULL;
-- this session shows up in the connections by database, role and client
DO $$
BEGIN
  FOR i IN 1..300 LOOP
    EXIT WHEN (SELECT count(*) = 2 FROM loadguard.connections
                WHERE current >= 1
                  AND ((dimension = 'database' AND name = current_database())
                       OR (dimension = 'role' AND name = current_user)));
    PERFORM pg_sleep(0.1);
  END LOOP;
END $$;
SELECT dimension, current >= 1 AS current_ok, peak >= current AS peak_ok,
       peak_at IS NOT NULL AS peak_at_set
  FROM loadguard.connections
 WHERE (dimension = 'database' AND name = current_database())
    OR (dimension = 'role' AND name = current_user)
 ORDER BY dimension;
-- the querying session is active for less than a second: not "worth a look"
SELECT count(*) AS own_session_listed FROM loadguard.sessions WHERE pid = pg_backend_pid();

-- history_range and history_minutes put the columns they share with
-- loadguard.history in loadguard.history's order (busy_connections after
-- policy_actions); minutes name their maxima *_max
WITH hist AS (
  SELECT attname::text AS name, attnum AS pos FROM pg_attribute
   WHERE attrelid = 'loadguard.history'::regclass AND attnum > 0),
range AS (
  SELECT a.name, a.pos
    FROM pg_proc p,
         unnest(p.proargnames, p.proargmodes) WITH ORDINALITY AS a(name, mode, pos)
   WHERE p.oid = 'loadguard.history_range(timestamptz, timestamptz, interval)'::regprocedure
     AND a.mode = 'o'),
minutes AS (
  SELECT regexp_replace(attname::text, '_max$', '') AS name, attnum AS pos FROM pg_attribute
   WHERE attrelid = 'loadguard.history_minutes'::regclass AND attnum > 0)
SELECT (SELECT string_agg(name, ',' ORDER BY pos) FROM hist WHERE name IN (SELECT name FROM range))
     = (SELECT string_agg(name, ',' ORDER BY pos) FROM range WHERE name IN (SELECT name FROM hist))
         AS range_in_history_order,
       (SELECT string_agg(name, ',' ORDER BY pos) FROM hist WHERE name IN (SELECT name FROM minutes))
     = (SELECT string_agg(name, ',' ORDER BY pos) FROM minutes WHERE name IN (SELECT name FROM hist))
         AS minutes_in_history_order,
       (SELECT count(*) FROM range WHERE name IN (SELECT name FROM hist)) AS shared_with_range;

DROP EXTENSION loadguard;
