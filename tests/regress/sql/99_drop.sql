-- DROP EXTENSION removes everything it made (the cluster-wide roles stay);
-- while the ledger holds data it refuses without CASCADE (the view
-- riskmap.user_data_guard, which belongs to no extension, depends on it).
\set VERBOSITY terse
INSERT INTO riskmap.district (code, name) VALUES ('599999', '保留数据');
DROP EXTENSION riskmap;
SELECT count(*) AS districts_kept FROM riskmap.district WHERE code = '599999';
DROP EXTENSION riskmap CASCADE;
SELECT count(*) AS schemas FROM pg_namespace WHERE nspname = 'riskmap';
SELECT count(*) AS functions FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'riskmap';
SELECT count(*) AS leftover_objects FROM pg_depend d JOIN pg_extension e ON e.oid = d.refobjid WHERE e.extname = 'riskmap';
-- And it installs again; empty, it drops without CASCADE.
CREATE EXTENSION riskmap;
SELECT count(*) > 20 AS functions_back FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'riskmap';
DROP EXTENSION riskmap;
