/*
 * rolepack.h — how the history ring stores a sample in shared memory: the
 * sample's figures (every LgSample field before nroles) in a fixed slot, and
 * its per-role counts packed into a shared byte pool.
 *
 * Why: the per-role part of an LgSample (8 LgRoleCount of 32 bytes, and the
 * sums of the other roles) is 280 of its 464 bytes, nearly all zeros or
 * small numbers.  Packed as variable-length integers, a role takes about 10
 * bytes, a sample with no client session none.  The pool holds
 * LG_ROLEPACK_BYTES_PER_SAMPLE bytes per slot of the ring (48: about 4 roles
 * in every sample); when samples carry more, the pool wraps before the ring
 * and the oldest samples lose their role detail first: they read back as
 * "roles unknown" (lg_roles_unknown), the state a sample with more than
 * LG_SAMPLE_ROLES roles already has for the roles summed in other_roles_*.
 *
 * Plain C (no server headers), unit-tested by test/unit/test_rolepack.c.
 * No locking here: history.c holds its ring's lock around every call that
 * touches a slot or the pool.
 */
#ifndef LG_ROLEPACK_H
#define LG_ROLEPACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sample.h"

/* pool bytes per ring slot */
#define LG_ROLEPACK_BYTES_PER_SAMPLE 48

/*
 * The figures every slot keeps: LgSample up to nroles (the role fields come
 * last in LgSample; see sample.h).
 */
#define LG_SAMPLE_CORE_SIZE offsetof(LgSample, nroles)

/* a uint32 takes at most 5 bytes as a varint */
/* varints per role: every LgRoleCount field */
#define LG_ROLEPACK_FIELDS 9
#define LG_ROLEPACK_MAX	(1 + 3 * 5 + LG_SAMPLE_ROLES * LG_ROLEPACK_FIELDS * 5)

/* One ring slot: the figures, then where its roles are in the pool. */
typedef struct LgStoredSample
{
	int64_t		core[LG_SAMPLE_CORE_SIZE / sizeof(int64_t)];	/* core[0] is ts */
	uint32_t	roles_at;		/* pool position (mod 2^32) of the packed
								 * roles */
	uint16_t	roles_len;		/* their length; 0: no role and none summed */
	uint16_t	reserved;
} LgStoredSample;

/*
 * A byte ring: bytes are appended at head (counted since init) and
 * overwritten capacity bytes later.  The bytes live next to it, in the
 * caller's array of capacity bytes.
 */
typedef struct LgBytePool
{
	uint64_t	head;			/* bytes ever appended */
	uint32_t	capacity;		/* at least 1 */
} LgBytePool;

static inline int64_t
lg_stored_ts(const LgStoredSample *slot)
{
	return slot->core[0];
}

/* Pack s's roles into out (room for LG_ROLEPACK_MAX bytes); returns the length. */
extern size_t lg_roles_encode(const LgSample *s, uint8_t *out);

/*
 * Unpack len bytes into s's role fields (the others untouched).  False when
 * they are malformed (s's roles are then unknown).
 */
extern bool lg_roles_decode(const uint8_t *in, size_t len, LgSample *s);

/*
 * Mark s's roles unknown: no role listed, not complete, and every client
 * connection counted among the others.
 */
extern void lg_roles_unknown(LgSample *s);

extern void lg_pool_init(LgBytePool *pool, uint32_t capacity);

/* Store s into slot, its roles into the pool. */
extern void lg_sample_store(LgStoredSample *slot, const LgSample *s,
							LgBytePool *pool, uint8_t *bytes);

/*
 * Read slot back into out.  with_roles: unpack its roles from the pool
 * (unknown when the pool overwrote them since); else out's roles are left
 * unknown, for readers that need the figures only.
 */
extern void lg_sample_load(const LgStoredSample *slot, LgSample *out, bool with_roles,
						   const LgBytePool *pool, const uint8_t *bytes);

#endif							/* LG_ROLEPACK_H */
