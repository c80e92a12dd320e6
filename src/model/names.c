/*
 * names.c — the bounded per-name connection table and peak tracking.
 * Plain C: see names.h for the rules.
 */
#include <stdlib.h>
#include <string.h>

#include "names.h"

const char *const lg_dimension_names[LG_DIM_COUNT] = {
	[LG_DIM_DATABASE] = "database",
	[LG_DIM_ROLE] = "role",
	[LG_DIM_APPLICATION] = "application",
	[LG_DIM_CLIENT] = "client",
};

bool
lg_peak_update(int32_t *peak, int64_t *peak_at, int32_t value, int64_t ts)
{
	if (value <= *peak)
		return false;
	*peak = value;
	*peak_at = ts;
	return true;
}

void
lg_name_key_set(LgNameKey *key, uint32_t oid, const char *name)
{
	/* FNV-1a, so that sorting and matching compare integers first */
	uint32_t	h = 2166136261u ^ oid;
	size_t		i;

	memset(key, 0, sizeof(*key));
	key->oid = oid;
	if (name)
	{
		for (i = 0; i < LG_NAME_MAXLEN && name[i] != '\0'; i++)
		{
			key->name[i] = name[i];
			h = (h ^ (unsigned char) name[i]) * 16777619u;
		}
	}
	key->hash = h;
}

static int
key_cmp(const LgNameKey *a, const LgNameKey *b)
{
	if (a->hash != b->hash)
		return a->hash < b->hash ? -1 : 1;
	if (a->oid != b->oid)
		return a->oid < b->oid ? -1 : 1;
	return strcmp(a->name, b->name);
}

static int
tally_key_cmp(const void *a, const void *b)
{
	return key_cmp(&((const LgNameTally *) a)->key, &((const LgNameTally *) b)->key);
}

static int
tally_current_desc(const void *a, const void *b)
{
	const LgNameTally *x = a;
	const LgNameTally *y = b;

	if (x->current != y->current)
		return x->current > y->current ? -1 : 1;
	return key_cmp(&x->key, &y->key);
}

void
lg_names_init(LgNameTable *table)
{
	memset(table, 0, sizeof(*table));
}

int
lg_names_tally(LgNameTally *items, int n)
{
	int			distinct = 0;

	if (n <= 0)
		return 0;
	qsort(items, (size_t) n, sizeof(LgNameTally), tally_key_cmp);
	for (int i = 0; i < n; i++)
	{
		if (distinct > 0 && key_cmp(&items[distinct - 1].key, &items[i].key) == 0)
		{
			items[distinct - 1].current += items[i].current;
			items[distinct - 1].idle_in_transaction += items[i].idle_in_transaction;
		}
		else
		{
			if (distinct != i)
				items[distinct] = items[i];
			distinct++;
		}
	}
	qsort(items, (size_t) distinct, sizeof(LgNameTally), tally_current_desc);
	return distinct;
}

void
lg_names_order(LgNameTally *items, int n)
{
	if (n > 1)
		qsort(items, (size_t) n, sizeof(LgNameTally), tally_current_desc);
}

static int64_t
count_weight(int64_t established, int64_t refused)
{
	return (established > 0 ? established : 0) + refused;
}

/* The slot a newcomer with `current` connections may take, or -1. */
static int
eviction_candidate(const LgNameTable *table, int32_t current)
{
	int			best = -1;

	for (int i = 0; i < table->nentries; i++)
	{
		const LgNameEntry *e = &table->entries[i];

		const LgNameEntry *b = best >= 0 ? &table->entries[best] : NULL;

		if (e->current != 0 || e->peak >= current)
			continue;

		/*
		 * the smallest peak; then the fewest counted connections; then the
		 * oldest
		 */
		if (b == NULL || e->peak < b->peak ||
			(e->peak == b->peak &&
			 (count_weight(e->established, e->refused) < count_weight(b->established, b->refused) ||
			  (count_weight(e->established, e->refused) == count_weight(b->established, b->refused) &&
			   e->peak_at < b->peak_at))))
			best = i;
	}
	return best;
}

/* Empty an entry for a newcomer; what it had counted stays in the totals. */
static void
evict_into_other(LgNameTable *table, LgNameEntry *e)
{
	table->other.established += e->established;
	table->other.refused += e->refused;
	memset(e, 0, sizeof(*e));
}

void
lg_names_update(LgNameTable *table, LgNameTally *tallies, int n, int64_t now)
{
	for (int i = 0; i < table->nentries; i++)
	{
		table->entries[i].current = 0;
		table->entries[i].idle_in_transaction = 0;
	}
	table->other.current = 0;
	table->other.idle_in_transaction = 0;

	/* names that already hold a slot first, so none is evicted while present */
	for (int t = 0; t < n; t++)
	{
		tallies[t].placed = false;
		for (int i = 0; i < table->nentries; i++)
		{
			LgNameEntry *e = &table->entries[i];

			if (e->key.hash == tallies[t].key.hash && key_cmp(&e->key, &tallies[t].key) == 0)
			{
				e->current = tallies[t].current;
				e->idle_in_transaction = tallies[t].idle_in_transaction;
				tallies[t].placed = true;
				break;
			}
		}
	}

	for (int t = 0; t < n; t++)
	{
		LgNameEntry *e = NULL;
		int			slot;

		if (tallies[t].placed)
			continue;
		if (table->nentries < LG_NAMES_PER_DIMENSION)
		{
			e = &table->entries[table->nentries++];
			memset(e, 0, sizeof(*e));
		}
		else if ((slot = eviction_candidate(table, tallies[t].current)) >= 0)
		{
			e = &table->entries[slot];
			evict_into_other(table, e);
		}

		if (e == NULL)
		{
			table->other.current += tallies[t].current;
			table->other.idle_in_transaction += tallies[t].idle_in_transaction;
			continue;
		}
		e->key = tallies[t].key;
		e->current = tallies[t].current;
		e->idle_in_transaction = tallies[t].idle_in_transaction;
		tallies[t].placed = true;
	}

	for (int i = 0; i < table->nentries; i++)
		lg_peak_update(&table->entries[i].peak, &table->entries[i].peak_at,
					   table->entries[i].current, now);
	lg_peak_update(&table->other.peak, &table->other.peak_at, table->other.current, now);
}

static int
count_key_cmp(const void *a, const void *b)
{
	return key_cmp(&((const LgNameCount *) a)->key, &((const LgNameCount *) b)->key);
}

static int
count_weight_desc(const void *a, const void *b)
{
	const LgNameCount *x = a;
	const LgNameCount *y = b;
	int64_t		wx = count_weight(x->established, x->refused);
	int64_t		wy = count_weight(y->established, y->refused);

	if (wx != wy)
		return wx > wy ? -1 : 1;
	return key_cmp(&x->key, &y->key);
}

/*
 * The slot a counts-only newcomer of the given weight may take: one with no
 * connection now, no peak, and a smaller weight; the smallest.  -1 if none.
 */
static int
count_eviction_candidate(const LgNameTable *table, int64_t weight)
{
	int			best = -1;
	int64_t		best_weight = 0;

	for (int i = 0; i < table->nentries; i++)
	{
		const LgNameEntry *e = &table->entries[i];
		int64_t		w = count_weight(e->established, e->refused);

		if (e->current != 0 || e->peak != 0 || w >= weight)
			continue;
		if (best < 0 || w < best_weight)
		{
			best = i;
			best_weight = w;
		}
	}
	return best;
}

void
lg_names_count(LgNameTable *table, LgNameCount *items, int n)
{
	int			distinct = 0;

	if (n <= 0)
		return;
	qsort(items, (size_t) n, sizeof(LgNameCount), count_key_cmp);
	for (int i = 0; i < n; i++)
	{
		if (distinct > 0 && key_cmp(&items[distinct - 1].key, &items[i].key) == 0)
		{
			items[distinct - 1].established += items[i].established;
			items[distinct - 1].refused += items[i].refused;
		}
		else
			items[distinct++] = items[i];
	}
	/* the most counted first: they win the free slots */
	qsort(items, (size_t) distinct, sizeof(LgNameCount), count_weight_desc);

	for (int t = 0; t < distinct; t++)
	{
		LgNameEntry *e = NULL;
		int			slot;

		for (int i = 0; i < table->nentries && e == NULL; i++)
		{
			if (table->entries[i].key.hash == items[t].key.hash &&
				key_cmp(&table->entries[i].key, &items[t].key) == 0)
				e = &table->entries[i];
		}
		if (e == NULL && table->nentries < LG_NAMES_PER_DIMENSION &&
			count_weight(items[t].established, items[t].refused) > 0)
		{
			e = &table->entries[table->nentries++];
			memset(e, 0, sizeof(*e));
			e->key = items[t].key;
		}
		else if (e == NULL &&
				 (slot = count_eviction_candidate(table,
												  count_weight(items[t].established,
															   items[t].refused))) >= 0)
		{
			e = &table->entries[slot];
			evict_into_other(table, e);
			e->key = items[t].key;
		}
		if (e == NULL)
			e = &table->other;
		e->established += items[t].established;
		e->refused += items[t].refused;
	}
}

void
lg_names_reset_table(LgNameTable *table, int64_t now)
{
	int			kept = 0;

	for (int i = 0; i < table->nentries; i++)
	{
		LgNameEntry *e = &table->entries[i];

		e->established = 0;
		e->refused = 0;
		if (e->current == 0)
			continue;
		e->peak = e->current;
		e->peak_at = now;
		if (kept != i)
			table->entries[kept] = *e;
		kept++;
	}
	table->nentries = kept;
	table->other.established = 0;
	table->other.refused = 0;
	table->other.peak = table->other.current;
	table->other.peak_at = table->other.current > 0 ? now : 0;
}
