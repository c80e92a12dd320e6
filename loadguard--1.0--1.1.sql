-- loadguard 1.0 -> 1.1 upgrade script.  CREATE EXTENSION loadguard installs
-- 1.0 and then runs this script, so a fresh 1.1 and an updated 1.0 are the
-- same catalog.  Views whose columns change are dropped and recreated on
-- functions whose C entry points carry the API version (see doc/upgrading.md).

\echo Use "ALTER EXTENSION loadguard UPDATE TO '1.1'" to load this file. \quit
