/*
 * roles.h — what each role does with its connections, for loadguard.roles
 * and for the readiness model (the connection_pattern check): now
 * (connections, busy, connection ages, the timeouts its sessions run with),
 * over a lookback of history (peak and p95 of busy connections, churn) and
 * since reset (connections established and refused under its name).
 *
 * How to tell the three connection patterns apart from an LgRoleObservation
 * (the readiness model decides; these are the inputs):
 *   - one persistent connection per user or thread: long-lived (median
 *     connection age large), mostly idle (p95_busy well below
 *     peak_connections), little churn (lookback.established small next to
 *     peak_connections, few short_lived);
 *   - a connection per request: short-lived (short_lived close to ended,
 *     median age small), established ≫ peak_connections in the lookback;
 *   - a pooler in front: few long-lived connections, mostly busy (p95_busy
 *     close to peak_connections), little churn.
 */
#ifndef LG_ROLES_H
#define LG_ROLES_H

#include "datatype/timestamp.h"

#include "rolestats.h"
#include "session.h"

typedef struct LgRoleObservation
{
	Oid			roleid;

	/* now: client connections of this role, and how many are busy */
	int32		connections;
	int32		busy;
	/* median of (now - backend start) over those connections; -1 if none */
	double		median_connection_age_s;

	/*
	 * min and max of each effective timeout over the sessions that have
	 * published theirs (and that the reader may see); ntimeouts = how many.
	 */
	int32		ntimeouts;
	LgTimeouts	min_timeouts;
	LgTimeouts	max_timeouts;

	/*
	 * Over the lookback: per-sample figures from the history (see
	 * rolestats.h), peaks raised to the counts now; p95_busy is the count now
	 * when the history holds no sample of the lookback.
	 */
	LgRoleLookback lookback;

	/*
	 * Since reset, under this role's name in loadguard.connections; -1 when
	 * the role is not among the names tracked (counted in "(other)").
	 */
	int64		established;
	int64		refused;
} LgRoleObservation;

/*
 * One observation per role that has client connections now or appears in
 * the history since `since`; palloc'd, most connections first.  Returns the
 * count.  *oldest_ts receives the ts of the oldest sample the history holds
 * (0 when empty), so a caller can tell when the lookback reaches past it.
 * reader: the timeouts are aggregated only over sessions whose state this
 * reader may see (visibility.h); NULL for all sessions.
 */
struct LgReader;
extern int	lg_roles_observe(TimestampTz since, const struct LgReader *reader,
							 LgRoleObservation **out, TimestampTz *oldest_ts);

#endif							/* LG_ROLES_H */
