-- loadguard.sessions: client sessions worth a look.

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
AS 'MODULE_PATHNAME', 'lg_sessions'
LANGUAGE C VOLATILE;

COMMENT ON FUNCTION loadguard.get_sessions() IS
  'the rows behind the loadguard.sessions view';

CREATE VIEW loadguard.sessions AS
  SELECT * FROM loadguard.get_sessions();

COMMENT ON VIEW loadguard.sessions IS
  'client sessions idle in transaction, running longer than 1 s, waiting on a lock, or blocking others; query, client_addr and application of other roles only for pg_read_all_stats';

GRANT SELECT ON loadguard.sessions TO PUBLIC;
