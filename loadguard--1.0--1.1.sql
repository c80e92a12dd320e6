-- loadguard 1.0 -> 1.1 upgrade script.  CREATE EXTENSION loadguard installs
-- 1.0 and then runs this script, so a fresh 1.1 and an updated 1.0 are the
-- same catalog.  Views whose columns change are dropped and recreated on
-- functions whose C entry points carry the API version (see doc/upgrading.md).

\echo Use "ALTER EXTENSION loadguard UPDATE TO '1.1'" to load this file. \quit

-- The views below are recreated on their functions' 1.1 entry points.  Each
-- block drops the view and its function and creates them again exactly as
-- 1.0 did (same privileges and comments) except for the C symbol and the
-- columns of 1.1.  Nothing in the extension depends on these views (the
-- PL/pgSQL and SQL functions that read them are not tracked dependencies);
-- a user's own view on one of them makes DROP VIEW fail, see
-- doc/upgrading.md.

-- loadguard.status

DROP VIEW loadguard.status;
DROP FUNCTION loadguard.get_status();

CREATE FUNCTION loadguard.get_status(
    OUT sampled_at timestamptz,
    OUT max_connections integer,
    OUT usable_connections integer,
    OUT client_connections integer,
    OUT usage_pct double precision,
    OUT active integer,
    OUT idle integer,
    OUT idle_in_transaction integer,
    OUT idle_in_transaction_aborted integer,
    OUT waiting_on_lock integer,
    OUT oldest_idle_in_transaction interval,
    OUT longest_running_query interval,
    OUT longest_transaction interval,
    OUT peak_connections integer,
    OUT peak_at timestamptz,
    OUT connections_established bigint,
    OUT rejected_connections bigint,
    OUT refusal_pct double precision,
    OUT statement_timeouts bigint,
    OUT statements_per_s double precision,
    OUT latency_p95_ms double precision,
    OUT policy_cancels bigint,
    OUT policy_terminations bigint,
    OUT worker_pid integer,
    OUT last_tick_at timestamptz,
    OUT tick_avg_us double precision,
    OUT tick_max_us double precision,
    OUT ticks_late bigint,
    OUT ticks bigint,
    OUT stats_reset timestamptz,
    OUT busy_connections integer)
RETURNS record
AS 'MODULE_PATHNAME', 'lg_status_1_1'
LANGUAGE C VOLATILE;

COMMENT ON FUNCTION loadguard.get_status() IS
  'the row behind the loadguard.status view';

CREATE VIEW loadguard.status AS
  SELECT * FROM loadguard.get_status();

COMMENT ON VIEW loadguard.status IS
  'connection usage, session states, busy versus held connections, peaks, failure totals and worker health, now';

GRANT SELECT ON loadguard.status TO PUBLIC;

-- loadguard.history

DROP VIEW loadguard.history;
DROP FUNCTION loadguard.get_history();

CREATE FUNCTION loadguard.get_history(
    OUT ts timestamptz,
    OUT max_connections integer,
    OUT usable_connections integer,
    OUT client_connections integer,
    OUT usage_pct double precision,
    OUT active integer,
    OUT idle integer,
    OUT idle_in_transaction integer,
    OUT idle_in_transaction_aborted integer,
    OUT waiting_on_lock integer,
    OUT oldest_idle_in_transaction_s double precision,
    OUT longest_running_query_s double precision,
    OUT longest_transaction_s double precision,
    OUT rejected_too_many_clients bigint,
    OUT rejected_reserved_slots bigint,
    OUT rejected_database_limit bigint,
    OUT rejected_role_limit bigint,
    OUT statement_timeout bigint,
    OUT query_canceled bigint,
    OUT lock_timeout bigint,
    OUT idle_in_transaction_timeout bigint,
    OUT idle_session_timeout bigint,
    OUT deadlock bigint,
    OUT recovery_conflict bigint,
    OUT admin_terminated bigint,
    OUT auth_failed bigint,
    OUT out_of_memory bigint,
    OUT lock_table_full bigint,
    OUT connections_established bigint,
    OUT statements bigint,
    OUT latency_p50_ms double precision,
    OUT latency_p95_ms double precision,
    OUT latency_p99_ms double precision,
    OUT policy_actions bigint,
    OUT busy_connections integer,
    OUT peak_connections integer)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'lg_history_1_1'
LANGUAGE C VOLATILE;

COMMENT ON FUNCTION loadguard.get_history() IS
  'the rows behind the loadguard.history view';

CREATE VIEW loadguard.history AS
  SELECT * FROM loadguard.get_history();

COMMENT ON VIEW loadguard.history IS
  'one row per sample (loadguard.history_size kept), oldest first: counts, ages in seconds, per-interval event deltas, statement latency';

GRANT SELECT ON loadguard.history TO PUBLIC;

-- loadguard.connections

DROP VIEW loadguard.connections;
DROP FUNCTION loadguard.get_connections();

CREATE FUNCTION loadguard.get_connections(
    OUT dimension text,
    OUT name text,
    OUT current integer,
    OUT peak integer,
    OUT peak_at timestamptz,
    OUT idle_in_transaction integer,
    OUT stats_reset timestamptz,
    OUT refused bigint,
    OUT established bigint)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'lg_connections_1_1'
LANGUAGE C VOLATILE;

COMMENT ON FUNCTION loadguard.get_connections() IS
  'the rows behind the loadguard.connections view';

CREATE VIEW loadguard.connections AS
  SELECT * FROM loadguard.get_connections();

COMMENT ON VIEW loadguard.connections IS
  'client connections now and at their peak, connections established and refused since reset, by database, role, application and client; at most 32 names per dimension, the rest as (other); application and client names only for pg_read_all_stats';

GRANT SELECT ON loadguard.connections TO PUBLIC;

-- loadguard.sessions

DROP VIEW loadguard.sessions;
DROP FUNCTION loadguard.get_sessions();

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
    OUT policy_action text,
    OUT statement_timeout_ms integer,
    OUT idle_in_transaction_session_timeout_ms integer,
    OUT idle_session_timeout_ms integer,
    OUT lock_timeout_ms integer)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'lg_sessions_1_1'
LANGUAGE C VOLATILE;

COMMENT ON FUNCTION loadguard.get_sessions() IS
  'the rows behind the loadguard.sessions view';

CREATE VIEW loadguard.sessions AS
  SELECT * FROM loadguard.get_sessions();

COMMENT ON VIEW loadguard.sessions IS
  'client sessions idle in transaction, running longer than 1 s, waiting on a lock, or blocking others, with the timeouts they run with; of sessions of roles whose privileges the reader lacks (without pg_read_all_stats) only pid, role, database and the lock graph, and only when they wait or block, as pg_stat_activity';

GRANT SELECT ON loadguard.sessions TO PUBLIC;

-- loadguard.events

DROP VIEW loadguard.events;
DROP FUNCTION loadguard.get_events();

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
AS 'MODULE_PATHNAME', 'lg_events_view_1_1'
LANGUAGE C VOLATILE;

COMMENT ON FUNCTION loadguard.get_events() IS
  'the rows behind the loadguard.events view';

CREATE VIEW loadguard.events AS
  SELECT * FROM loadguard.get_events();

COMMENT ON VIEW loadguard.events IS
  'refused connections, timeouts, cancels, deadlocks, terminations, failed logins and out-of-memory errors, counted from the server log as they happen: total since reset and over the last 1, 5 and 15 minutes';

GRANT SELECT ON loadguard.events TO PUBLIC;
-- ---------------------------------------------------------------------
-- Not preloaded: every SQL entry point fails with the same error and hint.
-- The C functions raise it themselves; the SQL and PL/pgSQL ones below call
-- loadguard.require_preloaded() before anything else (config_check used to
-- fail on the missing loadguard.target_users setting instead).  Their
-- bodies are 1.0's otherwise.
-- ---------------------------------------------------------------------

CREATE FUNCTION loadguard.require_preloaded()
RETURNS void
AS 'MODULE_PATHNAME', 'lg_require_preloaded'
LANGUAGE C VOLATILE;

COMMENT ON FUNCTION loadguard.require_preloaded() IS
  'raises loadguard''s "not loaded through shared_preload_libraries" error unless it is preloaded; called first by its SQL-language functions';

CREATE OR REPLACE FUNCTION loadguard.setting_source(setting_name text)
RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT loadguard.require_preloaded();
  SELECT CASE WHEN sourcefile IS NOT NULL THEN sourcefile || ':' || sourceline
              ELSE source END
    FROM pg_settings WHERE name = setting_name
$$;

CREATE OR REPLACE FUNCTION loadguard.size_setting(bytes bigint)
RETURNS text
LANGUAGE sql IMMUTABLE STRICT
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT loadguard.require_preloaded();
  SELECT CASE WHEN bytes >= 1048576 THEN (bytes / 1048576)::text || 'MB'
              ELSE greatest(bytes / 1024, 64)::text || 'kB' END
$$;

CREATE OR REPLACE FUNCTION loadguard.config_check(
    app_role name DEFAULT NULL,
    OUT setting text,
    OUT current text,
    OUT recommended text,
    OUT severity text,
    OUT reason text,
    OUT fix_sql text,
    OUT restart_required boolean,
    OUT source text)
RETURNS SETOF record
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  ram bigint;
  ram_text text;
  max_conn int := current_setting('max_connections')::int;
  reserved int := current_setting('superuser_reserved_connections')::int;
  sb bigint := pg_size_bytes(current_setting('shared_buffers'));
  wm bigint := pg_size_bytes(current_setting('work_mem'));
  mwm bigint := pg_size_bytes(current_setting('maintenance_work_mem'));
  avwm bigint;
  av_workers int := current_setting('autovacuum_max_workers')::int;
  workers_per_gather int := greatest(current_setting('max_parallel_workers_per_gather')::int, 1);
  ecs bigint := pg_size_bytes(current_setting('effective_cache_size'));
  worst bigint;
  rec bigint;
  target int;
  s record;
  role_fix text;
  ov_name text;
  app_quoted text := CASE WHEN app_role IS NOT NULL THEN quote_ident(app_role) END;
BEGIN
  PERFORM loadguard.require_preloaded();
  target := current_setting('loadguard.target_users')::int;
  IF app_role IS NOT NULL AND NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = app_role) THEN
    RAISE EXCEPTION USING ERRCODE = 'undefined_object',
      MESSAGE = format('app_role "%s" does not exist', app_role);
  END IF;

  SELECT m.ram_bytes INTO ram FROM loadguard.machine() m;
  ram_text := pg_size_pretty(ram);
  avwm := CASE WHEN current_setting('autovacuum_work_mem') = '-1' THEN mwm
               ELSE pg_size_bytes(current_setting('autovacuum_work_mem')) END;
  worst := sb + (max_conn * wm * 1.5)::bigint + av_workers * avwm;

  -- max_connections: sized for loadguard.target_users when it is set
  setting := 'max_connections';
  current := max_conn::text;
  restart_required := true;
  source := loadguard.setting_source(setting);
  fix_sql := NULL;
  IF target > 0 THEN
    SELECT r.status INTO s FROM loadguard.readiness(target) r WHERE r.check_name = 'connections';
    SELECT ceil(demand_connections / 0.8)::int + (max_conn - usable_connections) INTO rec
      FROM loadguard.readiness_summary(target);
    IF s.status = 'pass' OR rec <= max_conn THEN
      recommended := max_conn::text;
      severity := 'ok';
      reason := format('Holds %s users (loadguard.target_users) within 80%% of the usable slots.', target);
    ELSE
      recommended := rec::text;
      severity := CASE s.status WHEN 'fail' THEN 'high' ELSE 'warn' END;
      reason := format('%s users (loadguard.target_users) need %s slots to stay within 80%% of the usable ones; raise it on hot standbys first. If the memory or CPU cannot follow, use a connection pooler instead (see loadguard.readiness).', target, rec);
      fix_sql := format('ALTER SYSTEM SET max_connections = %s;', rec);
    END IF;
  ELSIF worst > ram THEN
    recommended := max_conn::text;
    severity := 'warn';
    reason := format('Every slot in use with work_mem each could need %s of %s RAM; lower work_mem or use a pooler. Set loadguard.target_users to size max_connections for a load.', pg_size_pretty(worst), ram_text);
  ELSE
    recommended := max_conn::text;
    severity := 'info';
    reason := 'Set loadguard.target_users (or call loadguard.readiness) to size max_connections for a load.';
  END IF;
  RETURN NEXT;

  setting := 'superuser_reserved_connections';
  current := reserved::text;
  restart_required := true;
  source := loadguard.setting_source(setting);
  IF reserved < 3 THEN
    recommended := '3';
    severity := 'warn';
    reason := 'When clients take every slot, the reserved slots are the only way for an administrator to log in and fix it.';
    fix_sql := 'ALTER SYSTEM SET superuser_reserved_connections = 3;';
  ELSE
    recommended := reserved::text;
    severity := 'ok';
    reason := 'Leaves slots for an administrator when clients take every other one.';
    fix_sql := NULL;
  END IF;
  RETURN NEXT;

  setting := 'shared_buffers';
  current := current_setting(setting);
  rec := ram / 4;
  recommended := loadguard.size_setting(rec);
  restart_required := true;
  source := loadguard.setting_source(setting);
  IF sb < rec / 2 OR sb > ram * 2 / 5 THEN
    severity := 'warn';
    reason := format('pgtune: 25%% of %s RAM. Far below, reads go to the kernel''s cache; above 40%%, the kernel and work_mem are starved.', ram_text);
    fix_sql := format('ALTER SYSTEM SET shared_buffers = %L;', recommended);
  ELSE
    severity := 'ok';
    reason := format('Within reach of pgtune''s 25%% of %s RAM.', ram_text);
    fix_sql := NULL;
  END IF;
  RETURN NEXT;

  setting := 'work_mem';
  current := current_setting(setting);
  rec := greatest((ram - sb) / (3 * max_conn) / workers_per_gather, 65536);
  recommended := (rec / 1024)::text || 'kB';
  restart_required := false;
  source := loadguard.setting_source(setting);
  IF worst > ram THEN
    severity := 'high';
    reason := format('Worst case with every slot in use (postgresqltuner: shared_buffers + max_connections x work_mem x 1.5 + autovacuum) is %s of %s RAM: the server can be killed for memory. pgtune: (RAM - shared_buffers) / (3 x max_connections) / max_parallel_workers_per_gather.', pg_size_pretty(worst), ram_text);
    fix_sql := format('ALTER SYSTEM SET work_mem = %L; SELECT pg_reload_conf();', recommended);
  ELSIF wm > 2 * rec THEN
    severity := 'warn';
    reason := format('More than twice pgtune''s (RAM - shared_buffers) / (3 x max_connections) / max_parallel_workers_per_gather; a sort or hash can use it several times per query. Raise it per role for reporting instead.');
    fix_sql := format('ALTER SYSTEM SET work_mem = %L; SELECT pg_reload_conf();', recommended);
  ELSIF wm < rec / 2 THEN
    severity := 'info';
    reason := 'Below half of pgtune''s value: sorts and hashes may spill to disk. Check temp files in pg_stat_database before raising it.';
    fix_sql := format('ALTER SYSTEM SET work_mem = %L; SELECT pg_reload_conf();', recommended);
  ELSE
    severity := 'ok';
    reason := 'Close to pgtune''s (RAM - shared_buffers) / (3 x max_connections) / max_parallel_workers_per_gather.';
    fix_sql := NULL;
  END IF;
  RETURN NEXT;

  setting := 'maintenance_work_mem';
  current := current_setting(setting);
  rec := least(ram / 16, 2::bigint * 1024 * 1024 * 1024);
  recommended := loadguard.size_setting(rec);
  restart_required := false;
  source := loadguard.setting_source(setting);
  IF mwm < rec / 2 THEN
    severity := 'info';
    reason := format('pgtune: RAM / 16, at most 2 GB. VACUUM and CREATE INDEX run faster with more; each of %s autovacuum workers may use it unless autovacuum_work_mem is set.', av_workers);
    fix_sql := format('ALTER SYSTEM SET maintenance_work_mem = %L; SELECT pg_reload_conf();', recommended);
  ELSE
    severity := 'ok';
    reason := 'Close to or above pgtune''s RAM / 16 (at most 2 GB).';
    fix_sql := NULL;
  END IF;
  RETURN NEXT;

  setting := 'effective_cache_size';
  current := current_setting(setting);
  rec := ram * 3 / 4;
  recommended := loadguard.size_setting(rec);
  restart_required := false;
  source := loadguard.setting_source(setting);
  IF ecs < rec / 2 THEN
    severity := 'info';
    reason := format('pgtune: 75%% of %s RAM. Too low, the planner assumes little is cached and avoids index scans.', ram_text);
    fix_sql := format('ALTER SYSTEM SET effective_cache_size = %L; SELECT pg_reload_conf();', recommended);
  ELSE
    severity := 'ok';
    reason := 'Close to pgtune''s 75% of RAM.';
    fix_sql := NULL;
  END IF;
  RETURN NEXT;

  setting := 'idle_in_transaction_session_timeout';
  current := current_setting(setting);
  restart_required := false;
  source := loadguard.setting_source(setting);
  IF current_setting(setting) = '0' THEN
    recommended := '5min';
    severity := 'warn';
    reason := 'A session left idle in a transaction keeps its slot and its locks and holds back vacuum until something ends it.';
    fix_sql := 'ALTER SYSTEM SET idle_in_transaction_session_timeout = ''5min''; SELECT pg_reload_conf();';
  ELSE
    recommended := current;
    severity := 'ok';
    reason := 'Abandoned transactions are ended.';
    fix_sql := NULL;
  END IF;
  RETURN NEXT;

  setting := 'idle_session_timeout';
  current := current_setting(setting);
  restart_required := false;
  source := loadguard.setting_source(setting);
  IF current_setting(setting) <> '0'
     AND (SELECT ps.setting::bigint FROM pg_settings ps WHERE ps.name = 'idle_session_timeout') < 60000 THEN
    recommended := '0';
    severity := 'warn';
    reason := 'Below a minute it closes the idle connections that application pools keep on purpose, and they reconnect again and again.';
    fix_sql := 'ALTER SYSTEM SET idle_session_timeout = 0; SELECT pg_reload_conf();';
  ELSE
    recommended := current;
    severity := 'ok';
    reason := 'Keep it 0, or long, when application pools hold idle connections.';
    fix_sql := NULL;
  END IF;
  RETURN NEXT;

  setting := 'lock_timeout';
  current := current_setting(setting);
  restart_required := false;
  source := loadguard.setting_source(setting);
  IF app_role IS NOT NULL AND EXISTS
       (SELECT 1 FROM pg_db_role_setting d, unnest(d.setconfig) c
         WHERE d.setrole = (SELECT oid FROM pg_roles WHERE rolname = app_role)
           AND d.setdatabase IN (0, (SELECT oid FROM pg_database WHERE datname = current_database()))
           AND c LIKE 'lock_timeout=%') THEN
    recommended := current;
    severity := 'ok';
    reason := format('Role %s has its own lock_timeout.', app_quoted);
    fix_sql := NULL;
  ELSIF current_setting(setting) = '0' THEN
    recommended := 'a few seconds, per role (migrations, batch jobs)';
    severity := 'info';
    reason := 'Without it, a statement waiting for a lock queues behind a long transaction while holding its slot, and every later statement queues behind it.';
    fix_sql := CASE WHEN app_role IS NOT NULL
                    THEN format('ALTER ROLE %s SET lock_timeout = ''5s'';', app_quoted) END;
  ELSE
    recommended := current;
    severity := 'ok';
    reason := 'Lock waits are bounded.';
    fix_sql := NULL;
  END IF;
  RETURN NEXT;

  setting := 'max_locks_per_transaction';
  current := current_setting(setting);
  restart_required := true;
  source := loadguard.setting_source(setting);
  IF current_setting(setting)::int < 64 THEN
    recommended := '64';
    severity := 'warn';
    reason := 'The shared lock table holds max_locks_per_transaction x (max_connections + max_prepared_transactions) locks; below the default, "out of shared memory" (loadguard event lock_table_full) comes early.';
    fix_sql := 'ALTER SYSTEM SET max_locks_per_transaction = 64;';
  ELSE
    recommended := current;
    severity := 'ok';
    reason := 'Raise it (restart) if loadguard counts lock_table_full events ("out of shared memory").';
    fix_sql := NULL;
  END IF;
  RETURN NEXT;

  -- statement_timeout and log_min_messages, each followed by its role and
  -- database overrides
  FOREACH ov_name IN ARRAY ARRAY['statement_timeout', 'log_min_messages'] LOOP
    IF ov_name = 'statement_timeout' THEN
      -- statement_timeout: per role, not global
      setting := 'statement_timeout';
      current := current_setting(setting);
      restart_required := false;
      source := loadguard.setting_source(setting);
      IF current_setting(setting) <> '0' THEN
        recommended := '0 globally, a value per application role';
        severity := 'info';
        reason := 'A global statement_timeout also cancels maintenance, migrations and pg_dump; PostgreSQL''s documentation advises setting it per role or session instead.';
        fix_sql := NULL;
      ELSE
        recommended := '30s for the application role';
        IF app_role IS NOT NULL THEN
          role_fix := CASE WHEN (SELECT count(*) FROM pg_db_role_setting d, unnest(d.setconfig) c
                                  WHERE d.setrole = (SELECT oid FROM pg_roles WHERE rolname = app_role)
                                    AND c LIKE 'statement_timeout=%') = 0
                           THEN format('ALTER ROLE %s SET statement_timeout = ''30s'';', app_quoted) END;
        ELSE
          SELECT string_agg(format('ALTER ROLE %I SET statement_timeout = ''30s'';', r.rolname), ' ' ORDER BY r.rolname)
            INTO role_fix
            FROM pg_roles r
           WHERE r.rolcanlogin AND NOT r.rolsuper AND r.rolname !~ '^pg_'
             AND NOT EXISTS (SELECT 1 FROM pg_db_role_setting d, unnest(d.setconfig) c
                              WHERE d.setrole = r.oid AND c LIKE 'statement_timeout=%');
        END IF;
        IF role_fix IS NULL AND app_role IS NULL AND NOT EXISTS
             (SELECT 1 FROM pg_roles r WHERE r.rolcanlogin AND NOT r.rolsuper AND r.rolname !~ '^pg_') THEN
          severity := 'info';
          reason := 'No global timeout, and no application (non-superuser login) role yet to set one for.';
        ELSIF role_fix IS NULL THEN
          severity := 'ok';
          reason := 'No global timeout; the application role(s) have their own (see the rows below).';
        ELSE
          severity := 'warn';
          reason := 'Without a timeout a slow query holds its connection until it ends, and under load they pile up until no slot is left. Set it per application role (PostgreSQL''s documentation advises against a global value); pick a value above the slowest legitimate query.';
        END IF;
        fix_sql := role_fix;
      END IF;
      RETURN NEXT;
    ELSE
      setting := 'log_min_messages';
      current := current_setting(setting);
      restart_required := false;
      source := loadguard.setting_source(setting);
      IF current_setting(setting) IN ('log', 'fatal', 'panic') THEN
        recommended := 'warning';
        severity := 'high';
        reason := 'Above error, the server does not log the errors loadguard counts (timeouts, refusals, deadlocks): they go uncounted.';
        fix_sql := 'ALTER SYSTEM SET log_min_messages = ''warning''; SELECT pg_reload_conf();';
      ELSE
        recommended := current;
        severity := 'ok';
        reason := 'Errors are logged, so loadguard counts them.';
        fix_sql := NULL;
      END IF;
      RETURN NEXT;
    END IF;

    -- this setting's role and database overrides
    FOR s IN
      SELECT split_part(c, '=', 1) AS name, substr(c, strpos(c, '=') + 1) AS value,
             CASE WHEN d.setrole <> 0 AND d.setdatabase <> 0
                    THEN format('ALTER ROLE %I IN DATABASE %I', r.rolname, db.datname)
                  WHEN d.setrole <> 0 THEN format('ALTER ROLE %I', r.rolname)
                  ELSE format('ALTER DATABASE %I', db.datname) END AS target
        FROM pg_db_role_setting d
        LEFT JOIN pg_roles r ON r.oid = d.setrole
        LEFT JOIN pg_database db ON db.oid = d.setdatabase,
             unnest(d.setconfig) c
       WHERE split_part(c, '=', 1) = ov_name
       ORDER BY 3
    LOOP
      setting := s.name;
      current := s.value;
      source := s.target;
      restart_required := false;
      IF s.name = 'statement_timeout' THEN
        recommended := 'above 0';
        IF s.value IN ('0', '0ms', '0s') THEN
          severity := 'warn';
          reason := 'This override switches the timeout off for these sessions.';
          fix_sql := format('%s SET statement_timeout = ''30s'';', s.target);
        ELSE
          severity := 'ok';
          reason := 'A per-role or per-database timeout, as PostgreSQL''s documentation advises.';
          fix_sql := NULL;
        END IF;
      ELSE
        recommended := 'warning (or reset)';
        IF lower(s.value) IN ('log', 'fatal', 'panic') THEN
          severity := 'high';
          reason := 'Above error, the server does not log the errors loadguard counts (timeouts, refusals, deadlocks) for these sessions.';
          fix_sql := format('%s RESET log_min_messages;', s.target);
        ELSE
          severity := 'ok';
          reason := 'Errors are still logged, so loadguard counts them.';
          fix_sql := NULL;
        END IF;
      END IF;
      RETURN NEXT;
    END LOOP;
  END LOOP;
END
$$;

CREATE OR REPLACE FUNCTION loadguard.report_wrap(body text, first_prefix text, next_prefix text,
                                      width integer DEFAULT 79)
RETURNS SETOF text
LANGUAGE plpgsql
IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $wrap$
DECLARE
    word text;
    line text := first_prefix;
    line_has_word boolean := false;
BEGIN
    PERFORM loadguard.require_preloaded();
    FOREACH word IN ARRAY regexp_split_to_array(btrim(coalesce(body, '')), '\s+') LOOP
        IF line_has_word AND length(line) + 1 + length(word) > width THEN
            RETURN NEXT line;
            line := next_prefix || word;
        ELSIF line_has_word THEN
            line := line || ' ' || word;
        ELSE
            line := line || word;
        END IF;
        line_has_word := true;
    END LOOP;
    RETURN NEXT line;
END
$wrap$;

CREATE OR REPLACE FUNCTION loadguard.report(
    users integer DEFAULT NULL,
    baseline_users integer DEFAULT NULL,
    lookback interval DEFAULT '15 minutes',
    app_role name DEFAULT NULL)
RETURNS SETOF text
LANGUAGE plpgsql
STABLE
SET search_path = pg_catalog, pg_temp
AS $report$
DECLARE
    st record;
    ev record;
    cn record;
    sm record;
    ck record;
    target integer := users;
    any_event boolean := false;
    any_consumer boolean := false;
BEGIN
    PERFORM loadguard.require_preloaded();
    SELECT * INTO st FROM loadguard.status;

    RETURN NEXT format('loadguard report, %s',
                       to_char(now(), 'YYYY-MM-DD HH24:MI:SS TZ'));
    RETURN NEXT '';
    RETURN NEXT '== Status ' || repeat('=', 68);
    IF st.sampled_at IS NULL THEN
        RETURN NEXT '  no sample yet: is the loadguard worker running?';
    ELSE
        RETURN NEXT format('  connections    %s of %s usable (%s %%), max_connections %s',
                           st.client_connections, st.usable_connections,
                           round(st.usage_pct::numeric, 1), st.max_connections);
        RETURN NEXT format('  peak           %s at %s',
                           st.peak_connections,
                           coalesce(to_char(st.peak_at, 'YYYY-MM-DD HH24:MI:SS'), '-'));
        RETURN NEXT format('  states         active %s, idle %s, idle in transaction %s (aborted %s)',
                           st.active, st.idle, st.idle_in_transaction,
                           st.idle_in_transaction_aborted);
        RETURN NEXT format('  waiting        %s on a lock', st.waiting_on_lock);
        RETURN NEXT format('  oldest         idle in transaction %s',
                           to_char(st.oldest_idle_in_transaction, 'HH24:MI:SS'));
        RETURN NEXT format('  longest        query %s, transaction %s',
                           to_char(st.longest_running_query, 'HH24:MI:SS'),
                           to_char(st.longest_transaction, 'HH24:MI:SS'));
    END IF;
    RETURN NEXT format('  refused        %s of %s connection attempts (%s %%)',
                       st.rejected_connections,
                       st.rejected_connections + st.connections_established,
                       coalesce(round(st.refusal_pct::numeric, 1), 0));
    RETURN NEXT format('  statements     %s/s, p95 %s ms (last minute); %s statement timeouts',
                       round(st.statements_per_s::numeric, 1),
                       round(st.latency_p95_ms::numeric, 1), st.statement_timeouts);
    RETURN NEXT format('  policy         %s cancels, %s terminations',
                       st.policy_cancels, st.policy_terminations);
    RETURN NEXT format('  worker         %s',
                       CASE WHEN st.worker_pid IS NULL THEN 'NOT RUNNING'
                            ELSE format('pid %s, tick avg %s us, max %s us, %s late',
                                        st.worker_pid, round(st.tick_avg_us::numeric),
                                        round(st.tick_max_us::numeric), st.ticks_late)
                       END);

    RETURN NEXT '';
    RETURN NEXT '== Events since reset (last 15 min) ' || repeat('=', 42);
    FOR ev IN SELECT * FROM loadguard.events WHERE total > 0 ORDER BY total DESC, event LOOP
        any_event := true;
        RETURN NEXT format('  %-30s %10s  (%s)', ev.event, ev.total, ev.last_15min);
    END LOOP;
    IF NOT any_event THEN
        RETURN NEXT '  none';
    END IF;

    RETURN NEXT '';
    RETURN NEXT '== Top connection consumers (now, peak) ' || repeat('=', 38);
    FOR cn IN
        SELECT * FROM (
            SELECT c.*, row_number() OVER (PARTITION BY c.dimension
                                           ORDER BY c.peak DESC, c.name) AS rank
              FROM loadguard.connections c
             WHERE c.dimension IN ('role', 'application', 'database')) ranked
         WHERE rank <= 3
         ORDER BY array_position(ARRAY['role', 'application', 'database'], dimension), rank
    LOOP
        any_consumer := true;
        RETURN NEXT format('  %-12s %-40s %6s %6s', cn.dimension,
                           left(coalesce(cn.name, ''), 40), cn.current, cn.peak);
    END LOOP;
    IF NOT any_consumer THEN
        RETURN NEXT '  none';
    END IF;

    RETURN NEXT '';
    IF target IS NULL AND current_setting('loadguard.target_users')::integer > 0 THEN
        target := current_setting('loadguard.target_users')::integer;
    END IF;
    IF target IS NULL THEN
        RETURN NEXT '== Readiness ' || repeat('=', 65);
        RETURN NEXT '  no target: call loadguard.report(N) or SET loadguard.target_users = N';
        RETURN;
    END IF;

    RETURN NEXT format('== Readiness for %s users ', target)
                || repeat('=', greatest(0, 53 - length(target::text)));
    SELECT * INTO sm
      FROM loadguard.readiness_summary(target, baseline_users, lookback, app_role);
    RETURN NEXT format('  verdict        %s (score %s)', sm.verdict, sm.score);
    RETURN NEXT format('  max users      %s (bottleneck: %s)',
                       coalesce(sm.max_users::text, '-'), coalesce(sm.bottleneck, '-'));
    RETURN QUERY SELECT loadguard.report_wrap(sm.summary, '  summary        ',
                                              '                 ');
    FOR ck IN
        SELECT * FROM loadguard.readiness(target, baseline_users, lookback, app_role)
         WHERE status IN ('fail', 'warn')
         ORDER BY status = 'warn', check_name
    LOOP
        RETURN QUERY SELECT loadguard.report_wrap(
            format('%s: %s', ck.check_name, coalesce(ck.detail, '')),
            format('  %-4s ', upper(ck.status)), '       ');
        IF ck.fix IS NOT NULL THEN
            RETURN QUERY SELECT loadguard.report_wrap(
                ck.fix || CASE WHEN ck.restart_required THEN ' (restart required)' ELSE '' END,
                '       fix: ', '            ');
        END IF;
    END LOOP;
END
$report$;
-- ---------------------------------------------------------------------
-- Redaction exactly like pg_stat_activity (src/visibility.h): what a reader
-- without the privileges of a session's role or of pg_read_all_stats sees
-- (loadguard.sessions says so where it is recreated above).
-- ---------------------------------------------------------------------

COMMENT ON VIEW loadguard.terminations IS
  'audit of the stuck-session policy: every cancel and terminate, done, failed, skipped or dry run, oldest first; of sessions of roles whose privileges the reader lacks (without pg_read_all_stats) only when, pid, role, database, dry_run, outcome and requested_by, as pg_stat_activity';

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
