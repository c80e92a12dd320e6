-- loadguard.report(): the whole picture for psql, in fixed sections that fit
-- an 80-column terminal: status, events, top connection consumers, and the
-- readiness verdict with every failing or warning check and its fix.

-- Word-wrap text into lines of at most `width` characters: the first line
-- starts with `first_prefix`, the following ones with `next_prefix`.
CREATE FUNCTION loadguard.report_wrap(body text, first_prefix text, next_prefix text,
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

COMMENT ON FUNCTION loadguard.report_wrap(text, text, text, integer) IS
  'word-wraps report text to a terminal width (used by loadguard.report)';

CREATE FUNCTION loadguard.report(
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
        RETURN NEXT format('  oldest         idle in transaction %s, query %s, xact %s',
                           to_char(st.oldest_idle_in_transaction, 'HH24:MI:SS'),
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

COMMENT ON FUNCTION loadguard.report(integer, integer, interval, name) IS
  'a report for psql: status, events, top connection consumers, readiness verdict with fixes';
