/*
 * lists.h — the parsed form of loadguard's name-list settings
 * (loadguard.exempt_roles, exempt_databases, exempt_applications).
 *
 * The server's SplitGUCList() does the tokenising (quotes, whitespace);
 * this plain-C part validates each name and answers membership, so the
 * policy can be unit-tested without a server.  Names compare exactly
 * (case-sensitive), as role, database and application names do.
 */
#ifndef LG_LISTS_H
#define LG_LISTS_H

#include <stdbool.h>

#define LG_NAME_MAXLEN		63	/* NAMEDATALEN - 1 */
#define LG_LIST_MAX_ITEMS	64

typedef struct LgNameList
{
	int			nitems;
	char		items[LG_LIST_MAX_ITEMS][LG_NAME_MAXLEN + 1];
} LgNameList;

typedef enum LgListResult
{
	LG_LIST_OK = 0,
	LG_LIST_EMPTY_NAME,
	LG_LIST_NAME_TOO_LONG,
	LG_LIST_TOO_MANY
} LgListResult;

extern void lg_namelist_init(LgNameList *list);
extern LgListResult lg_namelist_add(LgNameList *list, const char *name);
extern bool lg_namelist_contains(const LgNameList *list, const char *name);
extern const char *lg_list_result_detail(LgListResult result);

#endif							/* LG_LISTS_H */
