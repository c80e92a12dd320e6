/*
 * persist_v1_0.h — the layouts loadguard 1.0 wrote to its state file for
 * history samples and the per-name connection tables, frozen here so that
 * a server that restarts from 1.0 into a newer library keeps its history
 * and peaks (persist.c loads them through these converters).
 *
 * Plain C (no server headers), unit-tested by test/unit/test_persist_format.c.
 * Never edit these structs: they describe files already written.
 *
 * LgSampleV1_0 repeats fields of LgSample (sample.h) on purpose.  They are
 * two different things that happen to start alike: LgSample is today's
 * layout and changes with every release (bumping LG_SHMEM_VERSION), this
 * one is the 1.0 file format and never changes.  Declaring the common
 * fields once (a shared macro or sub-struct) would let an edit of LgSample
 * silently change how 1.0 files are read; the sizes are pinned below and
 * in test_persist_format.c.
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

typedef struct LgSampleV1_0
{
	int64_t		ts;
	int32_t		max_connections;
	int32_t		usable_connections;
	int32_t		client_connections;
	int32_t		active;
	int32_t		idle;
	int32_t		idle_in_transaction;
	int32_t		idle_in_transaction_aborted;
	int32_t		waiting_on_lock;
	double		usage_pct;
	double		oldest_idle_in_transaction_s;
	double		longest_running_query_s;
	double		longest_transaction_s;
	uint32_t	events[LG_V1_0_EVENT_COUNT];
	uint64_t	statements;
	double		latency_p50_ms;
	double		latency_p95_ms;
	double		latency_p99_ms;
	uint32_t	policy_actions;
	int32_t		nroles;
	LgRoleCountV1_0 roles[LG_V1_0_SAMPLE_ROLES];
	int32_t		other_roles_connections;
	int32_t		other_roles_active;
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
