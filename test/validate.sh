#!/usr/bin/env bash
# test/validate.sh — `make validate`: the readiness model judged against real
# runs of four client behaviours, on a throwaway cluster (max_connections 40,
# 37 usable).  Not part of `make test`: it takes a few minutes and reports.
#
# For each behaviour: a baseline run at B users; then, BEFORE any real run,
# readiness_summary() predicts a grid of user counts around the boundary
# (verdict, connections status, pattern, pooler size, max_users), written to
# the table; then each grid point is run for real and the table gets what
# happened: connections refused (loadguard's count), peak held and peak busy
# server connections (loadguard.history over the run).
#   a  pgbench, one persistent connection per user
#   b  pgbench -C, a connection per transaction
#   c  a Django app under gunicorn -k gthread (persistent connection per
#      thread, CONN_MAX_AGE = None), load from locust
#   d  pgbench through PgBouncer in transaction mode (pool 5), then the
#      Django app of c through the same PgBouncer (d-django)
# One monitoring session (role monitor) stays connected throughout: the fixed
# overhead F of the model, present in the baseline and in every real run.
# The verdict column "agrees" when a predicted connections fail coincides
# with observed refusals, and a predicted pass or warn with none.
#
# Settings: LG_VALIDATE="a b c d" (behaviours to run), LG_VALIDATE_SECONDS=4
# (seconds per real run), PG_CONFIG.
set -u
cd "$(dirname "$0")/.." || exit 1
. test/lib.sh

PARTS=${LG_VALIDATE:-"a b c d"}
SECS=${LG_VALIDATE_SECONDS:-4}
BINDIR=$(lg_pg_bindir)
OUT=$(mktemp /tmp/loadguard-validate.XXXXXX)
WORK=$(mktemp -d /tmp/loadguard-validate-work.XXXXXX)
chmod 755 "$WORK"
[ "$(id -u)" = 0 ] && chown postgres: "$WORK"
BOUNCER_PID=
GUNICORN_PID=
MONITOR_PID=

cleanup() {
	[ -n "$MONITOR_PID" ] && kill "$MONITOR_PID" 2>/dev/null
	[ -n "$GUNICORN_PID" ] && kill "$GUNICORN_PID" 2>/dev/null
	[ -n "$BOUNCER_PID" ] && kill "$BOUNCER_PID" 2>/dev/null
	lg_cluster_stop
	rm -rf "$WORK"
}
trap cleanup EXIT

q() { "$BINDIR/psql" -X -At -v ON_ERROR_STOP=1 -c "$1"; }

lg_say "build and install"
make -s >/dev/null && make -s install >/dev/null || exit 1
lg_cluster_start "loadguard.sample_interval = '100ms'" "max_connections = 40" || exit 1
q "CREATE EXTENSION loadguard" >/dev/null
q "CREATE ROLE app LOGIN" >/dev/null
q "CREATE ROLE monitor LOGIN" >/dev/null
# a monitoring session held open all along (fixed overhead, like Grafana's):
# psql reads from a pipe this script holds open, so it stays connected, idle
# (coproc sets MONITOR_PID, which cleanup kills)
# shellcheck disable=SC2034
coproc MONITOR { "$BINDIR/psql" -X -q -U monitor >/dev/null 2>&1; }
"$BINDIR/pgbench" -i -q -s 1 >/dev/null 2>&1
q "GRANT ALL ON ALL TABLES IN SCHEMA public TO app" >/dev/null
printf 'SELECT pg_sleep(0.01);\n' >"$WORK/sleep.sql"
chmod 644 "$WORK/sleep.sql"

# the busy count of a sample: busy_connections where the history has it
if [ "$(q "SELECT count(*) FROM pg_attribute WHERE attrelid = 'loadguard.history'::regclass AND attname = 'busy_connections'")" = 1 ]; then
	BUSY="busy_connections"
else
	BUSY="active + idle_in_transaction + idle_in_transaction_aborted"
fi

# wait until the worker has sampled past now
settle() {
	local t
	t=$(q "SELECT now()")
	for _ in $(seq 1 100); do
		[ "$(q "SELECT count(*) >= 3 FROM loadguard.history WHERE ts > '$t'")" = t ] && return 0
		sleep 0.1
	done
}

# predict SCENARIO B T0 ROLE U...: the rows before the real runs
predict() {
	local scen=$1 b=$2 t0=$3 role=$4 u
	shift 4
	for u in "$@"; do
		q "SELECT '$scen', $u, s.verdict, coalesce(s.max_users::text, '-'),
		          (SELECT status FROM loadguard.readiness($u, $b, now() - '$t0'::timestamptz, $role) WHERE check_name = 'connections'),
		          coalesce((SELECT split_part(observed, ':', 1) FROM loadguard.readiness($u, $b, now() - '$t0'::timestamptz, $role) WHERE check_name = 'connection_pattern'), '-'),
		          coalesce((SELECT substring(fix from 'default_pool_size = ([0-9]+)') FROM loadguard.readiness($u, $b, now() - '$t0'::timestamptz, $role) WHERE check_name = 'connection_pattern'), '-')
		     FROM loadguard.readiness_summary($u, $b, now() - '$t0'::timestamptz, $role) s" >>"$WORK/pred.$scen"
	done
}

# observed T1 T2: refused, peak held, peak busy over [T1, T2]
observed() {
	q "SELECT coalesce(sum(rejected_too_many_clients + rejected_reserved_slots + rejected_role_limit + rejected_database_limit), 0),
	          coalesce(max(client_connections), 0), coalesce(max($BUSY), 0)
	     FROM loadguard.history WHERE ts BETWEEN '$1' AND '$2'"
}

# run SCENARIO U COMMAND...: one real run, its line of the table
run() {
	local scen=$1 u=$2 t1 t2 pred obs
	shift 2
	settle
	t1=$(q "SELECT now()")
	"$@" >"$WORK/run.log" 2>&1
	settle
	t2=$(q "SELECT now()")
	obs=$(observed "$t1" "$t2")
	pred=$(awk -F'|' -v u="$u" '$2 == u' "$WORK/pred.$scen")
	echo "$pred|$obs" | awk -F'|' '{
		agree = (($5 == "fail") == ($8 > 0)) ? "yes" : "NO";
		printf "| %s | %4s | %-9s | %5s | %-4s | %-24s | %4s | %7s | %4s | %4s | %s |\n", $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, agree }' >>"$OUT"
}

pgb() { "$BINDIR/pgbench" -n -U app -j 2 "$@" -f "$WORK/sleep.sql" postgres; }

{
	echo "| run | U | verdict | max_users | connections | pattern | pool | refused | held | busy | agrees |"
	echo "|---|---|---|---|---|---|---|---|---|---|---|"
} >"$OUT"

# ---------------------------------------------------------------- a: pgbench
if [[ " $PARTS " == *" a "* ]]; then
	lg_say "a: pgbench, a persistent connection per user (baseline 8 users)"
	settle
	T0=$(q "SELECT now()")
	pgb -c 8 -T "$SECS" >/dev/null 2>&1
	settle
	GRID="20 30 36 37 38 45"
	# shellcheck disable=SC2086
	predict a 8 "$T0" "'app'" $GRID
	for u in $GRID; do run a "$u" pgb -c "$u" -T "$SECS"; done
fi

# --------------------------------------------------------------- b: pgbench -C
if [[ " $PARTS " == *" b "* ]]; then
	lg_say "b: pgbench -C, a connection per transaction (baseline 8 users)"
	settle
	T0=$(q "SELECT now()")
	pgb -C -c 8 -T "$SECS" >/dev/null 2>&1
	settle
	GRID="20 30 36 38 45"
	# without app_role: churn is counted over every role
	# shellcheck disable=SC2086
	predict b 8 "$T0" NULL $GRID
	for u in $GRID; do run b "$u" pgb -C -c "$u" -T "$SECS"; done
fi

# ------------------------------------------- c: Django under gunicorn gthread
if [[ " $PARTS " == *" c "* ]]; then
	lg_say "c: Django + gunicorn -k gthread (2 workers x 20 threads), locust"
	bash test/validate_django.sh "$WORK" "$PGHOST" "$PGPORT" >"$WORK/django-setup.log" 2>&1 || {
		cat "$WORK/django-setup.log"
		echo "| c | django setup failed | | | | | | | | | |" >>"$OUT"
	}
	if [ -f "$WORK/app/manage.py" ]; then
		APPPORT=$(lg_free_port)
		(cd "$WORK/app" && lg_as_owner /usr/bin/gunicorn -k gthread --workers 2 --threads 20 \
			--bind "127.0.0.1:$APPPORT" --log-level warning --daemon \
			--pid "$WORK/gunicorn.pid" --error-logfile "$WORK/gunicorn.log" app.wsgi)
		for _ in $(seq 1 100); do
			(exec 3<>"/dev/tcp/127.0.0.1/$APPPORT") 2>/dev/null && break
			sleep 0.1
		done
		GUNICORN_PID=$(cat "$WORK/gunicorn.pid")
		loc() { # loc USERS: locust headless, all users started at once
			(cd "$WORK/app" && /usr/bin/locust -f locustfile.py --headless -u "$1" -r "$1" -t "${SECS}s" \
				--host "http://127.0.0.1:$APPPORT" --only-summary)
		}
		settle
		T0=$(q "SELECT now()")
		loc 10 >/dev/null 2>&1
		settle
		GRID="20 30 40 60 80"
		# shellcheck disable=SC2086
		predict c 10 "$T0" "'app'" $GRID
		for u in $GRID; do run c "$u" loc "$u"; done
		kill "$GUNICORN_PID" 2>/dev/null
		GUNICORN_PID=
	fi
fi

# ------------------------------------------------ d: through PgBouncer (pool 5)
if [[ " $PARTS " == *" d "* ]]; then
	lg_say "d: pgbench through PgBouncer, pool_mode = transaction, default_pool_size = 5"
	lg_pgbouncer_start "$WORK" app 5 500 || exit 1
	BOUNCER_PID=$LG_BOUNCER_PID
	BPORT=$LG_BOUNCER_PORT
	pgbb() { "$BINDIR/pgbench" -n -h 127.0.0.1 -p "$BPORT" -U app -j 2 "$@" -f "$WORK/sleep.sql" postgres; }
	settle
	T0=$(q "SELECT now()")
	pgbb -c 8 -T "$SECS" >/dev/null 2>&1
	settle
	GRID="20 40 80 150"
	# shellcheck disable=SC2086
	predict d 8 "$T0" "'app'" $GRID
	for u in $GRID; do run d "$u" pgbb -c "$u" -T "$SECS"; done
	# the Django app of part c, its connections through the same PgBouncer
	# (connect options are not passed on in transaction mode: ignored there)
	if bash test/validate_django.sh "$WORK/viabouncer" 127.0.0.1 "$BPORT" >"$WORK/django-setup2.log" 2>&1; then
		APPPORT=$(lg_free_port)
		(cd "$WORK/viabouncer/app" && lg_as_owner /usr/bin/gunicorn -k gthread --workers 2 --threads 20 \
			--bind "127.0.0.1:$APPPORT" --log-level warning --daemon \
			--pid "$WORK/gunicorn2.pid" --error-logfile "$WORK/gunicorn2.log" app.wsgi)
		for _ in $(seq 1 100); do
			(exec 3<>"/dev/tcp/127.0.0.1/$APPPORT") 2>/dev/null && break
			sleep 0.1
		done
		GUNICORN_PID=$(cat "$WORK/gunicorn2.pid")
		locd() {
			(cd "$WORK/viabouncer/app" && /usr/bin/locust -f locustfile.py --headless -u "$1" -r "$1" -t "${SECS}s" \
				--host "http://127.0.0.1:$APPPORT" --only-summary)
		}
		settle
		T0=$(q "SELECT now()")
		locd 10 >/dev/null 2>&1
		settle
		GRID="20 40 60 80"
		# shellcheck disable=SC2086
		predict d-django 10 "$T0" "'app'" $GRID
		for u in $GRID; do run d-django "$u" locd "$u"; done
		kill "$GUNICORN_PID" 2>/dev/null
		GUNICORN_PID=
	fi
	kill "$BOUNCER_PID" 2>/dev/null
	BOUNCER_PID=
fi

lg_say "predictions (made before each run) against real runs; $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $(uname -m), PostgreSQL $(q 'SHOW server_version')"
cat "$OUT"
echo
echo "busy = $BUSY (peak over the run); held = client_connections (peak); refused = loadguard's count"
awk -F'|' 'NR > 2 && $12 ~ /NO/ { bad++ } END { printf "%d of %d predictions disagree\n", bad, NR - 2 }' "$OUT"
rm -f "$OUT"
