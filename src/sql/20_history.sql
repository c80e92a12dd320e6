-- loadguard.history: one row per sample, oldest first (for Grafana).
-- The event columns follow lg_event_names[] in src/classify.c, in order;
-- the C function checks the names at run time.

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
AS 'MODULE_PATHNAME', 'lg_history'
LANGUAGE C VOLATILE;

COMMENT ON FUNCTION loadguard.get_history() IS
  'the rows behind the loadguard.history view';

CREATE VIEW loadguard.history AS
  SELECT * FROM loadguard.get_history();

COMMENT ON VIEW loadguard.history IS
  'one row per sample (loadguard.history_size kept), oldest first: counts, ages in seconds, per-interval event deltas, statement latency';

GRANT SELECT ON loadguard.history TO PUBLIC;
