-- loadguard.readiness(), readiness_summary(), the readiness view, and
-- machine(): will this server hold N concurrent users?

CREATE FUNCTION loadguard.machine(
    OUT ram_bytes bigint,
    OUT physical_ram_bytes bigint,
    OUT cgroup_limit_bytes bigint,
    OUT ram_source text,
    OUT cpu_cores integer)
RETURNS record
AS 'MODULE_PATHNAME', 'lg_machine'
LANGUAGE C VOLATILE;

COMMENT ON FUNCTION loadguard.machine() IS
  'RAM the server may use (the cgroup memory limit when one is set, else physical RAM), where that figure comes from, and CPU cores online';

CREATE FUNCTION loadguard.readiness(
    users integer,
    baseline_users integer DEFAULT NULL,
    lookback interval DEFAULT '15 minutes',
    app_role name DEFAULT NULL)
RETURNS TABLE (
    check_name text,
    status text,
    observed text,
    required text,
    detail text,
    fix text,
    restart_required boolean)
AS 'MODULE_PATHNAME', 'lg_readiness'
LANGUAGE C VOLATILE;

COMMENT ON FUNCTION loadguard.readiness(integer, integer, interval, name) IS
  'one row per readiness check for the given number of concurrent users: status pass/warn/fail/skip, what was observed and required, and the fix; baseline_users = users during the lookback, app_role = the role whose connections scale';

CREATE FUNCTION loadguard.readiness_summary(
    users integer,
    baseline_users integer DEFAULT NULL,
    lookback interval DEFAULT '15 minutes',
    app_role name DEFAULT NULL,
    OUT users integer,
    OUT score integer,
    OUT verdict text,
    OUT max_users integer,
    OUT bottleneck text,
    OUT summary text,
    OUT connections_per_user double precision,
    OUT connections_per_user_lower_bound boolean,
    OUT fixed_connections bigint,
    OUT demand_connections bigint,
    OUT usable_connections integer,
    OUT memory_worst_case_bytes bigint,
    OUT ram_bytes bigint,
    OUT baseline_users integer,
    OUT app_role name)
RETURNS record
AS 'MODULE_PATHNAME', 'lg_readiness_summary'
LANGUAGE C VOLATILE;

COMMENT ON FUNCTION loadguard.readiness_summary(integer, integer, interval, name) IS
  'readiness verdict for the given number of concurrent users: score 0-100, READY / AT RISK / NOT READY, the largest number of users connections and memory hold, and the check that limits it';

CREATE FUNCTION loadguard.readiness_target(
    OUT users integer,
    OUT score integer,
    OUT verdict text,
    OUT max_users integer,
    OUT bottleneck text,
    OUT summary text,
    OUT connections_per_user double precision,
    OUT connections_per_user_lower_bound boolean,
    OUT fixed_connections bigint,
    OUT demand_connections bigint,
    OUT usable_connections integer,
    OUT memory_worst_case_bytes bigint,
    OUT ram_bytes bigint,
    OUT baseline_users integer,
    OUT app_role name)
RETURNS record
AS 'MODULE_PATHNAME', 'lg_readiness_target'
LANGUAGE C VOLATILE;

COMMENT ON FUNCTION loadguard.readiness_target() IS
  'the row behind the loadguard.readiness view: readiness_summary(loadguard.target_users), or a hint while target_users is 0';

CREATE VIEW loadguard.readiness AS
  SELECT * FROM loadguard.readiness_target();

COMMENT ON VIEW loadguard.readiness IS
  'readiness verdict for loadguard.target_users concurrent users (NULL verdict and a hint while target_users is 0)';

GRANT SELECT ON loadguard.readiness TO PUBLIC;
