#!/usr/bin/env bash
# test/bench_statements.sh — the cost of loadguard's statement hooks (a
# benchmark that prints figures, not a test).
#
#  1. Instructions per statement (repeatable on a noisy machine): a
#     single-user backend (`postgres --single`) runs a fixed script of N
#     trivial `SELECT 1` under valgrind (cachegrind, no cache simulation),
#     for two values of N; the difference divided by the difference in N
#     cancels start-up and shut-down.  Configurations: no library, loadguard
#     (track_statements on / off), pg_stat_statements (track = top).
#  2. Throughput: pgbench select-only, A/B/C interleaved over ROUNDS rounds
#     on one server with both libraries preloaded: A = both off, B =
#     loadguard on, C = pg_stat_statements on (switched per connection with
#     PGOPTIONS).  Prints the median ratio to A and its spread.
#
# Environment: PG_CONFIG, LG_BENCH_N1/N2 (statements, default 2000/6000),
# LG_BENCH_ROUNDS (default 10), LG_BENCH_SECONDS (per run, default 5),
# LG_BENCH_CLIENTS (default 2).
set -eu
cd "$(dirname "$0")/.."
. test/lib.sh

N1=${LG_BENCH_N1:-2000}
N2=${LG_BENCH_N2:-6000}
ROUNDS=${LG_BENCH_ROUNDS:-10}
SECONDS_PER_RUN=${LG_BENCH_SECONDS:-5}
CLIENTS=${LG_BENCH_CLIENTS:-2}
BINDIR=$(lg_pg_bindir)

command -v valgrind >/dev/null || { echo "valgrind is needed" >&2; exit 1; }
trap 'lg_cluster_stop' EXIT

lg_say "build and install"
make -s LG_WERROR=1 >/dev/null && make -s install >/dev/null

lg_cluster_start "shared_preload_libraries = 'loadguard,pg_stat_statements'" \
	"shared_buffers = '32MB'" "max_connections = 20"
lg_as_owner "$BINDIR/pg_ctl" -D "$LG_PGDATA" -m fast -w stop >/dev/null

# ---- 1. instructions per statement, single-user backend
script() { for _ in $(seq 1 "$1"); do echo "SELECT 1"; done; }
script "$N1" >"$LG_TMP/n1.sql"
script "$N2" >"$LG_TMP/n2.sql"
chmod a+r "$LG_TMP"/n*.sql

# instructions <N> <postgres options...>
instructions() {
	local n=$1
	shift
	lg_as_owner valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file=/dev/null \
		"$BINDIR/postgres" --single -D "$LG_PGDATA" "$@" postgres <"$LG_TMP/n$n.sql" \
		2>&1 >/dev/null | awk '/I +refs:/ { gsub(",", "", $NF); print $NF }'
}

lg_say "instructions per SELECT 1 (cachegrind, postgres --single, N = $N1 and $N2)"
declare -A PER
for config in none loadguard loadguard_off pg_stat_statements; do
	case $config in
	none) opts=(-c "shared_preload_libraries=") ;;
	loadguard) opts=(-c "shared_preload_libraries=loadguard") ;;
	loadguard_off) opts=(-c "shared_preload_libraries=loadguard" -c "loadguard.track_statements=off") ;;
	pg_stat_statements) opts=(-c "shared_preload_libraries=pg_stat_statements" -c "pg_stat_statements.track=top") ;;
	esac
	i1=$(instructions 1 "${opts[@]}")
	i2=$(instructions 2 "${opts[@]}")
	PER[$config]=$(awk -v a="$i1" -v b="$i2" -v n1="$N1" -v n2="$N2" 'BEGIN { printf "%.1f", (b - a) / (n2 - n1) }')
	printf '%-20s %12s instructions per statement\n' "$config" "${PER[$config]}"
done
awk -v base="${PER[none]}" -v lg="${PER[loadguard]}" -v off="${PER[loadguard_off]}" -v pgss="${PER[pg_stat_statements]}" 'BEGIN {
	printf "loadguard adds       %8.1f instructions per statement (%.2f %% of a SELECT 1)\n", lg - base, 100 * (lg - base) / base
	printf "loadguard, off, adds %8.1f (%.2f %%)\n", off - base, 100 * (off - base) / base
	printf "pg_stat_statements   %8.1f (%.2f %%)\n", pgss - base, 100 * (pgss - base) / base
}'

# ---- 2. pgbench select-only, interleaved
[ "$ROUNDS" -gt 0 ] || exit 0
lg_as_owner "$BINDIR/pg_ctl" -D "$LG_PGDATA" -l "$LG_LOG" -w start >/dev/null
"$BINDIR/psql" -X -q -c 'CREATE EXTENSION pg_stat_statements' -c 'CREATE EXTENSION loadguard'
"$BINDIR/pgbench" -q -i -s 1 >/dev/null 2>&1

declare -A OPTS=(
	[A]="-c loadguard.track_statements=off -c pg_stat_statements.track=none"
	[B]="-c loadguard.track_statements=on -c pg_stat_statements.track=none"
	[C]="-c loadguard.track_statements=off -c pg_stat_statements.track=top"
)
tps() {
	PGOPTIONS="${OPTS[$1]}" "$BINDIR/pgbench" -n -S -M prepared -c "$CLIENTS" -j "$CLIENTS" \
		-T "$SECONDS_PER_RUN" 2>/dev/null | awk '/^tps = / { print $3; exit }'
}

lg_say "pgbench -S -M prepared, $CLIENTS clients, ${SECONDS_PER_RUN}s runs, $ROUNDS interleaved rounds"
echo "A = both off, B = loadguard on, C = pg_stat_statements on"
: >"$LG_TMP/ratios"
for r in $(seq 1 "$ROUNDS"); do
	# rotate the order so that no configuration always runs first
	case $((r % 3)) in
	0) order="A B C" ;;
	1) order="B C A" ;;
	2) order="C A B" ;;
	esac
	declare -A T=()
	for c in $order; do T[$c]=$(tps "$c"); done
	echo "round $r: A ${T[A]}  B ${T[B]}  C ${T[C]}"
	echo "${T[A]} ${T[B]} ${T[C]}" >>"$LG_TMP/ratios"
done
awk '
	{ b[NR] = $2 / $1; c[NR] = $3 / $1 }
	function sort(a, n,   i, j, t) { for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j-1] > a[j]; j--) { t = a[j]; a[j] = a[j-1]; a[j-1] = t } }
	function median(a, n) { return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
	END {
		sort(b, NR); sort(c, NR)
		printf "loadguard on / off:          median %.4f  (min %.4f, max %.4f, %d pairs)\n", median(b, NR), b[1], b[NR], NR
		printf "pg_stat_statements on / off: median %.4f  (min %.4f, max %.4f, %d pairs)\n", median(c, NR), c[1], c[NR], NR
	}' "$LG_TMP/ratios"
