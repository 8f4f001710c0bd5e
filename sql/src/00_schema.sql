-- Schema riskmap belongs to the extension: DROP EXTENSION removes it.
CREATE SCHEMA riskmap;
COMMENT ON SCHEMA riskmap IS 'riskmap: emergency plans and drills on the map';
-- Everything below is created in riskmap; pg_catalog comes before PostGIS's
-- schema (which may be public, writable by the database owner), so that
-- nothing planted there shadows a built-in function while the script runs.
SELECT pg_catalog.set_config('search_path',
                             'riskmap, pg_catalog, ' || pg_catalog.quote_ident(n.nspname), true)
FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
WHERE e.extname = 'postgis';
