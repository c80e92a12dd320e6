/*
 * rolestats.h — per-role figures over a lookback of samples (peak and p95
 * of busy connections, churn), and the order statistics they need.
 *
 * Plain C (no server headers), unit-tested by test/unit/test_rolestats.c.
 * The server glue (roles.c) copies the samples out of the history and the
 * sessions out of the backend status array, and hands them here.
 */
#ifndef LG_ROLESTATS_H
#define LG_ROLESTATS_H

#include <stdbool.h>
#include <stdint.h>

#include "sample.h"
#include "session.h"
#include "stats.h"

/* One role over a lookback. */
typedef struct LgRoleLookback
{
	uint32_t	roleid;

	/*
	 * Samples in which this role's counts are known: it is among the sample's
	 * top roles, or the sample lists every role (so it had none).
	 */
	int32_t		samples;
	int32_t		peak_connections;	/* most open at once (peak_connections of
									 * the samples) */
	int32_t		peak_busy;
	int32_t		p95_busy;		/* nearest rank over the known samples */
	double		mean_connections;
	double		mean_busy;
	/* summed over the known samples */
	int64_t		established;
	int64_t		refused;
	int64_t		ended;			/* sessions that ended */
	int64_t		short_lived;	/* of those, lived less than LG_SHORT_LIVED_US */
	/* connections whose setup time was measured, and its sum (sample.h) */
	int64_t		connect_count;
	int64_t		connect_us;
} LgRoleLookback;

/*
 * The figures of one role over samples[0..n).  scratch must hold n values.
 * out->samples is 0 when no sample knows the role.
 */
extern void lg_role_lookback(const LgSample *samples, int n, uint32_t roleid,
							 int32_t *scratch, LgRoleLookback *out);

/*
 * Add one session's published timeouts (values in LgTimeouts' order, with
 * their LG_TSRC_* sources) to a role's figures for one sample; is_new: it
 * started since the previous sample.  The tick's tallies go to their
 * own per-minute ring (tominutes.h), not into the samples.
 */
extern void lg_role_timeouts_add(LgRoleTimeouts *agg, const int32_t values[LG_TIMEOUT_KINDS],
								 const uint8_t sources[LG_TIMEOUT_KINDS], bool is_new);

/*
 * The distinct roles named in samples[0..n), into roleids (room for max);
 * returns how many (at most max).
 */
extern int	lg_roles_in_samples(const LgSample *samples, int n, uint32_t *roleids, int max);

/*
 * Busy: doing something with its connection now — running (or fastpath),
 * in an open transaction (aborted too), or waiting on a lock.  An idle
 * session merely holds its connection.
 */
static inline bool
lg_session_is_busy(LgSessionState state, bool waiting_on_lock)
{
	switch (state)
	{
		case LG_STATE_ACTIVE:
		case LG_STATE_FASTPATH:
		case LG_STATE_IDLE_IN_TRANSACTION:
		case LG_STATE_IDLE_IN_TRANSACTION_ABORTED:
			return true;
		default:
			return waiting_on_lock;
	}
}

#endif							/* LG_ROLESTATS_H */
