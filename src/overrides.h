/*
 * overrides.h — role and database settings (ALTER ROLE/DATABASE ... SET),
 * read from pg_db_role_setting once for everyone who needs them: the log
 * settings check (events.c) and the readiness model's inputs
 * (views_readiness.c).
 */
#ifndef LG_OVERRIDES_H
#define LG_OVERRIDES_H

/* One "name=value" item of pg_db_role_setting.setconfig. */
typedef struct LgOverride
{
	Oid			role;			/* InvalidOid: every role */
	Oid			database;		/* InvalidOid: every database */
	char	   *name;
	char	   *value;
} LgOverride;

/*
 * Every role and database setting, palloc'd in the current memory context;
 * returns the count.  Needs a transaction and a database connection.
 */
extern int	lg_overrides_read(LgOverride **overrides);

/* Whom an override applies to. */
typedef enum LgOverrideScope
{
	LG_OVERRIDE_ROLE_IN_DATABASE,
	LG_OVERRIDE_ROLE,
	LG_OVERRIDE_DATABASE,
	LG_OVERRIDE_ALL_ROLES
} LgOverrideScope;

/*
 * Whom an override applies to, the names of its role and database (NULL
 * where the scope has none), and the statement that removes it, palloc'd.
 * False when its role or database was dropped meanwhile.
 */
extern bool lg_override_describe(const LgOverride *o, LgOverrideScope *scope,
								 char **role, char **database, char **reset);

#endif							/* LG_OVERRIDES_H */
