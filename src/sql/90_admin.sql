-- loadguard.reset(): zero counters and peaks (history and audit are kept).

CREATE FUNCTION loadguard.reset()
RETURNS void
AS 'MODULE_PATHNAME', 'lg_reset'
LANGUAGE C VOLATILE;

COMMENT ON FUNCTION loadguard.reset() IS
  'zero event counters, latency totals and peaks; history and audit are kept';

REVOKE ALL ON FUNCTION loadguard.reset() FROM PUBLIC;
