#!/usr/bin/env bash
# test/bench_table.sh <results> <start> <load at start> <load at end> — the
# one table `make bench` ends with, and each target met or missed, from the
# results file the benchmark parts wrote (see test/bench_lib.sh).  Figures
# are "median [p25-p75]" (the interquartile range as the spread); n is the
# number of measurements behind each.
set -u
RESULTS=$1

# f <key> <field>: field 1 = median, 2 = p25, 3 = p75, 4 = min, 5 = max, 6 = n
f() { awk -F'\t' -v k="$1" -v i="$2" '$1 == k { v = $(i + 1) } END { print v }' "$RESULTS"; }
has() { [ -n "$(f "$1" 1)" ]; }
# fig <key> [decimals]: "median [p25-p75]"
fig() {
	has "$1" || { echo "not measured"; return; }
	awk -v m="$(f "$1" 1)" -v a="$(f "$1" 2)" -v b="$(f "$1" 3)" -v d="${2:-0}" \
		'BEGIN { fmt = "%." d "f"; printf fmt " [" fmt "-" fmt "]", m, a, b }'
}
row() { printf '%-46s %-28s %s\n' "$1" "$2" "${3:-}"; }
n() { has "$1" && echo "n=$(f "$1" 6)"; }
pct() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f %%", 100 * a / b }'; }

echo
echo "================ make bench: $2 · $(nproc) cores · $(awk '/MemTotal/ { printf "%.0f GB", $2 / 1048576 }' /proc/meminfo) RAM · load average $3 at start, $4 at end"
row "figure" "median [p25-p75]" "unit, n"
echo "---- 1. workload cost"
for s in select1:"SELECT 1" select_only:"pgbench select-only query"; do
	k=${s%%:*}
	row "instr/stmt, ${s#*:}: nothing" "$(fig "instr.$k.none")" "$(n "instr.$k.none")"
	for c in pg_stat_statements loadguard loadguard_off; do
		label=$c
		[ "$c" = loadguard_off ] && label="loadguard, track_statements=off"
		has "instr.$k.$c.added" || continue
		row "  added by $label" "$(fig "instr.$k.$c.added")" \
			"instructions ($(pct "$(f "instr.$k.$c.added" 1)" "$(f "instr.$k.none" 1)")), $(n "instr.$k.$c.added")"
	done
done
row "  loadguard, sample_interval=10ms" "as loadguard" "(postgres --single runs no worker; see the worker's CPU below)"
for w in select_only:select-only tpcb:TPC-B-like; do
	k=${w%%:*}
	row "tps ratio to nothing, ${w#*:}: nothing" "$(fig "tps.$k.none")" "tps, $(n "tps.$k.none")"
	for c in pgss:pg_stat_statements lg:loadguard lg10ms:"loadguard 10ms"; do
		row "  ${c#*:}" "$(fig "ratio.$k.${c%%:*}" 3)" "ratio, $(n "ratio.$k.${c%%:*}")"
	done
done
if has sampler.0.tick_cpu_us; then
	row "worker CPU at 10ms, 0 sessions" "$(fig sampler.0.worker_cpu_pct 2)" "% of one core, $(n sampler.0.worker_cpu_pct)"
fi
echo "---- 2. sampling: worker tick, pg_wait_sampling's collector, SQL scrape of pg_stat_activity"
for s in ${LG_BENCH_TICK_SESSIONS:-0 200 1000}; do
	for m in 1 50; do
		has "tick.$s.names$m.instr" || continue
		row "instructions per tick, $s sessions, $m names" "$(fig "tick.$s.names$m.instr" 0)" "instructions (callgrind), $(n "tick.$s.names$m.instr")"
	done
done
for s in ${LG_BENCH_LEVELS:-0 200 1000}; do
	has "sampler.$s.tick_us" || continue
	row "$s sessions: tick, wall time" "$(fig "sampler.$s.tick_us" 0)" "µs, $(n "sampler.$s.tick_us")"
	row "  tick, CPU time (/proc)" "$(fig "sampler.$s.tick_cpu_us" 0)" "µs, $(n "sampler.$s.tick_cpu_us")"
	row "  loadguard worker at 10ms" "$(fig "sampler.$s.worker_cpu_pct" 2)" "% of one core, $(n "sampler.$s.worker_cpu_pct")"
	has "sampler.$s.pgws_cpu_pct" &&
		row "  pg_wait_sampling collector, same windows" "$(fig "sampler.$s.pgws_cpu_pct" 2)" "% of one core, $(n "sampler.$s.pgws_cpu_pct")"
	row "  scrape, server-side (EXPLAIN ANALYZE)" "$(fig "sampler.$s.scrape_server_us" 0)" "µs, $(n "sampler.$s.scrape_server_us")"
	has "sampler.$s.scrape_server_cpu_us" &&
		row "  scrape, server-side CPU (schedstat)" "$(fig "sampler.$s.scrape_server_cpu_us" 0)" "µs, $(n "sampler.$s.scrape_server_cpu_us")"
	row "  scrape, end to end, kept connection" "$(fig "sampler.$s.scrape_us" 0)" "µs, $(n "sampler.$s.scrape_us")"
	row "  scrape, end to end, new connection" "$(fig "sampler.$s.scrape_conn_us" 0)" "µs, $(n "sampler.$s.scrape_conn_us")"
	row "  ratio server-side scrape / tick CPU" "$(fig "sampler.$s.ratio_server" 1)" "x, $(n "sampler.$s.ratio_server")"
	has "sampler.$s.ratio_cpu" &&
		row "  ratio scrape CPU / tick CPU" "$(fig "sampler.$s.ratio_cpu" 1)" "x, $(n "sampler.$s.ratio_cpu")"
done
echo "---- 3. reads (pgbench, one client, unix socket, per statement)"
for q in status sessions readiness_summary history; do
	label=$q
	[ $q = readiness_summary ] && label="readiness_summary(100)"
	[ $q = history ] && label="history, one hour ($(f read.history.rows 1) rows)"
	row "$label" "$(fig "read.$q.ms" 3)" "ms, $(n "read.$q.ms")"
done
row "  reference: count(*) of that history query" "$(fig read.history_count.ms 3)" "ms (no rows sent), $(n read.history_count.ms)"
row "  reference: the same rows from a plain table" "$(fig read.history_table.ms 3)" "ms, $(n read.history_table.ms)"
echo "---- 6. ranges: server-side (EXPLAIN ANALYZE execution time: every row built, none sent)"
# rangerow <label> <query>: this build, and the base build when A/B
rangerow() {
	row "$1" "$(fig "read.$2.ms" 3)" "ms, $(n "read.$2.ms")"
	has "base.read.$2.ms" && row "  base build (A/B, interleaved)" "$(fig "base.read.$2.ms" 3)" "ms, $(n "base.read.$2.ms")"
	return 0
}
rangerow "one hour of raw samples ($(f read.range_raw.rows 1) rows)" range_raw
rangerow "7 days of minutes ($(f read.range_minutes.rows 1) rows)" range_minutes
rangerow "7 days at 10 minutes, the dashboard ($(f read.range_minutes_10m.rows 1) rows)" range_minutes_10m
rangerow "loadguard.history, whole ($(f read.range_history_all.rows 1) rows)" range_history_all
rangerow "  reference: 1.0 way, whole history filtered" range_history_filter
rangerow "  reference: the history's rows from a plain table" range_history_table
rangerow "  reference: 7 days of minutes from a plain table" range_minutes_table
echo "---- 4. footprint"
row "shared memory, defaults" "$(f footprint.shmem_default_kb 1)" "kB"
row "shared memory, history_size = 86400" "$(f footprint.shmem_86400_kb 1)" "kB"
row "worker VmRSS at start -> after soak" "$(f footprint.rss_start_kb 1) -> $(f footprint.rss_end_kb 1)" "kB (includes shared pages touched)"
row "worker RssAnon start -> warm -> after soak" "$(f footprint.rssanon_start_kb 1) -> $(f footprint.rssanon_warm_kb 1) -> $(f footprint.rssanon_end_kb 1)" "kB (private; warm = $(f footprint.warm_s 1) s into the soak)"
row "connections during the soak" "$(f footprint.soak_connections 1)" "${LG_BENCH_SOAK_SECONDS:-600} s"
echo "---- 5. reaction (audit age minus idle_in_transaction_limit)"
for i in 1s 100ms; do
	row "sample_interval = $i" "$(fig "react.$i.lag_ms" 0)" "ms, $(n "react.$i.lag_ms"), max $(f "react.$i.lag_ms" 5)"
done

# ---- targets
echo
echo "targets:"
verdict() { printf '  %-10s %s\n' "$1" "$2"; }
if has instr.select1.loadguard.added; then
	lg=$(f instr.select1.loadguard.added 1) base=$(f instr.select1.none 1) pgss=$(f instr.select1.pg_stat_statements.added 1)
	if awk -v a="$lg" -v b="$base" -v c="$pgss" 'BEGIN { exit !(a < 0.01 * b && a < c) }'; then v=MET; else v=MISSED; fi
	verdict $v "instructions added per SELECT 1: $lg ($(pct "$lg" "$base")) < 1 % and < pg_stat_statements' $pgss"
fi
for k in ratio.select_only.lg ratio.tpcb.lg ratio.select_only.lg10ms ratio.tpcb.lg10ms; do
	has $k || continue
	m=$(f $k 1) hi=$(f $k 3)
	if awk -v m="$m" 'BEGIN { exit !(m >= 0.99) }'; then v=MET
	elif awk -v h="$hi" 'BEGIN { exit !(h >= 0.99) }'; then v="MET*"
	else v=MISSED; fi
	note=
	if [ "$(f $k 6)" -lt 5 ]; then
		v=UNRESOLVED
		note="; only $(f $k 6) rounds"
	elif awk -v a="$(f $k 2)" -v b="$hi" 'BEGIN { exit !(b - a > 0.02) }'; then
		v=UNRESOLVED
		note="; p25-p75 $(f $k 2)-$hi is too wide to resolve 1 % (rely on the instruction counts)"
	fi
	verdict "$v" "throughput ${k#ratio.}: median $m (target >= 0.99; * = only within the spread)$note"
done
if has tick.1000.names1.instr; then
	verdict INFO "tick at 1000 sessions: $(f tick.1000.names1.instr 1) instructions (callgrind; the 175 µs target is judged on CPU time below)"
fi
if has sampler.1000.tick_us; then
	t=$(f sampler.1000.tick_us 1) c=$(f sampler.1000.tick_cpu_us 1)
	if awk -v t="$t" 'BEGIN { exit !(t <= 175) }'; then v=MET; else v=MISSED; fi
	verdict $v "tick at 1000 sessions: median $t µs (target <= 175 µs); the worker's CPU per tick, waking included, $c µs"
fi
if has sampler.1000.pgws_cpu_pct; then
	w=$(f sampler.1000.worker_cpu_pct 1) p=$(f sampler.1000.pgws_cpu_pct 1)
	if awk -v w="$w" -v p="$p" 'BEGIN { exit !(w <= p) }'; then v=MET; else v=MISSED; fi
	verdict $v "worker at 10ms, 1000 sessions: $w % of a core vs pg_wait_sampling's collector $p % (same windows; target: no more)"
fi
if has sampler.1000.ratio_server; then
	verdict INFO "server-side scrape at 1000 sessions: $(f sampler.1000.scrape_server_us 1) µs wall, $(f sampler.1000.scrape_server_cpu_us 1) µs CPU: $(f sampler.1000.ratio_cpu 1)x the tick's CPU time"
fi
for q in status sessions readiness_summary history; do
	has "read.$q.ms" || continue
	lim=1; [ $q = history ] && lim=5
	m=$(f "read.$q.ms" 1)
	if awk -v m="$m" -v l="$lim" 'BEGIN { exit !(m < l) }'; then v=MET; else v=MISSED; fi
	verdict $v "read $q: median $m ms (target < $lim ms)"
done
for q in range_raw:2 range_minutes:10; do
	has "read.${q%%:*}.ms" || continue
	m=$(f "read.${q%%:*}.ms" 1)
	if awk -v m="$m" -v l="${q#*:}" 'BEGIN { exit !(m < l) }'; then v=MET; else v=MISSED; fi
	verdict $v "history_range ${q%%:*}: median $m ms (target < ${q#*:} ms, quiet machine)"
done
if has footprint.shmem_default_kb; then
	s=$(f footprint.shmem_default_kb 1)
	if [ "$s" -le 4096 ]; then v=MET; else v=MISSED; fi
	verdict $v "shared memory at defaults: $s kB (target <= 4096 kB, issue 21: with 7 days of minutes)"
fi
if has footprint.rssanon_end_kb && ! has footprint.rssanon_warm_kb; then
	verdict "NOT JUDGED" "worker RSS growth: the soak ended before the warm-up (LG_BENCH_WARM_SECONDS) was over"
elif has footprint.rssanon_end_kb; then
	w=$(f footprint.rssanon_warm_kb 1) e=$(f footprint.rssanon_end_kb 1)
	if [ "$((e - w))" -le 0 ]; then v=MET; else v=MISSED; fi
	verdict $v "worker RssAnon from warm to end of soak: $w -> $e kB (target: no growth)"
fi
for i in 1s 100ms; do
	has "react.$i.lag_ms" || continue
	lim=$(( $(f "react.$i.interval_ms" 1) + 50 )) mx=$(f "react.$i.lag_ms" 5)
	if awk -v m="$mx" -v l="$lim" 'BEGIN { exit !(m <= l) }'; then v=MET; else v=MISSED; fi
	verdict $v "reaction at $i: median $(f "react.$i.lag_ms" 1) ms, max $mx ms (target: every one <= $lim ms)"
done
