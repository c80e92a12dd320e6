#!/usr/bin/env bash
# test/check_deb.sh — the Debian package installs and works where `make install`
# has not run (`make test`: check/deb; root only, else skipped with the reason).
#   1. move loadguard's files out of the system PostgreSQL 15 (what an earlier
#      `make install` put there), so that only the package can provide them;
#   2. build the package with `make deb` from a copy of the tree (the tree stays
#      clean; the build itself runs the regression suite through pg_buildext);
#   3. install the .deb with dpkg, check that it owns the files, preload it on a
#      throwaway cluster, CREATE EXTENSION, and query loadguard.status until the
#      worker reports; then run the package's autopkgtest (debian/tests);
#   4. on every exit path: stop the cluster, remove the package, put the moved
#      files back byte for byte (the rest of the suite expects them).
# Exit 0 passes, 77 skips (last line says why), anything else fails.
set -u
cd "$(dirname "$0")/.." || exit 1
# shellcheck source=test/lib.sh
. test/lib.sh

skip() { echo "skipped: $*"; exit 77; }
die() { echo "FAILED: $*"; exit 1; }

[ "$(id -u)" = 0 ] || skip "needs root: installs and removes a package in the system PostgreSQL"
SYS_PG_CONFIG=/usr/lib/postgresql/15/bin/pg_config
[ -x "$SYS_PG_CONFIG" ] || skip "no system PostgreSQL 15 ($SYS_PG_CONFIG)"
PKG=postgresql-15-loadguard
if dpkg-query -W -f='${Status}' "$PKG" 2>/dev/null | grep -q 'installed'; then
	skip "$PKG is already installed on this system; remove it (dpkg -r $PKG) to run this test"
fi

LIBDIR=$("$SYS_PG_CONFIG" --pkglibdir)
EXTDIR=$("$SYS_PG_CONFIG" --sharedir)/extension
WORK=$(mktemp -d /tmp/lg-deb.XXXXXX)
chmod 755 "$WORK"   # the build-time test cluster (pg_virtualenv) runs as another user
BACKUP=$WORK/backup.tar
INSTALLED=0

# shellcheck disable=SC2317  # run by the EXIT trap
restore() {
	lg_cluster_stop
	if [ "$INSTALLED" = 1 ]; then
		dpkg -r "$PKG" >"$WORK/remove.log" 2>&1 || { cat "$WORK/remove.log"; echo "FAILED: dpkg -r $PKG"; }
	fi
	if [ -s "$BACKUP" ]; then
		tar -C / -xpf "$BACKUP" || echo "FAILED: restoring the system's loadguard files from $BACKUP"
	fi
	rm -rf "$WORK"
}
trap restore EXIT
trap 'exit 1' INT TERM

# 1. the system install without loadguard: keep what is there, then remove it
# (before the build too: the build's own regression run must not find them)
FILES=()
for f in "$LIBDIR/loadguard.so" "$LIBDIR/bitcode/loadguard" "$LIBDIR/bitcode/loadguard.index.bc" \
	"$EXTDIR"/loadguard.control "$EXTDIR"/loadguard--*.sql; do
	[ -e "$f" ] && FILES+=("${f#/}")
done
if [ ${#FILES[@]} -gt 0 ]; then
	tar --format=posix -C / -cpf "$BACKUP" "${FILES[@]}" || die "saving the system's loadguard files"
	(cd / && rm -rf "${FILES[@]}")
	echo "moved ${#FILES[@]} files of an earlier make install out of the system PostgreSQL"
fi
for f in "$LIBDIR/loadguard.so" "$EXTDIR/loadguard.control"; do
	[ -e "$f" ] && die "$f is still there"
done

# 2. build from a copy of the tree: tracked and new files, not ignored ones
mkdir -p "$WORK/src/loadguard"
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	git ls-files -z -co --exclude-standard | tar -cf - --null -T - | tar -xf - -C "$WORK/src/loadguard"
else
	tar -cf - --exclude=./debian/postgresql-15-loadguard . | tar -xf - -C "$WORK/src/loadguard"
fi
echo "building the package (make deb)"
if ! (cd "$WORK/src/loadguard" && env -u PG_CONFIG make -s deb) >"$WORK/build.log" 2>&1; then
	cp "$WORK/build.log" /tmp/lg-deb-build.log
	tail -n 60 "$WORK/build.log"
	die "make deb (whole log: /tmp/lg-deb-build.log)"
fi
VERSION=$(dpkg-parsechangelog -l debian/changelog -S Version)
DEB=$WORK/src/${PKG}_${VERSION}_$(dpkg --print-architecture).deb
[ -f "$DEB" ] || { ls -l "$WORK/src"; die "make deb did not produce $(basename "$DEB")"; }
echo "built $(basename "$DEB")"

# 3. install, preload, create, query
INSTALLED=1
dpkg -i "$DEB" >"$WORK/install.log" 2>&1 || { cat "$WORK/install.log"; die "dpkg -i $(basename "$DEB")"; }
for f in "$LIBDIR/loadguard.so" "$EXTDIR/loadguard.control"; do
	owner=$(dpkg -S "$f" 2>/dev/null | cut -d: -f1)
	[ "$owner" = "$PKG" ] || die "$f is not installed by $PKG (dpkg -S: '${owner:-none}')"
done
echo "installed: $(dpkg-query -W -f='${Package} ${Version}' "$PKG")"

export PG_CONFIG=$SYS_PG_CONFIG
lg_cluster_start || die "a cluster preloading the packaged loadguard did not start"
BINDIR=$(lg_pg_bindir)
psql() { "$BINDIR/psql" -X -q -v ON_ERROR_STOP=1 -At "$@"; }
psql -c "CREATE EXTENSION loadguard" || die "CREATE EXTENSION loadguard"
ver=$(psql -c "SELECT extversion FROM pg_extension WHERE extname = 'loadguard'")
want=$(sed -n "s/^default_version *= *'\(.*\)'/\1/p" loadguard.control)
[ "$ver" = "$want" ] || die "extension version $ver, expected $want"
# the worker's first tick fills status; wait for it with a deadline.  A
# session held open for the whole wait makes "a tick saw a client" certain:
# the polling sessions alone are short and a busy machine's ticks can miss them.
psql -c "SELECT pg_sleep(90)" >/dev/null 2>&1 &
HOLDER=$!
deadline=$((SECONDS + 60))
worker=f
while [ $SECONDS -lt $deadline ]; do
	read -r worker maxconn mine <<<"$(psql -F ' ' -c "SELECT worker_pid IS NOT NULL, max_connections, client_connections >= 1 FROM loadguard.status")"
	[ "$worker" = t ] && [ "${mine:-}" = t ] && break
	sleep 0.2
done
kill "$HOLDER" 2>/dev/null
wait "$HOLDER" 2>/dev/null
if [ "$worker" != t ] || [ "${mine:-}" != t ]; then
	cat "$LG_LOG"
	die "loadguard.status did not report its worker and this session within 60 s"
fi
echo "CREATE EXTENSION loadguard (version $ver); loadguard.status answers: worker running, max_connections $maxconn"
lg_cluster_stop

# the package's own autopkgtest (debian/tests): pg_regress against the
# installed package, on a pg_virtualenv cluster
if ! (cd "$WORK/src/loadguard" && debian/tests/installcheck) >"$WORK/autopkgtest.log" 2>&1; then
	tail -n 80 "$WORK/autopkgtest.log"
	die "debian/tests/installcheck against the installed package"
fi
echo "debian/tests/installcheck: $(grep -cE '^(test| ) +[[:alnum:]_]+ +\.\.\. ok' "$WORK/autopkgtest.log") regression tests ok against the installed package"

# 4. remove the package now (restore() puts back the earlier files)
dpkg -r "$PKG" >"$WORK/remove.log" 2>&1 || { cat "$WORK/remove.log"; die "dpkg -r $PKG"; }
INSTALLED=0
[ -e "$LIBDIR/loadguard.so" ] && die "dpkg -r left $LIBDIR/loadguard.so"
echo "removed $PKG"
exit 0
