/*
 * machine.h — the machine facts the readiness model needs: memory (honouring
 * a cgroup memory limit, v2 or v1) and CPU cores online.
 *
 * Plain C (no server headers).  File reading is rooted at a directory
 * prefix ("" on a real server) so that test/unit/test_machine.c can lay out
 * fake /proc and /sys trees.
 */
#ifndef LG_MACHINE_H
#define LG_MACHINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LG_MACHINE_SOURCE_LEN	1100

typedef struct LgMachine
{
	int64_t		ram_bytes;		/* what the server may use: min(physical,
								 * limit) */
	int64_t		physical_ram_bytes;
	int64_t		cgroup_limit_bytes; /* 0: no limit set */
	int32_t		cpu_cores;
	char		ram_source[LG_MACHINE_SOURCE_LEN];	/* file the limit came
													 * from, or "sysconf" */
} LgMachine;

/*
 * Parse a cgroup memory limit file's contents ("max\n", "536870912\n").
 * Returns true with *bytes set when a limit is set; "max", values of
 * 2^62 and above (cgroup v1's "unlimited" is 2^63 rounded down to a page)
 * and unparseable text mean no limit.
 */
extern bool lg_parse_cgroup_limit(const char *text, int64_t *bytes);

/*
 * From the contents of /proc/self/cgroup, the path of this process's cgroup:
 * version 2 is the "0::" line, version 1 the line whose controllers include
 * "memory".  Returns false when there is no such line.
 */
extern bool lg_cgroup_path(const char *proc_self_cgroup, int version,
						   char *path, size_t pathlen);

/*
 * Fill *m: physical RAM and cores as given (sysconf on a real server), then
 * the smallest cgroup memory limit among this process's cgroup and its
 * ancestors, v2 and v1, under root.
 */
extern void lg_machine_read(const char *root, int64_t physical_ram_bytes,
							int32_t cpu_cores, LgMachine *m);

#endif							/* LG_MACHINE_H */
