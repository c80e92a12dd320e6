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

/* The slot a newcomer with `current` connections may take, or -1. */
static int
eviction_candidate(const LgNameTable *table, int32_t current)
{
	int			best = -1;

	for (int i = 0; i < table->nentries; i++)
	{
		const LgNameEntry *e = &table->entries[i];

		if (e->current != 0 || e->peak >= current)
			continue;
		if (best < 0 || e->peak < table->entries[best].peak ||
			(e->peak == table->entries[best].peak &&
			 e->peak_at < table->entries[best].peak_at))
			best = i;
	}
	return best;
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
			e = &table->entries[table->nentries++];
		else if ((slot = eviction_candidate(table, tallies[t].current)) >= 0)
			e = &table->entries[slot];

		if (e == NULL)
		{
			table->other.current += tallies[t].current;
			table->other.idle_in_transaction += tallies[t].idle_in_transaction;
			continue;
		}
		memset(e, 0, sizeof(*e));
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

void
lg_names_reset_table(LgNameTable *table, int64_t now)
{
	int			kept = 0;

	for (int i = 0; i < table->nentries; i++)
	{
		LgNameEntry *e = &table->entries[i];

		if (e->current == 0)
			continue;
		e->peak = e->current;
		e->peak_at = now;
		if (kept != i)
			table->entries[kept] = *e;
		kept++;
	}
	table->nentries = kept;
	table->other.peak = table->other.current;
	table->other.peak_at = table->other.current > 0 ? now : 0;
}
