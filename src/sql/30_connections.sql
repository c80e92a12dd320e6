-- loadguard.connections: current and peak connections per database, role,
-- application and client address.

CREATE FUNCTION loadguard.get_connections(
    OUT dimension text,
    OUT name text,
    OUT current integer,
    OUT peak integer,
    OUT peak_at timestamptz,
    OUT idle_in_transaction integer,
    OUT stats_reset timestamptz)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'lg_connections'
LANGUAGE C VOLATILE;

COMMENT ON FUNCTION loadguard.get_connections() IS
  'the rows behind the loadguard.connections view';

CREATE VIEW loadguard.connections AS
  SELECT * FROM loadguard.get_connections();

COMMENT ON VIEW loadguard.connections IS
  'client connections now and at their peak, by database, role, application and client; at most 32 names per dimension, the rest as (other); application and client names only for pg_read_all_stats';

GRANT SELECT ON loadguard.connections TO PUBLIC;
