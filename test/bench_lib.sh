# shellcheck shell=bash
# test/bench_lib.sh — helpers shared by the benchmark scripts (`make bench`):
# order statistics over a list of numbers, and a results file that
# test/bench.sh turns into its one table.  Source it after test/lib.sh.
#
# Results file ($LG_BENCH_RESULTS, optional): one line per figure,
#   key <TAB> median <TAB> p25 <TAB> p75 <TAB> min <TAB> max <TAB> n <TAB> unit
# A script run on its own (without the variable) just prints its figures.

# lg_bench_stats: numbers on stdin (one per line, or whitespace separated),
# prints "median p25 p75 min max n" (quartiles by linear interpolation).
lg_bench_stats() {
	tr -s ' \t' '\n\n' | awk 'NF { v[++n] = $1 + 0 }
	function q(p,   h, lo) { h = (n - 1) * p + 1; lo = int(h); return lo >= n ? v[n] : v[lo] + (h - lo) * (v[lo + 1] - v[lo]) }
	END {
		if (n == 0) { print "nan nan nan nan nan 0"; exit }
		for (i = 2; i <= n; i++) for (j = i; j > 1 && v[j-1] > v[j]; j--) { t = v[j]; v[j] = v[j-1]; v[j-1] = t }
		printf "%.6g %.6g %.6g %.6g %.6g %d\n", q(0.5), q(0.25), q(0.75), v[1], v[n], n
	}'
}

# lg_bench_record <key> <unit>: numbers on stdin; appends their statistics to
# the results file (when set) and prints them.
lg_bench_record() {
	local key=$1 unit=$2 s
	s=$(lg_bench_stats)
	# shellcheck disable=SC2086  # s is six words
	set -- $s
	printf '  %-28s median %-10s p25-p75 %s-%s  min-max %s-%s  n=%s %s\n' "$key" "$1" "$2" "$3" "$4" "$5" "$6" "$unit"
	[ -n "${LG_BENCH_RESULTS:-}" ] || return 0
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$key" "$1" "$2" "$3" "$4" "$5" "$6" "$unit" >>"$LG_BENCH_RESULTS"
}

# lg_bench_kill_tree <pid>: stop a background job, perhaps started as the
# cluster owner (a subshell, runuser, then the program): signal the deepest
# child.  SIGTERM, because a non-interactive shell starts background jobs
# with SIGINT ignored.
lg_bench_kill_tree() {
	local pid=$1 child
	[ -n "$pid" ] || return 0
	while child=$(pgrep -P "$pid" 2>/dev/null | head -n 1) && [ -n "$child" ]; do
		pid=$child
	done
	kill -TERM "$pid" 2>/dev/null
	wait "$1" 2>/dev/null
	return 0
}

# lg_bench_build_state_generator OUT: the program that writes a state file
# of history minutes for the ranges part (test/bench_minutes_state.c, built
# against src/model/ with the current layout version).  Also built by the
# checks tier (test/check_bench_build.sh), so a link that breaks shows up
# in `make test`, not only in the next `make bench`.
lg_bench_build_state_generator() {
	cc -O2 -Wall -Werror -Isrc/model \
		-DLG_LAYOUT="$(awk '/#define LG_SHMEM_VERSION/ { print $3 }' src/*.h src/*/*.h 2>/dev/null | head -n 1)" \
		-o "$1" test/bench_minutes_state.c src/model/rollup.c src/model/histogram.c \
		src/model/stats.c src/model/persist_format.c -lm
}
