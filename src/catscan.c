/*
 * catscan.c — heap scans of whole catalogs.  See catscan.h.
 */
#include "postgres.h"

#include "access/heapam.h"
#include "access/table.h"
#include "access/tableam.h"
#include "utils/rel.h"

#include "catscan.h"

void
lg_catalog_scan(Oid relid, LgCatalogRowFn fn, void *arg)
{
	Relation	rel;
	TableScanDesc scan;
	HeapTuple	tup;

	rel = table_open(relid, AccessShareLock);
	scan = table_beginscan_catalog(rel, 0, NULL);
	while ((tup = heap_getnext(scan, ForwardScanDirection)) != NULL)
		fn(tup, RelationGetDescr(rel), arg);
	table_endscan(scan);
	table_close(rel, AccessShareLock);
}

void
lg_array_init(LgArray *array, Size item_size, int cap)
{
	array->item_size = item_size;
	array->cap = Max(cap, 1);
	array->n = 0;
	array->items = palloc(item_size * array->cap);
}

void *
lg_array_push(LgArray *array)
{
	char	   *item;

	if (array->n == array->cap)
	{
		array->cap *= 2;
		array->items = repalloc(array->items, array->item_size * array->cap);
	}
	item = (char *) array->items + array->item_size * array->n++;
	memset(item, 0, array->item_size);
	return item;
}
