-- DROP EXTENSION removes everything it made (the cluster-wide roles stay).
DROP EXTENSION riskmap;
SELECT count(*) AS schemas FROM pg_namespace WHERE nspname = 'riskmap';
SELECT count(*) AS functions FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'riskmap';
SELECT count(*) AS leftover_objects FROM pg_depend d JOIN pg_extension e ON e.oid = d.refobjid WHERE e.extname = 'riskmap';
-- And it installs again.
CREATE EXTENSION riskmap;
SELECT count(*) > 20 AS functions_back FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'riskmap';
DROP EXTENSION riskmap;
