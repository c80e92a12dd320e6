/*
 * overrides.c — role and database settings from pg_db_role_setting.
 *
 * pg_db_role_setting is a shared catalog, but not one the relcache can
 * open without reading pg_class: callers need a database connection (the
 * log check runs in a short-lived worker connected to one).  No shared
 * state, no lock of ours.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_db_role_setting.h"
#include "commands/dbcommands.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"

#include "catscan.h"
#include "overrides.h"

/* one pg_db_role_setting row: its setconfig items, "name=value" each */
static void
add_overrides(HeapTuple tup, TupleDesc desc, void *arg)
{
	LgArray    *list = (LgArray *) arg;
	Form_pg_db_role_setting form = (Form_pg_db_role_setting) GETSTRUCT(tup);
	bool		isnull;
	Datum		config;
	Datum	   *elems;
	int			nelems;

	config = heap_getattr(tup, Anum_pg_db_role_setting_setconfig, desc, &isnull);
	if (isnull)
		return;
	deconstruct_array(DatumGetArrayTypeP(config), TEXTOID, -1, false,
					  TYPALIGN_INT, &elems, NULL, &nelems);
	for (int i = 0; i < nelems; i++)
	{
		char	   *item = TextDatumGetCString(elems[i]);
		char	   *eq = strchr(item, '=');
		LgOverride *o;

		if (eq == NULL)
			continue;
		*eq = '\0';
		o = lg_array_push(list);
		o->role = form->setrole;
		o->database = form->setdatabase;
		o->name = item;
		o->value = eq + 1;
	}
}

int
lg_overrides_read(LgOverride **overrides)
{
	LgArray		list;

	lg_array_init(&list, sizeof(LgOverride), 16);
	lg_catalog_scan(DbRoleSettingRelationId, add_overrides, &list);
	*overrides = list.items;
	return list.n;
}

bool
lg_override_describe(const LgOverride *o, LgOverrideScope *scope,
					 char **role, char **database, char **reset)
{
	char	   *r = OidIsValid(o->role) ? GetUserNameFromId(o->role, true) : NULL;
	char	   *d = OidIsValid(o->database) ? get_database_name(o->database) : NULL;

	if (r != NULL && d != NULL)
	{
		*scope = LG_OVERRIDE_ROLE_IN_DATABASE;
		*reset = psprintf("ALTER ROLE %s IN DATABASE %s RESET %s;",
						  quote_identifier(r), quote_identifier(d), o->name);
	}
	else if (r != NULL && !OidIsValid(o->database))
	{
		*scope = LG_OVERRIDE_ROLE;
		*reset = psprintf("ALTER ROLE %s RESET %s;", quote_identifier(r), o->name);
	}
	else if (d != NULL && !OidIsValid(o->role))
	{
		*scope = LG_OVERRIDE_DATABASE;
		*reset = psprintf("ALTER DATABASE %s RESET %s;", quote_identifier(d), o->name);
	}
	else if (!OidIsValid(o->role) && !OidIsValid(o->database))
	{
		*scope = LG_OVERRIDE_ALL_ROLES;
		*reset = psprintf("ALTER ROLE ALL RESET %s;", o->name);
	}
	else
		return false;			/* the role or database was dropped meanwhile */
	*role = r;
	*database = d;
	return true;
}
