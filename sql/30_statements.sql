-- The statement latency surface: views, their columns and comments, who may
-- read them, and the counting seen through them from one session.
CREATE EXTENSION loadguard;

\d loadguard.statement_latency
\d loadguard.latency_histogram

SELECT c.relname, obj_description(c.oid, 'pg_class') IS NOT NULL AS has_comment,
       has_table_privilege('public', c.oid, 'SELECT') AS public_can_read
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = 'loadguard' AND c.relname IN ('statement_latency', 'latency_histogram')
 ORDER BY 1;
SELECT p.proname, obj_description(p.oid, 'pg_proc') IS NOT NULL AS has_comment
  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
 WHERE n.nspname = 'loadguard' AND p.proname IN ('get_statement_latency', 'get_latency_histogram')
 ORDER BY 1;

-- after a reset only this session runs statements: each is counted once,
-- when it ends (so a query does not see itself, but the reset call is seen)
SELECT loadguard.reset();
SELECT statements, errors, timeout_near_miss_50, timeout_near_miss_80,
       p50_ms IS NOT NULL AS has_p50, stats_reset > now() - interval '1 minute' AS just_reset
  FROM loadguard.statement_latency;
SELECT statements FROM loadguard.statement_latency;

-- a statement failing in the executor is counted, as an error
SELECT 1 / g FROM generate_series(0, 0) g;
SELECT statements, errors FROM loadguard.statement_latency;

-- a statement of 2.2 s under a 4 s timeout is a 50 % near-miss, not an 80 % one
-- (a 1 s margin below 80 % for a busy machine)
SET statement_timeout = '4s';
SELECT pg_sleep(2.2);
RESET statement_timeout;
SELECT timeout_near_miss_50, timeout_near_miss_80 FROM loadguard.statement_latency;

-- the histogram's buckets add up to the count, tile upwards, and end at 100 %
SELECT sum(statements) = (SELECT statements FROM loadguard.statement_latency) AS sums_match,
       bool_and(lower_ms < upper_ms) AS bounds_ordered,
       max(cumulative_pct) AS top_pct,
       count(*) FILTER (WHERE lower_ms >= 2000 AND upper_ms < 4000) AS sleep_buckets
  FROM loadguard.latency_histogram;

-- an unprivileged role reads the views; only superusers may turn tracking off
CREATE ROLE lg_stmt_reader;
SET ROLE lg_stmt_reader;
SELECT statements > 0 AS can_read FROM loadguard.statement_latency;
SELECT count(*) > 0 AS can_read_histogram FROM loadguard.latency_histogram;
SET loadguard.track_statements = off;
RESET ROLE;
DROP ROLE lg_stmt_reader;

-- with tracking off in this session nothing is recorded
SET loadguard.track_statements = off;
SELECT loadguard.reset();
SELECT pg_sleep(0.01);
SELECT statements FROM loadguard.statement_latency;
RESET loadguard.track_statements;

DROP EXTENSION loadguard;
