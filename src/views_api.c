/*
 * views_api.c — checks that the row type a view's function was declared
 * with in the catalog is the shape its C entry point builds for its API
 * version (see api_version.h).  A mismatch means the SQL definition and the
 * library disagree (a hand-made CREATE FUNCTION, or a script and library
 * from different builds): better a clear error than misplaced columns.
 */
#include "postgres.h"

#include "access/tupdesc.h"
#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/regproc.h"

#include "views.h"

int
lg_view_check_columns(FunctionCallInfo fcinfo, TupleDesc tupdesc, LgApiVersion api,
					  const LgViewColumn *columns, int ncolumns)
{
	int			expected = lg_view_column_count(columns, ncolumns, api);
	int			attno = 0;

	if (tupdesc->natts != expected)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_FUNCTION_DEFINITION),
				 errmsg("function %s does not match the loadguard library",
						format_procedure(fcinfo->flinfo->fn_oid)),
				 errdetail("The function is declared with %d output columns; its C entry point, of API version %s, returns %d.",
						   tupdesc->natts, lg_api_version_name(api), expected),
				 errhint("Define the function as the loadguard extension scripts do.")));

	for (int i = 0; i < ncolumns; i++)
	{
		const char *attname;

		if (columns[i].since > api)
			continue;
		attname = NameStr(TupleDescAttr(tupdesc, attno)->attname);
		if (strcmp(attname, columns[i].name) != 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_FUNCTION_DEFINITION),
					 errmsg("function %s does not match the loadguard library",
							format_procedure(fcinfo->flinfo->fn_oid)),
					 errdetail("Its output column %d is named \"%s\"; its C entry point, of API version %s, returns \"%s\" there.",
							   attno + 1, attname, lg_api_version_name(api), columns[i].name),
					 errhint("Define the function as the loadguard extension scripts do.")));
		attno++;
	}
	return expected;
}
