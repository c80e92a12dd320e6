/*
 * catscan.h — reading every row of a catalog by a heap scan, for the two
 * readers that cannot go through indexes or the syscache: the worker,
 * which has no database and so cannot count on the name indexes of the
 * shared catalogs being in its relcache (connlog.c: pg_authid,
 * pg_database), and the reader of pg_db_role_setting (overrides.c).
 * No shared state, no lock of ours: the scan holds AccessShareLock on the
 * catalog while it runs.
 */
#ifndef LG_CATSCAN_H
#define LG_CATSCAN_H

#include "access/htup.h"
#include "access/tupdesc.h"

/* Called once per row; the tuple is only valid during the call. */
typedef void (*LgCatalogRowFn) (HeapTuple tup, TupleDesc desc, void *arg);

/* Call fn(tuple, the catalog's descriptor, arg) for every row of relid. */
extern void lg_catalog_scan(Oid relid, LgCatalogRowFn fn, void *arg);

/* A palloc'd array that grows as items are pushed. */
typedef struct LgArray
{
	void	   *items;
	int			n;
	int			cap;
	Size		item_size;
} LgArray;

/* An empty array of items of item_size bytes, room for cap at first. */
extern void lg_array_init(LgArray *array, Size item_size, int cap);

/* A new, zeroed item at the end (doubling the array when it is full). */
extern void *lg_array_push(LgArray *array);

#endif							/* LG_CATSCAN_H */
