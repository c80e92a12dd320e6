#!/usr/bin/env bash
# test/check_demo.sh — `make demo` still tells its story (`make test`:
# check/demo).  The demo once exited with "readiness gave no max_connections
# fix" for weeks because nothing ran it: readiness had learned that the
# demo's clients hold persistent, mostly idle connections, for which the fix
# is a pooler.  This runs it and checks each step: NOT READY for twice the
# baseline, the refusals counted by the clients and by loadguard, a fix for
# the connections applied, twice the users served without a failure, and a
# verdict after the fix that is no longer NOT READY.
set -u
cd "$(dirname "$0")/.." || exit 1

out=$(mktemp /tmp/lg-check-demo.XXXXXX)
trap 'rm -f "$out"' EXIT
die() {
	cat "$out"
	echo "FAILED: $*"
	exit 1
}

bash test/demo.sh >"$out" 2>&1 || die "make demo exited with $?"

verdicts=$(grep -E '^  verdict ' "$out")
[ "$(wc -l <<<"$verdicts")" = 2 ] || die "expected two readiness reports, got: $verdicts"
grep -q 'NOT READY' <<<"$(head -n 1 <<<"$verdicts")" ||
	die "the baseline's report for twice the users is not NOT READY: $verdicts"
grep -q 'NOT READY' <<<"$(tail -n 1 <<<"$verdicts")" &&
	die "still NOT READY after the fixes: $verdicts"
grep -Eq '^[1-9][0-9]* of [0-9]+ connection attempts refused' "$out" ||
	die "twice the users were not refused before the fix"
grep -Eq '^loadguard counted [1-9][0-9]* refused connections' "$out" ||
	die "loadguard did not count the refusals"
grep -Eq '^  (PgBouncer in front|max_connections is now)' "$out" ||
	die "no fix for the connections was applied"
[ "$(grep -c '^number of failed transactions: 0 ' "$out")" = 2 ] ||
	die "a pgbench run had failed transactions"
grep -E '^(  PgBouncer in front|  max_connections is now|[0-9]+ of [0-9]+ connection attempts refused)' "$out"
echo "demo: $(tr '\n' ' ' <<<"$verdicts")"
