# test/lib.sh — shell helpers shared by `make test`, `make demo` and `make bench`:
# package installation, and throwaway clusters run as a non-root user with a
# private socket directory and port.  Source it; it defines functions only.

# libkrb5-dev: the GSSAPI headers that the server's libpq/libpq-be.h includes (connlog.c);
# pgbouncer: t/041 proves the pooler fix; prometheus-postgres-exporter: t/090 scrapes it
LG_PACKAGES="postgresql-15 postgresql-server-dev-15 libkrb5-dev postgresql-contrib libcmocka-dev libipc-run-perl check-postgres build-essential valgrind pgbouncer prometheus-postgres-exporter"

lg_say() { printf '\n==> %s\n' "$*"; }

# Install what is missing (root only; a developer without root needs the packages).
lg_install_packages() {
	local missing=() p
	for p in $LG_PACKAGES; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	if [ "$(id -u)" != 0 ]; then
		echo "missing packages: ${missing[*]} (install them, or run as root)" >&2
		return 1
	fi
	lg_say "installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >/dev/null &&
		apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

lg_pg_bindir() { "${PG_CONFIG:-pg_config}" --bindir; }

# Run a command as the cluster owner: postgres when we are root, else ourselves.
lg_as_owner() {
	if [ "$(id -u)" = 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

# A port nothing listens on, on loopback.
lg_free_port() {
	local port
	for _ in $(seq 1 50); do
		port=$((20000 + RANDOM % 20000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
			echo "$port"
			return 0
		fi
	done
	return 1
}

# lg_pgbouncer_start DIR ROLE POOL_SIZE MAX_CLIENT_CONN
# PgBouncer in transaction mode on a free loopback port in front of the
# cluster's database postgres, its server connections as ROLE; DIR (owned by
# the cluster owner) holds its ini, log and pid.  Sets LG_BOUNCER_PORT and
# LG_BOUNCER_PID; the caller kills LG_BOUNCER_PID.
lg_pgbouncer_start() {
	local dir=$1 role=$2 pool=$3 max_client=$4
	LG_BOUNCER_PORT=$(lg_free_port)
	cat >"$dir/pgbouncer.ini" <<EOF
[databases]
postgres = host=$PGHOST port=$PGPORT dbname=postgres user=$role

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $LG_BOUNCER_PORT
unix_socket_dir =
auth_type = any
pool_mode = transaction
default_pool_size = $pool
max_client_conn = $max_client
ignore_startup_parameters = options
logfile = $dir/pgbouncer.log
pidfile = $dir/pgbouncer.pid
EOF
	[ "$(id -u)" = 0 ] && chown postgres: "$dir/pgbouncer.ini"
	lg_as_owner /usr/sbin/pgbouncer -d "$dir/pgbouncer.ini" || return 1
	for _ in $(seq 1 200); do
		[ -f "$dir/pgbouncer.pid" ] &&
			"$(lg_pg_bindir)/pg_isready" -q -h 127.0.0.1 -p "$LG_BOUNCER_PORT" && break
		sleep 0.1
	done
	# shellcheck disable=SC2034  # read by the caller
	LG_BOUNCER_PID=$(cat "$dir/pgbouncer.pid" 2>/dev/null) || {
		echo "PgBouncer did not start: $(tail -n 3 "$dir/pgbouncer.log" 2>/dev/null)" >&2
		return 1
	}
}

# lg_cluster_start [extra postgresql.conf lines...]
# Sets LG_TMP, LG_PGDATA, LG_LOG and exports PGHOST, PGPORT, PGUSER, PGDATABASE.
lg_cluster_start() {
	local bindir line
	bindir=$(lg_pg_bindir)
	LG_TMP=$(mktemp -d /tmp/loadguard.XXXXXX)
	chmod 755 "$LG_TMP"
	mkdir -p "$LG_TMP/sock"
	[ "$(id -u)" = 0 ] && chown -R postgres: "$LG_TMP"
	LG_PGDATA=$LG_TMP/data
	LG_LOG=$LG_TMP/server.log
	lg_as_owner "$bindir/initdb" -D "$LG_PGDATA" -U postgres -A trust -E UTF8 --locale=C -N >"$LG_TMP/initdb.log" 2>&1 || {
		cat "$LG_TMP/initdb.log" >&2
		return 1
	}
	PGPORT=$(lg_free_port)
	{
		echo "port = $PGPORT"
		echo "unix_socket_directories = '$LG_TMP/sock'"
		echo "listen_addresses = '127.0.0.1'"
		echo "shared_preload_libraries = 'loadguard'"
		echo "fsync = off"
		echo "max_connections = 40"
		for line in "$@"; do echo "$line"; done
	} | lg_as_owner tee -a "$LG_PGDATA/postgresql.conf" >/dev/null
	# shellcheck disable=SC2086  # LG_SERVER_ENV is a list of VAR=value words
	lg_as_owner env ${LG_SERVER_ENV:-} "$bindir/pg_ctl" -D "$LG_PGDATA" -l "$LG_LOG" -w -t 60 start >/dev/null || {
		cat "$LG_LOG" >&2
		return 1
	}
	export PGHOST=$LG_TMP/sock PGPORT PGUSER=postgres PGDATABASE=postgres
}

lg_cluster_stop() {
	[ -n "${LG_PGDATA:-}" ] && [ -d "$LG_PGDATA" ] || return 0
	lg_as_owner "$(lg_pg_bindir)/pg_ctl" -D "$LG_PGDATA" -m fast -w -t 30 stop >/dev/null 2>&1 ||
		lg_as_owner "$(lg_pg_bindir)/pg_ctl" -D "$LG_PGDATA" -m immediate stop >/dev/null 2>&1
	rm -rf "$LG_TMP"
	LG_PGDATA=
}
