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

-- config_check() is replaced by a C function at the end of this script.

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
    RETURN NEXT CASE
        WHEN sm.max_users IS NOT NULL AND sm.bottleneck IS NULL THEN
          format('  max users      %s or more (neither connections nor memory limits them)',
                 sm.max_users)
        ELSE format('  max users      %s (bottleneck: %s)',
                    coalesce(sm.max_users::text, '-'), coalesce(sm.bottleneck, '-'))
      END;
    RETURN QUERY SELECT loadguard.report_wrap(sm.summary, '  summary        ',
                                              '                 ');
    -- the connection pattern, the demand split and the pooler size (1.1)
    RETURN QUERY SELECT loadguard.report_wrap(
        CASE WHEN sm.connection_pattern = 'unknown'
             THEN 'unknown (pass baseline_users and a lookback that holds the run)'
             ELSE format('%s: held %s now, %s at %s users; busy p95 %s, peak %s now; %s and %s at %s users',
                         sm.connection_pattern, sm.held_connections,
                         sm.held_connections_projected, target,
                         round(sm.busy_p95::numeric, 1), sm.busy_peak,
                         sm.busy_p95_projected, sm.busy_peak_projected, target)
        END, '  pattern        ', '                 ');
    IF sm.pool_size IS NOT NULL THEN
        RETURN NEXT format('  pooler         PgBouncer pool_mode = transaction, default_pool_size = %s',
                           sm.pool_size);
    END IF;
    IF sm.connects_measured > 0 AND sm.connection_pattern <> 'unknown' THEN
        RETURN QUERY SELECT loadguard.report_wrap(
            format('%s/s opened (at most %s/s); authentication and backend start %s ms on average over %s connection%s, p95 %s ms (the postmaster''s fork not included)',
                   round(sm.connections_per_s::numeric, 1),
                   round(sm.peak_connections_per_s::numeric, 1),
                   round(sm.connect_avg_ms::numeric, 1), sm.connects_measured,
                   CASE WHEN sm.connects_measured = 1 THEN '' ELSE 's' END,
                   round(sm.connect_p95_ms::numeric, 1)),
            '  connecting     ', '                 ');
    END IF;
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
    OUT lookback_covered interval,
    OUT lookback_avg_connect_time interval)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'lg_roles_1_1'
LANGUAGE C VOLATILE;

COMMENT ON FUNCTION loadguard.get_roles(interval) IS
  'the rows behind the loadguard.roles view, over the given lookback (NULL: loadguard.roles_lookback)';

CREATE VIEW loadguard.roles AS
  SELECT * FROM loadguard.get_roles();

COMMENT ON VIEW loadguard.roles IS
  'per role: client connections and busy ones now, peak and p95 of busy over loadguard.roles_lookback, connection churn and age, connections established and refused since reset, the average setup time of its connections (authentication and backend start, measured), and the range of effective timeouts its sessions run with (only over sessions whose state the reader may see)';

GRANT SELECT ON loadguard.roles TO PUBLIC;

-- config_check(): the same columns, now a C function over the rules that
-- readiness() uses too (src/settings_rules.c), so the two never give two
-- answers for one setting; fixes follow pg_settings.source.  It raises the
-- not-preloaded error itself, like the other C functions.
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
AS 'MODULE_PATHNAME', 'lg_config_check_1_1'
LANGUAGE C VOLATILE;

COMMENT ON FUNCTION loadguard.config_check(name) IS
  'one row per setting that matters under load: current and recommended value, severity ok/info/warn/high, reason, the exact fix where it takes effect (a command-line value is named in reason instead), whether it needs a restart, and where the value comes from (file:line, command line, role/database override, or the application role''s sessions); the same rules as readiness()';

-- readiness_summary(), readiness_target() and the readiness view gain the
-- demand split and the connection pattern of the 1.1 model (issue 17).

DROP VIEW loadguard.readiness;
DROP FUNCTION loadguard.readiness_target();
DROP FUNCTION loadguard.readiness_summary(integer, integer, interval, name);

CREATE FUNCTION loadguard.readiness_summary(
    users integer,
    baseline_users integer DEFAULT NULL,
    lookback interval DEFAULT '15 minutes',
    app_role name DEFAULT NULL,
    OUT users integer,
    OUT score integer,
    OUT verdict text,
    OUT max_users integer,
    OUT bottleneck text,
    OUT summary text,
    OUT connections_per_user double precision,
    OUT connections_per_user_lower_bound boolean,
    OUT fixed_connections bigint,
    OUT demand_connections bigint,
    OUT usable_connections integer,
    OUT memory_worst_case_bytes bigint,
    OUT ram_bytes bigint,
    OUT baseline_users integer,
    OUT app_role name,
    OUT connection_pattern text,
    OUT held_connections bigint,
    OUT held_connections_projected bigint,
    OUT busy_p95 double precision,
    OUT busy_p95_projected bigint,
    OUT pool_size integer,
    OUT busy_peak bigint,
    OUT busy_peak_projected bigint,
    OUT connections_per_s double precision,
    OUT peak_connections_per_s double precision,
    OUT connect_avg_ms double precision,
    OUT connect_p95_ms double precision,
    OUT connects_measured bigint)
RETURNS record
AS 'MODULE_PATHNAME', 'lg_readiness_summary_1_1'
LANGUAGE C VOLATILE;

COMMENT ON FUNCTION loadguard.readiness_summary(integer, integer, interval, name) IS
  'readiness verdict for the given number of concurrent users: score 0-100, READY / AT RISK / NOT READY, the largest number of users connections and memory hold, the check that limits it, the connection pattern with held and busy connections now and projected, the pooler size when pooling is the fix, connections opened per second and what one costs here (authentication and backend start, measured; the postmaster''s fork not included)';

CREATE FUNCTION loadguard.readiness_target(
    OUT users integer,
    OUT score integer,
    OUT verdict text,
    OUT max_users integer,
    OUT bottleneck text,
    OUT summary text,
    OUT connections_per_user double precision,
    OUT connections_per_user_lower_bound boolean,
    OUT fixed_connections bigint,
    OUT demand_connections bigint,
    OUT usable_connections integer,
    OUT memory_worst_case_bytes bigint,
    OUT ram_bytes bigint,
    OUT baseline_users integer,
    OUT app_role name,
    OUT connection_pattern text,
    OUT held_connections bigint,
    OUT held_connections_projected bigint,
    OUT busy_p95 double precision,
    OUT busy_p95_projected bigint,
    OUT pool_size integer,
    OUT busy_peak bigint,
    OUT busy_peak_projected bigint,
    OUT connections_per_s double precision,
    OUT peak_connections_per_s double precision,
    OUT connect_avg_ms double precision,
    OUT connect_p95_ms double precision,
    OUT connects_measured bigint)
RETURNS record
AS 'MODULE_PATHNAME', 'lg_readiness_target_1_1'
LANGUAGE C VOLATILE;

COMMENT ON FUNCTION loadguard.readiness_target() IS
  'the row behind the loadguard.readiness view: readiness_summary(loadguard.target_users), or a hint while target_users is 0';

CREATE VIEW loadguard.readiness AS
  SELECT * FROM loadguard.readiness_target();

COMMENT ON VIEW loadguard.readiness IS
  'readiness verdict for loadguard.target_users concurrent users (NULL verdict and a hint while target_users is 0)';

GRANT SELECT ON loadguard.readiness TO PUBLIC;
-- loadguard.history_minutes: one row per minute (loadguard.rollup_size kept,
-- 7 days by default), built by the worker from the samples of that minute.
-- Averages, ages and percentiles are stored as float4 (168-byte rows, 1.7 MB
-- for a week) and shown as real.
-- The event columns follow lg_event_names[] in src/classify.c, in order; the
-- C function checks the names at run time.

CREATE FUNCTION loadguard.get_history_minutes(
    OUT ts timestamptz,
    OUT samples integer,
    OUT covered_s real,
    OUT max_connections integer,
    OUT usable_connections integer,
    OUT client_connections_max integer,
    OUT client_connections_avg real,
    OUT usage_pct_max real,
    OUT usage_pct_avg real,
    OUT active_max integer,
    OUT idle_max integer,
    OUT idle_in_transaction_max integer,
    OUT idle_in_transaction_aborted_max integer,
    OUT waiting_on_lock_max integer,
    OUT oldest_idle_in_transaction_s real,
    OUT longest_running_query_s real,
    OUT longest_transaction_s real,
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
    OUT latency_p50_ms real,
    OUT latency_p95_ms real,
    OUT latency_p99_ms real,
    OUT policy_actions bigint,
    OUT busy_connections_max integer,
    OUT busy_connections_p95 integer)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'lg_history_minutes_1_1'
LANGUAGE C VOLATILE;

COMMENT ON FUNCTION loadguard.get_history_minutes() IS
  'the rows behind the loadguard.history_minutes view';

CREATE VIEW loadguard.history_minutes AS
  SELECT * FROM loadguard.get_history_minutes();

COMMENT ON VIEW loadguard.history_minutes IS
  'one row per minute (loadguard.rollup_size kept), oldest first: maxima and averages of the counts, p95 of busy connections, sums of the event deltas, latency percentiles of the minute''s statements';

GRANT SELECT ON loadguard.history_minutes TO PUBLIC;

-- loadguard.history_range(from, to [, resolution]): only the rows with
-- from <= ts <= to, read by binary search without building the whole ring.
-- Raw samples while the raw ring covers the range (and resolution, when
-- given, is under a minute), else minutes.  Columns named as in
-- loadguard.history hold, for a minute row, the maximum (counts, ages) or
-- the sum (event deltas, statements) over the minute, so one query works at
-- both resolutions.

CREATE FUNCTION loadguard.history_range(
    "from" timestamptz,
    "to" timestamptz,
    resolution interval DEFAULT NULL,
    OUT ts timestamptz,
    OUT samples integer,
    OUT covered_s double precision,
    OUT max_connections integer,
    OUT usable_connections integer,
    OUT client_connections integer,
    OUT client_connections_avg double precision,
    OUT usage_pct double precision,
    OUT usage_pct_avg double precision,
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
    OUT busy_connections_p95 integer)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'lg_history_range_1_1'
LANGUAGE C VOLATILE;

COMMENT ON FUNCTION loadguard.history_range(timestamptz, timestamptz, interval) IS
  'history rows with ts between from and to: raw samples where the raw history covers the range, else one row per minute; resolution >= 1 minute asks for minutes';
