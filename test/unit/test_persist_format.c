/*
 * test_persist_format.c — cmocka tests for the state file's validation
 * (src/model/persist_format.c): round trip, and every way a file can be bad.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "persist_format.h"
#include "persist_v1_0.h"

#define PG_MAJOR 15
#define LAYOUT 7

/* FNV-1a: any deterministic checksum serves the tests */
static uint32_t
test_checksum(const void *data, size_t len)
{
	const unsigned char *p = data;
	uint32_t	h = 2166136261u;

	for (size_t i = 0; i < len; i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

/* Build a file image with two sections into buf; returns its length. */
static size_t
build_file(unsigned char *buf)
{
	LgPersistHeader header;
	LgPersistSectionHeader sh;
	size_t		off = sizeof(header);
	const char *a = "alpha";
	const char *b = "bravo-bravo";

	memset(&sh, 0, sizeof(sh));
	sh.tag = 1;
	sh.len = strlen(a);
	memcpy(buf + off, &sh, sizeof(sh));
	off += sizeof(sh);
	memcpy(buf + off, a, strlen(a));
	off += strlen(a);
	sh.tag = 2;
	sh.len = strlen(b);
	memcpy(buf + off, &sh, sizeof(sh));
	off += sizeof(sh);
	memcpy(buf + off, b, strlen(b));
	off += strlen(b);

	lg_persist_make_header(&header, PG_MAJOR, LAYOUT, buf + sizeof(header),
						   off - sizeof(header), 2, test_checksum);
	memcpy(buf, &header, sizeof(header));
	return off;
}

static LgPersistResult
parse(const unsigned char *buf, size_t len, int *n, LgPersistSection *s)
{
	return lg_persist_parse(buf, len, PG_MAJOR, LAYOUT, test_checksum,
							s, LG_PERSIST_MAX_SECTIONS, n);
}

static void
test_round_trip(void **state)
{
	unsigned char buf[256];
	LgPersistSection s[LG_PERSIST_MAX_SECTIONS];
	int			n;
	size_t		len = build_file(buf);

	(void) state;
	assert_int_equal(parse(buf, len, &n, s), LG_PERSIST_OK);
	assert_int_equal(n, 2);
	assert_int_equal(s[0].tag, 1);
	assert_int_equal(s[0].len, 5);
	assert_memory_equal(s[0].data, "alpha", 5);
	assert_int_equal(s[1].tag, 2);
	assert_memory_equal(s[1].data, "bravo-bravo", 11);
}

static void
test_truncated_anywhere(void **state)
{
	unsigned char buf[256];
	LgPersistSection s[LG_PERSIST_MAX_SECTIONS];
	int			n;
	size_t		len = build_file(buf);

	(void) state;
	for (size_t cut = 0; cut < len; cut++)
	{
		LgPersistResult r = parse(buf, cut, &n, s);

		assert_int_not_equal(r, LG_PERSIST_OK);
		assert_int_equal(n, 0);
	}
}

static void
test_every_flipped_byte_is_caught(void **state)
{
	unsigned char buf[256];
	LgPersistSection s[LG_PERSIST_MAX_SECTIONS];
	int			n;
	size_t		len = build_file(buf);

	(void) state;
	for (size_t i = 0; i < len; i++)
	{
		buf[i] ^= 0x5a;
		assert_int_not_equal(parse(buf, len, &n, s), LG_PERSIST_OK);
		buf[i] ^= 0x5a;
	}
	assert_int_equal(parse(buf, len, &n, s), LG_PERSIST_OK);
}

static void
test_foreign_versions(void **state)
{
	unsigned char buf[256];
	LgPersistSection s[LG_PERSIST_MAX_SECTIONS];
	int			n;
	size_t		len = build_file(buf);

	(void) state;
	assert_int_equal(lg_persist_parse(buf, len, 16, LAYOUT, test_checksum, s,
									  LG_PERSIST_MAX_SECTIONS, &n),
					 LG_PERSIST_FOREIGN_VERSION);
	assert_int_equal(lg_persist_parse(buf, len, PG_MAJOR, LAYOUT + 1, test_checksum, s,
									  LG_PERSIST_MAX_SECTIONS, &n),
					 LG_PERSIST_BAD_LAYOUT);
	/* more sections than the reader accepts */
	assert_int_equal(lg_persist_parse(buf, len, PG_MAJOR, LAYOUT, test_checksum, s, 1, &n),
					 LG_PERSIST_BAD_SECTION);
	assert_string_not_equal(lg_persist_result_detail(LG_PERSIST_BAD_CHECKSUM), "");
}

static void
test_section_length_past_end(void **state)
{
	unsigned char buf[256];
	LgPersistSection s[LG_PERSIST_MAX_SECTIONS];
	LgPersistHeader header;
	LgPersistSectionHeader sh;
	int			n;
	size_t		len = build_file(buf);

	(void) state;
	/* a section claiming more bytes than the file has, with a valid checksum */
	memcpy(&sh, buf + sizeof(header), sizeof(sh));
	sh.len = 1000;
	memcpy(buf + sizeof(header), &sh, sizeof(sh));
	lg_persist_make_header(&header, PG_MAJOR, LAYOUT, buf + sizeof(header),
						   len - sizeof(header), 2, test_checksum);
	memcpy(buf, &header, sizeof(header));
	assert_int_equal(parse(buf, len, &n, s), LG_PERSIST_BAD_SECTION);
}

/* 1.0's layout, byte for byte: sizes measured on 1.0's own headers (x86-64) */
static void
test_v1_0_sizes(void **state)
{
	(void) state;
	assert_int_equal(sizeof(LgSampleV1_0), 280);
	assert_int_equal(sizeof(LgNameTableV1_0), 3176);
	assert_true(sizeof(LgSampleV1_0) != sizeof(LgSample));
	assert_true(sizeof(LgNameTableV1_0) != sizeof(LgNameTable));
}

static void
test_sample_from_v1_0(void **state)
{
	LgSampleV1_0 old;
	LgSample	s;

	(void) state;
	memset(&old, 0, sizeof(old));
	old.ts = 123456789;
	old.max_connections = 100;
	old.usable_connections = 97;
	old.client_connections = 30;
	old.active = 3;
	old.idle = 20;
	old.idle_in_transaction = 4;
	old.idle_in_transaction_aborted = 1;
	old.waiting_on_lock = 2;
	old.usage_pct = 81.5;
	old.oldest_idle_in_transaction_s = 4.25;
	old.longest_running_query_s = 3.5;
	old.longest_transaction_s = 6.75;
	old.events[0] = 7;
	old.events[LG_V1_0_EVENT_COUNT - 1] = 9;
	old.statements = 1000;
	old.latency_p50_ms = 1.5;
	old.latency_p95_ms = 12.5;
	old.latency_p99_ms = 40.25;
	old.policy_actions = 2;
	old.nroles = 2;
	old.roles[0].roleid = 16384;
	old.roles[0].connections = 25;
	old.roles[0].active = 2;
	old.roles[1].roleid = 10;
	old.roles[1].connections = 5;
	old.roles[1].active = 1;

	lg_sample_from_v1_0(&old, &s);
	assert_int_equal(s.ts, 123456789);
	assert_int_equal(s.max_connections, 100);
	assert_int_equal(s.usable_connections, 97);
	assert_int_equal(s.client_connections, 30);
	assert_int_equal(s.active, 3);
	assert_int_equal(s.idle, 20);
	assert_int_equal(s.idle_in_transaction, 4);
	assert_int_equal(s.idle_in_transaction_aborted, 1);
	assert_int_equal(s.waiting_on_lock, 2);
	assert_int_equal(s.busy_connections, 8);	/* active + both idle in
												 * transaction */
	assert_true(s.usage_pct == 81.5);
	assert_true(s.oldest_idle_in_transaction_s == 4.25);
	assert_true(s.longest_running_query_s == 3.5);
	assert_true(s.longest_transaction_s == 6.75);
	assert_int_equal(s.events[0], 7);
	assert_int_equal(s.events[LG_V1_0_EVENT_COUNT - 1], 9);
	assert_int_equal(s.statements, 1000);
	assert_true(s.latency_p50_ms == 1.5);
	assert_true(s.latency_p95_ms == 12.5);
	assert_true(s.latency_p99_ms == 40.25);
	assert_int_equal(s.policy_actions, 2);
	assert_int_equal(s.nroles, 2);
	assert_int_equal(s.roles[0].roleid, 16384);
	assert_int_equal(s.roles[0].connections, 25);
	assert_int_equal(s.roles[0].busy, 2);
	assert_int_equal(s.roles[1].established, 0);
	assert_int_equal(s.other_roles_connections, 0);
	assert_true(s.roles_complete);

	old.other_roles_connections = 4;
	old.other_roles_active = 3;
	old.nroles = 99;			/* corrupt: clamped */
	lg_sample_from_v1_0(&old, &s);
	assert_int_equal(s.other_roles_connections, 4);
	assert_int_equal(s.other_roles_active, 3);
	assert_int_equal(s.other_roles_busy, 3);
	assert_false(s.roles_complete);
	assert_int_equal(s.nroles, LG_V1_0_SAMPLE_ROLES);
}

static void
test_name_table_from_v1_0(void **state)
{
	LgNameTableV1_0 old;
	LgNameTable t;

	(void) state;
	memset(&old, 0, sizeof(old));
	old.nentries = 1;
	lg_name_key_set(&old.entries[0].key, 0, "psql");
	old.entries[0].peak = 12;
	old.entries[0].peak_at = 99;
	old.other.peak = 3;
	lg_name_table_from_v1_0(&old, &t);
	assert_int_equal(t.nentries, 1);
	assert_string_equal(t.entries[0].key.name, "psql");
	assert_int_equal(t.entries[0].peak, 12);
	assert_int_equal(t.entries[0].peak_at, 99);
	assert_int_equal(t.entries[0].established, 0);
	assert_int_equal(t.other.peak, 3);

	old.nentries = LG_NAMES_PER_DIMENSION + 1;	/* corrupt: dropped */
	lg_name_table_from_v1_0(&old, &t);
	assert_int_equal(t.nentries, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_truncated_anywhere),
		cmocka_unit_test(test_every_flipped_byte_is_caught),
		cmocka_unit_test(test_foreign_versions),
		cmocka_unit_test(test_section_length_past_end),
		cmocka_unit_test(test_v1_0_sizes),
		cmocka_unit_test(test_sample_from_v1_0),
		cmocka_unit_test(test_name_table_from_v1_0),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
