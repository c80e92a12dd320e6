#!/usr/bin/env bash
# test/bench.sh — `make bench`: what loadguard costs, side by side with what
# users would pick instead, on throwaway clusters; prints one table at the
# end (each figure a median with its spread).  A benchmark, not a test: it
# asserts nothing, it reports, and it says which targets are met.
#
#   1. workload cost   test/bench_statements.sh (instructions, throughput)
#   2. sampling        test/bench_tick.sh (instructions per tick, callgrind) and
#                      test/bench_sampler.sh (worker CPU beside pg_wait_sampling's
#                      collector; the pg_stat_activity scrape server-side and end to end)
#   3. reads           latency of the views a dashboard polls
#   4. footprint       shared memory; worker RSS before and after a soak
#   5. reaction        idle-in-transaction limit crossed -> session terminated
#   6. ranges          history_range: one hour of raw samples, 7 days of minutes
#
# Settings (environment; defaults give the full run, roughly 30-45 minutes):
#   PG_CONFIG                  which PostgreSQL to build and run against
#   LG_BENCH_PARTS="1 2 3 4 5" which parts to run
#   LG_BENCH_REPEAT=3          repetitions of each instruction count / sampler level
#   LG_BENCH_N1/N2=2000/6000   statements per single-user run (instructions)
#   LG_BENCH_ROUNDS=10         interleaved throughput rounds
#   LG_BENCH_SECONDS=5         seconds per pgbench throughput run
#   LG_BENCH_LEVELS="0 200 1000"  sessions held open for the sampler part
#   LG_BENCH_WINDOW=20         seconds per CPU window of the sampler part
#   LG_BENCH_READ_ROUNDS=5, LG_BENCH_READ_RUNS=100   reads: rounds x runs per query
#   LG_BENCH_SOAK_SECONDS=600  soak with connection churn (footprint)
#   LG_BENCH_SOAK_INTERVAL=10ms  sample_interval during the soak (more ticks)
#   LG_BENCH_WARM_SECONDS=90   RSS growth is judged from this point of the soak on
#   LG_BENCH_REACT_REPEAT=7    reaction repetitions per sample_interval
#   LG_BENCH_REACT_LIMIT_MS=1000  idle_in_transaction_limit for the reaction part
#   LG_BENCH_RANGE_ROUNDS=5, LG_BENCH_RANGE_RUNS=20   ranges: rounds x runs per query
#   LG_BENCH_BASE_PG_CONFIG    ranges: a second install with the build to compare (A/B)
set -u
cd "$(dirname "$0")/.." || exit 1
. test/lib.sh
. test/bench_lib.sh

PARTS=${LG_BENCH_PARTS:-"1 2 3 4 5 6"}
READ_ROUNDS=${LG_BENCH_READ_ROUNDS:-5}
READ_RUNS=${LG_BENCH_READ_RUNS:-100}
SOAK=${LG_BENCH_SOAK_SECONDS:-600}
SOAK_INTERVAL=${LG_BENCH_SOAK_INTERVAL:-10ms}
# The worker's private memory grows by design during its first minute: the
# statements part keeps one latency-histogram snapshot a second in a ring of
# 66 (about 4 kB each), whose pages are touched as it fills.  Growth is judged
# from this point of the soak on.
WARM=${LG_BENCH_WARM_SECONDS:-90}
REACT_REPEAT=${LG_BENCH_REACT_REPEAT:-7}
REACT_LIMIT_MS=${LG_BENCH_REACT_LIMIT_MS:-1000}

lg_install_packages || exit 1
LG_BENCH_RESULTS=$(mktemp /tmp/lg-bench-results.XXXXXX)
export LG_BENCH_RESULTS
BENCH_START=$(date -u '+%Y-%m-%d %H:%M UTC')
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
FAILED=

lg_say "build and install"
make -s LG_WERROR=1 >/tmp/lg-bench-build.log 2>&1 && make -s install >>/tmp/lg-bench-build.log 2>&1 || {
	cat /tmp/lg-bench-build.log
	exit 1
}
BIN=$(lg_pg_bindir)
psql_q() { "$BIN/psql" -X -At -v ON_ERROR_STOP=1 -c "$1"; }

# Hold N sessions open, 90 % idle and 10 % idle in transaction (like the
# sampler part), so that the views have something to show.
HOLDER=
hold_sessions() {
	local n=$1 iit=$(($1 / 10))
	printf '\\sleep 1 s\n' >"$LG_TMP/idle.sql"
	printf 'BEGIN;\nSELECT 1;\n\\sleep 1 s\nEND;\n' >"$LG_TMP/iit.sql"
	"$BIN/pgbench" -n -c "$n" -j 4 -T 3600 \
		-f "$LG_TMP/idle.sql@$((n - iit))" -f "$LG_TMP/iit.sql@$iit" >"$LG_TMP/holder.log" 2>&1 &
	HOLDER=$!
	for _ in $(seq 1 300); do
		[ "$(psql_q "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'")" -gt "$n" ] && return 0
		sleep 0.2
	done
}
release_sessions() {
	lg_bench_kill_tree "$HOLDER"
	HOLDER=
}

# ---- 3. reads
bench_reads() {
	trap 'release_sessions; lg_cluster_stop' EXIT
	lg_cluster_start "max_connections = 200" "loadguard.sample_interval = '10ms'" \
		"log_min_messages = warning" || return 1
	psql_q "CREATE EXTENSION loadguard" >/dev/null
	hold_sessions 100
	lg_say "reads: filling the history (3600 samples at 10ms), 100 sessions held open"
	local rows=0 q
	for _ in $(seq 1 300); do
		rows=$(psql_q "SELECT count(*) FROM loadguard.history")
		[ "$rows" -ge 3600 ] && break
		sleep 1
	done
	# back to the default interval, so the reads do not compete with a 10ms worker
	psql_q "ALTER SYSTEM SET loadguard.sample_interval = '1s'" >/dev/null
	psql_q "SELECT pg_reload_conf()" >/dev/null
	echo "SELECT * FROM loadguard.status;" >"$LG_TMP/q_status.sql"
	echo "SELECT * FROM loadguard.sessions;" >"$LG_TMP/q_sessions.sql"
	echo "SELECT * FROM loadguard.readiness_summary(100);" >"$LG_TMP/q_readiness_summary.sql"
	echo "SELECT * FROM loadguard.history WHERE ts >= now() - interval '1 hour';" >"$LG_TMP/q_history.sql"
	# references for the history figure: the same rows without sending them,
	# and the same rows sent from a plain table
	echo "SELECT count(*) FROM loadguard.history WHERE ts >= now() - interval '1 hour';" >"$LG_TMP/q_history_count.sql"
	psql_q "CREATE TABLE lg_bench_history AS SELECT * FROM loadguard.history" >/dev/null
	echo "SELECT * FROM lg_bench_history;" >"$LG_TMP/q_history_table.sql"
	chmod a+r "$LG_TMP"/q_*.sql
	echo "history rows read: $(psql_q "SELECT count(*) FROM loadguard.history WHERE ts >= now() - interval '1 hour'");" \
		"sessions rows: $(psql_q "SELECT count(*) FROM loadguard.sessions")"
	psql_q "SELECT count(*) FROM loadguard.history WHERE ts >= now() - interval '1 hour'" | lg_bench_record read.history.rows rows >/dev/null
	for _ in $(seq 1 "$READ_ROUNDS"); do
		for q in status sessions readiness_summary history history_count history_table; do
			rm -f "$LG_TMP"/lat.*
			"$BIN/pgbench" -n -c 1 -j 1 -t "$READ_RUNS" -l --log-prefix="$LG_TMP/lat" \
				-f "$LG_TMP/q_$q.sql" >/dev/null 2>&1
			cat "$LG_TMP"/lat.* | awk '{ printf "%.3f\n", $3 / 1000 }' >>"$LG_TMP/read.$q"
		done
	done
	for q in status sessions readiness_summary history history_count history_table; do
		lg_bench_record "read.$q.ms" ms <"$LG_TMP/read.$q"
	done
}

# ---- 4. footprint
shmem_kb() {
	psql_q "SELECT round(sum(allocated_size) / 1024.0) FROM pg_shmem_allocations WHERE name LIKE 'loadguard%'"
}
rss_kb() { # <pid> <field>: VmRSS or RssAnon, in kB
	awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"
}
bench_footprint() {
	trap 'release_sessions; lg_cluster_stop' EXIT
	lg_cluster_start "max_connections = 100" "loadguard.sample_interval = '$SOAK_INTERVAL'" \
		"log_min_messages = warning" || return 1
	psql_q "CREATE EXTENSION loadguard" >/dev/null
	lg_say "footprint: shared memory, worker RSS over a ${SOAK}s soak with connection churn"
	psql_q "SELECT name, allocated_size FROM pg_shmem_allocations WHERE name LIKE 'loadguard%' ORDER BY 1" | sed 's/^/  /'
	shmem_kb | lg_bench_record footprint.shmem_default_kb kB
	local pid t step warm
	sleep 2
	pid=$(psql_q "SELECT worker_pid FROM loadguard.status")
	rss_kb "$pid" VmRSS | lg_bench_record footprint.rss_start_kb kB
	rss_kb "$pid" RssAnon | lg_bench_record footprint.rssanon_start_kb kB
	# churn: a new connection per transaction, 500 application names (more
	# than the name tables hold), sessions that sit idle in transaction
	cat >"$LG_TMP/churn.sql" <<'SQL'
\set a random(1, 500)
SELECT set_config('application_name', 'churn' || :a, false);
BEGIN;
SELECT count(*) FROM pg_class;
\sleep 20 ms
END;
SQL
	chmod a+r "$LG_TMP/churn.sql"
	"$BIN/pgbench" -n -C -c 6 -j 2 -T "$SOAK" -f "$LG_TMP/churn.sql" >"$LG_TMP/churn.log" 2>&1 &
	HOLDER=$!
	step=$(( SOAK / 20 > 0 ? SOAK / 20 : 1 ))
	warm=
	echo "  seconds  VmRSS_kB  RssAnon_kB  ticks"
	for t in $(seq "$step" "$step" "$SOAK"); do
		sleep "$step"
		printf '  %7s %9s %11s  %s\n' "$t" "$(rss_kb "$pid" VmRSS)" "$(rss_kb "$pid" RssAnon)" "$(psql_q "SELECT ticks FROM loadguard.status")"
		if [ -z "$warm" ] && [ "$t" -ge "$WARM" ]; then
			warm=$t
			rss_kb "$pid" RssAnon | lg_bench_record footprint.rssanon_warm_kb kB >/dev/null
			echo "$t" | lg_bench_record footprint.warm_s s >/dev/null
		fi
	done
	wait "$HOLDER" 2>/dev/null
	HOLDER=
	grep -E '^number of transactions actually processed' "$LG_TMP/churn.log" | sed 's/^/  churn: /'
	[ "$(psql_q "SELECT worker_pid FROM loadguard.status")" = "$pid" ] || echo "  the worker restarted during the soak"
	rss_kb "$pid" VmRSS | lg_bench_record footprint.rss_end_kb kB
	rss_kb "$pid" RssAnon | lg_bench_record footprint.rssanon_end_kb kB
	psql_q "SELECT connections_established FROM loadguard.status" | lg_bench_record footprint.soak_connections connections
	lg_cluster_stop
	lg_cluster_start "max_connections = 100" "loadguard.history_size = 86400" || return 1
	psql_q "CREATE EXTENSION loadguard" >/dev/null
	shmem_kb | lg_bench_record footprint.shmem_86400_kb kB
}

# ---- 5. reaction
bench_reaction() {
	trap 'lg_cluster_stop' EXIT
	lg_cluster_start "loadguard.terminate = on" "loadguard.idle_in_transaction_limit = '${REACT_LIMIT_MS}ms'" \
		"log_min_messages = warning" || return 1
	psql_q "CREATE EXTENSION loadguard" >/dev/null
	psql_q "CREATE ROLE lg_bench_app LOGIN" >/dev/null
	local interval interval_ms i app lag sleeper
	for interval in 1s 100ms; do
		case $interval in 1s) interval_ms=1000 ;; 100ms) interval_ms=100 ;; esac
		psql_q "ALTER SYSTEM SET loadguard.sample_interval = '$interval'" >/dev/null
		psql_q "SELECT pg_reload_conf()" >/dev/null
		sleep 2
		lg_say "reaction at sample_interval = $interval, idle_in_transaction_limit = ${REACT_LIMIT_MS}ms"
		: >"$LG_TMP/react"
		for i in $(seq 1 "$REACT_REPEAT"); do
			app="lg_bench_react_${interval}_$i"
			# a session that opens a transaction and then sits idle in it
			{
				echo "BEGIN; SELECT 1;"
				sleep 60 &
				echo $! >"$LG_TMP/sleeper"
				wait
			} | PGAPPNAME=$app "$BIN/psql" -X -q -U lg_bench_app >/dev/null 2>&1 &
			lag=
			for _ in $(seq 1 300); do
				lag=$(psql_q "SELECT round(extract(epoch FROM age) * 1000 - $REACT_LIMIT_MS, 1)
					FROM loadguard.terminations WHERE application = '$app' AND action = 'terminate' AND outcome = 'done'")
				[ -n "$lag" ] && break
				sleep 0.1
			done
			sleeper=$(cat "$LG_TMP/sleeper" 2>/dev/null)
			[ -n "$sleeper" ] && kill "$sleeper" 2>/dev/null
			wait 2>/dev/null
			echo "  $app: ${lag:-not terminated within 30 s} ms after the limit"
			[ -n "$lag" ] && echo "$lag" >>"$LG_TMP/react"
			# start the next one at a different phase of the tick
			sleep "0.$((RANDOM % 10))"
		done
		lg_bench_record "react.$interval.lag_ms" "ms after the limit" <"$LG_TMP/react"
		echo "$interval_ms" | lg_bench_record "react.$interval.interval_ms" ms >/dev/null
	done
}

# ---- 6. ranges
# history_range reads only the rows of its range.  One hour of raw samples is
# 3600 of them (filled at 10ms: the count is what costs, not the span); a
# week of minutes is 10080 rows, which cannot be waited for: a state file
# holding them is written by test/bench_minutes_state.c (built against src/,
# rows made by the server's own rollup code) and loaded at start.  Sampling
# is switched off (loadguard.enabled) while reading, so every run reads the
# same rows.  Each figure is server-side: the "Execution Time" of EXPLAIN
# (ANALYZE, TIMING OFF) over the query, which builds every row and sends
# none; references: the whole ring (SELECT * FROM loadguard.history, and the
# 1.0 way of filtering it) and the same rows from plain tables.
#
# A/B: with LG_BENCH_BASE_PG_CONFIG naming a second PostgreSQL install that
# holds another loadguard build (say main's), a second cluster runs from it
# with the same state, and every round times both, interleaved; its figures
# are recorded as base.read.*.
RANGE_QUERIES="range_raw range_minutes range_minutes_10m range_history_all range_history_filter range_history_table range_minutes_table"

# ranges_cluster <pg_config>: a stopped-sampling cluster with 10080 minutes and
# 3600 raw samples, and the query files; sets LG_TMP, LG_PGDATA, PGHOST, PGPORT.
ranges_cluster() {
	local pgc=$1 bin from to
	bin=$("$pgc" --bindir)
	PG_CONFIG=$pgc lg_cluster_start "loadguard.sample_interval = '10ms'" "log_min_messages = warning" || return 1
	"$bin/psql" -X -Atqc "CREATE EXTENSION loadguard" || return 1
	lg_as_owner "$bin/pg_ctl" -D "$LG_PGDATA" -m fast -w stop >/dev/null
	install -m 600 "$RANGE_STATE" "$LG_PGDATA/pg_stat/loadguard.stat"
	[ "$(id -u)" = 0 ] && chown postgres: "$LG_PGDATA/pg_stat/loadguard.stat"
	lg_as_owner "$bin/pg_ctl" -D "$LG_PGDATA" -l "$LG_LOG" -w -t 60 start >/dev/null || return 1
	for _ in $(seq 1 300); do
		[ "$("$bin/psql" -X -Atc "SELECT count(*) FROM loadguard.history")" -ge 3600 ] && break
		sleep 1
	done
	# stop sampling: the raw ring and the minutes then hold still while they
	# are read (a moving ring would drop the oldest samples of the range)
	"$bin/psql" -X -Atqc "ALTER SYSTEM SET loadguard.enabled = off" -c "SELECT pg_reload_conf()" >/dev/null
	local ticks=-1
	for _ in $(seq 1 100); do
		[ "$("$bin/psql" -X -Atc "SELECT ticks FROM loadguard.status")" = "$ticks" ] && break
		ticks=$("$bin/psql" -X -Atc "SELECT ticks FROM loadguard.status")
		sleep 0.2
	done
	from=$("$bin/psql" -X -Atc "SELECT min(ts) FROM loadguard.history")
	to=$("$bin/psql" -X -Atc "SELECT max(ts) FROM loadguard.history")
	"$bin/psql" -X -Atq -c "CREATE TABLE lg_bench_minutes AS SELECT * FROM loadguard.history_range(now() - interval '7 days', now(), '1 minute')" \
		-c "CREATE TABLE lg_bench_history AS SELECT * FROM loadguard.history" || return 1
	echo "SELECT * FROM loadguard.history_range('$from', '$to')" >"$LG_TMP/q_range_raw.sql"
	echo "SELECT * FROM loadguard.history_range(now() - interval '7 days', now(), '1 minute')" >"$LG_TMP/q_range_minutes.sql"
	# what the dashboard asks for 7 days: $__interval is 10 minutes on a wide panel
	echo "SELECT * FROM loadguard.history_range(now() - interval '7 days', now(), '10 minutes')" >"$LG_TMP/q_range_minutes_10m.sql"
	echo "SELECT * FROM loadguard.history" >"$LG_TMP/q_range_history_all.sql"
	echo "SELECT * FROM loadguard.history WHERE ts BETWEEN '$from' AND '$to'" >"$LG_TMP/q_range_history_filter.sql"
	echo "SELECT * FROM lg_bench_history" >"$LG_TMP/q_range_history_table.sql"
	echo "SELECT * FROM lg_bench_minutes" >"$LG_TMP/q_range_minutes_table.sql"
}

# ranges_time <bindir> <query file> <runs>: server-side ms of each run
ranges_time() {
	local q
	q=$(cat "$2")
	for _ in $(seq 1 "$3"); do
		echo "EXPLAIN (ANALYZE, TIMING OFF, COSTS OFF, SUMMARY ON) $q;"
	done | "$1/psql" -X -At -f - | awk '/^Execution Time:/ { print $3 }'
}

# the clusters of each side (this, base), for ranges_stop
declare -A RANGE_HOST RANGE_PORT RANGE_TMP RANGE_DATA RANGE_BIN
ranges_stop() {
	local side
	for side in "${!RANGE_DATA[@]}"; do
		LG_TMP=${RANGE_TMP[$side]} LG_PGDATA=${RANGE_DATA[$side]} lg_cluster_stop
	done
	rm -f "${RANGE_STATE:-/nonexistent}" "${RANGE_STATE:-/nonexistent}".*
}

bench_ranges() {
	local sides="this" side q rows
	trap 'ranges_stop' EXIT
	RANGE_STATE=$(mktemp /tmp/lg-bench-minutes.XXXXXX)
	# 7: the minutes section's tag in the state file format (doc/persistence.md)
	"$LG_BENCH_GEN" "$RANGE_STATE" 10080 "$("${PG_CONFIG:-pg_config}" --version | awk '{ print int($2) }')" 7 |
		sed 's/^/  /'
	chmod a+r "$RANGE_STATE"
	[ -n "${LG_BENCH_BASE_PG_CONFIG:-}" ] && sides="this base"
	for side in $sides; do
		local pgc=${PG_CONFIG:-pg_config}
		[ "$side" = base ] && pgc=$LG_BENCH_BASE_PG_CONFIG
		lg_say "ranges ($side: $pgc): 10080 minutes loaded, filling the raw history (3600 samples at 10ms)"
		ranges_cluster "$pgc" || return 1
		RANGE_HOST[$side]=$PGHOST RANGE_PORT[$side]=$PGPORT RANGE_TMP[$side]=$LG_TMP RANGE_DATA[$side]=$LG_PGDATA
		RANGE_BIN[$side]=$("$pgc" --bindir)
		chmod a+r "$LG_TMP"/q_*.sql
		for q in $RANGE_QUERIES; do
			rows=$("${RANGE_BIN[$side]}/psql" -X -Atc "SELECT count(*) FROM ($(cat "$LG_TMP/q_$q.sql")) q")
			echo "  $side $q: $rows rows"
			[ "$side" = this ] && echo "$rows" | lg_bench_record "read.$q.rows" rows >/dev/null
		done
	done
	for _ in $(seq 1 "${LG_BENCH_RANGE_ROUNDS:-5}"); do
		for q in $RANGE_QUERIES; do
			for side in $sides; do
				PGHOST=${RANGE_HOST[$side]} PGPORT=${RANGE_PORT[$side]} \
					ranges_time "${RANGE_BIN[$side]}" "${RANGE_TMP[$side]}/q_$q.sql" "${LG_BENCH_RANGE_RUNS:-20}" \
					>>"$RANGE_STATE.$side.$q"
			done
		done
	done
	for q in $RANGE_QUERIES; do
		lg_bench_record "read.$q.ms" ms <"$RANGE_STATE.this.$q"
		[ -f "$RANGE_STATE.base.$q" ] && lg_bench_record "base.read.$q.ms" ms <"$RANGE_STATE.base.$q"
	done
}
build_state_generator() {
	LG_BENCH_GEN=$(mktemp /tmp/lg-bench-gen.XXXXXX)
	lg_bench_build_state_generator "$LG_BENCH_GEN"
}

for part in $PARTS; do
	case $part in
	1) LG_BENCH_ROUNDS=${LG_BENCH_ROUNDS:-10} bash test/bench_statements.sh || FAILED="$FAILED 1" ;;
	2) { bash test/bench_tick.sh && bash test/bench_sampler.sh; } || FAILED="$FAILED 2" ;;
	3) (bench_reads) || FAILED="$FAILED 3" ;;
	4) (bench_footprint) || FAILED="$FAILED 4" ;;
	5) (bench_reaction) || FAILED="$FAILED 5" ;;
	6) build_state_generator && (LG_BENCH_GEN=$LG_BENCH_GEN bench_ranges) || FAILED="$FAILED 6"
		rm -f "${LG_BENCH_GEN:-}" ;;
	esac
done

# ---- the table
LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)
bash test/bench_table.sh "$LG_BENCH_RESULTS" "$BENCH_START" "$LOAD_START" "$LOAD_END"
[ -z "$FAILED" ] || echo "parts that failed:$FAILED"
echo "(raw figures: $LG_BENCH_RESULTS)"
