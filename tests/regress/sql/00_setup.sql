-- The extension installs with its dependency and creates its schema, roles and seed data.
CREATE EXTENSION riskmap CASCADE;
SELECT extname FROM pg_extension WHERE extname IN ('postgis', 'riskmap') ORDER BY 1;
SELECT nspname FROM pg_namespace WHERE nspname = 'riskmap';
SELECT rolname FROM pg_roles WHERE rolname LIKE 'riskmap\_%' AND NOT rolcanlogin ORDER BY 1;  -- the extension's group roles (logins such as riskmap_tiles are the deployment's)
SELECT * FROM riskmap.drill_quota ORDER BY org_kind, drill_class;
-- Every table of the contract exists.
SELECT t FROM unnest(ARRAY['district', 'department', 'risk_source', 'plan', 'plan_link', 'plan_event', 'shelter',
                           'population', 'road', 'drill', 'drill_target', 'drill_material', 'improvement_action',
                           'workday_override', 'drill_quota', 'user_district']) AS t
WHERE to_regclass('riskmap.' || t) IS NULL;
-- The settings exist once the module is loaded (any C function loads it).
SELECT riskmap.version() IS NOT NULL AS loaded;
SHOW riskmap.revision_interval;
SHOW riskmap.max_targets_per_drill;
