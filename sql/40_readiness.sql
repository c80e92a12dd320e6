-- readiness(), readiness_summary(), the readiness view and machine():
-- bad inputs get clear errors naming the argument; the shape and the
-- NULL-verdict row while loadguard.target_users is 0.
CREATE EXTENSION loadguard;
\set VERBOSITY default

-- bad inputs
SELECT * FROM loadguard.readiness(NULL);
SELECT * FROM loadguard.readiness(0);
SELECT * FROM loadguard.readiness(10000001);
SELECT * FROM loadguard.readiness(10, 0);
SELECT * FROM loadguard.readiness(10, -5);
SELECT * FROM loadguard.readiness(10, 10000001);
SELECT * FROM loadguard.readiness(10, NULL, NULL);
SELECT * FROM loadguard.readiness(10, NULL, '0 s');
SELECT * FROM loadguard.readiness(10, NULL, '-5 minutes');
SELECT * FROM loadguard.readiness(10, NULL, '15 minutes', 'no_such_role');
SELECT * FROM loadguard.readiness_summary(NULL);
SELECT * FROM loadguard.readiness_summary(0);
SELECT * FROM loadguard.readiness_summary(10, 20000000);
SELECT * FROM loadguard.readiness_summary(10, 5, '-1 s');
SELECT * FROM loadguard.readiness_summary(10, 5, '1 hour', 'no_such_role');

-- a lookback far beyond the history is fine: it uses what is there
SELECT count(*) AS checks FROM loadguard.readiness(10, NULL, '100000000 years');

-- one row per check, in a fixed order
SELECT check_name, status IN ('pass', 'warn', 'fail', 'skip') AS valid_status
  FROM loadguard.readiness(10);

-- without a baseline the cpu check is skipped
SELECT status, detail LIKE 'Active sessions can only be projected from a baseline%' AS says_why
  FROM loadguard.readiness(10) WHERE check_name = 'cpu';

-- without app_role, settings checks judge the server-wide value (the
-- worker's), not this session's: its SET 30s does not bound other sessions
SET statement_timeout = 0;
SELECT status, fix FROM loadguard.readiness(10) WHERE check_name = 'statement_timeout';
SET statement_timeout = '30s';
SELECT status, fix FROM loadguard.readiness(10) WHERE check_name = 'statement_timeout';
RESET statement_timeout;
-- with app_role the role's own setting counts, and the fix names the role
CREATE ROLE "Lg App";
SELECT status, fix FROM loadguard.readiness(10, NULL, '15 minutes', 'Lg App')
 WHERE check_name IN ('statement_timeout', 'idle_in_transaction_session_timeout');
SELECT users, baseline_users, app_role, fixed_connections >= 0 AS has_fixed
  FROM loadguard.readiness_summary(10, 5, '15 minutes', 'Lg App');
ALTER ROLE "Lg App" SET statement_timeout = '20s';
ALTER ROLE "Lg App" SET idle_in_transaction_session_timeout = '1min';
SELECT check_name, status, observed FROM loadguard.readiness(10, NULL, '15 minutes', 'Lg App')
 WHERE check_name IN ('statement_timeout', 'idle_in_transaction_session_timeout');

-- log_min_messages above error for one role: warn, and the fix resets it
ALTER ROLE "Lg App" SET log_min_messages = 'fatal';
SELECT status, fix FROM loadguard.readiness(10) WHERE check_name = 'log_min_messages';
ALTER ROLE "Lg App" RESET log_min_messages;
SELECT status, fix FROM loadguard.readiness(10) WHERE check_name = 'log_min_messages';

-- the connection check against this server (max_connections 40, 3 reserved,
-- connections_per_user 1): pass up to 29, warn to 37, fail from 38
SELECT check_name, status, observed, required, restart_required
  FROM loadguard.readiness(29) WHERE check_name = 'connections';
SELECT check_name, status, observed FROM loadguard.readiness(30) WHERE check_name = 'connections';
SELECT check_name, status, observed FROM loadguard.readiness(37) WHERE check_name = 'connections';
-- the fix: ceil(38 / 0.8) = 48 usable + 3 reserved; memory figures masked
SELECT check_name, status, observed,
       regexp_replace(fix, '[0-9.]+ [kMG]B|[0-9]+%', 'X', 'g') AS fix, restart_required
  FROM loadguard.readiness(38) WHERE check_name = 'connections';

-- summary: the connection limit is the bottleneck at 37 users (c = 1)
SELECT users, verdict, max_users, bottleneck, connections_per_user,
       connections_per_user_lower_bound, fixed_connections, demand_connections,
       usable_connections, baseline_users, app_role
  FROM loadguard.readiness_summary(38);
SELECT score BETWEEN 0 AND 100 AS score_in_range,
       summary LIKE 'NOT READY for 38 users; failing: connections%' AS summary_names_failure
  FROM loadguard.readiness_summary(38);

-- 1.1: the connection pattern needs a baseline; without one it is unknown
SELECT connection_pattern, held_connections, held_connections_projected, busy_p95,
       busy_p95_projected, pool_size
  FROM loadguard.readiness_summary(38);
SELECT status, observed FROM loadguard.readiness(38) WHERE check_name = 'connection_pattern';
-- what connections cost is measured on every connection, baseline or not:
-- the earlier tests' connections (this one's at least) are in the lookback
-- once the worker has read them from the connection log (wait for its tick)
DO $$
BEGIN
  FOR i IN 1..300 LOOP
    EXIT WHEN (SELECT connects_measured > 0 FROM loadguard.readiness_summary(38));
    PERFORM pg_sleep(0.1);
  END LOOP;
END $$;
SELECT connects_measured > 0 AS measured, connect_avg_ms > 0 AS avg_positive,
       connect_p95_ms > 0 AS p95_positive, connections_per_s > 0 AS rate_positive,
       peak_connections_per_s >= connections_per_s AS peak_at_least_average
  FROM loadguard.readiness_summary(38);

-- the view: a hint while target_users is 0, the verdict once it is set
SELECT * FROM loadguard.readiness;
SET loadguard.target_users = 38;
SELECT users, verdict, max_users, bottleneck FROM loadguard.readiness;
RESET loadguard.target_users;

-- machine facts
SELECT ram_bytes > 0 AS has_ram, ram_bytes <= physical_ram_bytes AS within_physical,
       cpu_cores > 0 AS has_cores,
       (cgroup_limit_bytes IS NULL) = (ram_source = 'sysconf') AS source_consistent
  FROM loadguard.machine();

-- readable by everyone
CREATE ROLE lg_reader;
SET ROLE lg_reader;
SELECT count(*) > 0 AS readable FROM loadguard.readiness;
SELECT count(*) AS checks FROM loadguard.readiness(5);
RESET ROLE;
DROP ROLE lg_reader;
DROP ROLE "Lg App";
DROP EXTENSION loadguard;
