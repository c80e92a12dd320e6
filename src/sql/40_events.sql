-- loadguard.events: failures no statistics view records, by kind.

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
AS 'MODULE_PATHNAME', 'lg_events_view'
LANGUAGE C VOLATILE;

COMMENT ON FUNCTION loadguard.get_events() IS
  'the rows behind the loadguard.events view';

CREATE VIEW loadguard.events AS
  SELECT * FROM loadguard.get_events();

COMMENT ON VIEW loadguard.events IS
  'refused connections, timeouts, cancels, deadlocks, terminations, failed logins and out-of-memory errors, counted from the server log as they happen: total since reset and over the last 1, 5 and 15 minutes';

GRANT SELECT ON loadguard.events TO PUBLIC;
