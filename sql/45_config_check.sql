-- config_check(): one row per setting that matters under load, on known
-- settings; values that depend on this machine's RAM are masked.
CREATE EXTENSION loadguard;

-- the rows, in order, with machine-dependent recommendations masked
SELECT setting,
       CASE WHEN setting IN ('shared_buffers', 'work_mem', 'maintenance_work_mem', 'effective_cache_size')
            THEN 'X' ELSE current END AS current,
       CASE WHEN setting IN ('shared_buffers', 'work_mem', 'maintenance_work_mem', 'effective_cache_size')
            THEN 'X' ELSE recommended END AS recommended,
       CASE WHEN setting IN ('shared_buffers', 'work_mem', 'maintenance_work_mem', 'effective_cache_size')
            THEN 'X' ELSE severity END AS severity,
       restart_required,
       source IS NOT NULL AS has_source
  FROM loadguard.config_check();

-- max_connections is sized for target_users (40 slots, 3 reserved here):
-- 38 users need ceil(38 / 0.8) + 3 = 51
SET loadguard.target_users = 38;
SELECT current, recommended, severity, fix_sql, restart_required
  FROM loadguard.config_check() WHERE setting = 'max_connections';
SET loadguard.target_users = 20;
SELECT current, recommended, severity, fix_sql
  FROM loadguard.config_check() WHERE setting = 'max_connections';
RESET loadguard.target_users;

-- memory recommendations follow pgtune's formulas for this machine's RAM
SELECT c.setting,
       pg_size_bytes(c.recommended) = CASE c.setting
         WHEN 'shared_buffers' THEN (m.ram_bytes / 4) / 1048576 * 1048576
         WHEN 'effective_cache_size' THEN (m.ram_bytes * 3 / 4) / 1048576 * 1048576
         WHEN 'maintenance_work_mem' THEN least(m.ram_bytes / 16, 2147483648) / 1048576 * 1048576
         WHEN 'work_mem' THEN greatest((m.ram_bytes - pg_size_bytes(current_setting('shared_buffers')))
                                       / (3 * 40) / 2, 65536) / 1024 * 1024
       END AS pgtune
  FROM loadguard.config_check() c, loadguard.machine() m
 WHERE c.setting IN ('shared_buffers', 'work_mem', 'maintenance_work_mem', 'effective_cache_size');

-- statement_timeout: per role; the fix names the role
CREATE ROLE "Lg App" LOGIN;
SELECT severity, fix_sql FROM loadguard.config_check('Lg App') WHERE setting = 'statement_timeout';
SELECT severity, fix_sql LIKE '%ALTER ROLE "Lg App" SET statement_timeout = ''30s'';%' AS names_role
  FROM loadguard.config_check() WHERE setting = 'statement_timeout' AND source = 'default';
ALTER ROLE "Lg App" SET statement_timeout = '20s';
SELECT setting, current, severity, fix_sql, source
  FROM loadguard.config_check('Lg App') WHERE setting = 'statement_timeout';

-- an override that hides errors from the log is high, with its reset
ALTER ROLE "Lg App" SET log_min_messages = 'panic';
SELECT setting, current, severity, fix_sql, source
  FROM loadguard.config_check() WHERE setting = 'log_min_messages';
ALTER ROLE "Lg App" RESET log_min_messages;

-- ALTER ROLE ALL's override (every role) shows as role ALL, with its reset
ALTER ROLE ALL SET log_min_messages = 'panic';
SELECT setting, current, severity, fix_sql, source
  FROM loadguard.config_check() WHERE setting = 'log_min_messages';
ALTER ROLE ALL RESET log_min_messages;

-- a database or role override of a timeout defeats ALTER SYSTEM for its
-- sessions: each timeout lists its overrides, and one that switches the
-- timeout off is a warning with the statement that fixes it where it is
-- (before, only statement_timeout's were listed, and after applying the
-- server row's fix config_check said ok while those sessions ran with 0)
CREATE DATABASE "regress_lg App DB";
ALTER DATABASE "regress_lg App DB" SET idle_in_transaction_session_timeout = 0;
ALTER ROLE "Lg App" IN DATABASE "regress_lg App DB" SET lock_timeout = 0;
ALTER ROLE "Lg App" SET idle_session_timeout = '10s';
SELECT setting, current, recommended, severity, fix_sql, source
  FROM loadguard.config_check()
 WHERE setting IN ('idle_in_transaction_session_timeout', 'idle_session_timeout', 'lock_timeout');
ALTER ROLE "Lg App" RESET idle_session_timeout;
ALTER ROLE "Lg App" IN DATABASE "regress_lg App DB" RESET lock_timeout;
DROP DATABASE "regress_lg App DB";

-- a session's own setting is what the row shows, with its source
SET lock_timeout = '2s';
SELECT current, severity, source FROM loadguard.config_check() WHERE setting = 'lock_timeout';
RESET lock_timeout;
SELECT current, severity, fix_sql FROM loadguard.config_check('Lg App') WHERE setting = 'lock_timeout';

SELECT * FROM loadguard.config_check('no_such_role');

DROP ROLE "Lg App";
DROP EXTENSION loadguard;
