# Makefile — PGXS build of loadguard, and the project's commands:
#   make demo    build, install, and replay a load test on a throwaway cluster
#   make test    every test tier (cmocka, pg_regress, cluster); ends "N passed, M failed"
#                (LG_STRESS=1: with every core kept busy; see doc/testing.md)
#   make installcheck  PGXS: pg_regress against a running server, then the TAP
#                tests in t/ (as a non-root user)
#   make bench   benchmarks that print figures (not part of make test)
#   make validate  readiness predictions against real runs of four client
#                behaviours (pgbench, pgbench -C, Django/gunicorn, PgBouncer)
#   make deb     the Debian package ../postgresql-15-loadguard_<version>_<arch>.deb (debian/)
#   make dist    the PGXN distribution loadguard-<version>.zip (META.json), from git HEAD
#   make indent-check / make indent   pg_bsd_indent layout: check it / apply it
# Both demo and test install the Debian packages they need when run as root.

EXTENSION = loadguard
MODULE_big = loadguard
PGFILEDESC = "loadguard - connection readiness, failure counters and stuck-session policy"
# Server glue in src/, the plain-C core (no postgres.h) in src/model/.
OBJS = \
	src/admin.o \
	src/audit.o \
	src/catscan.o \
	src/connections.o \
	src/connlog.o \
	src/events.o \
	src/history.o \
	src/history_minutes.o \
	src/live.o \
	src/loadguard.o \
	src/modules.o \
	src/overrides.o \
	src/persist.o \
	src/pressure.o \
	src/roles.o \
	src/sampler.o \
	src/shmem.o \
	src/statements.o \
	src/terminate.o \
	src/timeout_minutes.o \
	src/timeouts.o \
	src/views_api.o \
	src/views_config.o \
	src/views_connections.o \
	src/views_events.o \
	src/views_history.o \
	src/views_policy.o \
	src/views_readiness.o \
	src/views_roles.o \
	src/views_sessions.o \
	src/views_statements.o \
	src/views_status.o \
	src/visibility.o \
	src/worker.o \
	src/model/classify.o \
	src/model/connect_cost.o \
	src/model/histogram.o \
	src/model/keydict.o \
	src/model/lists.o \
	src/model/machine.o \
	src/model/names.o \
	src/model/persist_format.o \
	src/model/persist_v1_0.o \
	src/model/policy.o \
	src/model/readiness.o \
	src/model/ring.o \
	src/model/rolepack.o \
	src/model/roleslots.o \
	src/model/rolestats.o \
	src/model/rollup.o \
	src/model/settings_rules.o \
	src/model/stats.o \
	src/model/textfield.o \
	src/model/tominutes.o
DATA = loadguard--1.0.sql loadguard--1.0--1.1.sql
# pg_regress suites (sql/, expected/), in order; `make installcheck` runs
# them against a running server, then the cluster TAP tests in t/ through
# PGXS's prove_installcheck (as a non-root user: PostgreSQL::Test::Cluster
# runs initdb).  LoadGuardTest.pm is in test/perl (PROVE_FLAGS below).
REGRESS = 00_extension 01_report 05_upgrade 10_views 20_events 30_statements \
	40_readiness 45_config_check 46_one_rule 50_policy 70_hostile 75_privileges
# `TAP_TESTS=` in the environment (the Debian package's build-time and
# autopkgtest runs, which may be root) runs pg_regress alone.
TAP_TESTS ?= 1
EXTRA_CLEAN = test/unit/bin

PG_CONFIG ?= pg_config
PG_CPPFLAGS += -I$(srcdir)/src -I$(srcdir)/src/model
PG_CFLAGS += -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers -Wno-sign-compare
ifeq ($(LG_WERROR),1)
PG_CFLAGS += -Werror
endif
# Sanitizer build of the module (see doc/testing.md): UBSan in the server;
# ASan cannot be preloaded into Debian's uninstrumented postgres.
ifeq ($(LG_SANITIZE),1)
PG_CFLAGS += -fsanitize=undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
SHLIB_LINK += -fsanitize=undefined
endif

PGXS := $(shell $(PG_CONFIG) --pgxs 2>/dev/null)
ifneq ($(wildcard $(PGXS)),)
include $(PGXS)
else
all:
	@echo "PostgreSQL server development files (postgresql-server-dev-15) are missing:" >&2
	@echo "run 'make test' or 'make demo' as root, which install them, or install them yourself." >&2
	@exit 1
endif
# after the PGXS include, which empties PROVE_FLAGS; prove runs in $(srcdir)
PROVE_FLAGS = -I ./test/perl

.PHONY: test demo bench unit validate deb dist indent indent-check
test:
	@bash test/run.sh

demo:
	@bash test/demo.sh

bench:
	@bash test/bench.sh

validate:
	@bash test/validate.sh

unit:
	$(MAKE) -C test/unit

# The Debian package, built by Debian's PostgreSQL tooling (debian/rules:
# pg_buildext for each version in debian/pgversions).  As root, the build
# dependencies are installed first when dpkg-checkbuilddeps finds any missing.
# The variables of this make (PG_CONFIG...) are not passed down: the package
# is built against /usr/lib/postgresql/<version>.
deb:
	@if [ "$$(id -u)" = 0 ] && ! { command -v dpkg-checkbuilddeps >/dev/null && dpkg-checkbuilddeps >/dev/null 2>&1; }; then \
		echo "installing the build dependencies"; \
		export DEBIAN_FRONTEND=noninteractive; \
		apt-get -o DPkg::Lock::Timeout=600 update -qq >/dev/null && \
		apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends \
			build-essential dpkg-dev debhelper postgresql-server-dev-all libkrb5-dev >/dev/null || exit 1; \
	fi
	env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS -u PG_CONFIG dpkg-buildpackage -us -uc -b

# The PGXN distribution: what git HEAD holds, under loadguard-<version>/,
# <version> being META.json's.  DISTDIR (with a trailing slash) puts it elsewhere.
LG_DIST_VERSION = $(shell perl -MJSON::PP -e 'local $$/; print decode_json(<STDIN>)->{version}' <META.json)
dist:
	git archive --format=zip --prefix=loadguard-$(LG_DIST_VERSION)/ -o $(DISTDIR)loadguard-$(LG_DIST_VERSION).zip HEAD
	@echo "$(DISTDIR)loadguard-$(LG_DIST_VERSION).zip"

# pg_bsd_indent with pgindent's options over the C sources (test/indent.sh),
# and the include boundaries: no header includes postgres.h, src/model/ no
# server header (test/check_headers.pl, also in make test's checks tier)
indent-check:
	@perl test/check_headers.pl
	@bash test/indent.sh check

indent:
	@bash test/indent.sh fix
