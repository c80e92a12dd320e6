#!/usr/bin/env bash
# test/run.sh — `make test`: every test tier, on a fresh Debian 12 machine as
# root or as a developer who has the packages.
#   1. install missing packages (root), 2. build with -Werror and install,
#   3. cmocka unit tests, 4. pg_regress on a throwaway cluster with loadguard
#   preloaded, 5. cluster-level TAP tests (PostgreSQL::Test::Cluster, run as a
#   non-root user, through PGXS's prove_installcheck); 6. only when LG_TIERS
#   names it, the fleet tier (etcd and two Patroni members, test/fleet.sh).
#   The last line is "N passed, M failed".
# Selection for development: LG_TIERS="unit regress tap" and LG_TAP="prefix..."
# (LG_TAP=060 runs t/060*.pl; LG_TAP="001 030" runs both).
# Stress mode (LG_STRESS=1): one CPU hog per core runs from the first test
# to the last, so every test must pass on a machine with no idle core.  The
# hogs are started and stopped here, by pid, on every exit path, and each
# also stops by itself when this script's process is gone.
set -u
cd "$(dirname "$0")/.." || exit 1
. test/lib.sh

TIERS=${LG_TIERS:-unit regress tap}
LOGDIR=$(mktemp -d /tmp/loadguard-run.XXXXXX)
PASSED=0
FAILED=0
FAILED_NAMES=()
STRESS_PIDS=()
# PostgreSQL::Test::Utils' timeout for each wait (poll_query_until, psql...)
LG_TAP_TIMEOUT=60
[ "${LG_STRESS:-0}" = 1 ] && LG_TAP_TIMEOUT=180

pass() { PASSED=$((PASSED + 1)); echo "ok      $1"; }
fail() { FAILED=$((FAILED + 1)); FAILED_NAMES+=("$1"); echo "FAILED  $1"; }

# Stop the servers a TAP test left behind (a test killed by a signal does
# not run its teardown), then remove the TAP directory.
tap_stop_servers() {
	local pidfile
	[ -n "${TAPDIR:-}" ] && [ -d "$TAPDIR" ] || return 0
	while read -r pidfile; do
		lg_as_owner "$(lg_pg_bindir)/pg_ctl" -D "$(dirname "$pidfile")" -m immediate -w -t 30 stop >/dev/null 2>&1
	done < <(find "$TAPDIR" -name postmaster.pid 2>/dev/null)
}

tap_cleanup() {
	[ -n "${TAPDIR:-}" ] && [ -d "$TAPDIR" ] || return 0
	tap_stop_servers
	rm -rf "$TAPDIR"
	TAPDIR=
}

stress_start() {
	local n i me=$$
	n=$(nproc 2>/dev/null || echo 2)
	for ((i = 0; i < n; i++)); do
		# a busy loop that ends when this script's process no longer exists
		bash -c 'while kill -0 "$1" 2>/dev/null; do :; done' lg-cpu-hog "$me" &
		STRESS_PIDS+=($!)
	done
	lg_say "stress: $n CPU hogs running (pids ${STRESS_PIDS[*]})"
}

stress_stop() {
	[ ${#STRESS_PIDS[@]} -gt 0 ] || return 0
	kill "${STRESS_PIDS[@]}" 2>/dev/null
	wait "${STRESS_PIDS[@]}" 2>/dev/null
	STRESS_PIDS=()
}

finish() {
	stress_stop
	lg_cluster_stop
	if [ "${LG_SANITIZE:-0}" = 1 ]; then
		if ls /tmp/lg-sanitizer.* >/dev/null 2>&1; then
			head -n 60 /tmp/lg-sanitizer.*
			fail sanitizer-reports
		else
			pass sanitizer-clean
		fi
	fi
	tap_cleanup
	echo
	if [ $FAILED -gt 0 ]; then
		echo "failed: ${FAILED_NAMES[*]}"
	fi
	echo "$PASSED passed, $FAILED failed"
	[ $FAILED -eq 0 ]
	exit
}
trap 'stress_stop; lg_cluster_stop; tap_cleanup; rm -rf "$LOGDIR"' EXIT
trap 'echo "interrupted"; FAILED=$((FAILED + 1)); finish' INT TERM

lg_install_packages || { fail packages; finish; }

# Sanitizer mode (LG_SANITIZE=1): the module is built with UBSan and runs in
# every server of the suite; any report aborts the backend (the tests see a
# crash) and is also collected from /tmp/lg-sanitizer.*.  The plain-C units
# run under ASan+UBSan and again under valgrind.  ASan cannot cover the
# server: preloading its runtime into Debian's uninstrumented postgres
# deadlocks at process exit (libp11-kit's destructor calls freelocale under
# the setlocale lock).
if [ "${LG_SANITIZE:-0}" = 1 ]; then
	LG_SERVER_ENV="UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:log_path=/tmp/lg-sanitizer"
	export LG_SERVER_ENV
	rm -f /tmp/lg-sanitizer.*
fi

lg_say "build (warnings are errors) and install"
make -s clean >/dev/null 2>&1
if make -s LG_WERROR=1 LG_SANITIZE="${LG_SANITIZE:-0}" >"$LOGDIR/build.log" 2>&1 && make -s install >>"$LOGDIR/build.log" 2>&1; then
	pass build
else
	cat "$LOGDIR/build.log"
	fail build
	finish
fi

[ "${LG_STRESS:-0}" = 1 ] && stress_start

case " $TIERS " in *" unit "*)
	lg_say "unit tests (cmocka)"
	run_units() { # run_units LABEL [runner...]
		local label=$1 t name out
		shift
		for t in test/unit/bin/test_*; do
			name="unit/$(basename "$t")$label"
			if out=$("$@" "$t" 2>&1); then pass "$name"; else echo "$out"; fail "$name"; fi
		done
	}
	if [ "${LG_SANITIZE:-0}" = 1 ]; then
		if make -s -C test/unit clean all UNIT_CFLAGS="-O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all" >"$LOGDIR/unit-build.log" 2>&1; then
			run_units "[asan+ubsan]"
		else
			cat "$LOGDIR/unit-build.log"
			fail unit-build-sanitizers
		fi
		if make -s -C test/unit clean all >"$LOGDIR/unit-build.log" 2>&1; then
			run_units "[valgrind]" valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite
		else
			cat "$LOGDIR/unit-build.log"
			fail unit-build-valgrind
		fi
	elif make -s -C test/unit clean all >"$LOGDIR/unit-build.log" 2>&1; then
		run_units ""
	else
		cat "$LOGDIR/unit-build.log"
		fail unit-build
	fi
	;;
esac

case " $TIERS " in *" regress "*)
	lg_say "pg_regress (make installcheck)"
	# REGRESS is an explicit list: a suite in sql/ that is not in it never runs
	listed=$(make -s --no-print-directory --eval='lg-print-regress: ; @echo $(REGRESS)' lg-print-regress | tr ' ' '\n' | sort)
	present=$(cd sql && ls -- *.sql | sed 's/\.sql$//' | sort)
	if [ "$listed" = "$present" ]; then
		pass regress-list
	else
		echo "REGRESS in the Makefile and sql/*.sql differ:"
		diff <(echo "$listed") <(echo "$present")
		fail regress-list
	fi
	if lg_cluster_start; then
		make -s installcheck TAP_TESTS= PGUSER=postgres >"$LOGDIR/regress.log" 2>&1
		while read -r name result; do
			if [ "$result" = ok ]; then pass "regress/$name"; else fail "regress/$name"; fi
		done < <(awk '/^(test| ) +[^ ]+ +\.\.\. / { for (i = 1; i < NF; i++) if ($i == "...") { print $(i-1), $(i+1); break } }' "$LOGDIR/regress.log")
		if grep -q 'FAILED\|failed' "$LOGDIR/regress.log" && [ -f regression.diffs ]; then
			head -c 20000 regression.diffs
		fi
		grep -qE '^(test| ) +[[:alnum:]_]+ +\.\.\. ' "$LOGDIR/regress.log" || { cat "$LOGDIR/regress.log"; fail regress-run; }
		lg_cluster_stop
	else
		fail regress-cluster
	fi
	;;
esac

case " $TIERS " in *" tap "*)
	lg_say "cluster tests (TAP through PGXS: make installcheck, TAP_TESTS = 1)"
	# PGXS's prove_installcheck, as Debian's and PGXN's tooling run it, one
	# test at a time (PROVE_TESTS) for a pass/fail line and logs per test.
	# PostgreSQL::Test::Cluster refuses to run as root: as root, the tests run
	# as postgres in a copy of what they read, owned by postgres.
	TAPDIR=$(mktemp -d /tmp/loadguard-tap.XXXXXX)
	mkdir -p "$TAPDIR/test"
	cp Makefile loadguard.control "$TAPDIR/"
	cp -r t "$TAPDIR/"
	cp -r test/perl "$TAPDIR/test/"
	# the Grafana (060) and Prometheus (090) tests read the shipped files
	[ -d grafana ] && cp -r grafana "$TAPDIR/"
	[ -d integrations ] && cp -r integrations "$TAPDIR/"
	chmod -R a+rX "$TAPDIR"
	[ "$(id -u)" = 0 ] && chown -R postgres: "$TAPDIR"
	tap_files=()
	for prefix in ${LG_TAP:-""}; do
		for t in t/"$prefix"*.pl; do
			[ -f "$t" ] && tap_files+=("$t")
		done
	done
	for t in "${tap_files[@]}"; do
		name="tap/$(basename "$t" .pl)"
		echo "--- $name"
		# LG_SERVER_ENV (sanitizer options) reaches every server the test starts
		# shellcheck disable=SC2086  # LG_SERVER_ENV is a list of VAR=value words
		if lg_as_owner env ${LG_SERVER_ENV:-} PG_TEST_TIMEOUT_DEFAULT="$LG_TAP_TIMEOUT" \
			make -s -C "$TAPDIR" --no-print-directory PG_CONFIG="${PG_CONFIG:-pg_config}" \
			installcheck REGRESS= PROVE_TESTS="$t" >"$TAPDIR/out.log" 2>&1; then
			pass "$name"
		else
			cat "$TAPDIR/out.log"
			for log in "$TAPDIR"/tmp_check/log/*.log; do
				[ -f "$log" ] && { echo "----- $log (tail)"; tail -n 40 "$log"; }
			done
			fail "$name"
		fi
		tap_stop_servers
		rm -rf "$TAPDIR/tmp_check"
	done
	;;
esac

# The fleet tier (LG_TIERS=fleet, not in the default tiers): Debian's etcd
# and two Patroni members with loadguard preloaded through Patroni, as a
# non-root user on loopback (test/fleet.sh, doc/patroni.md).  Each check of
# the script is one line here; the whole tier is bounded by a timeout.
case " $TIERS " in *" fleet "*)
	lg_say "fleet: etcd and two Patroni members"
	BINDIR=$(lg_pg_bindir)
	FLEETDIR=$(mktemp -d /tmp/loadguard-fleettop.XXXXXX)
	cp -r test grafana "$FLEETDIR/"
	chmod -R a+rX "$FLEETDIR"
	[ "$(id -u)" = 0 ] && chown -R postgres: "$FLEETDIR"
	LG_PACKAGES="patroni etcd-server" lg_install_packages
	if ! command -v patroni >/dev/null || ! command -v etcd >/dev/null; then
		echo "patroni or etcd missing (packages patroni, etcd-server)"
		fail fleet-packages
	else
		(cd "$FLEETDIR" && lg_as_owner env PATH="$BINDIR:$PATH" \
			timeout -k 30 "${LG_FLEET_LIMIT:-900}" bash test/fleet.sh "$BINDIR" "$FLEETDIR") >"$LOGDIR/fleet.log" 2>&1
		rc=$?
		while IFS= read -r line; do
			case $line in
			"ok "*) pass "fleet/${line#ok * - }" ;;
			"not ok "*) fail "fleet/${line#not ok * - }" ;;
			esac
		done <"$LOGDIR/fleet.log"
		if [ $rc != 0 ]; then
			grep -v '^ok ' "$LOGDIR/fleet.log" | tail -n 150
			grep -q '^not ok ' "$LOGDIR/fleet.log" || fail "fleet (exit $rc)"
		fi
	fi
	rm -rf "$FLEETDIR"
	;;
esac

# Repository checks (docs, packaging): each test/check_* script is one line;
# exit 0 passes, 77 skips (its last output line says why), anything else fails.
# They run in the whole suite, or when LG_TIERS names "checks".
case " ${LG_TIERS:-checks} " in *" checks "*)
	lg_say "repository checks"
	for c in test/check_*; do
		name=$(basename "${c%.*}")
		name="check/${name#check_}"
		case $c in *.pl) run=(perl "$c") ;; *) run=(bash "$c") ;; esac
		"${run[@]}" >"$LOGDIR/check.log" 2>&1
		rc=$?
		if [ $rc = 0 ]; then pass "$name"
		elif [ $rc = 77 ]; then echo "skip    $name: $(tail -n 1 "$LOGDIR/check.log")"
		else cat "$LOGDIR/check.log"; fail "$name"; fi
	done
	;;
esac

finish
