/*
 * test_names.c — cmocka tests for the bounded per-name connection table and
 * peak tracking (src/model/names.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "names.h"

static LgNameTable table;

/* one tally per session: n sessions of name, iit of them idle in transaction */
static int
add_sessions(LgNameTally *items, int at, const char *name, int n, int iit)
{
	for (int i = 0; i < n; i++)
	{
		lg_name_key_set(&items[at + i].key, 0, name);
		items[at + i].current = 1;
		items[at + i].idle_in_transaction = i < iit ? 1 : 0;
	}
	return at + n;
}

static const LgNameEntry *
find(const LgNameTable *t, const char *name)
{
	for (int i = 0; i < t->nentries; i++)
		if (strcmp(t->entries[i].key.name, name) == 0)
			return &t->entries[i];
	return NULL;
}

static void
tick(LgNameTally *items, int n, int64_t now)
{
	int			distinct = lg_names_tally(items, n);

	lg_names_update(&table, items, distinct, now);
}

static void
test_peak_update(void **state)
{
	int32_t		peak = 0;
	int64_t		at = 0;

	(void) state;
	assert_false(lg_peak_update(&peak, &at, 0, 5));
	assert_int_equal(at, 0);
	assert_true(lg_peak_update(&peak, &at, 3, 10));
	assert_int_equal(peak, 3);
	assert_int_equal(at, 10);
	/* equal or lower keeps the first time the peak was reached */
	assert_false(lg_peak_update(&peak, &at, 3, 20));
	assert_false(lg_peak_update(&peak, &at, 1, 30));
	assert_int_equal(peak, 3);
	assert_int_equal(at, 10);
	assert_true(lg_peak_update(&peak, &at, 4, 40));
	assert_int_equal(at, 40);
}

static void
test_tally_merges_and_orders(void **state)
{
	LgNameTally items[16];
	int			n = 0;
	int			distinct;

	(void) state;
	n = add_sessions(items, n, "b", 2, 1);
	n = add_sessions(items, n, "a", 5, 0);
	n = add_sessions(items, n, "c", 1, 1);
	n = add_sessions(items, n, "b", 1, 0);
	distinct = lg_names_tally(items, n);
	assert_int_equal(distinct, 3);
	assert_string_equal(items[0].key.name, "a");
	assert_int_equal(items[0].current, 5);
	assert_string_equal(items[1].key.name, "b");
	assert_int_equal(items[1].current, 3);
	assert_int_equal(items[1].idle_in_transaction, 1);
	assert_string_equal(items[2].key.name, "c");
	assert_int_equal(lg_names_tally(items, 0), 0);
}

static void
test_oid_and_name_keys_differ(void **state)
{
	LgNameKey	a;
	LgNameKey	b;
	LgNameKey	c;
	char		longname[100];

	(void) state;
	lg_name_key_set(&a, 10, NULL);
	lg_name_key_set(&b, 11, NULL);
	lg_name_key_set(&c, 10, NULL);
	assert_int_not_equal(a.hash, b.hash);
	assert_int_equal(a.hash, c.hash);
	memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	lg_name_key_set(&a, 0, longname);
	assert_int_equal(strlen(a.name), LG_NAME_MAXLEN);
}

static void
test_current_and_peak(void **state)
{
	LgNameTally items[16];
	int			n;
	const LgNameEntry *e;

	(void) state;
	lg_names_init(&table);
	n = add_sessions(items, 0, "app", 4, 2);
	n = add_sessions(items, n, "psql", 1, 0);
	tick(items, n, 100);
	e = find(&table, "app");
	assert_non_null(e);
	assert_int_equal(e->current, 4);
	assert_int_equal(e->idle_in_transaction, 2);
	assert_int_equal(e->peak, 4);
	assert_int_equal(e->peak_at, 100);

	/* sessions close: current drops, peak and its time stay */
	n = add_sessions(items, 0, "app", 1, 0);
	tick(items, n, 200);
	e = find(&table, "app");
	assert_int_equal(e->current, 1);
	assert_int_equal(e->idle_in_transaction, 0);
	assert_int_equal(e->peak, 4);
	assert_int_equal(e->peak_at, 100);
	e = find(&table, "psql");
	assert_non_null(e);
	assert_int_equal(e->current, 0);
	assert_int_equal(e->peak, 1);
	assert_int_equal(table.other.peak, 0);
}

static void
test_overflow_into_other(void **state)
{
	LgNameTally items[LG_NAMES_PER_DIMENSION * 4];
	char		name[16];
	int			n = 0;

	(void) state;
	lg_names_init(&table);
	/* one more name than fits, each with 2 sessions, plus a big one */
	for (int i = 0; i < LG_NAMES_PER_DIMENSION + 1; i++)
	{
		snprintf(name, sizeof(name), "n%02d", i);
		n = add_sessions(items, n, name, 2, 1);
	}
	n = add_sessions(items, n, "big", 9, 0);
	tick(items, n, 100);
	assert_int_equal(table.nentries, LG_NAMES_PER_DIMENSION);
	/* the largest names get the slots first */
	assert_non_null(find(&table, "big"));
	assert_int_equal(table.other.current, 2 + 2);
	assert_int_equal(table.other.idle_in_transaction, 2);
	assert_int_equal(table.other.peak, 4);
	assert_int_equal(table.other.peak_at, 100);

	/* totals are preserved: named + other = all sessions */
	{
		int			sum = table.other.current;

		for (int i = 0; i < table.nentries; i++)
			sum += table.entries[i].current;
		assert_int_equal(sum, (LG_NAMES_PER_DIMENSION + 1) * 2 + 9);
	}
}

static void
test_eviction_of_idle_small_names(void **state)
{
	LgNameTally items[LG_NAMES_PER_DIMENSION * 4];
	char		name[16];
	int			n = 0;

	(void) state;
	lg_names_init(&table);
	for (int i = 0; i < LG_NAMES_PER_DIMENSION; i++)
	{
		snprintf(name, sizeof(name), "n%02d", i);
		n = add_sessions(items, n, name, 1, 0);
	}
	tick(items, n, 100);
	assert_int_equal(table.nentries, LG_NAMES_PER_DIMENSION);

	/* all still connected: a newcomer goes to (other) */
	n = 0;
	for (int i = 0; i < LG_NAMES_PER_DIMENSION; i++)
	{
		snprintf(name, sizeof(name), "n%02d", i);
		n = add_sessions(items, n, name, 1, 0);
	}
	n = add_sessions(items, n, "new", 3, 0);
	tick(items, n, 200);
	assert_null(find(&table, "new"));
	assert_int_equal(table.other.current, 3);

	/* n00 disconnects: the bigger newcomer takes its slot */
	n = 0;
	for (int i = 1; i < LG_NAMES_PER_DIMENSION; i++)
	{
		snprintf(name, sizeof(name), "n%02d", i);
		n = add_sessions(items, n, name, 1, 0);
	}
	n = add_sessions(items, n, "new", 3, 0);
	tick(items, n, 300);
	assert_non_null(find(&table, "new"));
	assert_null(find(&table, "n00"));
	assert_int_equal(find(&table, "new")->peak, 3);
	assert_int_equal(find(&table, "new")->peak_at, 300);
	assert_int_equal(table.other.current, 0);
	/* (other) keeps its own peak */
	assert_int_equal(table.other.peak, 3);

	/* a newcomer no bigger than an idle name's peak does not evict it */
	n = 0;
	n = add_sessions(items, n, "new", 3, 0);
	n = add_sessions(items, n, "tiny", 1, 0);
	tick(items, n, 400);
	assert_null(find(&table, "tiny"));
	assert_int_equal(table.other.current, 1);
}

static void
test_reset(void **state)
{
	LgNameTally items[16];
	int			n;

	(void) state;
	lg_names_init(&table);
	n = add_sessions(items, 0, "gone", 5, 0);
	n = add_sessions(items, n, "here", 3, 0);
	tick(items, n, 100);
	n = add_sessions(items, 0, "here", 1, 0);
	tick(items, n, 200);
	lg_names_reset_table(&table, 300);
	assert_null(find(&table, "gone"));
	assert_int_equal(table.nentries, 1);
	assert_int_equal(find(&table, "here")->peak, 1);
	assert_int_equal(find(&table, "here")->peak_at, 300);
}

static void
count(LgNameCount *c, const char *name, int64_t established, int64_t refused)
{
	lg_name_key_set(&c->key, 0, name);
	c->established = established;
	c->refused = refused;
}

/* counts land on the name, repeated keys add up, a name may be refused only */
static void
test_counts_per_name(void **state)
{
	(void) state;
	LgNameCount c[4];
	LgNameTally items[4];
	int			n;

	lg_names_init(&table);
	n = add_sessions(items, 0, "app", 2, 0);
	tick(items, n, 100);
	count(&c[0], "app", 1, 0);
	count(&c[1], "burst", 0, 1);
	count(&c[2], "app", 1, 0);
	count(&c[3], "burst", 0, 1);
	lg_names_count(&table, c, 4);
	assert_int_equal(find(&table, "app")->established, 2);
	assert_int_equal(find(&table, "app")->refused, 0);
	assert_int_equal(find(&table, "burst")->refused, 2);
	assert_int_equal(find(&table, "burst")->current, 0);
	assert_int_equal(find(&table, "burst")->peak, 0);

	/* refused after authentication: -1 established on the same name */
	count(&c[0], "app", -1, 1);
	lg_names_count(&table, c, 1);
	assert_int_equal(find(&table, "app")->established, 1);
	assert_int_equal(find(&table, "app")->refused, 1);

	/* a tick keeps the counts; reset zeroes them and drops "burst" */
	n = add_sessions(items, 0, "app", 1, 0);
	tick(items, n, 200);
	assert_int_equal(find(&table, "burst")->refused, 2);
	lg_names_reset_table(&table, 300);
	assert_null(find(&table, "burst"));
	assert_int_equal(find(&table, "app")->established, 0);
	assert_int_equal(find(&table, "app")->refused, 0);
}

/* with the table full, names plus (other) still add up to every count */
static void
test_counts_overflow_keep_totals(void **state)
{
	(void) state;
	LgNameCount c[LG_NAMES_PER_DIMENSION + 10];
	LgNameTally items[LG_NAMES_PER_DIMENSION + 1];
	char		name[32];
	int64_t		sum_refused = 0;
	int			n;

	lg_names_init(&table);
	for (int i = 0; i < LG_NAMES_PER_DIMENSION + 10; i++)
	{
		snprintf(name, sizeof(name), "n%02d", i);
		/* n00 is refused most: it must get a slot */
		count(&c[i], name, 0, i == 0 ? 5 : 1);
	}
	lg_names_count(&table, c, LG_NAMES_PER_DIMENSION + 10);
	assert_int_equal(table.nentries, LG_NAMES_PER_DIMENSION);
	assert_non_null(find(&table, "n00"));
	assert_int_equal(find(&table, "n00")->refused, 5);
	assert_int_equal(table.other.refused, 10);

	/*
	 * a connected newcomer evicts a refused-only name: its count moves to
	 * other
	 */
	n = add_sessions(items, 0, "big", 3, 0);
	tick(items, n, 100);
	assert_non_null(find(&table, "big"));
	for (int i = 0; i < table.nentries; i++)
		sum_refused += table.entries[i].refused;
	assert_int_equal(sum_refused + table.other.refused, 5 + LG_NAMES_PER_DIMENSION + 9);
	assert_int_equal(table.other.refused, 11);

	/* a newcomer with more counts takes the slot of the least counted */
	count(&c[0], "heavy", 3, 0);
	lg_names_count(&table, c, 1);
	assert_non_null(find(&table, "heavy"));
	assert_int_equal(table.other.refused, 12);
	/* one with fewer does not */
	count(&c[0], "light", 0, 1);
	lg_names_count(&table, c, 1);
	assert_null(find(&table, "light"));
	assert_int_equal(table.other.refused, 13);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_peak_update),
		cmocka_unit_test(test_tally_merges_and_orders),
		cmocka_unit_test(test_oid_and_name_keys_differ),
		cmocka_unit_test(test_current_and_peak),
		cmocka_unit_test(test_overflow_into_other),
		cmocka_unit_test(test_eviction_of_idle_small_names),
		cmocka_unit_test(test_reset),
		cmocka_unit_test(test_counts_per_name),
		cmocka_unit_test(test_counts_overflow_keep_totals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
