-- The stuck-session policy: loadguard.terminations (the audit ring),
-- loadguard.policy_stats (actions per rule) and loadguard.terminate_stuck()
-- (the policy once, now, with the caller's rights).

CREATE FUNCTION loadguard.get_terminations(
    OUT at timestamptz,
    OUT pid integer,
    OUT role text,
    OUT database text,
    OUT application text,
    OUT client_addr inet,
    OUT state text,
    OUT age interval,
    OUT reason text,
    OUT detail text,
    OUT action text,
    OUT dry_run boolean,
    OUT outcome text,
    OUT outcome_detail text,
    OUT requested_by text,
    OUT query text)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'lg_terminations'
LANGUAGE C VOLATILE;

COMMENT ON FUNCTION loadguard.get_terminations() IS
  'the rows behind the loadguard.terminations view';

CREATE VIEW loadguard.terminations AS
  SELECT * FROM loadguard.get_terminations();

COMMENT ON VIEW loadguard.terminations IS
  'audit of the stuck-session policy: every cancel and terminate, done, failed, skipped or dry run, oldest first';

GRANT SELECT ON loadguard.terminations TO PUBLIC;

CREATE FUNCTION loadguard.terminate_stuck(dry_run boolean DEFAULT true)
RETURNS SETOF loadguard.terminations
AS 'MODULE_PATHNAME', 'lg_terminate_stuck'
LANGUAGE C VOLATILE STRICT;

COMMENT ON FUNCTION loadguard.terminate_stuck(boolean) IS
  'apply the stuck-session policy once, now, with the rights pg_terminate_backend gives the caller; dry_run (the default) signals nothing';

REVOKE ALL ON FUNCTION loadguard.terminate_stuck(boolean) FROM PUBLIC;

CREATE FUNCTION loadguard.get_policy_stats(
    OUT rule text,
    OUT action text,
    OUT done bigint,
    OUT failed bigint,
    OUT skipped bigint,
    OUT dry_run bigint)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'lg_policy_stats'
LANGUAGE C VOLATILE;

COMMENT ON FUNCTION loadguard.get_policy_stats() IS
  'the rows behind the loadguard.policy_stats view';

CREATE VIEW loadguard.policy_stats AS
  SELECT * FROM loadguard.get_policy_stats();

COMMENT ON VIEW loadguard.policy_stats IS
  'stuck-session policy actions per rule since the last reset: done, failed, skipped (moved on, gone, no permission) and dry run';

GRANT SELECT ON loadguard.policy_stats TO PUBLIC;
