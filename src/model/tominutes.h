/*
 * tominutes.h — the timeouts each role's sessions ran with, minute by
 * minute: the tally of one tick, its merge into the minute's entry, the
 * ring of minutes, and the figures over a lookback (issue 17 item 4).
 *
 * Kept apart from the samples on purpose: the raw history packs each
 * sample's per-role counts into a byte pool (rolepack.c) to keep shared
 * memory at defaults within 4 MB, and 40 bytes of timeouts per role per
 * sample would not fit.  A minute holds up to LG_SAMPLE_ROLES roles.
 *
 * Plain C (no server headers), unit-tested by test/unit/test_tominutes.c.
 * The server module (timeout_minutes.c) keeps the ring in shared memory
 * under its own LWLock.
 */
#ifndef LG_TOMINUTES_H
#define LG_TOMINUTES_H

#include <stdbool.h>
#include <stdint.h>

#include "ring.h"
#include "sample.h"

#define LG_TOMINUTE_US		(60 * 1000000LL)
#define LG_TOMINUTES_MAX	1440	/* a day of minutes at most */

/* One role's timeouts in one tick or one minute. */
typedef struct LgRoleTimeoutsEntry
{
	uint32_t	roleid;
	int16_t		peak_sessions;	/* the most in one tick of the minute */
	int16_t		unused;
	LgRoleTimeouts t;

	/*
	 * the last tick of the minute in which the role had a session, so that a
	 * lookback that starts after it skips the role's sessions
	 */
	int64_t		last_ts;
} LgRoleTimeoutsEntry;

/*
 * A tick's tally (ts: the tick) or a minute's entry (ts: the minute's
 * start).  In a minute, t.sessions is the first tick's sessions plus the
 * later ticks' new ones, so a session is counted once per minute.
 */
typedef struct LgTimeoutMinute
{
	int64_t		ts;
	int32_t		nroles;
	LgRoleTimeoutsEntry roles[LG_SAMPLE_ROLES];
} LgTimeoutMinute;

/* The start of the minute holding ts (floor, negative ts too). */
extern int64_t lg_tominute_start(int64_t ts);

/*
 * Minutes to keep so that the ring covers the raw history's span
 * (history_size samples of interval_ms), plus the minutes at both ends;
 * between 2 and LG_TOMINUTES_MAX.
 */
extern int	lg_tominutes_capacity(int history_size, int interval_ms);

/*
 * Merge one tick's tally into a minute's entry: a role new to the minute
 * takes the tick's figures; a known one adds the tick's new sessions,
 * merges min, max and sources, and keeps the peak.  Roles with no session
 * in the tick are skipped; a role past LG_SAMPLE_ROLES in a minute is lost.
 */
extern void lg_tominute_merge(LgTimeoutMinute *minute, const LgTimeoutMinute *tick);

/*
 * Add a tick's tally to the ring (entries: its capacity slots): into the
 * newest minute when the tick falls in it (or before it: a clock set back),
 * else into a new minute, overwriting the oldest when full.
 */
extern void lg_tominutes_add(LgRing *ring, LgTimeoutMinute *entries, const LgTimeoutMinute *tick);

/*
 * Copy the minutes that overlap [since, ...) (ts + 1 minute > since),
 * oldest first, into out (room for lg_ring_count); returns how many.
 */
extern int	lg_tominutes_copy(const LgRing *ring, const LgTimeoutMinute *entries,
							  int64_t since, LgTimeoutMinute *out);

/*
 * Refill the ring (entries: its capacity slots) from n minutes read back
 * from a state file, oldest first, not necessarily aligned: as many of the
 * newest as fit, in the order lg_tominutes_add keeps them.  Each minute kept
 * must be one lg_tominutes_add could have made: its ts the start of a
 * minute and later than the one before, at most LG_SAMPLE_ROLES roles, no
 * negative count.  Otherwise the ring is left empty and false returned: a
 * section that is wrong in one place is not trusted in the others.
 */
extern bool lg_tominutes_restore(LgRing *ring, LgTimeoutMinute *entries,
								 const void *minutes, uint32_t n);

/* One role's timeouts over a lookback. */
typedef struct LgTimeoutsSeen
{
	int32_t		sessions;		/* distinct sessions seen (0: none) */
	int32_t		peak_sessions;	/* the most in one tick */
	int32_t		min_ms[LG_TIMEOUT_KINDS];
	int32_t		max_ms[LG_TIMEOUT_KINDS];
	uint8_t		sources[LG_TIMEOUT_KINDS];	/* LG_TSRC_* seen */
} LgTimeoutsSeen;

/*
 * The timeouts roleid's sessions ran with over minutes[0..n) (oldest
 * first), since `since`: the sessions of the first minute, plus those new in
 * each later one.  A minute whose last tick with a session of the role is
 * before since is skipped, so sessions that left before the lookback do not
 * count even when their minute overlaps it.
 */
extern void lg_tominutes_lookback(const LgTimeoutMinute *minutes, int n, uint32_t roleid,
								  int64_t since, LgTimeoutsSeen *out);

#endif							/* LG_TOMINUTES_H */
