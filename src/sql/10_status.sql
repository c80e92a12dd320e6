-- loadguard.status: one row, now.

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
AS 'MODULE_PATHNAME', 'lg_status'
LANGUAGE C VOLATILE;

COMMENT ON FUNCTION loadguard.get_status() IS
  'the row behind the loadguard.status view';

CREATE VIEW loadguard.status AS
  SELECT * FROM loadguard.get_status();

COMMENT ON VIEW loadguard.status IS
  'connection usage, session states, peaks, failure totals and worker health, now';

GRANT SELECT ON loadguard.status TO PUBLIC;
