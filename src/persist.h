/*
 * persist.h — the state file (persist.c).
 */
#ifndef LG_PERSIST_H
#define LG_PERSIST_H

/* shmem startup, postmaster only: load the file, save at clean shutdown */
extern void lg_persist_startup(void);

#endif							/* LG_PERSIST_H */
