/*
 * persist_v1_0.h — the layouts loadguard 1.0 wrote to its state file for
 * history samples and the per-name connection tables, frozen here so that
 * a server that restarts from 1.0 into a newer library keeps its history
 * and peaks (persist.c loads them through these converters).
 *
 * Plain C (no server headers), unit-tested by test/unit/test_persist_format.c.
 * Never edit these structs: they describe files already written.
 *
 * The 1.0 sample is declared from one field list, LG_SAMPLE_V1_0_FIELDS,
 * which also drives the converter: a field the list marks KEPT is copied to
 * the field of the same name in today's LgSample, so the layout and the
 * conversion cannot disagree.  LgSample itself is declared on its own, in
 * sample.h: it changes with every release (bumping LG_SHMEM_VERSION) while
 * this list describes files already written and never changes; the sizes
 * are pinned in persist_v1_0.c and test_persist_format.c.
 */
#ifndef LG_PERSIST_V1_0_H
#define LG_PERSIST_V1_0_H

#include <stdint.h>

#include "names.h"
#include "sample.h"

#define LG_V1_0_EVENT_COUNT		16
#define LG_V1_0_SAMPLE_ROLES	8

typedef struct LgRoleCountV1_0
{
	uint32_t	roleid;
	int32_t		connections;
	int32_t		active;
} LgRoleCountV1_0;

/*
 * The 1.0 sample in file order.  KEPT(type, field): today's LgSample has a
 * field of that name meaning the same, copied as it is.  OWN(type, field):
 * converted by lg_sample_from_v1_0 (the event counters, which have grown in
 * number since, and the per-role counts, whose layout has changed).  Fields
 * 1.0 did not have are zero or derived (busy from active, see below).
 */
#define LG_SAMPLE_V1_0_FIELDS(KEPT, OWN) \
	KEPT(int64_t, ts) \
	KEPT(int32_t, max_connections) \
	KEPT(int32_t, usable_connections) \
	KEPT(int32_t, client_connections) \
	KEPT(int32_t, active) \
	KEPT(int32_t, idle) \
	KEPT(int32_t, idle_in_transaction) \
	KEPT(int32_t, idle_in_transaction_aborted) \
	KEPT(int32_t, waiting_on_lock) \
	KEPT(double, usage_pct) \
	KEPT(double, oldest_idle_in_transaction_s) \
	KEPT(double, longest_running_query_s) \
	KEPT(double, longest_transaction_s) \
	OWN(uint32_t, events[LG_V1_0_EVENT_COUNT]) \
	KEPT(uint64_t, statements) \
	KEPT(double, latency_p50_ms) \
	KEPT(double, latency_p95_ms) \
	KEPT(double, latency_p99_ms) \
	KEPT(uint32_t, policy_actions) \
	OWN(int32_t, nroles) \
	OWN(LgRoleCountV1_0, roles[LG_V1_0_SAMPLE_ROLES]) \
	KEPT(int32_t, other_roles_connections) \
	KEPT(int32_t, other_roles_active)

#define LG_V1_0_FIELD(type, field) type field;

typedef struct LgSampleV1_0
{
	LG_SAMPLE_V1_0_FIELDS(LG_V1_0_FIELD, LG_V1_0_FIELD)
} LgSampleV1_0;

typedef struct LgNameEntryV1_0
{
	LgNameKey	key;
	int32_t		current;
	int32_t		idle_in_transaction;
	int32_t		peak;
	int64_t		peak_at;
} LgNameEntryV1_0;

typedef struct LgNameTableV1_0
{
	int32_t		nentries;
	LgNameEntryV1_0 entries[LG_NAMES_PER_DIMENSION];
	LgNameEntryV1_0 other;
} LgNameTableV1_0;

/*
 * A 1.0 sample as a current one.  1.0 did not tell busy from held: busy is
 * estimated as active + idle in transaction (aborted too) — a session
 * waiting on a lock is active — and per role as its active count (a lower
 * bound).  Fields 1.0 did not have are zero.
 */
extern void lg_sample_from_v1_0(const LgSampleV1_0 *in, LgSample *out);

/* A 1.0 name table as a current one: no established or refused counts. */
extern void lg_name_table_from_v1_0(const LgNameTableV1_0 *in, LgNameTable *out);

#endif							/* LG_PERSIST_V1_0_H */
