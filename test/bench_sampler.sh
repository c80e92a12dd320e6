#!/usr/bin/env bash
# test/bench_sampler.sh — benchmark (not a test): what one sample costs the
# loadguard worker, next to what a collector pays for the same facts by
# scraping pg_stat_activity, at 0, 100, 500 and 1000 open sessions.
#
#   tick_us      the worker's own cost per tick (from loadguard.status:
#                delta of tick_avg_us * ticks over delta ticks in a window)
#   scrape_us    one aggregate query over pg_stat_activity giving the same
#                facts (counts by state, waits, ages, per database, role,
#                application and client), timed end to end by pgbench from a
#                client on the same machine over a kept connection
#   scrape_conn_us  the same with a new connection per scrape (check_postgres style)
#
# Sessions are held by pgbench clients: 90 % idle, 10 % idle in transaction.
# Each level is measured LG_BENCH_REPEAT times (a window for the tick, then
# scrapes timed one by one from pgbench's per-transaction log); figures are
# medians with their spread.  Part 2 of `make bench`.
# Settings: LG_BENCH_LEVELS="0 100 500 1000", LG_BENCH_WINDOW=5 (seconds),
# LG_BENCH_REPEAT=3, LG_BENCH_SCRAPES=100 (per repetition), LG_BENCH_RESULTS
# (file collecting the figures for test/bench.sh).
# Run as root or as a user who can run PostgreSQL; needs ~3 minutes.
set -u
cd "$(dirname "$0")/.." || exit 1
. test/lib.sh
. test/bench_lib.sh

LEVELS=${LG_BENCH_LEVELS:-"0 100 500 1000"}
WINDOW=${LG_BENCH_WINDOW:-5}
REPEAT=${LG_BENCH_REPEAT:-3}
SCRAPES=${LG_BENCH_SCRAPES:-100}

lg_say "build and install"
make -s >/tmp/lg-bench-build.log 2>&1 && make -s install >>/tmp/lg-bench-build.log 2>&1 || {
	cat /tmp/lg-bench-build.log
	exit 1
}

trap 'stop_sessions; lg_cluster_stop' EXIT
lg_cluster_start "max_connections = 1100" "loadguard.sample_interval = '100ms'" "log_min_messages = warning" || exit 1
BIN=$(lg_pg_bindir)
psql_q() { lg_as_owner "$BIN/psql" -X -At -v ON_ERROR_STOP=1 -c "$1"; }
psql_q "CREATE EXTENSION loadguard" >/dev/null

cat >"$LG_TMP/idle.sql" <<'SQL'
\sleep 1 s
SQL
cat >"$LG_TMP/iit.sql" <<'SQL'
BEGIN;
SELECT 1;
\sleep 1 s
END;
SQL
cat >"$LG_TMP/scrape.sql" <<'SQL'
SELECT datname, usename, application_name, client_addr,
       count(*) AS connections,
       count(*) FILTER (WHERE state = 'active') AS active,
       count(*) FILTER (WHERE state = 'idle') AS idle,
       count(*) FILTER (WHERE state = 'idle in transaction') AS idle_in_transaction,
       count(*) FILTER (WHERE state = 'idle in transaction (aborted)') AS aborted,
       count(*) FILTER (WHERE wait_event_type = 'Lock') AS waiting_on_lock,
       max(now() - state_change) FILTER (WHERE state LIKE 'idle in transaction%') AS oldest_iit,
       max(now() - query_start) FILTER (WHERE state = 'active') AS longest_query,
       max(now() - xact_start) AS longest_xact
  FROM pg_stat_activity
 WHERE backend_type = 'client backend'
 GROUP BY GROUPING SETS ((), (datname), (usename), (application_name), (client_addr));
SQL
[ "$(id -u)" = 0 ] && chown postgres: "$LG_TMP"/*.sql

HOLDER=
stop_sessions() {
	# the pgbench we started sits below a subshell and runuser
	lg_bench_kill_tree "$HOLDER"
	HOLDER=
}

clients() { psql_q "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'"; }

# pgbench's "latency average = X ms" over a new connection per scrape
scrape_conn_us() {
	lg_as_owner "$BIN/pgbench" -n -C "$@" -c 1 -j 1 -f "$LG_TMP/scrape.sql" 2>/dev/null |
		awk '/latency average/ { printf "%.0f", $4 * 1000 }'
}
# each scrape's latency (µs) over a kept connection, from pgbench's log
scrape_each_us() {
	rm -f "$LG_TMP"/lat.*
	lg_as_owner "$BIN/pgbench" -n -c 1 -j 1 -t "$SCRAPES" -l --log-prefix="$LG_TMP/lat" \
		-f "$LG_TMP/scrape.sql" >/dev/null 2>&1
	cat "$LG_TMP"/lat.* | awk '{ print $3 }'
}

for n in $LEVELS; do
	if [ "$n" -gt 0 ]; then
		iit=$((n / 10))
		lg_as_owner "$BIN/pgbench" -n -c "$n" -j 8 -T 3600 \
			-f "$LG_TMP/idle.sql@$((n - iit))" -f "$LG_TMP/iit.sql@$iit" >"$LG_TMP/pgbench.log" 2>&1 &
		HOLDER=$!
		for _ in $(seq 1 600); do
			[ "$(clients)" -gt "$n" ] && break
			sleep 0.2
		done
	fi
	sleep 1
	: >"$LG_TMP/ticks" ; : >"$LG_TMP/scrapes" ; : >"$LG_TMP/conns" ; : >"$LG_TMP/ratios"
	for _ in $(seq 1 "$REPEAT"); do
		read -r t0 s0 < <(psql_q "SELECT ticks, tick_avg_us * ticks FROM loadguard.status" | tr '|' ' ')
		sleep "$WINDOW"
		read -r t1 s1 < <(psql_q "SELECT ticks, tick_avg_us * ticks FROM loadguard.status" | tr '|' ' ')
		tick=$(awk -v a="$s0" -v b="$s1" -v x="$t0" -v y="$t1" 'BEGIN { printf "%.1f", (b - a) / (y - x) }')
		echo "$tick" >>"$LG_TMP/ticks"
		scrape_each_us >"$LG_TMP/one"
		cat "$LG_TMP/one" >>"$LG_TMP/scrapes"
		scrape_conn_us -t 20 >>"$LG_TMP/conns"; echo >>"$LG_TMP/conns"
		awk -v t="$tick" '{ print $1 / t }' <(lg_bench_stats <"$LG_TMP/one") >>"$LG_TMP/ratios"
	done
	seen=$(psql_q "SELECT client_connections FROM loadguard.status")
	echo "sessions $n (the worker saw $seen client connections):"
	lg_bench_record "sampler.$n.tick_us" µs <"$LG_TMP/ticks"
	lg_bench_record "sampler.$n.scrape_us" µs <"$LG_TMP/scrapes"
	lg_bench_record "sampler.$n.scrape_conn_us" µs <"$LG_TMP/conns"
	lg_bench_record "sampler.$n.ratio" "scrape / tick" <"$LG_TMP/ratios"
	stop_sessions
	for _ in $(seq 1 300); do
		[ "$(clients)" -le 1 ] && break
		sleep 0.2
	done
done
echo
echo "tick_us: the worker's own cost per tick; scrape_us: one scrape over a kept connection;"
echo "scrape_conn_us: with a new connection per scrape; ratio = median scrape / tick, per repetition"
