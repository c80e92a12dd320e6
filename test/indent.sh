#!/usr/bin/env bash
# test/indent.sh — loadguard's C sources (src/, src/model/, test/unit/)
# through pg_bsd_indent (Debian package pg-bsd-indent) with the options of
# PostgreSQL's pgindent.
#   make indent-check   print what differs, exit 1 if anything does (CI)
#   make indent         rewrite the files
# The typedef list is built here, from every typedef in the server's headers
# and in our sources: pg_bsd_indent lays out "Name *x" declarations right only
# for names it knows are types.
set -euo pipefail
cd "$(dirname "$0")/.."
. test/lib.sh

MODE=${1:-check}
LG_PACKAGES="pg-bsd-indent postgresql-server-dev-15" lg_install_packages
INDENT=${PG_BSD_INDENT:-pg_bsd_indent}
# pgindent's settings (src/tools/pgindent/pgindent in PostgreSQL 15)
OPTS="-bad -bap -bbb -bc -bl -cli1 -cp33 -cdb -nce -d0 -di12 -nfc1 -i4 -l79 -lp -lpl -nip -npro -sac -tpg -ts4"
INCLUDEDIR=$("${PG_CONFIG:-pg_config}" --includedir-server)

TMP=$(mktemp -d /tmp/loadguard-indent.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

FILES=$(find src test/unit -name '*.[ch]' | LC_ALL=C sort)

# Type names: "} Name;" closing a typedef'd struct, "typedef ... Name;",
# "typedef ret (*Name) (...)", plus the C library's types.  Not "text": the
# server's type, but the plain-C core names variables so, and no glue
# declares a text pointer.
{
	printf '%s\n' bool FILE size_t ssize_t ptrdiff_t va_list pid_t off_t time_t \
		sig_atomic_t socklen_t int8_t int16_t int32_t int64_t uint8_t uint16_t \
		uint32_t uint64_t intptr_t uintptr_t jmp_buf sigjmp_buf
	find "$INCLUDEDIR" -name '*.h' -print0 | xargs -0 cat -- $FILES |
		sed -nE \
			-e 's/^\}[[:space:]]*([A-Za-z_][A-Za-z0-9_]*)[[:space:]]*;.*/\1/p' \
			-e 's/^typedef[^;(]*[[:space:]*]([A-Za-z_][A-Za-z0-9_]*)[[:space:]]*(\[[^]]*\])?[[:space:]]*;.*/\1/p' \
			-e 's/^typedef[^;]*\(\*[[:space:]]*([A-Za-z_][A-Za-z0-9_]*)\).*/\1/p'
} | grep -vx 'text' | sort -u >"$TMP/typedefs"

# pgindent's essential pre- and post-processing: keep "/* ---" comment
# blocks as written, and one space before "*" in a return type on its own line.
indent_one() { # indent_one FILE OUT
	sed -e 's|/\* *---|/*---X_X|g' "$1" >"$TMP/in.c"
	"$INDENT" $OPTS -U"$TMP/typedefs" "$TMP/in.c" "$TMP/out.c" 2>"$TMP/err" || true
	if [ -s "$TMP/err" ]; then
		echo "$1: pg_bsd_indent: $(cat "$TMP/err")" >&2
		return 1
	fi
	sed -E -e 's|/\*---X_X|/* ---|g' \
		-e 's/^([A-Za-z_][^[:space:]]*)[[:space:]]+\*$/\1 */' "$TMP/out.c" >"$2"
}

bad=0
for f in $FILES; do
	indent_one "$f" "$TMP/result" || { bad=1; continue; }
	if ! cmp -s "$f" "$TMP/result"; then
		if [ "$MODE" = fix ]; then
			cp "$TMP/result" "$f"
			echo "indented $f"
		else
			diff -u "$f" "$TMP/result" | sed "1,2s|$TMP/result|$f (pg_bsd_indent)|" || true
			bad=1
		fi
	fi
done
if [ "$MODE" = check ]; then
	if [ $bad -ne 0 ]; then
		echo "indent-check: files differ from pg_bsd_indent's layout; run 'make indent'" >&2
		exit 1
	fi
	echo "indent-check: $(echo "$FILES" | wc -w) files as pg_bsd_indent lays them out"
fi
exit $bad
