-- Update riskmap 0.1 -> 0.2. Pieces run in file-name order; each topic of 0.2
-- writes its changes to sql/src (the fresh install) and here (the update), and
-- the test sql.upgrade checks that both give the same catalog.
-- Objects are created in riskmap; pg_catalog comes before PostGIS's schema
-- (as in sql/src/00_schema.sql).
SELECT pg_catalog.set_config('search_path',
                             'riskmap, pg_catalog, ' || pg_catalog.quote_ident(n.nspname), true)
FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
WHERE e.extname = 'postgis';
