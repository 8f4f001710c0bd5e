-- Data safety (docs/security.md): what pg_dump keeps, how pg_restore brings
-- it back, and DROP EXTENSION refusing while the ledger holds data.

-- The rows the extension ships (seeds). pg_dump keeps the rows of drill_quota
-- and tile_style that are not exactly a shipped row (added or edited ones);
-- the shipped ones come back with CREATE EXTENSION. An edited shipped row is
-- restored over the reinstalled one (_restore_over_seed). A deleted shipped
-- row comes back on restore: set its values instead of deleting it.
CREATE TABLE _seed_row (
    tbl  text NOT NULL,
    row  jsonb NOT NULL,
    PRIMARY KEY (tbl, row)
);
COMMENT ON TABLE _seed_row IS 'Internal: the rows the extension ships in drill_quota and tile_style (pg_dump keeps the others).';
INSERT INTO _seed_row SELECT 'drill_quota', to_jsonb(q) FROM drill_quota q;
INSERT INTO _seed_row SELECT 'tile_style', to_jsonb(t) - 'updated_at' FROM tile_style t;
GRANT SELECT ON _seed_row TO riskmap_reader;

SELECT pg_catalog.pg_extension_config_dump('riskmap.drill_quota',
    'WHERE NOT EXISTS (SELECT 1 FROM riskmap._seed_row s WHERE s.tbl = ''drill_quota'' AND s.row = pg_catalog.to_jsonb(drill_quota.*))');
SELECT pg_catalog.pg_extension_config_dump('riskmap.tile_style',
    'WHERE NOT EXISTS (SELECT 1 FROM riskmap._seed_row s WHERE s.tbl = ''tile_style'' AND s.row = pg_catalog.to_jsonb(tile_style.*) OPERATOR(pg_catalog.-) ''updated_at''::text)');

-- While a restore loads a row whose key is a shipped row's, the dumped row
-- (the user's edit) replaces the shipped one. Outside a restore an INSERT of
-- an existing key is the usual 23505.
CREATE FUNCTION _restore_over_seed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NOT riskmap._restoring() THEN
        RETURN NEW;
    END IF;
    IF TG_TABLE_NAME = 'drill_quota' THEN
        UPDATE riskmap.drill_quota q SET min_per_year = NEW.min_per_year, max_per_year = NEW.max_per_year
        WHERE q.org_kind = NEW.org_kind AND q.drill_class = NEW.drill_class;
    ELSE
        UPDATE riskmap.tile_style t SET spec = NEW.spec, updated_at = NEW.updated_at WHERE t.name = NEW.name;
    END IF;
    RETURN CASE WHEN FOUND THEN NULL ELSE NEW END;
END $$;
CREATE TRIGGER drill_quota_restore_over_seed BEFORE INSERT ON drill_quota
    FOR EACH ROW EXECUTE FUNCTION _restore_over_seed();
CREATE TRIGGER tile_style_restore_over_seed BEFORE INSERT ON tile_style
    FOR EACH ROW EXECUTE FUNCTION _restore_over_seed();

-- DROP EXTENSION riskmap without CASCADE refuses once the ledger holds data:
-- the first write to a data table creates the view riskmap.user_data_guard,
-- which belongs to no extension and depends on the tables, so that DROP
-- EXTENSION needs CASCADE (which drops the data with it). pg_dump dumps the
-- view like any user object and pg_restore recreates it after CREATE
-- EXTENSION. SECURITY DEFINER (the writer may not create in schema riskmap);
-- search_path is pg_catalog and pg_temp, every name is qualified.
CREATE FUNCTION _keep_data_guard() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF pg_catalog.to_regclass('riskmap.user_data_guard') IS NOT NULL THEN
        RETURN NULL;
    END IF;
    BEGIN
        CREATE VIEW riskmap.user_data_guard AS
        SELECT (SELECT pg_catalog.count(*) FROM riskmap.district) AS districts,
               (SELECT pg_catalog.count(*) FROM riskmap.risk_source) AS risk_sources,
               (SELECT pg_catalog.count(*) FROM riskmap.plan) AS plans,
               (SELECT pg_catalog.count(*) FROM riskmap.plan_event) AS plan_events,
               (SELECT pg_catalog.count(*) FROM riskmap.drill) AS drills;
        COMMENT ON VIEW riskmap.user_data_guard IS
            'Belongs to no extension: DROP EXTENSION riskmap refuses without CASCADE while it exists (docs/security.md). Drop this view first to drop riskmap and its data.';
        GRANT SELECT ON riskmap.user_data_guard TO riskmap_reader;
    EXCEPTION WHEN duplicate_table OR unique_violation THEN
        NULL;   -- a concurrent writer made it
    END;
    RETURN NULL;
END $$;
REVOKE ALL ON FUNCTION _keep_data_guard() FROM PUBLIC;
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['district', 'risk_source', 'plan', 'drill', 'shelter', 'population', 'road'] LOOP
        EXECUTE format('CREATE TRIGGER %I AFTER INSERT ON riskmap.%I FOR EACH STATEMENT EXECUTE FUNCTION riskmap._keep_data_guard()',
                       t || '_keep_data_guard', t);
    END LOOP;
END $$;
