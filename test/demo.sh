#!/usr/bin/env bash
# test/demo.sh — `make demo`: replay the load test loadguard grew from, on a
# throwaway cluster with a deliberately small max_connections.
#   1. build and install; start a cluster with loadguard preloaded
#   2. baseline: pgbench as application role "app" with BASE clients, while a
#      monitoring session stays connected (fixed overhead)
#   3. report for twice the baseline: NOT READY, with the exact fix
#   4. what twice the users see today: real connection attempts, refusals counted
#   5. apply the fixes it printed: ALTER statements (a restart when one needs
#      it), and PgBouncer sized as it says when a pooler is the fix
#   6. run twice the baseline for real and print the report again
# The cluster is stopped and removed on every exit path.
set -euo pipefail
cd "$(dirname "$0")/.."
. test/lib.sh

BASE=${LG_DEMO_USERS:-8}
# a web application's users think between requests: each client runs about
# 2 transactions a second, like a busy user, not a benchmark at full speed,
# and holds its connection in between, as persistent connections do
RATE=$((BASE * 2))
TARGET=$((BASE * 2))
SECONDS_PER_RUN=${LG_DEMO_SECONDS:-15}

LG_BOUNCER_PID=
MONITOR=
stop_all() {
	[ -n "$MONITOR" ] && kill "$MONITOR" 2>/dev/null
	[ -n "$LG_BOUNCER_PID" ] && kill "$LG_BOUNCER_PID" 2>/dev/null
	lg_cluster_stop
}
trap stop_all EXIT

lg_install_packages
lg_say "building and installing loadguard"
make -s >/dev/null
make -s install >/dev/null

lg_say "starting a throwaway cluster: max_connections = 15 (12 usable)"
lg_cluster_start "max_connections = 15" "superuser_reserved_connections = 3" \
	"loadguard.sample_interval = '200ms'"
BINDIR=$(lg_pg_bindir)
psql() { "$BINDIR/psql" -X -q -v ON_ERROR_STOP=1 "$@"; }
pgbench() { "$BINDIR/pgbench" "$@"; }

psql -c "CREATE EXTENSION loadguard" \
	-c "CREATE ROLE app LOGIN" -c "CREATE ROLE monitor LOGIN" >/dev/null
pgbench -i -q -s 1 >/dev/null 2>&1
psql -c "GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA public TO app" >/dev/null

# a monitoring session that stays connected through every run: fixed overhead
"$BINDIR/psql" -X -q -U monitor -c "SELECT pg_sleep(3600)" >/dev/null 2>&1 &
MONITOR=$!

lg_say "baseline: $BASE users (pgbench -c $BASE -R $RATE as role app, ${SECONDS_PER_RUN}s)"
pgbench -U app -n -c "$BASE" -j 2 -R "$RATE" -T "$SECONDS_PER_RUN" 2>&1 | grep -E '^(number of clients|number of failed|tps|latency average)' || true

lg_say "readiness for $TARGET users, from the $BASE-user baseline"
psql -At -c "SELECT * FROM loadguard.report($TARGET, baseline_users => $BASE, app_role => 'app')"

# what it says to do: the ALTER statements, and the pooler's size when a
# pooler is the fix for the connections (the application's connections are
# persistent and mostly idle: pgbench clients with think time hold theirs)
FIXES=$(psql -At -c "SELECT split_part(fix, ';', 1) FROM loadguard.readiness($TARGET, $BASE, app_role => 'app') WHERE status IN ('fail', 'warn') AND fix ~ '^ALTER ' ORDER BY check_name")
read -r POOL MAX_CLIENT < <(psql -At -F ' ' -c "SELECT coalesce(pool_size, 0), held_connections_projected FROM loadguard.readiness_summary($TARGET, $BASE, app_role => 'app')")
if [ "$POOL" = 0 ] && ! grep -q max_connections <<<"$FIXES"; then
	echo "readiness gave no fix for the connections: neither a pooler nor max_connections" >&2
	exit 1
fi

lg_say "what $TARGET users get today: $TARGET real connection attempts as role app"
refused=0
pids=()
for i in $(seq 1 "$TARGET"); do
	"$BINDIR/psql" -X -q -U app -c "SELECT pg_sleep(2)" >/dev/null 2>&1 &
	pids+=($!)
done
for p in "${pids[@]}"; do wait "$p" || refused=$((refused + 1)); done
echo "$refused of $TARGET connection attempts refused"
psql -At -c "SELECT format('loadguard counted %s refused connections (%s %% of attempts)', rejected_connections, coalesce(round(refusal_pct::numeric, 1), 0)) FROM loadguard.status"

lg_say "applying the fixes readiness printed"
while read -r fix; do
	[ -n "$fix" ] || continue
	echo "  $fix;"
	psql -c "$fix" >/dev/null
done <<<"$FIXES"
if grep -q "ALTER SYSTEM" <<<"$FIXES"; then
	echo "  (restart)"
	lg_as_owner "$BINDIR/pg_ctl" -D "$LG_PGDATA" -l "$LG_LOG" -w -m fast restart >/dev/null
	psql -At -c "SELECT '  max_connections is now ' || current_setting('max_connections')"
	# the monitoring session reconnects after the restart
	kill "$MONITOR" 2>/dev/null || true
	"$BINDIR/psql" -X -q -U monitor -c "SELECT pg_sleep(3600)" >/dev/null 2>&1 &
	MONITOR=$!
fi
USERS_CONNECT=()
if [ "$POOL" != 0 ]; then
	echo "  PgBouncer in front: pool_mode = transaction, default_pool_size = $POOL, max_client_conn = $MAX_CLIENT"
	lg_pgbouncer_start "$LG_TMP" app "$POOL" "$MAX_CLIENT"
	USERS_CONNECT=(-h 127.0.0.1 -p "$LG_BOUNCER_PORT")
fi

lg_say "$TARGET users for real (pgbench -c $TARGET -R $((RATE * 2)) as role app, ${SECONDS_PER_RUN}s${USERS_CONNECT:+, through PgBouncer})"
pgbench "${USERS_CONNECT[@]}" -U app -n -c "$TARGET" -j 2 -R "$((RATE * 2))" -T "$SECONDS_PER_RUN" 2>&1 | grep -E '^(number of clients|number of failed|tps|latency average)' || true

lg_say "report after the fix, over the last run only"
psql -At -c "SELECT * FROM loadguard.report($TARGET, baseline_users => $TARGET, lookback => '${SECONDS_PER_RUN}s', app_role => 'app')"

lg_say "done: the cluster is stopped and removed"
