/*
 * test_lists.c — cmocka tests for the name-list settings (src/model/lists.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "lists.h"

static void
test_add_and_contains(void **state)
{
	LgNameList	list;

	(void) state;
	lg_namelist_init(&list);
	assert_int_equal(lg_namelist_add(&list, "app"), LG_LIST_OK);
	assert_int_equal(lg_namelist_add(&list, "Grafana"), LG_LIST_OK);
	assert_true(lg_namelist_contains(&list, "app"));
	assert_true(lg_namelist_contains(&list, "Grafana"));
	/* names compare exactly, like role and application names */
	assert_false(lg_namelist_contains(&list, "grafana"));
	assert_false(lg_namelist_contains(&list, "ap"));
	assert_false(lg_namelist_contains(&list, ""));
	assert_false(lg_namelist_contains(NULL, "app"));
	assert_false(lg_namelist_contains(&list, NULL));
}

static void
test_duplicates_stored_once(void **state)
{
	LgNameList	list;

	(void) state;
	lg_namelist_init(&list);
	assert_int_equal(lg_namelist_add(&list, "a"), LG_LIST_OK);
	assert_int_equal(lg_namelist_add(&list, "a"), LG_LIST_OK);
	assert_int_equal(list.nitems, 1);
}

static void
test_rejects_bad_names(void **state)
{
	LgNameList	list;
	char		longname[LG_NAME_MAXLEN + 2];

	(void) state;
	lg_namelist_init(&list);
	assert_int_equal(lg_namelist_add(&list, ""), LG_LIST_EMPTY_NAME);

	memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	assert_int_equal(lg_namelist_add(&list, longname), LG_LIST_NAME_TOO_LONG);
	longname[LG_NAME_MAXLEN] = '\0';	/* exactly 63 bytes fits */
	assert_int_equal(lg_namelist_add(&list, longname), LG_LIST_OK);
	assert_true(lg_namelist_contains(&list, longname));
	assert_string_not_equal(lg_list_result_detail(LG_LIST_NAME_TOO_LONG), "");
}

static void
test_capacity(void **state)
{
	LgNameList	list;
	char		name[16];

	(void) state;
	lg_namelist_init(&list);
	for (int i = 0; i < LG_LIST_MAX_ITEMS; i++)
	{
		snprintf(name, sizeof(name), "n%d", i);
		assert_int_equal(lg_namelist_add(&list, name), LG_LIST_OK);
	}
	assert_int_equal(lg_namelist_add(&list, "one-too-many"), LG_LIST_TOO_MANY);
	/* a duplicate of a stored name still fits in a full list */
	assert_int_equal(lg_namelist_add(&list, "n0"), LG_LIST_OK);
	assert_int_equal(list.nitems, LG_LIST_MAX_ITEMS);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add_and_contains),
		cmocka_unit_test(test_duplicates_stored_once),
		cmocka_unit_test(test_rejects_bad_names),
		cmocka_unit_test(test_capacity),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
