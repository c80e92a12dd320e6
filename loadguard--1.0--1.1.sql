-- loadguard 1.0 -> 1.1 upgrade script.  CREATE EXTENSION loadguard installs
-- 1.0 and then runs this script, so a fresh 1.1 and an updated 1.0 are the
-- same catalog.  Views whose columns change are dropped and recreated on
-- functions whose C entry points carry the API version (see doc/upgrading.md).

\echo Use "ALTER EXTENSION loadguard UPDATE TO '1.1'" to load this file. \quit

-- The views below are recreated on their functions' 1.1 entry points.  Each
-- block drops the view and its function and creates them again exactly as
-- 1.0 did (same privileges and comments) except for the C symbol and the
-- columns of 1.1.  Nothing in the extension depends on these views (the
-- PL/pgSQL and SQL functions that read them are not tracked dependencies);
-- a user's own view on one of them makes DROP VIEW fail, see
-- doc/upgrading.md.

-- loadguard.status

DROP VIEW loadguard.status;
DROP FUNCTION loadguard.get_status();

CREATE FUNCTION loadguard.get_status(
    OUT sampled_at timestamptz,
    OUT max_connections integer,
    OUT usable_connections integer,
    OUT client_connections integer,
    OUT usage_pct double precision,
    OUT active integer,
    OUT idle integer,
    OUT idle_in_transaction integer,
    OUT idle_in_transaction_aborted integer,
    OUT waiting_on_lock integer,
    OUT oldest_idle_in_transaction interval,
    OUT longest_running_query interval,
    OUT longest_transaction interval,
    OUT peak_connections integer,
    OUT peak_at timestamptz,
    OUT connections_established bigint,
    OUT rejected_connections bigint,
    OUT refusal_pct double precision,
    OUT statement_timeouts bigint,
    OUT statements_per_s double precision,
    OUT latency_p95_ms double precision,
    OUT policy_cancels bigint,
    OUT policy_terminations bigint,
    OUT worker_pid integer,
    OUT last_tick_at timestamptz,
    OUT tick_avg_us double precision,
    OUT tick_max_us double precision,
    OUT ticks_late bigint,
    OUT ticks bigint,
    OUT stats_reset timestamptz)
RETURNS record
AS 'MODULE_PATHNAME', 'lg_status_1_1'
LANGUAGE C VOLATILE;

COMMENT ON FUNCTION loadguard.get_status() IS
  'the row behind the loadguard.status view';

CREATE VIEW loadguard.status AS
  SELECT * FROM loadguard.get_status();

COMMENT ON VIEW loadguard.status IS
  'connection usage, session states, peaks, failure totals and worker health, now';

GRANT SELECT ON loadguard.status TO PUBLIC;

-- loadguard.history

DROP VIEW loadguard.history;
DROP FUNCTION loadguard.get_history();

CREATE FUNCTION loadguard.get_history(
    OUT ts timestamptz,
    OUT max_connections integer,
    OUT usable_connections integer,
    OUT client_connections integer,
    OUT usage_pct double precision,
    OUT active integer,
    OUT idle integer,
    OUT idle_in_transaction integer,
    OUT idle_in_transaction_aborted integer,
    OUT waiting_on_lock integer,
    OUT oldest_idle_in_transaction_s double precision,
    OUT longest_running_query_s double precision,
    OUT longest_transaction_s double precision,
    OUT rejected_too_many_clients bigint,
    OUT rejected_reserved_slots bigint,
    OUT rejected_database_limit bigint,
    OUT rejected_role_limit bigint,
    OUT statement_timeout bigint,
    OUT query_canceled bigint,
    OUT lock_timeout bigint,
    OUT idle_in_transaction_timeout bigint,
    OUT idle_session_timeout bigint,
    OUT deadlock bigint,
    OUT recovery_conflict bigint,
    OUT admin_terminated bigint,
    OUT auth_failed bigint,
    OUT out_of_memory bigint,
    OUT lock_table_full bigint,
    OUT connections_established bigint,
    OUT statements bigint,
    OUT latency_p50_ms double precision,
    OUT latency_p95_ms double precision,
    OUT latency_p99_ms double precision,
    OUT policy_actions bigint)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'lg_history_1_1'
LANGUAGE C VOLATILE;

COMMENT ON FUNCTION loadguard.get_history() IS
  'the rows behind the loadguard.history view';

CREATE VIEW loadguard.history AS
  SELECT * FROM loadguard.get_history();

COMMENT ON VIEW loadguard.history IS
  'one row per sample (loadguard.history_size kept), oldest first: counts, ages in seconds, per-interval event deltas, statement latency';

GRANT SELECT ON loadguard.history TO PUBLIC;

-- loadguard.connections

DROP VIEW loadguard.connections;
DROP FUNCTION loadguard.get_connections();

CREATE FUNCTION loadguard.get_connections(
    OUT dimension text,
    OUT name text,
    OUT current integer,
    OUT peak integer,
    OUT peak_at timestamptz,
    OUT idle_in_transaction integer,
    OUT stats_reset timestamptz)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'lg_connections_1_1'
LANGUAGE C VOLATILE;

COMMENT ON FUNCTION loadguard.get_connections() IS
  'the rows behind the loadguard.connections view';

CREATE VIEW loadguard.connections AS
  SELECT * FROM loadguard.get_connections();

COMMENT ON VIEW loadguard.connections IS
  'client connections now and at their peak, by database, role, application and client; at most 32 names per dimension, the rest as (other); application and client names only for pg_read_all_stats';

GRANT SELECT ON loadguard.connections TO PUBLIC;

-- loadguard.sessions

DROP VIEW loadguard.sessions;
DROP FUNCTION loadguard.get_sessions();

CREATE FUNCTION loadguard.get_sessions(
    OUT pid integer,
    OUT role text,
    OUT database text,
    OUT application text,
    OUT client_addr inet,
    OUT state text,
    OUT state_age interval,
    OUT xact_age interval,
    OUT query_age interval,
    OUT wait_event_type text,
    OUT wait_event text,
    OUT blocked_by integer[],
    OUT blocking integer[],
    OUT query text,
    OUT policy_action text)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'lg_sessions_1_1'
LANGUAGE C VOLATILE;

COMMENT ON FUNCTION loadguard.get_sessions() IS
  'the rows behind the loadguard.sessions view';

CREATE VIEW loadguard.sessions AS
  SELECT * FROM loadguard.get_sessions();

COMMENT ON VIEW loadguard.sessions IS
  'client sessions idle in transaction, running longer than 1 s, waiting on a lock, or blocking others; query, client_addr and application of other roles only for pg_read_all_stats';

GRANT SELECT ON loadguard.sessions TO PUBLIC;

-- loadguard.events

DROP VIEW loadguard.events;
DROP FUNCTION loadguard.get_events();

CREATE FUNCTION loadguard.get_events(
    OUT event text,
    OUT sqlstates text[],
    OUT total bigint,
    OUT last_seen timestamptz,
    OUT last_1min bigint,
    OUT last_5min bigint,
    OUT last_15min bigint,
    OUT stats_reset timestamptz)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'lg_events_view_1_1'
LANGUAGE C VOLATILE;

COMMENT ON FUNCTION loadguard.get_events() IS
  'the rows behind the loadguard.events view';

CREATE VIEW loadguard.events AS
  SELECT * FROM loadguard.get_events();

COMMENT ON VIEW loadguard.events IS
  'refused connections, timeouts, cancels, deadlocks, terminations, failed logins and out-of-memory errors, counted from the server log as they happen: total since reset and over the last 1, 5 and 15 minutes';

GRANT SELECT ON loadguard.events TO PUBLIC;

-- config_check(): the same columns, now a C function over the rules that
-- readiness() uses too (src/settings_rules.c), so the two never give two
-- answers for one setting; fixes follow pg_settings.source.
CREATE OR REPLACE FUNCTION loadguard.config_check(
    app_role name DEFAULT NULL,
    OUT setting text,
    OUT current text,
    OUT recommended text,
    OUT severity text,
    OUT reason text,
    OUT fix_sql text,
    OUT restart_required boolean,
    OUT source text)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'lg_config_check_1_1'
LANGUAGE C VOLATILE;

COMMENT ON FUNCTION loadguard.config_check(name) IS
  'one row per setting that matters under load: current and recommended value, severity ok/info/warn/high, reason, the exact fix where it takes effect (a command-line value is named in reason instead), whether it needs a restart, and where the value comes from (file:line, command line, role/database override, or the application role''s sessions); the same rules as readiness()';
