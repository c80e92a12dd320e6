/*
 * persist.h — the state file (persist.c).
 */
#ifndef LG_PERSIST_H
#define LG_PERSIST_H

#include "lib/stringinfo.h"

#include "ring.h"

/* shmem startup, postmaster only: load the file, save at clean shutdown */
extern void lg_persist_startup(void);

/*
 * For the modules whose section is a header and the entries of a ring
 * (audit, minutes, timeout_minutes).  Dump: append the ring's entries,
 * stride bytes each, oldest first.  Load: does a section of len bytes hold
 * `before` bytes, then n entries written entry_size bytes each, the size
 * they have now (stride)?
 */
extern void lg_persist_append_ring(StringInfo out, const LgRing *ring,
								   const void *slots, size_t stride);
extern bool lg_persist_ring_fits(Size len, Size before, uint32 n,
								 uint32 entry_size, Size stride);

#endif							/* LG_PERSIST_H */
