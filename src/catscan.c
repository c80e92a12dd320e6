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

void *
lg_array_reserve(void *items, int n, int *cap, Size item_size)
{
	if (n < *cap)
		return items;
	*cap *= 2;
	return repalloc(items, item_size * *cap);
}
