/*
 * test_keydict.c — cmocka tests for the name-key dictionary (src/keydict.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "keydict.h"

static LgKeyDict *
new_dict(int32_t capacity)
{
	LgKeyDict  *d = malloc(sizeof(LgKeyDict));
	void	   *buf = malloc(lg_keydict_buffer_size(capacity));

	lg_keydict_init(d, capacity, buf);
	return d;
}

static void
free_dict(LgKeyDict *d)
{
	free(d->buckets);
	free(d);
}

static int32_t
intern_name(LgKeyDict *d, const char *name)
{
	LgNameKey	k;

	lg_name_key_set(&k, 0, name);
	return lg_keydict_intern(d, &k);
}

static int32_t
intern_oid(LgKeyDict *d, uint32_t oid)
{
	LgNameKey	k;

	lg_name_key_set(&k, oid, NULL);
	return lg_keydict_intern(d, &k);
}

/* ids are dense, stable, and equal exactly for equal keys */
static void
test_ids(void **state)
{
	LgKeyDict  *d = new_dict(100);

	(void) state;
	assert_int_equal(intern_name(d, "app"), 0);
	assert_int_equal(intern_name(d, "web"), 1);
	assert_int_equal(intern_name(d, "app"), 0);
	assert_int_equal(intern_oid(d, 10), 2);
	assert_int_equal(intern_oid(d, 11), 3);
	assert_int_equal(intern_oid(d, 10), 2);
	/* the empty name is a key like any other */
	assert_int_equal(intern_name(d, ""), 4);
	assert_int_equal(intern_name(d, ""), 4);
	assert_int_equal(d->nkeys, 5);
	assert_string_equal(lg_keydict_key(d, 1)->name, "web");
	assert_int_equal(lg_keydict_key(d, 3)->oid, 11);
	free_dict(d);
}

/* a full dictionary still finds its keys, and refuses new ones */
static void
test_full(void **state)
{
	LgKeyDict  *d = new_dict(50);
	char		name[32];

	(void) state;
	for (int i = 0; i < 50; i++)
	{
		snprintf(name, sizeof(name), "app%d", i);
		assert_int_equal(intern_name(d, name), i);
	}
	assert_int_equal(intern_name(d, "one too many"), -1);
	for (int i = 49; i >= 0; i--)
	{
		snprintf(name, sizeof(name), "app%d", i);
		assert_int_equal(intern_name(d, name), i);
	}
	assert_int_equal(d->nkeys, 50);
	free_dict(d);
}

/* clear forgets every key and changes the generation */
static void
test_clear(void **state)
{
	LgKeyDict  *d = new_dict(10);
	uint32_t	g = d->generation;

	(void) state;
	intern_name(d, "a");
	intern_name(d, "b");
	lg_keydict_clear(d);
	assert_int_equal(d->nkeys, 0);
	assert_int_not_equal(d->generation, g);
	assert_int_equal(intern_name(d, "b"), 0);
	assert_int_equal(intern_name(d, "a"), 1);
	free_dict(d);
}

/* many similar keys (consecutive Oids, numbered names) at capacity */
static void
test_many(void **state)
{
	LgKeyDict  *d = new_dict(2000);
	char		name[32];

	(void) state;
	for (int i = 0; i < 1000; i++)
		assert_int_equal(intern_oid(d, 16384 + i), i);
	for (int i = 0; i < 1000; i++)
	{
		snprintf(name, sizeof(name), "10.0.%d.%d", i / 256, i % 256);
		assert_int_equal(intern_name(d, name), 1000 + i);
	}
	for (int i = 0; i < 1000; i++)
		assert_int_equal(intern_oid(d, 16384 + i), i);
	assert_int_equal(intern_oid(d, 1), -1);
	free_dict(d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ids),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_clear),
		cmocka_unit_test(test_many),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
