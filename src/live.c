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
 * Note about locking: none.  The hook and the exit callback run on every
 * connection's path, so they use two atomics only: `current` (fetch-add /
 * fetch-sub) and `peak`, raised by compare-and-swap to every value
 * `current` reaches.  The worker, once per tick, exchanges `peak` for zero
 * and raises it again to `current` read after the exchange, so each
 * interval's peak also covers the connections open when it started.
 */
#include "postgres.h"

#include "miscadmin.h"
#include "port/atomics.h"
#include "replication/walsender.h"
#include "storage/ipc.h"
#include "storage/shmem.h"

#include "live.h"

/* see events.c: libpq/auth.h needs the GSSAPI headers, so declare the hook */
struct Port;
typedef void (*lg_live_auth_hook_type) (struct Port *port, int status);
extern PGDLLIMPORT lg_live_auth_hook_type ClientAuthentication_hook;

typedef struct LgLiveShared
{
	pg_atomic_uint32 current;	/* client backends between authentication and
								 * exit */
	pg_atomic_uint32 peak;		/* highest `current` since the worker took it */
} LgLiveShared;

static LgLiveShared *lg_live = NULL;
static lg_live_auth_hook_type prev_ClientAuthentication_hook = NULL;

/* this backend counted itself in `current` and has not uncounted yet */
static bool live_counted = false;

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
