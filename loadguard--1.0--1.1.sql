-- loadguard 1.0 -> 1.1 upgrade script.  CREATE EXTENSION loadguard installs
-- 1.0 and then runs this script, so a fresh 1.1 and an updated 1.0 are the
-- same catalog.  Views whose columns change are dropped and recreated on
-- functions whose C entry points carry the API version (see doc/upgrading.md).

\echo Use "ALTER EXTENSION loadguard UPDATE TO '1.1'" to load this file. \quit

-- loadguard.roles: what each role does with its connections (issue 16).

CREATE FUNCTION loadguard.get_roles(
    lookback interval DEFAULT NULL,
    OUT role text,
    OUT connections integer,
    OUT busy integer,
    OUT peak_connections integer,
    OUT peak_busy integer,
    OUT p95_busy integer,
    OUT median_connection_age interval,
    OUT established bigint,
    OUT refused bigint,
    OUT min_statement_timeout_ms integer,
    OUT max_statement_timeout_ms integer,
    OUT min_idle_in_transaction_session_timeout_ms integer,
    OUT max_idle_in_transaction_session_timeout_ms integer,
    OUT min_idle_session_timeout_ms integer,
    OUT max_idle_session_timeout_ms integer,
    OUT min_lock_timeout_ms integer,
    OUT max_lock_timeout_ms integer,
    OUT lookback_established bigint,
    OUT lookback_ended bigint,
    OUT lookback_short_lived bigint,
    OUT lookback_covered interval)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'lg_roles_1_1'
LANGUAGE C VOLATILE;

COMMENT ON FUNCTION loadguard.get_roles(interval) IS
  'the rows behind the loadguard.roles view, over the given lookback (NULL: loadguard.roles_lookback)';

CREATE VIEW loadguard.roles AS
  SELECT * FROM loadguard.get_roles();

COMMENT ON VIEW loadguard.roles IS
  'per role: client connections and busy ones now, peak and p95 of busy over loadguard.roles_lookback, connection churn and age, connections established and refused since reset, and the range of effective timeouts its sessions run with (only over sessions whose state the reader may see)';

GRANT SELECT ON loadguard.roles TO PUBLIC;
