-- loadguard 1.0 -> 1.1 upgrade script.  CREATE EXTENSION loadguard installs
-- 1.0 and then runs this script, so a fresh 1.1 and an updated 1.0 are the
-- same catalog.  Views whose columns change are dropped and recreated on
-- functions whose C entry points carry the API version (see doc/upgrading.md).

\echo Use "ALTER EXTENSION loadguard UPDATE TO '1.1'" to load this file. \quit

-- loadguard.history_minutes: one row per minute (loadguard.rollup_size kept,
-- 7 days by default), built by the worker from the samples of that minute.
-- Averages, ages and percentiles are stored as float4 (168-byte rows, 1.7 MB
-- for a week) and shown as real.
-- The event columns follow lg_event_names[] in src/classify.c, in order; the
-- C function checks the names at run time.

CREATE FUNCTION loadguard.get_history_minutes(
    OUT ts timestamptz,
    OUT samples integer,
    OUT covered_s real,
    OUT max_connections integer,
    OUT usable_connections integer,
    OUT client_connections_max integer,
    OUT client_connections_avg real,
    OUT usage_pct_max real,
    OUT usage_pct_avg real,
    OUT active_max integer,
    OUT idle_max integer,
    OUT idle_in_transaction_max integer,
    OUT idle_in_transaction_aborted_max integer,
    OUT waiting_on_lock_max integer,
    OUT busy_connections_max integer,
    OUT busy_connections_p95 integer,
    OUT oldest_idle_in_transaction_s real,
    OUT longest_running_query_s real,
    OUT longest_transaction_s real,
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
    OUT latency_p50_ms real,
    OUT latency_p95_ms real,
    OUT latency_p99_ms real,
    OUT policy_actions bigint)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'lg_history_minutes_1_1'
LANGUAGE C VOLATILE;

COMMENT ON FUNCTION loadguard.get_history_minutes() IS
  'the rows behind the loadguard.history_minutes view';

CREATE VIEW loadguard.history_minutes AS
  SELECT * FROM loadguard.get_history_minutes();

COMMENT ON VIEW loadguard.history_minutes IS
  'one row per minute (loadguard.rollup_size kept), oldest first: maxima and averages of the counts, p95 of busy connections, sums of the event deltas, latency percentiles of the minute''s statements';

GRANT SELECT ON loadguard.history_minutes TO PUBLIC;

-- loadguard.history_range(from, to [, resolution]): only the rows with
-- from <= ts <= to, read by binary search without building the whole ring.
-- Raw samples while the raw ring covers the range (and resolution, when
-- given, is under a minute), else minutes.  Columns named as in
-- loadguard.history hold, for a minute row, the maximum (counts, ages) or
-- the sum (event deltas, statements) over the minute, so one query works at
-- both resolutions.

CREATE FUNCTION loadguard.history_range(
    "from" timestamptz,
    "to" timestamptz,
    resolution interval DEFAULT NULL,
    OUT ts timestamptz,
    OUT samples integer,
    OUT covered_s double precision,
    OUT max_connections integer,
    OUT usable_connections integer,
    OUT client_connections integer,
    OUT client_connections_avg double precision,
    OUT usage_pct double precision,
    OUT usage_pct_avg double precision,
    OUT active integer,
    OUT idle integer,
    OUT idle_in_transaction integer,
    OUT idle_in_transaction_aborted integer,
    OUT waiting_on_lock integer,
    OUT busy_connections integer,
    OUT busy_connections_p95 integer,
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
AS 'MODULE_PATHNAME', 'lg_history_range_1_1'
LANGUAGE C VOLATILE;

COMMENT ON FUNCTION loadguard.history_range(timestamptz, timestamptz, interval) IS
  'history rows with ts between from and to: raw samples where the raw history covers the range, else one row per minute; resolution >= 1 minute asks for minutes';
