#!/usr/bin/env bash
# test/fleet.sh — the fleet tier (LG_TIERS=fleet): Debian's etcd and two
# Patroni members with loadguard preloaded through Patroni's configuration,
# on loopback, random free ports, as a non-root user (run.sh drops to
# postgres).  Prints "ok N - name" / "not ok N - name" lines and ends with
# "fleet: P passed, F failed"; exits non-zero on any failure.
#   fleet.sh BINDIR TOPDIR
# Every wait is a poll with a deadline (LG_FLEET_TIMEOUT seconds, 120 by
# default); the whole tier is bounded by the callers' timeout.
set -u
BINDIR=$1
TOP=$2
T=${LG_FLEET_TIMEOUT:-120}
W=$(mktemp -d /tmp/loadguard-fleet.XXXXXX)
PASS=0
FAIL=0
N=0
PIDS=()

ok() { N=$((N + 1)); PASS=$((PASS + 1)); echo "ok $N - $1"; }
nok() { N=$((N + 1)); FAIL=$((FAIL + 1)); echo "not ok $N - $1"; [ $# -gt 1 ] && echo "#   $2"; }
check() { local name=$1; shift; if "$@"; then ok "$name"; else nok "$name" "$*"; fi; }

cleanup() {
	local i p
	# newest first: the Patroni members (each stops its postmaster on
	# SIGTERM) before etcd, which they need to shut down cleanly
	for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
		p=${PIDS[i]}
		kill "$p" 2>/dev/null
		for _ in $(seq 1 150); do kill -0 "$p" 2>/dev/null || break; sleep 0.2; done
		kill -9 "$p" 2>/dev/null
	done
	for d in "$W/n1" "$W/n2"; do
		[ -f "$d/postmaster.pid" ] && "$BINDIR/pg_ctl" -D "$d" -m immediate stop >/dev/null 2>&1
	done
	if [ "$FAIL" -gt 0 ] || [ "${LG_FLEET_KEEP:-0}" = 1 ]; then
		for f in "$W"/*.log; do echo "----- $f (tail)"; tail -n 30 "$f"; done
	fi
	rm -rf "$W"
}
trap cleanup EXIT

# poll CMD... until it succeeds or the deadline passes
poll() {
	local deadline=$((SECONDS + T))
	while [ $SECONDS -lt $deadline ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.5
	done
	return 1
}

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

EC=$(free_port); EP=$(free_port); P1=$(free_port); P2=$(free_port); R1=$(free_port); R2=$(free_port)
SCOPE=lgfleet

etcd --name lgf --data-dir "$W/etcd" \
	--listen-client-urls "http://127.0.0.1:$EC" --advertise-client-urls "http://127.0.0.1:$EC" \
	--listen-peer-urls "http://127.0.0.1:$EP" --initial-advertise-peer-urls "http://127.0.0.1:$EP" \
	--initial-cluster "lgf=http://127.0.0.1:$EP" --listen-metrics-urls "" >"$W/etcd.log" 2>&1 &
PIDS+=($!)
check "etcd answers" poll curl -sf "http://127.0.0.1:$EC/health"

# node config: loadguard preloaded through Patroni's dynamic configuration
node_config() { # name pgport restport
	cat <<EOF
scope: $SCOPE
name: $1
restapi:
  listen: 127.0.0.1:$3
  connect_address: 127.0.0.1:$3
etcd3:
  hosts: 127.0.0.1:$EC
bootstrap:
  dcs:
    ttl: 20
    loop_wait: 2
    retry_timeout: 8
    maximum_lag_on_failover: 104857600
    postgresql:
      use_pg_rewind: false
      parameters:
        max_connections: 30
        shared_preload_libraries: loadguard
        loadguard.sample_interval: 200ms
        max_wal_senders: 5
        max_replication_slots: 5
  initdb:
  - encoding: UTF8
  - locale: C
  pg_hba:
  - local all all trust
  - host all all 127.0.0.1/32 trust
  - host replication all 127.0.0.1/32 trust
postgresql:
  listen: 127.0.0.1:$2
  connect_address: 127.0.0.1:$2
  data_dir: $W/$1
  bin_dir: $BINDIR
  pgpass: $W/pgpass.$1
  authentication:
    superuser:
      username: postgres
      password: fleet
    replication:
      username: postgres
      password: fleet
  parameters:
    unix_socket_directories: $W
tags:
  nofailover: false
EOF
}
node_config n1 "$P1" "$R1" >"$W/n1.yml"
node_config n2 "$P2" "$R2" >"$W/n2.yml"
chmod 700 "$W"

patroni "$W/n1.yml" >"$W/patroni-n1.log" 2>&1 &
PIDS+=($!)
q1() { psql -X -At -h 127.0.0.1 -p "$P1" -U postgres -d postgres -c "$1"; }
q2() { psql -X -At -h 127.0.0.1 -p "$P2" -U postgres -d postgres -c "$1"; }
qport() { psql -X -At -h 127.0.0.1 -p "$1" -U postgres -d postgres -c "$2"; }
is_primary() { [ "$(qport "$1" 'SELECT NOT pg_is_in_recovery()')" = t ]; }
is_standby() { [ "$(qport "$1" 'SELECT pg_is_in_recovery()')" = t ]; }
check "n1 bootstraps as primary" poll is_primary "$P1"
q1 "CREATE EXTENSION loadguard; CREATE ROLE app LOGIN; GRANT pg_monitor TO app" >/dev/null

patroni "$W/n2.yml" >"$W/patroni-n2.log" 2>&1 &
PIDS+=($!)
streaming() { [ "$(q1 "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'")" = 1 ]; }
check "n2 streams from n1" poll streaming
check "n2 is a hot standby" poll is_standby "$P2"
ext_on_n2() { [ "$(q2 "SELECT count(*) FROM pg_extension WHERE extname = 'loadguard'")" = 1 ]; }
check "the extension replicated to n2" poll ext_on_n2

# --- refusals as app on the primary -------------------------------------
# hold every slot as app (Patroni refuses max_connections below 25), then try more: "sorry, too many clients"
HOLD=()
for _ in $(seq 1 30); do
	psql -X -h 127.0.0.1 -p "$P1" -U app -d postgres -c "SELECT pg_sleep(60)" >/dev/null 2>&1 &
	HOLD+=($!)
done
full() { ! psql -X -At -h 127.0.0.1 -p "$P1" -U app -d postgres -c 'SELECT 1' >/dev/null 2>&1; }
check "app fills the primary's slots" poll full
for _ in $(seq 1 5); do psql -X -h 127.0.0.1 -p "$P1" -U app -d postgres -c 'SELECT 1' >/dev/null 2>&1; done
refused() { [ "$(q1 'SELECT rejected_connections FROM loadguard.status')" -ge 5 ]; }
check "the primary counted the refusals" poll refused
for p in "${HOLD[@]}"; do kill "$p" 2>/dev/null; done
wait "${HOLD[@]}" 2>/dev/null
free() { psql -X -At -h 127.0.0.1 -p "$P1" -U app -d postgres -c 'SELECT 1' >/dev/null 2>&1; }
poll free
q1 "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = 'app'" >/dev/null
REFUSED_N1=$(q1 'SELECT rejected_connections FROM loadguard.status')

# --- the max_connections fix is Patroni's -------------------------------
SRC=$(q1 "SELECT source FROM pg_settings WHERE name = 'max_connections'")
check "Patroni passes max_connections on the command line" test "$SRC" = "command line"
FIX=$(q1 "SELECT fix FROM loadguard.readiness(40, app_role => 'app') WHERE check_name = 'connections'")
echo "# readiness fix on n1: $FIX"
check "readiness's fix is the patronictl form" grep -q "patronictl -c $W/n1.yml edit-config $SCOPE --pg max_connections=[0-9]* --force" <<<"$FIX"
check "no ALTER SYSTEM fix for a Patroni member" bash -c '! grep -q "ALTER SYSTEM" <<<"$1"' _ "$FIX"
CC=$(PGOPTIONS="-c loadguard.target_users=40" q1 "SELECT reason FROM loadguard.config_check('app') WHERE setting = 'max_connections'")
CCFIX=$(PGOPTIONS="-c loadguard.target_users=40" q1 "SELECT coalesce(fix_sql, '') FROM loadguard.config_check('app') WHERE setting = 'max_connections'")
check "config_check names patronictl and gives no SQL" bash -c 'grep -q "patronictl -c .* edit-config" <<<"$1" && [ -z "$2" ]' _ "$CC" "$CCFIX"
# the report wraps at 79 columns: join its lines back into words
REPORT=$(q1 "SELECT string_agg(btrim(r), ' ') FROM loadguard.report(40) r")
check "the report carries the patronictl form" grep -q "patronictl -c $W/n1.yml edit-config" <<<"$REPORT"

pending_on_both() { [ "$(patronictl -c "$W/n1.yml" list -f json "$SCOPE" | grep -o '"Pending restart": "[*]"' | wc -l)" = 2 ]; }
# apply exactly the commands the fix printed
NEW=$(grep -o 'max_connections=[0-9]*' <<<"$FIX" | head -1 | cut -d= -f2)
mapfile -t CMDS < <(grep -o 'patronictl [^,(]*--force' <<<"$FIX")
check "the fix has edit-config and two restarts" test "${#CMDS[@]}" = 3
for c in "${CMDS[@]}"; do
	echo "# running: $c"
	# shellcheck disable=SC2086  # the printed command, word-split as a shell would
	$c >>"$W/patronictl.log" 2>&1
	# each restart waits for its pending flag; edit-config only needs the DCS
	[[ $c == *edit-config* ]] && poll pending_on_both
done
mc_is() { [ -n "$2" ] && [ "$(qport "$1" 'SHOW max_connections' 2>/dev/null)" = "$2" ]; }
check "n1 (primary) runs max_connections = $NEW" poll mc_is "$P1" "$NEW"
check "n2 (replica) runs max_connections = $NEW" poll mc_is "$P2" "$NEW"
check "still one primary, one streaming replica" poll streaming

# --- the replica's own views ---------------------------------------------
sampling() { [ "$(qport "$1" "SELECT count(*) FROM loadguard.status WHERE last_tick_at > now() - interval '5 s'")" = 1 ]; }
check "the replica's status answers and it samples" poll sampling "$P2"
check "the replica's sessions and connections views answer" bash -c '[ -n "$(psql -X -At -h 127.0.0.1 -p "$1" -U app -d postgres -c "SELECT count(*) FROM loadguard.sessions; SELECT count(*) FROM loadguard.connections")" ]' _ "$P2"
RFIX=$(q2 "SELECT fix FROM loadguard.readiness(200, app_role => 'app') WHERE check_name = 'connections'")
echo "# readiness fix on n2: $RFIX"
check "the replica's readiness names the standby constraint" grep -q "This node is a hot standby: its max_connections must stay at least the primary's" <<<"$RFIX"
check "the replica's fix is the patronictl form too" grep -q "patronictl -c $W/n2.yml edit-config" <<<"$RFIX"

# --- switchover ------------------------------------------------------------
BEFORE_N1=$(q1 'SELECT rejected_connections FROM loadguard.status')
patronictl -c "$W/n1.yml" switchover "$SCOPE" --leader n1 --candidate n2 --force >>"$W/patronictl.log" 2>&1
check "n2 is the primary after the switchover" poll is_primary "$P2"
check "n1 is a hot standby after the switchover" poll is_standby "$P1"
check "n1 keeps sampling" poll sampling "$P1"
check "n2 keeps sampling" poll sampling "$P2"
AFTER_N1=$(q1 'SELECT rejected_connections FROM loadguard.status')
check "n1's refusals kept, not counted twice ($BEFORE_N1 -> $AFTER_N1)" test "$AFTER_N1" = "$BEFORE_N1"
AFTER_N2=$(q2 'SELECT rejected_connections FROM loadguard.status')
check "n2 did not inherit n1's refusals ($AFTER_N2)" test "$AFTER_N2" -lt "$REFUSED_N1"
RFIX1=$(q1 "SELECT fix FROM loadguard.readiness(400, app_role => 'app') WHERE check_name = 'connections'")
check "n1 now reports itself a standby" grep -q "This node is a hot standby" <<<"$RFIX1"
RFIX2=$(q2 "SELECT fix FROM loadguard.readiness(400, app_role => 'app') WHERE check_name = 'connections'")
check "n2 now reports itself the primary" bash -c '! grep -q "This node is a hot standby" <<<"$1" && grep -q "patronictl" <<<"$1"' _ "$RFIX2"

# --- Grafana: the fleet overview, one datasource per node ------------------
if perl "$TOP/test/grafana_fleet.pl" "$TOP/grafana/loadguard-dashboard.json" \
	"host=127.0.0.1 port=$P1 user=app dbname=postgres" "host=127.0.0.1 port=$P2 user=app dbname=postgres" >"$W/grafana.log" 2>&1; then
	ok "Grafana fleet overview over both nodes"
	sed 's/^/# /' "$W/grafana.log"
else
	nok "Grafana fleet overview over both nodes"
	cat "$W/grafana.log"
fi

echo "fleet: $PASS passed, $FAIL failed"
[ "$FAIL" = 0 ]
