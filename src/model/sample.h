/*
 * sample.h — one sample of the server's sessions, as the worker records it
 * each tick and as loadguard.history returns it.
 *
 * Plain C (no server headers) so that the readiness model and the policy can
 * be unit-tested on samples built by hand.  Timestamps are PostgreSQL
 * TimestampTz values (microseconds since 2000-01-01) held in int64_t.
 * This struct is part of the shared-memory layout and the state file:
 * changing it means bumping LG_SHMEM_VERSION.  The per-role fields (nroles
 * on) must stay last: the history ring stores every field before nroles as
 * is and packs the roles (rolepack.h).
 */
#ifndef LG_SAMPLE_H
#define LG_SAMPLE_H

#include <stdint.h>
#include "classify.h"
#include "connect_cost.h"

/* Roles tracked per sample, largest first; the rest are summed in other_*. */
#define LG_SAMPLE_ROLES 8

/*
 * The timeouts a role's sessions ran with in one tick, over those that
 * had published theirs (timeouts.c), by kind in LgTimeouts' order:
 * statement, idle in transaction, idle session, lock.  sources: a bitmask
 * of LG_TSRC_* per kind, where the values came from.  new_sessions: of the
 * sessions, those that started since the previous sample, so that the
 * sessions seen over a lookback are counted once each.
 */
#define LG_TIMEOUT_KINDS	4

#define LG_TSRC_SERVER		0x01	/* server-wide: file, command line,
									 * built-in */
#define LG_TSRC_DEFAULT		0x02	/* ALTER ROLE / ALTER DATABASE default */
#define LG_TSRC_CONNECT		0x04	/* connection options (-c, PGOPTIONS) */
#define LG_TSRC_SET			0x08	/* SET in the session */

typedef struct LgRoleTimeouts
{
	int16_t		sessions;
	int16_t		new_sessions;
	uint8_t		sources[LG_TIMEOUT_KINDS];
	int32_t		min_ms[LG_TIMEOUT_KINDS];
	int32_t		max_ms[LG_TIMEOUT_KINDS];
} LgRoleTimeouts;

/*
 * One role in one sample.  connections, active and busy are counts now;
 * established, refused, ended and short_lived count what happened since the
 * previous sample (see connlog.h: connections established and refused,
 * sessions that ended, and those of them that lived less than
 * LG_SHORT_LIVED_US); peak_connections is the most of the role's client
 * connections open at once since the previous sample, counted where they
 * start and end (live.c), never below connections (0 in samples restored
 * from 1.0).
 */
typedef struct LgRoleCount
{
	uint32_t	roleid;			/* Oid */
	int32_t		connections;
	int32_t		active;
	int32_t		busy;
	int32_t		established;
	int32_t		refused;
	int32_t		ended;
	int32_t		short_lived;
	int32_t		peak_connections;
	/* of established, those whose setup time was measured, and its sum */
	int32_t		connect_count;
	int64_t		connect_us;
} LgRoleCount;

/* A session that ended younger than this (backend start to exit) is short-lived. */
#define LG_SHORT_LIVED_US	(10 * 1000000LL)

typedef struct LgSample
{
	int64_t		ts;				/* TimestampTz of the tick */
	int32_t		max_connections;
	int32_t		usable_connections;
	int32_t		client_connections;
	int32_t		active;
	int32_t		idle;
	int32_t		idle_in_transaction;
	int32_t		idle_in_transaction_aborted;
	int32_t		waiting_on_lock;

	/*
	 * active, idle in transaction (aborted too), fastpath, or waiting on a
	 * lock
	 */
	int32_t		busy_connections;

	/*
	 * Setup time of the client connections established since the previous
	 * sample, from the backend's start after fork to its startup
	 * transaction's commit (connect_cost.h): how many here (in what was
	 * padding before usage_pct), their sum in connect_us below, and the
	 * counts per bucket in connect_buckets at the end.  Count and sum are
	 * figures every ring slot keeps; the buckets are packed with the roles
	 * (rolepack.h).
	 */
	int32_t		connect_count;
	double		usage_pct;
	double		oldest_idle_in_transaction_s;
	double		longest_running_query_s;
	double		longest_transaction_s;

	/* events counted since the previous sample, by LgEventKind */
	uint32_t	events[LG_EVENT_COUNT];

	/* top-level statements finished since the previous sample */
	uint64_t	statements;
	double		latency_p50_ms;
	double		latency_p95_ms;
	double		latency_p99_ms;

	/* policy actions (cancel or terminate, dry run included) this tick */
	uint32_t	policy_actions;

	/*
	 * The most client connections open at once since the previous sample,
	 * counted where connections start and end (live.c), so bursts between two
	 * ticks show; never below client_connections.
	 */
	int32_t		peak_connections;

	/* sum of the setup times counted in connect_count, in microseconds */
	int64_t		connect_us;

	/*
	 * Client connections by role, largest first (then those with the most
	 * connection churn since the previous sample); the rest summed in
	 * other_roles.  roles_complete: every role is in roles[], so a role
	 * missing from it had nothing in this sample.
	 */
	int32_t		nroles;
	LgRoleCount roles[LG_SAMPLE_ROLES];
	int32_t		other_roles_connections;
	int32_t		other_roles_active;
	int32_t		other_roles_busy;
	bool		roles_complete;

	/*
	 * connect_count's connections per setup-time bucket (connect_cost.h); in
	 * the ring, only the non-empty buckets are stored, in the pool
	 * (rolepack.h)
	 */
	uint32_t	connect_buckets[LG_CONNECT_BUCKETS];
} LgSample;

/* Connections refused in this sample's interval, all kinds together. */
static inline uint64_t
lg_sample_refused(const LgSample *sample)
{
	uint64_t	refused = 0;

	for (int k = 0; k < LG_EVENT_COUNT; k++)
	{
		if (lg_event_is_refusal((LgEventKind) k))
			refused += sample->events[k];
	}
	return refused;
}

#endif							/* LG_SAMPLE_H */
