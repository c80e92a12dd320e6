/*
 * api_version.h — the versions of loadguard's SQL surface, as seen by the C
 * functions behind views whose columns differ between versions.
 *
 * Like pg_stat_statements, each such function has one exported entry point
 * per version that changed it (lg_status for 1.0, lg_status_1_1, ...), all
 * calling one internal function with the version, so a database whose
 * catalog is still at 1.0 keeps getting 1.0's columns from a newer library
 * until ALTER EXTENSION loadguard UPDATE.  A view's shape is one table of
 * LgViewColumn, each column tagged with the version that added it; see
 * doc/upgrading.md for adding a column or a view.  Plain C.
 */
#ifndef LG_API_VERSION_H
#define LG_API_VERSION_H

typedef enum LgApiVersion
{
	LG_API_1_0,
	LG_API_1_1,
} LgApiVersion;

#define LG_API_NEWEST	LG_API_1_1

/* One output column of a view's function, and the version that added it. */
typedef struct LgViewColumn
{
	const char *name;
	LgApiVersion since;
} LgViewColumn;

static inline const char *
lg_api_version_name(LgApiVersion api)
{
	switch (api)
	{
		case LG_API_1_0:
			return "1.0";
		case LG_API_1_1:
			return "1.1";
	}
	return "?";
}

/* How many of the columns version api returns. */
static inline int
lg_view_column_count(const LgViewColumn *columns, int ncolumns, LgApiVersion api)
{
	int			n = 0;

	for (int i = 0; i < ncolumns; i++)
		if (columns[i].since <= api)
			n++;
	return n;
}

#endif							/* LG_API_VERSION_H */
