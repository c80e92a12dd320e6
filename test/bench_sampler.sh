#!/usr/bin/env bash
# test/bench_sampler.sh — benchmark (not a test): what one sample costs the
# loadguard worker, next to pg_wait_sampling's collector in the same
# cluster, and next to what a collector pays for the same facts by scraping
# pg_stat_activity, at 0, 200 and 1000 open sessions.
#
#   tick_us         the worker's wall time per tick (from loadguard.status:
#                   delta of tick_avg_us * ticks over delta ticks in a window)
#   tick_cpu_us     the worker's CPU time per tick: delta of the scheduler's
#                   CPU time (/proc/<pid>/schedstat, ns) over delta ticks in the
#                   same window (includes arming its latch wait between ticks)
#   worker_cpu_pct  the worker's CPU in that window, % of one core, at
#                   sample_interval = 10ms
#   pgws_cpu_pct    pg_wait_sampling's collector in the same window, % of one
#                   core (its defaults: history and profile every 10 ms)
#   scrape_server_us  one aggregate query over pg_stat_activity giving the
#                   same facts (counts by state, waits, ages, per database,
#                   role, application and client), measured server-side in a
#                   warm backend: EXPLAIN (ANALYZE, TIMING OFF) "Execution
#                   Time", one statement (so one fresh status snapshot) each
#   scrape_server_cpu_us  that backend's CPU time per scrape (/proc/<pid>/schedstat
#                   read by psql's \! around the 100 scrapes; EXPLAIN's parse and
#                   plan included), the figure a loaded machine does not inflate
#   ratio_cpu       scrape_server_cpu_us / tick_cpu_us, per repetition
#   scrape_us       the same query end to end by pgbench from a client on the
#                   same machine over a kept connection
#   scrape_conn_us  the same with a new connection per scrape (check_postgres style)
#   ratio_server    scrape_server_us / tick_cpu_us, per repetition
#
# Both workers run at the same time in one cluster (shared_preload_libraries
# = 'loadguard,pg_wait_sampling', max_connections = 1100, loadguard at
# 10ms), so each window measures both under the same load.  Sessions are
# held by pgbench clients: 90 % idle, 10 % idle in transaction.  Each level
# is measured LG_BENCH_REPEAT times (a CPU window, then scrapes); figures are
# medians with their spread.  Part 2 of `make bench`, with test/bench_tick.sh
# (instructions per tick).
# Settings: LG_BENCH_LEVELS="0 200 1000", LG_BENCH_WINDOW=20 (seconds),
# LG_BENCH_REPEAT=3, LG_BENCH_SCRAPES=100 (per repetition), LG_BENCH_RESULTS
# (file collecting the figures for test/bench.sh).
# Run as root or as a user who can run PostgreSQL; needs ~5 minutes.
set -u
cd "$(dirname "$0")/.." || exit 1
. test/lib.sh
. test/bench_lib.sh

LEVELS=${LG_BENCH_LEVELS:-"0 200 1000"}
WINDOW=${LG_BENCH_WINDOW:-20}
REPEAT=${LG_BENCH_REPEAT:-3}
SCRAPES=${LG_BENCH_SCRAPES:-100}

lg_say "build and install"
make -s >/tmp/lg-bench-build.log 2>&1 && make -s install >>/tmp/lg-bench-build.log 2>&1 || {
	cat /tmp/lg-bench-build.log
	exit 1
}

# pg_wait_sampling from Debian (root installs it when missing); a private
# copy of the server tree (PG_CONFIG elsewhere) gets the package's files.
PKGLIB=$("${PG_CONFIG:-pg_config}" --pkglibdir)
SHAREEXT=$("${PG_CONFIG:-pg_config}" --sharedir)/extension
if [ ! -f "$PKGLIB/pg_wait_sampling.so" ] && [ "$(id -u)" = 0 ]; then
	if ! dpkg-query -W -f='${Status}' postgresql-15-pg-wait-sampling 2>/dev/null | grep -q 'install ok installed'; then
		lg_say "installing postgresql-15-pg-wait-sampling"
		DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq \
			--no-install-recommends postgresql-15-pg-wait-sampling >/dev/null
	fi
	if [ -f /usr/lib/postgresql/15/lib/pg_wait_sampling.so ] && [ "$PKGLIB" != /usr/lib/postgresql/15/lib ]; then
		cp /usr/lib/postgresql/15/lib/pg_wait_sampling.so "$PKGLIB/" &&
			cp /usr/share/postgresql/15/extension/pg_wait_sampling* "$SHAREEXT/"
	fi
fi

trap 'stop_sessions; lg_cluster_stop' EXIT
BIN=$(lg_pg_bindir)
PRELOAD=loadguard
if [ -f "$PKGLIB/pg_wait_sampling.so" ]; then
	PRELOAD=loadguard,pg_wait_sampling
else
	echo "pg_wait_sampling is not installed for this server (Debian: postgresql-15-pg-wait-sampling): its collector is not compared"
fi
lg_cluster_start "max_connections = 1100" "shared_preload_libraries = '$PRELOAD'" \
	"loadguard.sample_interval = '10ms'" "log_min_messages = warning" || exit 1
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

# CPU time of a process so far, ns: the scheduler's own account
# (/proc/<pid>/schedstat), not the tick-sampled utime/stime of /proc/<pid>/stat,
# which a process that wakes every 10 ms in step with the timer tick can
# dodge or be charged for wholesale
cpu_ns() { awk '{ print $1 }' "/proc/$1/schedstat" 2>/dev/null; }
pid_of() { psql_q "SELECT pid FROM pg_stat_activity WHERE backend_type = '$1'"; }
{
	# the backend's own CPU time around the scrapes (psql runs on this machine)
	echo "SELECT pg_backend_pid() AS pid \\gset"
	echo "\\setenv LG_BACKEND_PID :pid"
	echo "\\! awk '{ print \"cpu_ns_before\", \$1 }' /proc/\$LG_BACKEND_PID/schedstat"
	for _ in $(seq 1 "$SCRAPES"); do
		echo "EXPLAIN (ANALYZE, TIMING OFF, COSTS OFF)"
		cat "$LG_TMP/scrape.sql"
	done
	echo "\\! awk '{ print \"cpu_ns_after\", \$1 }' /proc/\$LG_BACKEND_PID/schedstat"
} >"$LG_TMP/explain.sql"
[ "$(id -u)" = 0 ] && chown postgres: "$LG_TMP/explain.sql"
# each scrape's server-side execution time (µs) in one warm backend, into
# $LG_TMP/one_server; that backend's CPU time per scrape (µs, EXPLAIN's own
# parse and plan included) into $LG_TMP/one_server_cpu
scrape_server_us() {
	lg_as_owner "$BIN/psql" -X -At -v ON_ERROR_STOP=1 -f "$LG_TMP/explain.sql" >"$LG_TMP/explain.out"
	awk '/^Execution Time:/ { printf "%.0f\n", $3 * 1000 }' "$LG_TMP/explain.out" >"$LG_TMP/one_server"
	awk -v n="$SCRAPES" '$1 == "cpu_ns_before" { b = $2 } $1 == "cpu_ns_after" { a = $2 }
		END { if (a > b) printf "%.0f\n", (a - b) / 1000 / n }' "$LG_TMP/explain.out" >"$LG_TMP/one_server_cpu"
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
	for f in ticks cpu wcpu pcpu server server_cpu ratios_cpu scrapes conns ratios; do : >"$LG_TMP/$f"; done
	wpid=$(psql_q "SELECT worker_pid FROM loadguard.status")
	ppid=$(pid_of 'pg_wait_sampling collector')
	for _ in $(seq 1 "$REPEAT"); do
		read -r t0 s0 < <(psql_q "SELECT ticks, tick_avg_us * ticks FROM loadguard.status" | tr '|' ' ')
		w0=$(cpu_ns "$wpid") p0=$([ -n "$ppid" ] && cpu_ns "$ppid") e0=$(date +%s.%N)
		sleep "$WINDOW"
		read -r t1 s1 < <(psql_q "SELECT ticks, tick_avg_us * ticks FROM loadguard.status" | tr '|' ' ')
		w1=$(cpu_ns "$wpid") p1=$([ -n "$ppid" ] && cpu_ns "$ppid") e1=$(date +%s.%N)
		tick=$(awk -v a="$s0" -v b="$s1" -v x="$t0" -v y="$t1" 'BEGIN { printf "%.1f", (b - a) / (y - x) }')
		cpu=$(awk -v a="$w0" -v b="$w1" -v x="$t0" -v y="$t1" 'BEGIN { printf "%.1f", (b - a) / 1000 / (y - x) }')
		echo "$tick" >>"$LG_TMP/ticks"
		echo "$cpu" >>"$LG_TMP/cpu"
		awk -v a="$w0" -v b="$w1" -v s="$e0" -v e="$e1" 'BEGIN { printf "%.2f\n", (b - a) / 1e9 * 100 / (e - s) }' >>"$LG_TMP/wcpu"
		[ -n "$ppid" ] && awk -v a="$p0" -v b="$p1" -v s="$e0" -v e="$e1" 'BEGIN { printf "%.2f\n", (b - a) / 1e9 * 100 / (e - s) }' >>"$LG_TMP/pcpu"
		scrape_server_us
		cat "$LG_TMP/one_server" >>"$LG_TMP/server"
		cat "$LG_TMP/one_server_cpu" >>"$LG_TMP/server_cpu"
		awk -v t="$cpu" '{ if (t > 0) print $1 / t }' "$LG_TMP/one_server_cpu" >>"$LG_TMP/ratios_cpu"
		scrape_each_us >>"$LG_TMP/scrapes"
		scrape_conn_us -t 20 >>"$LG_TMP/conns"; echo >>"$LG_TMP/conns"
		awk -v t="$cpu" '{ if (t > 0) print $1 / t }' <(lg_bench_stats <"$LG_TMP/one_server") >>"$LG_TMP/ratios"
	done
	seen=$(psql_q "SELECT client_connections FROM loadguard.status")
	echo "sessions $n (the worker saw $seen client connections):"
	lg_bench_record "sampler.$n.tick_us" µs <"$LG_TMP/ticks"
	lg_bench_record "sampler.$n.tick_cpu_us" "µs CPU" <"$LG_TMP/cpu"
	lg_bench_record "sampler.$n.worker_cpu_pct" "% of a core" <"$LG_TMP/wcpu"
	[ -s "$LG_TMP/pcpu" ] && lg_bench_record "sampler.$n.pgws_cpu_pct" "% of a core" <"$LG_TMP/pcpu"
	lg_bench_record "sampler.$n.scrape_server_us" µs <"$LG_TMP/server"
	lg_bench_record "sampler.$n.scrape_server_cpu_us" "µs CPU" <"$LG_TMP/server_cpu"
	lg_bench_record "sampler.$n.ratio_cpu" "scrape CPU / tick CPU" <"$LG_TMP/ratios_cpu"
	lg_bench_record "sampler.$n.scrape_us" µs <"$LG_TMP/scrapes"
	lg_bench_record "sampler.$n.scrape_conn_us" µs <"$LG_TMP/conns"
	lg_bench_record "sampler.$n.ratio_server" "server-side scrape / tick CPU" <"$LG_TMP/ratios"
	stop_sessions
	for _ in $(seq 1 300); do
		[ "$(clients)" -le 1 ] && break
		sleep 0.2
	done
done
echo
echo "tick_us: the worker's wall time per tick; tick_cpu_us: its CPU time per tick (/proc);"
echo "worker_cpu_pct / pgws_cpu_pct: loadguard's worker at 10ms and pg_wait_sampling's collector, same windows;"
echo "scrape_server_us: EXPLAIN ANALYZE execution time in a warm backend; scrape_us: end to end over a kept"
echo "connection; scrape_conn_us: with a new connection per scrape; ratio_server = median server-side scrape / tick CPU"
