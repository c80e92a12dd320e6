-- loadguard 1.0 -> 1.1 upgrade script.  CREATE EXTENSION loadguard installs
-- 1.0 and then runs this script, so a fresh 1.1 and an updated 1.0 are the
-- same catalog.  Views whose columns change are dropped and recreated on
-- functions whose C entry points carry the API version (see doc/upgrading.md).

\echo Use "ALTER EXTENSION loadguard UPDATE TO '1.1'" to load this file. \quit

-- config_check(): the same columns, now a C function over the rules that
-- readiness() uses too (src/settings_rules.c), so the two never give two
-- answers for one setting; fixes follow pg_settings.source.
CREATE OR REPLACE FUNCTION loadguard.config_check(
    app_role name DEFAULT NULL,
    OUT setting text,
    OUT current text,
    OUT recommended text,
    OUT severity text,
    OUT reason text,
    OUT fix_sql text,
    OUT restart_required boolean,
    OUT source text)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'lg_config_check_1_1'
LANGUAGE C VOLATILE;

COMMENT ON FUNCTION loadguard.config_check(name) IS
  'one row per setting that matters under load: current and recommended value, severity ok/info/warn/high, reason, the exact fix where it takes effect (a command-line value is named in reason instead), whether it needs a restart, and where the value comes from (file:line, command line, role/database override, or the application role''s sessions); the same rules as readiness()';
