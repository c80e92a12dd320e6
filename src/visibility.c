/*
 * visibility.c — who may see what of one session; the rule and its reasons
 * are in visibility.h.
 */
#include "postgres.h"

#include "catalog/pg_authid.h"
#include "miscadmin.h"
#include "utils/acl.h"

#include "visibility.h"

void
lg_reader_init(LgReader *reader)
{
	reader->userid = GetUserId();
	reader->read_all_stats = has_privs_of_role(reader->userid, ROLE_PG_READ_ALL_STATS);
}

bool
lg_reader_sees_session(const LgReader *reader, Oid session_role)
{
	/*
	 * A backend that advertises no role yet (still authenticating) is shown
	 * in full only to pg_read_all_stats, as has_privs_of_role() says no for
	 * InvalidOid.
	 */
	return reader->read_all_stats || has_privs_of_role(reader->userid, session_role);
}
