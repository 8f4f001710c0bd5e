-- 0.1 -> 0.2, evacuation (issue 10): data versions of shelter and population,
-- the shared evacuation cache, the cache key function for the tiles.

-- Data versions of shelter and population (0.2), as road_version for road:
-- statement triggers set v from a sequence, so every change gets a value never
-- used before, and a rolled-back change takes its value with it.
CREATE SEQUENCE data_version_seq;
CREATE TABLE data_version (
    name text PRIMARY KEY,
    v bigint NOT NULL
);
INSERT INTO data_version VALUES ('shelter', nextval('riskmap.data_version_seq')),
                                ('population', nextval('riskmap.data_version_seq'));
COMMENT ON TABLE data_version IS 'Data versions of riskmap.shelter and riskmap.population, bumped by statement triggers; with road_version they key the evacuation cache.';

CREATE FUNCTION _data_version_bump() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, riskmap, pg_temp AS $$
BEGIN
    UPDATE riskmap.data_version SET v = pg_catalog.nextval('riskmap.data_version_seq') WHERE name = TG_ARGV[0];
    RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION _data_version_bump() FROM PUBLIC;

CREATE TRIGGER shelter_version_bump
    AFTER INSERT OR UPDATE OR DELETE ON shelter
    FOR EACH STATEMENT EXECUTE FUNCTION _data_version_bump('shelter');
CREATE TRIGGER shelter_version_bump_truncate
    AFTER TRUNCATE ON shelter
    FOR EACH STATEMENT EXECUTE FUNCTION _data_version_bump('shelter');
CREATE TRIGGER population_version_bump
    AFTER INSERT OR UPDATE OR DELETE ON population
    FOR EACH STATEMENT EXECUTE FUNCTION _data_version_bump('population');
CREATE TRIGGER population_version_bump_truncate
    AFTER TRUNCATE ON population
    FOR EACH STATEMENT EXECUTE FUNCTION _data_version_bump('population');

-- The shared evacuation cache (0.2): results of evacuation_assignment and
-- evacuation_catchments per (data versions of road, shelter, population;
-- parameters), filled on demand by the C functions (which switch to the
-- owner of these tables to write; nobody else may write them) and read by
-- every backend, the tiles included. Unlogged: a crash empties it, which is
-- only a cold cache. An entry is written in the transaction that computed
-- it, keyed on the versions that transaction saw: a rolled-back change rolls
-- its entry back too. Entries of other versions are deleted when a new
-- entry is stored.
CREATE UNLOGGED TABLE evacuation_cache (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    road_v bigint,
    shelter_v bigint NOT NULL,
    population_v bigint NOT NULL,
    max_time_s double precision NOT NULL,
    speed_mps double precision NOT NULL,
    capacitated boolean NOT NULL,
    district text,
    created timestamptz NOT NULL DEFAULT now(),
    population_id bigint[] NOT NULL,
    shelter_id bigint[] NOT NULL,
    people double precision[] NOT NULL,
    time_s double precision[] NOT NULL,
    has_catchments boolean NOT NULL DEFAULT false,
    UNIQUE NULLS NOT DISTINCT (road_v, shelter_v, population_v, max_time_s, speed_mps, capacitated, district)
);
COMMENT ON TABLE evacuation_cache IS 'Shared cache of evacuation_assignment results per data version and parameters (rows as parallel arrays in output order).';
CREATE UNLOGGED TABLE evacuation_cache_unserved (
    cache_id bigint NOT NULL REFERENCES evacuation_cache ON DELETE CASCADE,
    population_id bigint NOT NULL,
    people double precision NOT NULL,
    PRIMARY KEY (cache_id, population_id)
);
COMMENT ON TABLE evacuation_cache_unserved IS 'Per cached assignment: the people of each cell left unserved (for the evacuation tiles).';
CREATE UNLOGGED TABLE evacuation_cache_catchment (
    cache_id bigint NOT NULL REFERENCES evacuation_cache ON DELETE CASCADE,
    shelter_id bigint NOT NULL,
    catchment geometry(MultiPolygon, 4326) NOT NULL,
    people double precision NOT NULL,
    capacity integer,
    max_time_s double precision,
    PRIMARY KEY (cache_id, shelter_id)
);
CREATE INDEX evacuation_cache_catchment_geom ON evacuation_cache_catchment USING gist (catchment);
COMMENT ON TABLE evacuation_cache_catchment IS 'Per cached assignment: evacuation_catchments rows (for the evacuation tiles).';
REVOKE ALL ON evacuation_cache, evacuation_cache_unserved, evacuation_cache_catchment FROM PUBLIC;
GRANT SELECT ON data_version, evacuation_cache, evacuation_cache_unserved, evacuation_cache_catchment TO riskmap_reader;

-- The cache entry for these parameters and the committed data, computed and
-- stored when missing (NULL when it cannot be stored: read-only transaction,
-- standby). Used by the tiles.
CREATE FUNCTION _evacuation_cache_key(
    p_max_time_s double precision, p_speed_mps double precision,
    p_capacitated boolean, p_district text, p_catchments boolean)
RETURNS bigint
AS 'MODULE_PATHNAME', 'riskmap_evacuation_cache_key'
LANGUAGE C VOLATILE PARALLEL UNSAFE
SET jit = off;
GRANT EXECUTE ON FUNCTION _evacuation_cache_key(double precision, double precision, boolean, text, boolean) TO riskmap_reader;

-- Travel time from a point to every shelter (kind 'shelter') as
-- evacuation_assignment measures it: over road when it has rows (walk to the
-- nearest node, the network, walk from the shelter's node), else straight line.
CREATE FUNCTION _shelter_travel_times(p_lon double precision, p_lat double precision, p_speed_mps double precision)
RETURNS TABLE(shelter_id bigint, time_s double precision, by_road boolean)
AS 'MODULE_PATHNAME', 'riskmap_shelter_travel_times'
LANGUAGE C VOLATILE PARALLEL UNSAFE
SET jit = off;
GRANT EXECUTE ON FUNCTION _shelter_travel_times(double precision, double precision, double precision) TO riskmap_reader;

DO $$
DECLARE
    s text := (SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
               WHERE e.extname = 'postgis');
BEGIN
    EXECUTE format('ALTER FUNCTION riskmap._evacuation_cache_key(double precision, double precision, boolean, text, boolean) SET search_path = riskmap, %I, pg_catalog, pg_temp', s);
    EXECUTE format('ALTER FUNCTION riskmap._shelter_travel_times(double precision, double precision, double precision) SET search_path = riskmap, %I, pg_catalog, pg_temp', s);
END
$$;
