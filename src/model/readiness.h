/*
 * readiness.h — the readiness model: will this server hold U concurrent
 * users, what fails first, and what to change.
 *
 * Plain C (no server headers, no allocation, no globals): the SQL glue in
 * views_readiness.c fills an LgReadinessInput from settings, the machine
 * and the history window, and turns the LgReadinessResult into rows.  The
 * formulas are the SPEC's "Readiness model (v1)"; the README (readiness section) explains
 * them for users.
 */
#ifndef LG_READINESS_H
#define LG_READINESS_H

#include <stdbool.h>
#include <stdint.h>

#include "settings_rules.h"

#define LG_READINESS_MAX_USERS	10000000

typedef enum LgCheckStatus
{
	LG_CHECK_PASS = 0,
	LG_CHECK_WARN,
	LG_CHECK_FAIL,
	LG_CHECK_SKIP
} LgCheckStatus;

typedef enum LgCheckId
{
	LG_CHK_CONNECTIONS = 0,
	LG_CHK_CONNECTION_PATTERN,
	LG_CHK_MEMORY,
	LG_CHK_CPU,
	LG_CHK_REFUSED_CONNECTIONS,
	LG_CHK_STATEMENT_TIMEOUTS,
	LG_CHK_LOCK_TIMEOUTS,
	LG_CHK_DEADLOCKS,
	LG_CHK_IDLE_IN_TRANSACTION_TIMEOUTS,
	LG_CHK_LONG_IDLE_IN_TRANSACTION,
	LG_CHK_STATEMENT_TIMEOUT_SETTING,
	LG_CHK_IDLE_IN_TRANSACTION_SETTING,
	LG_CHK_LOG_MIN_MESSAGES_SETTING,
	LG_CHECK_COUNT
} LgCheckId;

/* Idle-in-transaction sessions older than this in the window are a warning. */
#define LG_LONG_IDLE_IN_TRANSACTION_S	60.0

/*
 * How the application's clients hold connections, from the lookback
 * (SPEC 1.1, connection_pattern).
 */
typedef enum LgConnectionPattern
{
	LG_PATTERN_UNKNOWN = 0,		/* no baseline, or nothing seen */
	LG_PATTERN_PERSISTENT,		/* one connection per user, busy: v1's c */
	LG_PATTERN_PERSISTENT_IDLE, /* held >> busy: threads keep connections */
	LG_PATTERN_PER_REQUEST,		/* short-lived, high churn */
	LG_PATTERN_POOLED			/* few long-lived, busy most of the time */
} LgConnectionPattern;

/* held >= this × busy p95 is "mostly idle" */
#define LG_IDLE_RATIO			3.0
/* connections opened in the window >= this × held is "per request" */
#define LG_CHURN_RATIO			3.0
/* a pooler's server connections: projected busy p95 × this */
#define LG_POOL_HEADROOM		1.25

typedef struct LgReadinessInput
{
	int64_t		users;			/* U, 1 .. LG_READINESS_MAX_USERS */
	int64_t		baseline_users; /* B, 0 = no baseline */

	/* settings (memory in bytes, durations in ms) */
	int32_t		max_connections;
	int32_t		usable_connections;
	int64_t		shared_buffers;
	int64_t		work_mem;
	int32_t		autovacuum_max_workers;
	int64_t		autovacuum_work_mem;	/* <= 0: maintenance_work_mem applies */
	int64_t		maintenance_work_mem;
	double		connections_per_user;	/* loadguard.connections_per_user */

	/*
	 * Every setting with its source, and the application role's timeouts as
	 * its sessions ran them: the settings checks are settings_rules.c's rows.
	 */
	LgSettingsInput settings;

	/* machine */
	int64_t		ram_bytes;
	int32_t		cpu_cores;

	/* observations over the lookback window */
	int32_t		samples;		/* samples the window held */
	double		window_s;		/* the lookback asked for */
	bool		lookback_exceeds_history;
	double		history_covered_s;	/* span the history really covered */
	int32_t		peak_scaling_connections;
	int32_t		peak_fixed_connections;
	int32_t		peak_scaling_active;
	int32_t		peak_fixed_active;
	int64_t		refused_connections;

	/*
	 * Demand split (held vs busy) of the scaling connections, per sample:
	 * busy = active, idle in transaction (aborted too), fastpath or waiting.
	 */
	int32_t		peak_scaling_busy;
	double		p95_scaling_busy;
	bool		busy_from_active;	/* busy per role unknown: active used */
	/* connection behaviour of the scaling clients; -1 = unknown */
	int64_t		scaling_established;	/* connections opened in the window */
	int64_t		scaling_short_lived;	/* of those, closed within a few s */
	double		median_connection_age_s;
	bool		established_all_roles;	/* counted over every role */

	/*
	 * What a connection costs here, measured on real connections in the
	 * lookback (connect_cost.h): from the backend's start after fork to its
	 * startup transaction's commit (authentication, settings), without the
	 * postmaster's fork.  The average is over the scaling clients'
	 * connections (the app role's with app_role), the p95 over every client
	 * connection.  0 counts: nothing measured.
	 */
	double		connect_cost_ms;
	int64_t		connect_cost_count;
	double		connect_cost_p95_ms;
	int64_t		connect_cost_p95_count;
	/* most scaling connections opened per second within one sample interval */
	double		peak_connect_rate;
	int64_t		statement_timeouts;
	int64_t		lock_timeouts;
	int64_t		deadlocks;
	int64_t		idle_in_transaction_timeouts;
	double		oldest_idle_in_transaction_s;

	/*
	 * samples where the app role was not among the top roles but others were
	 * summed
	 */
	int32_t		scaling_role_hidden_samples;

	/* the application role, already quoted as an SQL identifier; NULL if none */
	const char *app_role_sql;
} LgReadinessInput;

#define LG_CHECK_NAME_LEN	48
#define LG_CHECK_TEXT_LEN	1024

typedef struct LgCheckRow
{
	char		check_name[LG_CHECK_NAME_LEN];
	LgCheckStatus status;
	char		observed[LG_CHECK_TEXT_LEN];
	char		required[LG_CHECK_TEXT_LEN];
	char		detail[LG_CHECK_TEXT_LEN];
	char		fix[LG_CHECK_TEXT_LEN]; /* "" when there is nothing to change */
	bool		restart_required;
} LgCheckRow;

typedef enum LgVerdict
{
	LG_VERDICT_READY = 0,
	LG_VERDICT_AT_RISK,
	LG_VERDICT_NOT_READY
} LgVerdict;

typedef struct LgReadinessResult
{
	LgCheckRow	rows[LG_CHECK_COUNT];
	int			nrows;

	/* the projection */
	double		connections_per_user;	/* c */
	bool		connections_per_user_lower_bound;	/* refusals in the
													 * baseline */
	int64_t		fixed_connections;	/* F */
	int64_t		demand;			/* D = ceil(U × c) + F */
	int64_t		memory_bytes;	/* worst case at D connections */

	/* the demand split and the connection pattern (SPEC 1.1) */
	LgConnectionPattern pattern;
	int64_t		held_now;		/* peak scaling connections in the window */
	int64_t		held_projected; /* at U */
	int64_t		busy_peak_now;
	double		busy_p95_now;
	int64_t		busy_peak_projected;
	int64_t		busy_p95_projected;
	int64_t		pool_size;		/* PgBouncer default_pool_size to propose; 0
								 * none */
	bool		refused_at_baseline;	/* refusals while B users ran */
	/* users at the refusals in the lookback: B, or estimated without one */
	int64_t		refused_users;	/* 0: no refusals */

	/*
	 * The connections check's remedy: max_connections that makes D pass
	 * (lg_max_connections_needed), unless a pooler of pool_instead server
	 * connections is the fix (pattern mostly idle or per request, or memory
	 * or CPU cannot follow that many slots); 0 when raising is the fix.
	 */
	int32_t		max_connections_needed;
	int64_t		pool_instead;

	/* the summary */
	int64_t		users;
	int			score;
	LgVerdict	verdict;
	int64_t		max_users;		/* -1: unknown (no scaling connections seen) */
	char		bottleneck[LG_CHECK_NAME_LEN];	/* "" when nothing limits U */
	char		summary[LG_CHECK_TEXT_LEN];
} LgReadinessResult;

extern void lg_readiness_assess(const LgReadinessInput *in, LgReadinessResult *out);

/*
 * The max_connections part of a settings input (target_*) from a readiness
 * run: config_check() sizes max_connections with the run readiness() makes
 * for the same users, so both give one answer through settings_rules.c.
 */
extern void lg_readiness_settings_target(const LgReadinessInput *in,
										 const LgReadinessResult *out,
										 LgSettingsInput *settings);

/* D for a given U, under the input's c and F (exposed for the tests) */
extern int64_t lg_readiness_demand(const LgReadinessInput *in, int64_t users);

/* postgresqltuner's worst case with the given number of connections */
extern int64_t lg_readiness_memory(const LgReadinessInput *in, int64_t connections);

extern const char *lg_check_status_name(LgCheckStatus status);
extern const char *lg_pattern_name(LgConnectionPattern pattern);
extern const char *lg_verdict_name(LgVerdict verdict);

/* "1.5 GB", "512 MB", "64 kB": sizes the way people read them */
extern void lg_format_bytes(char *buf, int buflen, int64_t bytes);

#endif							/* LG_READINESS_H */
