/*
 * lists.c — validation and lookup for loadguard's name-list settings.
 * Plain C: no server headers, no allocation (see lists.h).
 */
#include <string.h>

#include "lists.h"

void
lg_namelist_init(LgNameList *list)
{
	list->nitems = 0;
}

/*
 * Add one name.  Duplicates are accepted and stored once, so that
 * 'app, app' is not an error a DBA has to fix by hand.
 */
LgListResult
lg_namelist_add(LgNameList *list, const char *name)
{
	size_t		len = strlen(name);

	if (len == 0)
		return LG_LIST_EMPTY_NAME;
	if (len > LG_NAME_MAXLEN)
		return LG_LIST_NAME_TOO_LONG;
	if (lg_namelist_contains(list, name))
		return LG_LIST_OK;
	if (list->nitems >= LG_LIST_MAX_ITEMS)
		return LG_LIST_TOO_MANY;
	memcpy(list->items[list->nitems], name, len + 1);
	list->nitems++;
	return LG_LIST_OK;
}

bool
lg_namelist_contains(const LgNameList *list, const char *name)
{
	if (list == NULL || name == NULL)
		return false;
	for (int i = 0; i < list->nitems; i++)
	{
		if (strcmp(list->items[i], name) == 0)
			return true;
	}
	return false;
}

const char *
lg_list_result_detail(LgListResult result)
{
	switch (result)
	{
		case LG_LIST_OK:
			return "";
		case LG_LIST_EMPTY_NAME:
			return "List contains an empty name.";
		case LG_LIST_NAME_TOO_LONG:
			return "A name in the list is longer than 63 bytes.";
		case LG_LIST_TOO_MANY:
			return "The list has more than 64 names.";
	}
	return "Unknown list error.";
}
