/*
 * live.c — client connections counted where they start and end, so that
 * the worker can record the exact peak between two ticks: a burst that
 * opens and closes within one sample_interval leaves no trace in the
 * sampled counts, yet it is what gets connections refused.
 *
 * Start: ClientAuthentication_hook with STATUS_OK, in a client backend (not
 * a walsender).  By then the backend holds its PGPROC, i.e. a connection
 * slot.  Refused connections never get here ("too many clients" is raised
 * before a PGPROC is assigned) and failed logins are not counted.
 * End: a before_shmem_exit callback, registered by the same backend just
 * before it counts itself, that undoes the count once.  Every exit that
 * runs proc_exit() runs it: a normal disconnect, SIGTERM, and a FATAL after
 * authentication (reserved slots, role or database limit, database gone).
 * Exits that skip proc_exit() (SIGKILL, SIGQUIT, a PANIC) make the
 * postmaster reinitialise shared memory, which zeroes the counter with every
 * other backend gone.  Only a process whose flag says it counted itself
 * ever decrements, so the counter cannot drift below the truth.
 *
 * Per role: the role is known once the startup transaction commits
 * (events.c calls lg_live_role_started there, where connlog.c logs the
 * connection as established).  The backend counts itself in its role's
 * slot of a fixed table (roleslots_ops.h: one 64-bit word per slot packs
 * the role Oid and its count) and the same exit callback uncounts it.  A
 * role that finds all LG_ROLE_SLOTS slots taken by other roles is not
 * counted: its per-role peak is then the sampled count.  The worker takes
 * every slot's peak each tick (lg_live_take_role_peaks) and frees the
 * slots of roles idle for a whole interval when few are free.
 *
 * Note about locking: none.  The hook, the startup commit and the exit
 * callback run on every connection's path, so they use atomics only:
 * `current` (fetch-add / fetch-sub) and `peak`, raised by compare-and-swap
 * to every value `current` reaches; per role, one compare-and-swap on the
 * slot's word and one raise of its peak.  The worker, once per tick,
 * exchanges each peak for zero and raises it again to the count read after
 * the exchange, so each interval's peak also covers the connections open
 * when it started.
 */
#include "postgres.h"

#include "miscadmin.h"
#include "port/atomics.h"
#include "replication/walsender.h"
#include "storage/ipc.h"
#include "storage/shmem.h"

#include "live.h"

/* the per-role slot procedures, over PostgreSQL's atomics */
#define LG_RS_U64				pg_atomic_uint64
#define LG_RS_U32				pg_atomic_uint32
#define LG_RS_READ64(p)			pg_atomic_read_u64(p)
#define LG_RS_WRITE64(p, v)		pg_atomic_write_u64((p), (v))
#define LG_RS_CAS64(p, e, v)	pg_atomic_compare_exchange_u64((p), (e), (v))
#define LG_RS_READ32(p)			pg_atomic_read_u32(p)
#define LG_RS_CAS32(p, e, v)	pg_atomic_compare_exchange_u32((p), (e), (v))
#define LG_RS_XCHG32(p, v)		pg_atomic_exchange_u32((p), (v))
#include "roleslots_ops.h"

/* see events.c: libpq/auth.h needs the GSSAPI headers, so declare the hook */
struct Port;
typedef void (*lg_live_auth_hook_type) (struct Port *port, int status);
extern PGDLLIMPORT lg_live_auth_hook_type ClientAuthentication_hook;

typedef struct LgLiveShared
{
	pg_atomic_uint32 current;	/* client backends between authentication and
								 * exit */
	pg_atomic_uint32 peak;		/* highest `current` since the worker took it */
	LgRoleSlots roles;			/* per role: counts and peaks */
} LgLiveShared;

static LgLiveShared *lg_live = NULL;
static lg_live_auth_hook_type prev_ClientAuthentication_hook = NULL;

/* this backend counted itself in `current` and has not uncounted yet */
static bool live_counted = false;

/* the role slot this backend counted itself in (-1: none), and its role */
static int	live_role_slot = -1;
static Oid	live_role = InvalidOid;

Size
lg_live_shmem_size(void)
{
	return MAXALIGN(sizeof(LgLiveShared));
}

/* The module's LWLock goes unused: everything here is an atomic. */
void
lg_live_shmem_init(LWLock *lock)
{
	bool		found;

	lg_live = ShmemInitStruct("loadguard live connections", lg_live_shmem_size(), &found);
	if (!found)
	{
		pg_atomic_init_u32(&lg_live->current, 0);
		pg_atomic_init_u32(&lg_live->peak, 0);
		pg_atomic_init_u32(&lg_live->roles.used, 0);
		for (int i = 0; i < LG_ROLE_SLOTS; i++)
		{
			pg_atomic_init_u64(&lg_live->roles.words[i], 0);
			pg_atomic_init_u32(&lg_live->roles.peaks[i], 0);
		}
	}
}

/* Raise `peak` to value unless it is already at least that high. */
static inline void
live_raise_peak(uint32 value)
{
	uint32		seen = pg_atomic_read_u32(&lg_live->peak);

	while (seen < value &&
		   !pg_atomic_compare_exchange_u32(&lg_live->peak, &seen, value))
		;
}

static void
lg_live_exit(int code, Datum arg)
{
	if (live_role_slot >= 0)
	{
		(void) lg_rs_release(&lg_live->roles, live_role_slot, live_role);
		live_role_slot = -1;
	}
	if (!live_counted)
		return;
	live_counted = false;
	pg_atomic_fetch_sub_u32(&lg_live->current, 1);
}

static void
lg_live_authentication(struct Port *port, int status)
{
	static bool exit_callback_registered = false;

	if (prev_ClientAuthentication_hook)
		prev_ClientAuthentication_hook(port, status);

	if (status != STATUS_OK || lg_live == NULL || am_walsender || live_counted)
		return;

	/* register first: if that failed, nothing would undo the count */
	if (!exit_callback_registered)
	{
		before_shmem_exit(lg_live_exit, (Datum) 0);
		exit_callback_registered = true;
	}
	live_counted = true;
	live_raise_peak(pg_atomic_add_fetch_u32(&lg_live->current, 1));
}

/*
 * The startup transaction committed: the session user is known.  Only a
 * backend counted at authentication (whose exit callback is registered)
 * counts itself per role, once.
 */
void
lg_live_role_started(void)
{
	Oid			role;

	if (!live_counted || live_role_slot >= 0)
		return;
	role = GetSessionUserId();
	if (!OidIsValid(role))
		return;
	live_role = role;
	live_role_slot = lg_rs_acquire(&lg_live->roles, role);
}

void
lg_live_install_hooks(void)
{
	prev_ClientAuthentication_hook = ClientAuthentication_hook;
	ClientAuthentication_hook = lg_live_authentication;
}

int32
lg_live_take_peak(void)
{
	uint32		peak;

	if (lg_live == NULL)
		return 0;
	peak = pg_atomic_exchange_u32(&lg_live->peak, 0);
	live_raise_peak(pg_atomic_read_u32(&lg_live->current));
	return (int32) Min(peak, (uint32) PG_INT32_MAX);
}

int32
lg_live_current(void)
{
	return lg_live ? (int32) pg_atomic_read_u32(&lg_live->current) : 0;
}

int
lg_live_take_role_peaks(LgRolePeak *out)
{
	if (lg_live == NULL)
		return 0;
	return lg_role_peaks_merge(out, lg_rs_take(&lg_live->roles, out));
}
