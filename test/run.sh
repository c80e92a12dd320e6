#!/usr/bin/env bash
# test/run.sh — `make test`: every test tier, on a fresh Debian 12 machine as
# root or as a developer who has the packages.
#   1. install missing packages (root), 2. build with -Werror and install,
#   3. cmocka unit tests, 4. pg_regress on a throwaway cluster with loadguard
#   preloaded, 5. cluster-level TAP tests (PostgreSQL::Test::Cluster, run as a
#   non-root user).  The last line is "N passed, M failed".
# Selection for development: LG_TIERS="unit regress tap" and LG_TAP="pattern".
set -u
cd "$(dirname "$0")/.."
TOP=$PWD
. test/lib.sh

TIERS=${LG_TIERS:-unit regress tap}
PASSED=0
FAILED=0
FAILED_NAMES=()

pass() { PASSED=$((PASSED + 1)); echo "ok      $1"; }
fail() { FAILED=$((FAILED + 1)); FAILED_NAMES+=("$1"); echo "FAILED  $1"; }

finish() {
	lg_cluster_stop
	[ -n "${TAPDIR:-}" ] && rm -rf "$TAPDIR"
	echo
	if [ $FAILED -gt 0 ]; then
		echo "failed: ${FAILED_NAMES[*]}"
	fi
	echo "$PASSED passed, $FAILED failed"
	[ $FAILED -eq 0 ]
	exit
}
trap 'lg_cluster_stop; [ -n "${TAPDIR:-}" ] && rm -rf "$TAPDIR"' EXIT
trap 'echo "interrupted"; FAILED=$((FAILED + 1)); finish' INT TERM

lg_install_packages || { fail packages; finish; }

lg_say "build (warnings are errors) and install"
make -s clean >/dev/null 2>&1
if make -s LG_WERROR=1 ${LG_SANITIZE:+LG_SANITIZE=1} >"${TMPDIR:-/tmp}/lg-build.log" 2>&1 && make -s install >>"${TMPDIR:-/tmp}/lg-build.log" 2>&1; then
	pass build
else
	cat "${TMPDIR:-/tmp}/lg-build.log"
	fail build
	finish
fi

case " $TIERS " in *" unit "*)
	lg_say "unit tests (cmocka)"
	if make -s -C test/unit >/tmp/lg-unit-build.log 2>&1; then
		for t in test/unit/bin/test_*; do
			name="unit/$(basename "$t")"
			if out=$("$t" 2>&1); then pass "$name"; else echo "$out"; fail "$name"; fi
		done
	else
		cat /tmp/lg-unit-build.log
		fail unit-build
	fi
	;;
esac

case " $TIERS " in *" regress "*)
	lg_say "pg_regress (make installcheck)"
	if lg_cluster_start; then
		make -s installcheck PGUSER=postgres >/tmp/lg-regress.log 2>&1
		while read -r name result; do
			if [ "$result" = ok ]; then pass "regress/$name"; else fail "regress/$name"; fi
		done < <(awk '/^(test| ) +[^ ]+ +\.\.\. / { for (i = 1; i < NF; i++) if ($i == "...") { print $(i-1), $(i+1); break } }' /tmp/lg-regress.log)
		if grep -q 'FAILED\|failed' /tmp/lg-regress.log && [ -f regression.diffs ]; then
			head -c 20000 regression.diffs
		fi
		grep -qE '^(test| ) +[[:alnum:]_]+ +\.\.\. ' /tmp/lg-regress.log || { cat /tmp/lg-regress.log; fail regress-run; }
		lg_cluster_stop
	else
		fail regress-cluster
	fi
	;;
esac

case " $TIERS " in *" tap "*)
	lg_say "cluster tests (TAP, PostgreSQL::Test::Cluster)"
	BINDIR=$(lg_pg_bindir)
	PGXSDIR=$(dirname "$(dirname "$(dirname "$("${PG_CONFIG:-pg_config}" --pgxs)")")")
	TAPDIR=$(mktemp -d /tmp/loadguard-tap.XXXXXX)
	cp -r test/t test/perl "$TAPDIR/"
	# the Grafana test (060) reads the shipped dashboard and provisioning files
	[ -d grafana ] && cp -r grafana "$TAPDIR/"
	chmod -R a+rX "$TAPDIR"
	[ "$(id -u)" = 0 ] && chown -R postgres: "$TAPDIR"
	for t in test/t/${LG_TAP:-}*.pl; do
		[ -f "$t" ] || continue
		name="tap/$(basename "$t" .pl)"
		echo "--- $name"
		if (cd "$TAPDIR" && lg_as_owner env PATH="$BINDIR:$PATH" TESTDIR="$TAPDIR" \
			PG_REGRESS="$PGXSDIR/src/test/regress/pg_regress" \
			PG_TEST_TIMEOUT_DEFAULT=60 \
			prove -I "$PGXSDIR/src/test/perl" -I "$TAPDIR/perl" "t/$(basename "$t")") >"$TAPDIR/out.log" 2>&1; then
			pass "$name"
		else
			cat "$TAPDIR/out.log"
			for log in "$TAPDIR"/tmp_check/log/*.log; do
				[ -f "$log" ] && { echo "----- $log (tail)"; tail -n 40 "$log"; }
			done
			fail "$name"
		fi
		rm -rf "$TAPDIR/tmp_check"
	done
	;;
esac

finish
