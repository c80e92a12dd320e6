-- loadguard.report(): fixed sections, every line within 80 columns.
-- Numbers and times are masked; the layout is what is pinned.
CREATE EXTENSION loadguard;
SELECT loadguard.reset();

-- wait for a sample after the reset, so that every section is filled
DO $$
BEGIN
  FOR i IN 1..300 LOOP
    EXIT WHEN EXISTS (SELECT 1 FROM loadguard.connections WHERE dimension = 'role');
    PERFORM pg_sleep(0.1);
  END LOOP;
END $$;

SELECT max(length(line)) <= 80 AS fits_80_columns,
       count(*) FILTER (WHERE line LIKE '== %') AS sections
  FROM loadguard.report(10) AS line;

SELECT regexp_replace(regexp_replace(line,
         '\d{4}-\d\d-\d\d \d\d:\d\d:\d\d( [A-Z]{3,5})?', '<time>', 'g'),
         '\d+(\.\d+)?', 'N', 'g') AS line
  FROM loadguard.report(10) AS line
 WHERE line !~ '^  (role|application|database) ';

-- without a target the readiness section says how to get one
SELECT line FROM loadguard.report() AS line WHERE line ~ 'no target';

-- bad arguments are refused by the readiness functions it calls
-- (terse: the PL/pgSQL context names a line number of the function)
\set VERBOSITY terse
SELECT * FROM loadguard.report(0);
SELECT * FROM loadguard.report(10, baseline_users => -1);
\set VERBOSITY default

-- the wrap helper
SELECT * FROM loadguard.report_wrap('one two three four five six', '> ', '  ', 12);

DROP EXTENSION loadguard;
