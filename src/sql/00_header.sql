-- loadguard 1.0 install script, assembled by the Makefile from src/sql/*.sql
-- in file-name order.  Each fragment owns one family of views and functions.

\echo Use "CREATE EXTENSION loadguard" to load this file. \quit

COMMENT ON SCHEMA loadguard IS
  'loadguard: connection readiness, failure counters and stuck-session policy';

-- Views are readable by PUBLIC, like pg_stat_activity; what other roles'
-- sessions reveal is filtered inside the functions.
GRANT USAGE ON SCHEMA loadguard TO PUBLIC;
