-- The extension installs into schema loadguard, drops cleanly, and its
-- settings reject out-of-range and malformed values naming the setting.
CREATE EXTENSION loadguard;
SELECT extname, extversion, nspname, extrelocatable
  FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
 WHERE extname = 'loadguard';

-- the worker is running and ticking (wait up to 30 s for its first tick)
DO $$
BEGIN
  FOR i IN 1..300 LOOP
    EXIT WHEN (SELECT last_tick_at IS NOT NULL FROM loadguard.status);
    PERFORM pg_sleep(0.1);
  END LOOP;
END $$;
SELECT worker_pid = (SELECT pid FROM pg_stat_activity WHERE backend_type = 'loadguard') AS worker_pid_matches,
       last_tick_at > now() - interval '1 minute' AS ticking,
       tick_avg_us >= 0 AND tick_max_us >= tick_avg_us AS tick_costs_sane,
       ticks_late >= 0 AS ticks_late_counted
  FROM loadguard.status;

-- every setting is defined, with its default
SELECT name, setting, unit, context, vartype, min_val, max_val
  FROM pg_settings WHERE name LIKE 'loadguard.%' ORDER BY name;

-- the defaults the library was built with, whatever the test cluster sets
SELECT name, boot_val FROM pg_settings WHERE name LIKE 'loadguard.%' ORDER BY name;

-- the prefix is reserved: a misspelt setting is refused
SET loadguard.no_such_setting = 1;

-- out-of-range and malformed values are rejected, naming the setting
ALTER SYSTEM SET loadguard.sample_interval = '1ms';
ALTER SYSTEM SET loadguard.sample_interval = '2h';
ALTER SYSTEM SET loadguard.history_size = 10;
ALTER SYSTEM SET loadguard.audit_size = 1000001;
ALTER SYSTEM SET loadguard.idle_in_transaction_limit = -1;
ALTER SYSTEM SET loadguard.active_query_limit = '25h';
ALTER SYSTEM SET loadguard.log_pressure = 101;
ALTER SYSTEM SET loadguard.connections_per_user = 0;
ALTER SYSTEM SET loadguard.terminate = 'sometimes';
ALTER SYSTEM SET loadguard.exempt_roles = '"unterminated';
ALTER SYSTEM SET loadguard.exempt_applications = 'a,,b';
ALTER SYSTEM SET loadguard.exempt_databases = 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx';
SET loadguard.target_users = -1;
-- nothing was written by the rejected commands
SELECT count(*) AS auto_conf_lines
  FROM pg_file_settings WHERE name LIKE 'loadguard.%' AND sourcefile LIKE '%postgresql.auto.conf';

-- valid values are accepted
ALTER SYSTEM SET loadguard.exempt_roles = 'app, "Grafana Reader"';
ALTER SYSTEM RESET loadguard.exempt_roles;
SET loadguard.target_users = 100;
SHOW loadguard.target_users;
RESET loadguard.target_users;

-- only superusers may switch statement tracking off
CREATE ROLE lg_plain;
SET ROLE lg_plain;
SET loadguard.track_statements = off;
SELECT loadguard.reset();
RESET ROLE;
DROP ROLE lg_plain;

-- drop and re-create while the worker runs
DROP EXTENSION loadguard;
SELECT count(*) AS leftover_schema FROM pg_namespace WHERE nspname = 'loadguard';
CREATE EXTENSION loadguard;
SELECT worker_pid IS NOT NULL AS worker_seen FROM loadguard.status;
DROP EXTENSION loadguard;
