-- One rule, one answer: readiness() and config_check() judge each setting
-- with the same rule (src/settings_rules.c), so for every setting both
-- have they give the same status and the same fix, and the fix goes where
-- the value comes from (pg_settings.source, role and database defaults).
CREATE EXTENSION loadguard;
CREATE ROLE regress_lg_app LOGIN;

-- the first config_check row of each setting (the rest are overrides)
CREATE FUNCTION regress_lg_compare(app name)
RETURNS TABLE (setting text, readiness_status text, config_severity text, same_fix boolean, fix text)
LANGUAGE sql AS $$
  WITH c AS (
    SELECT DISTINCT ON (c.setting) c.setting, c.severity, c.fix_sql, c.reason
      FROM loadguard.config_check(app) WITH ORDINALITY c
     ORDER BY c.setting, c.ordinality)
  SELECT r.check_name, r.status, c.severity,
         r.fix IS NOT DISTINCT FROM coalesce(c.fix_sql, substring(c.reason from 'ALTER ROLE <application role>.*$')),
         r.fix
    FROM loadguard.readiness(10, NULL, '15 minutes', app) r
    JOIN c ON c.setting = r.check_name
   ORDER BY 1
$$;

-- nothing set: both warn about the two timeouts, with the same ALTER ROLE
SELECT * FROM regress_lg_compare('regress_lg_app');
-- no application role: the server-wide rules, still one answer
SELECT * FROM regress_lg_compare(NULL);

-- a role default that turns the timeout on: both pass
ALTER ROLE regress_lg_app SET statement_timeout = '20s';
-- a role-in-database default that turns it off is fixed where it is set
ALTER ROLE regress_lg_app IN DATABASE contrib_regression SET idle_in_transaction_session_timeout = 0;
SELECT * FROM regress_lg_compare('regress_lg_app');
ALTER ROLE regress_lg_app IN DATABASE contrib_regression RESET idle_in_transaction_session_timeout;

-- the caller's database default: ALTER DATABASE, not ALTER SYSTEM
ALTER DATABASE contrib_regression SET idle_in_transaction_session_timeout = 0;
\c
SELECT setting, source FROM pg_settings WHERE name = 'idle_in_transaction_session_timeout';
SELECT * FROM regress_lg_compare(NULL);
ALTER DATABASE contrib_regression RESET idle_in_transaction_session_timeout;
\c

-- a session-level value above error: both say ALTER SYSTEM
SET log_min_messages = 'fatal';
SELECT * FROM regress_lg_compare('regress_lg_app') WHERE setting = 'log_min_messages';
RESET log_min_messages;
-- an override that hides errors: readiness' fix is config_check's rows' fixes
ALTER ROLE regress_lg_app SET log_min_messages = 'panic';
SELECT (SELECT fix FROM loadguard.readiness(10) WHERE check_name = 'log_min_messages') =
       (SELECT string_agg(fix_sql, ' ' ORDER BY n) FROM loadguard.config_check() WITH ORDINALITY c(setting, current, recommended, severity, reason, fix_sql, restart_required, source, n)
         WHERE setting = 'log_min_messages') AS same_fixes;
ALTER ROLE regress_lg_app RESET ALL;

-- max_connections: config_check sizes it as readiness(target_users, NULL,
-- '15 minutes', app_role) does (the same users, role, F and reserved slots,
-- one rule in settings_rules.c), and the connections check's fix begins with
-- config_check's statement
CREATE FUNCTION regress_lg_compare_max(app name)
RETURNS TABLE (readiness_status text, config_severity text, same_verdict boolean, same_fix boolean)
LANGUAGE sql AS $$
  SELECT r.status, c.severity,
         (r.status, c.severity) IN (('fail', 'high'), ('warn', 'warn'), ('pass', 'ok')),
         CASE WHEN c.fix_sql IS NULL THEN r.fix IS NULL OR r.status = 'pass'
              ELSE starts_with(r.fix, c.fix_sql) END
    FROM loadguard.readiness(current_setting('loadguard.target_users')::int, NULL, '15 minutes', app) r,
         loadguard.config_check(app) c
   WHERE r.check_name = 'connections' AND c.setting = 'max_connections'
$$;
SET loadguard.target_users = 38;
SELECT * FROM regress_lg_compare_max(NULL);
SELECT recommended FROM loadguard.config_check() WHERE setting = 'max_connections';
-- with an application role the other connections (this one) are fixed
-- overhead for both: the same number, not F = 0 for config_check
SELECT * FROM regress_lg_compare_max('regress_lg_app');
SELECT recommended::int > 51 AS counts_fixed FROM loadguard.config_check('regress_lg_app')
 WHERE setting = 'max_connections';
SET loadguard.target_users = 20;
SELECT * FROM regress_lg_compare_max('regress_lg_app');
RESET loadguard.target_users;

-- work_mem: when readiness' memory check for target_users does not pass,
-- its fix is config_check's work_mem row for the same users (one rule,
-- lg_work_mem_for_connections), whatever the machine's RAM
SET work_mem = '1TB';
SET loadguard.target_users = 38;
SELECT r.status, c.severity, r.fix = c.fix_sql AS same_fix,
       c.fix_sql LIKE 'ALTER SYSTEM SET work_mem = ''%kB''; SELECT pg_reload_conf();' AS sets_work_mem
  FROM loadguard.readiness(38, NULL, '15 minutes', NULL) r, loadguard.config_check() c
 WHERE r.check_name = 'memory' AND c.setting = 'work_mem';
RESET work_mem;
RESET loadguard.target_users;

DROP FUNCTION regress_lg_compare_max(name);

DROP FUNCTION regress_lg_compare(name);
DROP ROLE regress_lg_app;
DROP EXTENSION loadguard;
