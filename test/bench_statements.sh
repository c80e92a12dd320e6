#!/usr/bin/env bash
# test/bench_statements.sh — what loadguard costs the workload (a benchmark
# that prints figures, not a test); part 1 of `make bench`.
#
#  1. Instructions per statement (repeatable on a noisy machine): a
#     single-user backend (`postgres --single`) runs a fixed script of N
#     trivial statements (`SELECT 1`, then pgbench's select-only query)
#     under valgrind (cachegrind, no cache simulation),
#     for two values of N; the difference divided by the difference in N
#     cancels start-up and shut-down.  Configurations: no library, loadguard
#     (track_statements on / off), pg_stat_statements (track = top).  Each
#     is measured LG_BENCH_REPEAT times.  A single-user backend runs no
#     background worker, so sample_interval does not change these counts.
#  2. Throughput: pgbench select-only and TPC-B-like (-M prepared), in
#     LG_BENCH_ROUNDS interleaved rounds; in each round the server is
#     restarted once per configuration — nothing preloaded, pg_stat_statements,
#     loadguard at defaults, loadguard with sample_interval = 10ms — in a
#     rotating order, and runs both workloads.  Prints, per configuration,
#     the ratio of its tps to the same round's "nothing" tps.
#
# Environment: PG_CONFIG, LG_BENCH_N1/N2 (statements, default 2000/6000),
# LG_BENCH_REPEAT (default 3), LG_BENCH_ROUNDS (default 10, 0 skips part 2),
# LG_BENCH_SECONDS (per pgbench run, default 5), LG_BENCH_CLIENTS (default 2),
# LG_BENCH_RESULTS (file collecting the figures for test/bench.sh).
set -eu
cd "$(dirname "$0")/.."
. test/lib.sh
. test/bench_lib.sh

N1=${LG_BENCH_N1:-2000}
N2=${LG_BENCH_N2:-6000}
REPEAT=${LG_BENCH_REPEAT:-3}
ROUNDS=${LG_BENCH_ROUNDS:-10}
SECONDS_PER_RUN=${LG_BENCH_SECONDS:-5}
CLIENTS=${LG_BENCH_CLIENTS:-2}
BINDIR=$(lg_pg_bindir)

command -v valgrind >/dev/null || { echo "valgrind is needed" >&2; exit 1; }
# set +e: the server may already be down, and a failing stop must not skip the clean-up
trap 'set +e; lg_cluster_stop' EXIT

lg_say "build and install"
make -s LG_WERROR=1 >/dev/null && make -s install >/dev/null

lg_cluster_start "shared_preload_libraries = 'loadguard,pg_stat_statements'" \
	"shared_buffers = '32MB'" "max_connections = 20"
"$BINDIR/psql" -X -q -c 'CREATE EXTENSION pg_stat_statements' -c 'CREATE EXTENSION loadguard' 2>/dev/null || true
"$BINDIR/pgbench" -q -i -s 1 >/dev/null 2>&1
lg_as_owner "$BINDIR/pg_ctl" -D "$LG_PGDATA" -m fast -w stop >/dev/null

# ---- 1. instructions per statement, single-user backend

# instructions <N> <postgres options...>
instructions() {
	local n=$1
	shift
	lg_as_owner valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file=/dev/null \
		"$BINDIR/postgres" --single -D "$LG_PGDATA" "$@" postgres <"$LG_TMP/n$n.sql" \
		2>&1 >/dev/null | awk '/I +refs:/ { gsub(",", "", $NF); print $NF }'
}

# measure <key> <statement>: instructions per statement in each configuration
measure() {
	local key=$1 sql=$2 n config i1 i2 opts r
	for n in 1 2; do
		for _ in $(seq 1 "$( [ $n = 1 ] && echo "$N1" || echo "$N2")"); do echo "$sql"; done >"$LG_TMP/n$n.sql"
	done
	chmod a+r "$LG_TMP"/n*.sql
	lg_say "instructions per '$sql' (cachegrind, postgres --single, N = $N1 and $N2, $REPEAT times)"
	: >"$LG_TMP/added"
	for r in $(seq 1 "$REPEAT"); do
		for config in none loadguard loadguard_off pg_stat_statements; do
			case $config in
			none) opts=(-c "shared_preload_libraries=") ;;
			loadguard) opts=(-c "shared_preload_libraries=loadguard") ;;
			loadguard_off) opts=(-c "shared_preload_libraries=loadguard" -c "loadguard.track_statements=off") ;;
			pg_stat_statements) opts=(-c "shared_preload_libraries=pg_stat_statements" -c "pg_stat_statements.track=top") ;;
			esac
			i1=$(instructions 1 "${opts[@]}")
			i2=$(instructions 2 "${opts[@]}")
			awk -v a="$i1" -v b="$i2" -v n1="$N1" -v n2="$N2" 'BEGIN { printf "%.1f\n", (b - a) / (n2 - n1) }' >>"$LG_TMP/ipc.$config"
		done
		# added instructions of this repetition, against its own baseline
		for config in loadguard loadguard_off pg_stat_statements; do
			echo "$config $(tail -n 1 "$LG_TMP/ipc.$config") $(tail -n 1 "$LG_TMP/ipc.none")" >>"$LG_TMP/added"
		done
	done
	for config in none loadguard loadguard_off pg_stat_statements; do
		lg_bench_record "instr.$key.$config" instructions <"$LG_TMP/ipc.$config"
		rm -f "$LG_TMP/ipc.$config"
	done
	for config in loadguard loadguard_off pg_stat_statements; do
		awk -v c="$config" '$1 == c { print $2 - $3 }' "$LG_TMP/added" | lg_bench_record "instr.$key.$config.added" instructions
	done
}
measure select1 "SELECT 1"
measure select_only "SELECT abalance FROM pgbench_accounts WHERE aid = 4242"

# ---- 2. throughput, a restart per configuration, interleaved rounds
[ "$ROUNDS" -gt 0 ] || exit 0

CONFIGS="none pgss lg lg10ms"
declare -A OPTS=(
	[none]="-c shared_preload_libraries="
	[pgss]="-c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track=top"
	[lg]="-c shared_preload_libraries=loadguard"
	[lg10ms]="-c shared_preload_libraries=loadguard -c loadguard.sample_interval=10ms"
)
start_with() {
	lg_as_owner "$BINDIR/pg_ctl" -D "$LG_PGDATA" -l "$LG_LOG" -w -t 60 -o "${OPTS[$1]}" start >/dev/null
}
stop_server() {
	lg_as_owner "$BINDIR/pg_ctl" -D "$LG_PGDATA" -m fast -w -t 60 stop >/dev/null
}
# tps <pgbench workload options...>
tps() {
	"$BINDIR/pgbench" -n -M prepared -c "$CLIENTS" -j "$CLIENTS" -T "$SECONDS_PER_RUN" "$@" 2>/dev/null |
		awk '/^tps = / { print $3; exit }'
}

lg_say "pgbench -M prepared, select-only and TPC-B-like, $CLIENTS clients, ${SECONDS_PER_RUN}s runs, $ROUNDS interleaved rounds"
set -- $CONFIGS
n_configs=$#
: >"$LG_TMP/tps"
for r in $(seq 1 "$ROUNDS"); do
	# rotate the order so that no configuration always runs first
	order=$(echo $CONFIGS | awk -v k=$(( (r - 1) % n_configs )) '{ for (i = 0; i < NF; i++) printf "%s ", $((i + k) % NF + 1) }')
	line="round $r:"
	for c in $order; do
		start_with "$c"
		"$BINDIR/pgbench" -n -S -c "$CLIENTS" -j "$CLIENTS" -T 1 >/dev/null 2>&1 # warm the cache
		s=$(tps -S)
		t=$(tps)
		stop_server
		echo "$r $c ${s:-0} ${t:-0}" >>"$LG_TMP/tps"
		line="$line  $c ${s:-?}/${t:-?}"
	done
	echo "$line  (select-only/tpcb tps)"
done
for c in $CONFIGS; do
	awk -v c="$c" '$2 == c { print $3 }' "$LG_TMP/tps" | lg_bench_record "tps.select_only.$c" tps
	awk -v c="$c" '$2 == c { print $4 }' "$LG_TMP/tps" | lg_bench_record "tps.tpcb.$c" tps
done
for c in pgss lg lg10ms; do
	for w in 3:select_only 4:tpcb; do
		awk -v c="$c" -v f="${w%%:*}" '$2 == "none" { base[$1] = $f } $2 == c { v[$1] = $f }
			END { for (r in v) if (base[r] > 0) print v[r] / base[r] }' "$LG_TMP/tps" |
			lg_bench_record "ratio.${w#*:}.$c" "ratio to nothing"
	done
done
