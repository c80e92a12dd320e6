-- Statement latency: totals, timeout near-misses and percentiles since
-- reset, and the latency histogram behind them.

CREATE FUNCTION loadguard.get_statement_latency(
    OUT statements bigint,
    OUT errors bigint,
    OUT timeout_near_miss_50 bigint,
    OUT timeout_near_miss_80 bigint,
    OUT p50_ms double precision,
    OUT p95_ms double precision,
    OUT p99_ms double precision,
    OUT stats_reset timestamptz)
RETURNS record
AS 'MODULE_PATHNAME', 'lg_statement_latency'
LANGUAGE C VOLATILE;

COMMENT ON FUNCTION loadguard.get_statement_latency() IS
  'the row behind the loadguard.statement_latency view';

CREATE VIEW loadguard.statement_latency AS
  SELECT * FROM loadguard.get_statement_latency();

COMMENT ON VIEW loadguard.statement_latency IS
  'top-level statements since reset: count, errors, how many ran longer than 50 % and 80 % of their statement_timeout, latency percentiles';

GRANT SELECT ON loadguard.statement_latency TO PUBLIC;

CREATE FUNCTION loadguard.get_latency_histogram(
    OUT bucket integer,
    OUT lower_ms double precision,
    OUT upper_ms double precision,
    OUT statements bigint,
    OUT cumulative_pct double precision)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'lg_latency_histogram'
LANGUAGE C VOLATILE;

COMMENT ON FUNCTION loadguard.get_latency_histogram() IS
  'the rows behind the loadguard.latency_histogram view';

CREATE VIEW loadguard.latency_histogram AS
  SELECT * FROM loadguard.get_latency_histogram();

COMMENT ON VIEW loadguard.latency_histogram IS
  'non-empty buckets of the top-level statement latency histogram since reset';

GRANT SELECT ON loadguard.latency_histogram TO PUBLIC;
