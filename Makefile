# Makefile — PGXS build of loadguard, and the project's commands:
#   make demo    build, install, and replay a load test on a throwaway cluster
#   make test    every test tier (cmocka, pg_regress, cluster); ends "N passed, M failed"
#   make bench   benchmarks that print figures (not part of make test)
#   make indent-check / make indent   pg_bsd_indent layout: check it / apply it
#   make validate  readiness predictions against real runs of four client
#                behaviours (pgbench, pgbench -C, Django/gunicorn, PgBouncer)
# Both demo and test install the Debian packages they need when run as root.

EXTENSION = loadguard
MODULE_big = loadguard
PGFILEDESC = "loadguard - connection readiness, failure counters and stuck-session policy"
# Server glue in src/, the plain-C core (no postgres.h) in src/model/.
OBJS = \
	src/admin.o \
	src/audit.o \
	src/connections.o \
	src/events.o \
	src/history.o \
	src/loadguard.o \
	src/modules.o \
	src/overrides.o \
	src/persist.o \
	src/pressure.o \
	src/sampler.o \
	src/shmem.o \
	src/statements.o \
	src/terminate.o \
	src/views_api.o \
	src/views_config.o \
	src/views_connections.o \
	src/views_events.o \
	src/views_history.o \
	src/views_policy.o \
	src/views_readiness.o \
	src/views_sessions.o \
	src/views_statements.o \
	src/views_status.o \
	src/worker.o \
	src/model/classify.o \
	src/model/histogram.o \
	src/model/lists.o \
	src/model/machine.o \
	src/model/names.o \
	src/model/persist_format.o \
	src/model/policy.o \
	src/model/readiness.o \
	src/model/ring.o \
	src/model/settings_rules.o
DATA = loadguard--1.0.sql loadguard--1.0--1.1.sql
REGRESS = $(sort $(basename $(notdir $(wildcard sql/*.sql))))
REGRESS_OPTS = --inputdir=.
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

.PHONY: test demo bench unit validate indent indent-check
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

# pg_bsd_indent with pgindent's options over the C sources (test/indent.sh)
indent-check:
	@bash test/indent.sh check

indent:
	@bash test/indent.sh fix
