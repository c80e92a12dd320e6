#!/usr/bin/env bash
# test/bench_tick.sh — instructions per worker tick (a benchmark that prints
# figures, not a test); part of part 2 of `make bench`.
#
# valgrind follows fork(), so the real worker cannot run under it without
# the postmaster and every client backend.  Instead a single-user backend
# (postgres --single, max_connections = 1100 like the sampler part) loads the
# benchmark module test/bench/lg_tickbench.c, which fills the shared status
# and proc arrays with N fake idle client sessions (90 % idle, 10 % idle in
# transaction) and calls the worker's tick function T times.  callgrind
# counts only inside lg_worker_tick (--toggle-collect); runs with T1 and T2
# ticks give (I(T2) - I(T1)) / (T2 - T1), so first-tick set-up cancels.
#
# Environment: PG_CONFIG, LG_BENCH_TICK_SESSIONS="0 200 1000",
# LG_BENCH_TICK_NAMES="1 50" (distinct roles/databases/applications),
# LG_BENCH_TICKS1/2 (default 5/25), LG_BENCH_REPEAT (default 1: counts are
# exact), LG_BENCH_PROFILE=1 to print the callgrind profile of the 1000-session
# run, LG_BENCH_RESULTS (file collecting the figures for test/bench.sh).
set -u
cd "$(dirname "$0")/.." || exit 1
. test/lib.sh
. test/bench_lib.sh

SESSIONS=${LG_BENCH_TICK_SESSIONS:-"0 200 1000"}
NAMES=${LG_BENCH_TICK_NAMES:-"1 50"}
T1=${LG_BENCH_TICKS1:-5}
T2=${LG_BENCH_TICKS2:-25}
REPEAT=${LG_BENCH_REPEAT:-1}
BINDIR=$(lg_pg_bindir)

command -v valgrind >/dev/null || { echo "valgrind is needed" >&2; exit 1; }
trap 'set +e; lg_cluster_stop' EXIT

lg_say "build and install loadguard and the tick benchmark module"
{ make -s LG_WERROR=1 && make -s install && make -s -C test/bench && make -s -C test/bench install; } \
	>/tmp/lg-bench-tick-build.log 2>&1 || { cat /tmp/lg-bench-tick-build.log; exit 1; }

lg_cluster_start "max_connections = 1100" || exit 1
"$BINDIR/psql" -X -q -c 'CREATE EXTENSION loadguard' \
	-c "CREATE FUNCTION lg_tickbench(int, int, int) RETURNS int AS 'lg_tickbench' LANGUAGE C STRICT" >/dev/null || exit 1
lg_as_owner "$BINDIR/pg_ctl" -D "$LG_PGDATA" -m fast -w stop >/dev/null

# ticks <sessions> <names> <ticks> [callgrind out file]: instructions inside
# lg_worker_tick (log_pressure = 0: the once-a-minute line needs a transaction
# of its own, which a SQL function cannot start)
ticks() {
	local out=${4:-/dev/null}
	echo "SELECT lg_tickbench($1, $3, $2)" >"$LG_TMP/tick.sql"
	chmod a+r "$LG_TMP/tick.sql"
	lg_as_owner valgrind --tool=callgrind --toggle-collect=lg_worker_tick \
		--callgrind-out-file="$out" \
		"$BINDIR/postgres" --single -D "$LG_PGDATA" -c max_connections=1100 \
		-c shared_preload_libraries=loadguard -c loadguard.log_pressure=0 postgres <"$LG_TMP/tick.sql" \
		2>&1 >/dev/null | awk '/Collected :/ { print $NF }'
}

lg_say "instructions per tick (callgrind, postgres --single, fake idle sessions, T = $T1 and $T2)"
for names in $NAMES; do
	for n in $SESSIONS; do
		: >"$LG_TMP/per_tick"
		for _ in $(seq 1 "$REPEAT"); do
			i1=$(ticks "$n" "$names" "$T1")
			i2=$(ticks "$n" "$names" "$T2")
			awk -v a="$i1" -v b="$i2" -v x="$T1" -v y="$T2" 'BEGIN { printf "%.0f\n", (b - a) / (y - x) }' >>"$LG_TMP/per_tick"
		done
		lg_bench_record "tick.$n.names$names.instr" "instructions per tick" <"$LG_TMP/per_tick"
	done
done

if [ "${LG_BENCH_PROFILE:-0}" = 1 ]; then
	lg_say "profile: 1000 sessions, $T2 ticks (inclusive instructions by function)"
	ticks 1000 1 "$T2" "$LG_TMP/callgrind.out" >/dev/null
	chmod a+r "$LG_TMP/callgrind.out"
	callgrind_annotate --inclusive=yes "$LG_TMP/callgrind.out" 2>/dev/null | sed -n '1,60p'
fi

# ---- the connection path: what live.c adds to every connection
# The postmaster runs under callgrind (children traced), collecting only
# inside live.c's authentication hook, its per-role count at the startup
# commit and its exit callback; CONN connections each run SELECT 1.  Each
# backend writes its own profile; their totals, minus the chained hooks
# called from inside ours, over CONN connections.  loadguard.enabled stays
# on: the per-role count runs from the startup-commit callback it enables.
CONN=${LG_BENCH_CONN:-20}
lg_say "instructions per connection on the connection path (callgrind, $CONN connections)"
mkdir -p "$LG_TMP/cg"
[ "$(id -u)" = 0 ] && chown postgres: "$LG_TMP/cg"
lg_as_owner valgrind --tool=callgrind --trace-children=yes \
	--toggle-collect=lg_live_authentication --toggle-collect=lg_live_exit \
	--toggle-collect=lg_live_role_started \
	--callgrind-out-file="$LG_TMP/cg/cg.%p" \
	"$BINDIR/postgres" -D "$LG_PGDATA" -c shared_preload_libraries=loadguard \
	-c max_connections=20 >"$LG_TMP/cg.log" 2>&1 &
for _ in $(seq 1 600); do
	"$BINDIR/pg_isready" -q -h "$PGHOST" -p "$PGPORT" && break
	sleep 0.5
done
for _ in $(seq 1 "$CONN"); do "$BINDIR/psql" -X -q -c 'SELECT 1' >/dev/null; done
lg_as_owner "$BINDIR/pg_ctl" -D "$LG_PGDATA" -m fast -w -t 300 stop >/dev/null
wait
# self cost of live.c's functions (the slot procedures are inlined into
# them), of before_shmem_exit (registering the callback) and of
# GetSessionUserId (the role) in every profile; the chained hooks called
# from ours are not counted.  Per role: lg_live_role_started alone (its
# share of the exit callback, one compare-and-swap, is in the total).
for f in "$LG_TMP"/cg/cg.*; do
	callgrind_annotate --inclusive=no "$f" 2>/dev/null | awk '
		/live\.c:|:before_shmem_exit |:GetSessionUserId / { gsub(",", "", $1); s += $1 }
		/live\.c:lg_live_role_started |:GetSessionUserId / { gsub(",", "", $1); r += $1 }
		END { print s + 0, r + 0 }'
done >"$LG_TMP/conn.instr"
awk -v n="$CONN" '{ s += $1 } END { printf "%.0f\n", s / n }' "$LG_TMP/conn.instr" |
	lg_bench_record conn.live.instr "instructions per connection (authentication, per-role count, exit)"
awk -v n="$CONN" '{ s += $2 } END { printf "%.0f\n", s / n }' "$LG_TMP/conn.instr" |
	lg_bench_record conn.live_role.instr "of which the per-role count at the startup commit"
