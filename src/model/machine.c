/*
 * machine.c — memory and CPU facts for the readiness model, honouring a
 * cgroup memory limit (containers, systemd slices): a server in a 2 GB
 * container on a 64 GB host must be judged against 2 GB.
 *
 * Both hierarchies are consulted and the smallest limit wins.  In a
 * container the path in /proc/self/cgroup is often not visible under the
 * container's /sys/fs/cgroup (a cgroup namespace puts us at its root), so
 * each ancestor down to the mount's root is tried too.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "machine.h"

#define LG_CGROUP_UNLIMITED	((int64_t) 1 << 62)

bool
lg_parse_cgroup_limit(const char *text, int64_t *bytes)
{
	char	   *end;
	long long	value;

	while (*text == ' ' || *text == '\t')
		text++;
	if (strncmp(text, "max", 3) == 0)
		return false;
	errno = 0;
	value = strtoll(text, &end, 10);
	if (errno != 0 || end == text || value <= 0)
		return false;
	while (*end == ' ' || *end == '\t' || *end == '\n')
		end++;
	if (*end != '\0' || value >= LG_CGROUP_UNLIMITED)
		return false;
	*bytes = (int64_t) value;
	return true;
}

/* is "memory" one of the comma-separated controllers in [list, list_end)? */
static bool
has_memory_controller(const char *list, const char *list_end)
{
	const char *p = list;

	while (p < list_end)
	{
		const char *comma = memchr(p, ',', list_end - p);
		const char *item_end = comma ? comma : list_end;

		if (item_end - p == 6 && strncmp(p, "memory", 6) == 0)
			return true;
		p = item_end + 1;
	}
	return false;
}

bool
lg_cgroup_path(const char *proc_self_cgroup, int version, char *path, size_t pathlen)
{
	const char *line = proc_self_cgroup;

	while (line && *line)
	{
		const char *eol = strchr(line, '\n');
		const char *line_end = eol ? eol : line + strlen(line);
		const char *c1 = memchr(line, ':', line_end - line);
		const char *c2 = c1 ? memchr(c1 + 1, ':', line_end - (c1 + 1)) : NULL;

		if (c2)
		{
			bool		match;

			if (version == 2)
				match = (c1 - line == 1 && line[0] == '0' && c2 == c1 + 1);
			else
				match = has_memory_controller(c1 + 1, c2);
			if (match && (size_t) (line_end - (c2 + 1)) < pathlen)
			{
				memcpy(path, c2 + 1, line_end - (c2 + 1));
				path[line_end - (c2 + 1)] = '\0';
				return true;
			}
		}
		line = eol ? eol + 1 : NULL;
	}
	return false;
}

/* read a small file whole; false when it does not exist or is empty */
static bool
read_small_file(const char *filename, char *buf, size_t buflen)
{
	FILE	   *f = fopen(filename, "r");
	size_t		n;

	if (f == NULL)
		return false;
	n = fread(buf, 1, buflen - 1, f);
	fclose(f);
	buf[n] = '\0';
	return n > 0;
}

/*
 * Try <root><mount><path>/<file> for path and each of its ancestors; keep
 * the smallest limit found in *m.
 */
static void
consider_hierarchy(const char *root, const char *mount, const char *cgpath,
				   const char *file, LgMachine *m)
{
	char		path[1024];
	char		filename[1400];
	char		text[64];

	snprintf(path, sizeof(path), "%s", cgpath);
	for (;;)
	{
		char	   *slash;
		int64_t		limit;
		size_t		len = strlen(path);

		/* "/" and "" both mean the mount's root */
		while (len > 0 && path[len - 1] == '/')
			path[--len] = '\0';
		snprintf(filename, sizeof(filename), "%s%s%s/%s", root, mount, path, file);
		if (read_small_file(filename, text, sizeof(text)) &&
			lg_parse_cgroup_limit(text, &limit) &&
			(m->cgroup_limit_bytes == 0 || limit < m->cgroup_limit_bytes))
		{
			m->cgroup_limit_bytes = limit;
			snprintf(m->ram_source, sizeof(m->ram_source), "%s%s/%s", mount, path, file);
		}
		if (len == 0)
			break;
		slash = strrchr(path, '/');
		if (slash == NULL)
			path[0] = '\0';
		else
			*slash = '\0';
	}
}

void
lg_machine_read(const char *root, int64_t physical_ram_bytes, int32_t cpu_cores, LgMachine *m)
{
	char		filename[1024];
	char		cgroups[4096];
	char		cgpath[1024];

	memset(m, 0, sizeof(*m));
	m->physical_ram_bytes = physical_ram_bytes;
	m->cpu_cores = cpu_cores;
	snprintf(m->ram_source, sizeof(m->ram_source), "sysconf");

	snprintf(filename, sizeof(filename), "%s/proc/self/cgroup", root);
	if (!read_small_file(filename, cgroups, sizeof(cgroups)))
		cgroups[0] = '\0';

	if (!lg_cgroup_path(cgroups, 2, cgpath, sizeof(cgpath)))
		cgpath[0] = '\0';
	consider_hierarchy(root, "/sys/fs/cgroup", cgpath, "memory.max", m);

	if (!lg_cgroup_path(cgroups, 1, cgpath, sizeof(cgpath)))
		cgpath[0] = '\0';
	consider_hierarchy(root, "/sys/fs/cgroup/memory", cgpath, "memory.limit_in_bytes", m);

	/* a limit above the machine's RAM limits nothing */
	if (m->cgroup_limit_bytes > 0 &&
		(physical_ram_bytes <= 0 || m->cgroup_limit_bytes < physical_ram_bytes))
		m->ram_bytes = m->cgroup_limit_bytes;
	else
	{
		m->cgroup_limit_bytes = 0;
		m->ram_bytes = physical_ram_bytes;
		snprintf(m->ram_source, sizeof(m->ram_source), "sysconf");
	}
}
