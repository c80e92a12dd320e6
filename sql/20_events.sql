-- loadguard.events: its shape, one row per kind, reset() zeroing the
-- counters and moving stats_reset, and an error counted as it happens.
CREATE EXTENSION loadguard;

SELECT attname, format_type(atttypid, atttypmod) AS type
  FROM pg_attribute
 WHERE attrelid = 'loadguard.events'::regclass AND attnum > 0
 ORDER BY attnum;

SELECT event, sqlstates FROM loadguard.events;

-- reset zeroes every counter and moves stats_reset forward
SELECT stats_reset AS before_reset FROM loadguard.events LIMIT 1 \gset
SELECT pg_sleep(0.01);
SELECT loadguard.reset();
SELECT count(*) AS kinds,
       count(*) FILTER (WHERE total = 0 AND last_seen IS NULL) AS zeroed,
       count(DISTINCT stats_reset) AS one_stats_reset,
       bool_and(stats_reset > :'before_reset') AS stats_reset_moved,
       bool_and(stats_reset <= now()) AS stats_reset_not_future
  FROM loadguard.events;

-- a statement timeout is counted at once, in its own kind and its windows
SET statement_timeout = '50ms';
SELECT pg_sleep(5);
RESET statement_timeout;
SELECT event, total, last_seen > now() - interval '1 minute' AS seen_now,
       last_1min, last_5min, last_15min
  FROM loadguard.events WHERE total > 0 AND event <> 'connections_established';
SELECT statement_timeouts FROM loadguard.status;

-- errors trapped in an exception block never reach the log: not counted
SET statement_timeout = '50ms';
DO $$
BEGIN
  PERFORM pg_sleep(5);
EXCEPTION WHEN query_canceled THEN
  RAISE NOTICE 'trapped';
END $$;
RESET statement_timeout;
SELECT total FROM loadguard.events WHERE event = 'statement_timeout';

-- reset is for superusers unless granted; the view is for everyone
CREATE ROLE lg_events_reader;
SET ROLE lg_events_reader;
SELECT count(*) AS rows_visible FROM loadguard.events;
SELECT loadguard.reset();
RESET ROLE;
DROP ROLE lg_events_reader;

DROP EXTENSION loadguard;
