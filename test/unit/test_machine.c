/*
 * test_machine.c — cmocka tests for the machine facts (src/model/machine.c):
 * cgroup limit parsing, /proc/self/cgroup parsing, and the v2 / v1 / none
 * cases on fake /proc and /sys trees.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "machine.h"

#define GB_ ((int64_t) 1024 * 1024 * 1024)

static void
test_parse_limit(void **state)
{
	int64_t		bytes = 0;

	(void) state;
	assert_true(lg_parse_cgroup_limit("536870912\n", &bytes));
	assert_int_equal(bytes, 536870912);
	assert_false(lg_parse_cgroup_limit("max\n", &bytes));
	/* cgroup v1's "unlimited" */
	assert_false(lg_parse_cgroup_limit("9223372036854771712\n", &bytes));
	assert_false(lg_parse_cgroup_limit("4611686018427387904", &bytes)); /* 2^62 */
	assert_true(lg_parse_cgroup_limit("4611686018427387903", &bytes));
	assert_false(lg_parse_cgroup_limit("", &bytes));
	assert_false(lg_parse_cgroup_limit("12abc", &bytes));
	assert_false(lg_parse_cgroup_limit("-1", &bytes));
	assert_false(lg_parse_cgroup_limit("0", &bytes));
}

static void
test_cgroup_path(void **state)
{
	char		path[256];
	const char *v1 = "9:name=systemd:/\n4:memory:/process_api/abc\n3:cpu,cpuacct:/x\n0::/\n";
	const char *v1_joined = "5:cpuacct,memory:/slice/a\n";
	const char *v2 = "0::/system.slice/postgresql.service\n";

	(void) state;
	assert_true(lg_cgroup_path(v1, 1, path, sizeof(path)));
	assert_string_equal(path, "/process_api/abc");
	assert_true(lg_cgroup_path(v1, 2, path, sizeof(path)));
	assert_string_equal(path, "/");
	assert_true(lg_cgroup_path(v1_joined, 1, path, sizeof(path)));
	assert_string_equal(path, "/slice/a");
	assert_false(lg_cgroup_path(v1_joined, 2, path, sizeof(path)));
	assert_true(lg_cgroup_path(v2, 2, path, sizeof(path)));
	assert_string_equal(path, "/system.slice/postgresql.service");
	assert_false(lg_cgroup_path(v2, 1, path, sizeof(path)));
	/* "memoryx" is not "memory" */
	assert_false(lg_cgroup_path("3:memoryx:/a\n", 1, path, sizeof(path)));
	assert_false(lg_cgroup_path("", 2, path, sizeof(path)));
}

/* ---- fake trees ---- */
static char root[256];

static void
write_file(const char *rel, const char *text)
{
	char		path[512];
	char		cmd[600];
	FILE	   *f;

	snprintf(path, sizeof(path), "%s%s", root, rel);
	snprintf(cmd, sizeof(cmd), "mkdir -p \"$(dirname '%s')\"", path);
	assert_int_equal(system(cmd), 0);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int
make_root(void **state)
{
	(void) state;
	snprintf(root, sizeof(root), "/tmp/lg-machine-XXXXXX");
	return mkdtemp(root) ? 0 : -1;
}

static int
remove_root(void **state)
{
	char		cmd[300];

	(void) state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	return system(cmd) == 0 ? 0 : -1;
}

static void
test_no_cgroup(void **state)
{
	LgMachine	m;

	(void) state;
	lg_machine_read(root, 16 * GB_, 4, &m);
	assert_int_equal(m.ram_bytes, 16 * GB_);
	assert_int_equal(m.cgroup_limit_bytes, 0);
	assert_int_equal(m.cpu_cores, 4);
	assert_string_equal(m.ram_source, "sysconf");
}

static void
test_v2_limit(void **state)
{
	LgMachine	m;

	(void) state;
	write_file("/proc/self/cgroup", "0::/system.slice/pg.service\n");
	write_file("/sys/fs/cgroup/system.slice/pg.service/memory.max", "max\n");
	write_file("/sys/fs/cgroup/system.slice/memory.max", "2147483648\n");
	lg_machine_read(root, 16 * GB_, 4, &m);
	/* the parent slice's limit applies to us */
	assert_int_equal(m.ram_bytes, 2 * GB_);
	assert_int_equal(m.cgroup_limit_bytes, 2 * GB_);
	assert_string_equal(m.ram_source, "/sys/fs/cgroup/system.slice/memory.max");

	/* a limit above physical RAM limits nothing */
	lg_machine_read(root, 1 * GB_, 4, &m);
	assert_int_equal(m.ram_bytes, 1 * GB_);
	assert_int_equal(m.cgroup_limit_bytes, 0);
	assert_string_equal(m.ram_source, "sysconf");
}

static void
test_v1_limit_in_namespace(void **state)
{
	LgMachine	m;

	(void) state;
	/* the host path is not visible inside the container: its root is */
	write_file("/proc/self/cgroup", "4:memory:/process_api/abc\n0::/\n");
	write_file("/sys/fs/cgroup/memory/memory.limit_in_bytes", "1073741824\n");
	lg_machine_read(root, 16 * GB_, 2, &m);
	assert_int_equal(m.ram_bytes, 1 * GB_);
	assert_string_equal(m.ram_source, "/sys/fs/cgroup/memory/memory.limit_in_bytes");

	/* v1 "unlimited" */
	write_file("/sys/fs/cgroup/memory/memory.limit_in_bytes", "9223372036854771712\n");
	lg_machine_read(root, 16 * GB_, 2, &m);
	assert_int_equal(m.ram_bytes, 16 * GB_);
	assert_int_equal(m.cgroup_limit_bytes, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_limit),
		cmocka_unit_test(test_cgroup_path),
		cmocka_unit_test_setup_teardown(test_no_cgroup, make_root, remove_root),
		cmocka_unit_test_setup_teardown(test_v2_limit, make_root, remove_root),
		cmocka_unit_test_setup_teardown(test_v1_limit_in_namespace, make_root, remove_root),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
