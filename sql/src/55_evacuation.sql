-- Evacuation: assignment of population cells to shelters, and catchments.
-- C implementation in plugin/pg/evacuation_fmgr.c over plugin/core/rm_evacuation.c.

-- Road data version. Statement triggers on road set it from a sequence, so
-- every change gets a value never used before (sequences ignore rollback)
-- while the row itself is transactional: after a ROLLBACK the committed old
-- value is visible again. The backend's cached road graph is keyed on
-- (road's oid, v), read in the same snapshot as the edges.
CREATE SEQUENCE road_version_seq;
CREATE TABLE road_version (
    v bigint NOT NULL
);
INSERT INTO road_version VALUES (nextval('riskmap.road_version_seq'));
COMMENT ON TABLE road_version IS 'Data version of riskmap.road (one row), bumped by statement triggers; keys the cached road graph.';

CREATE FUNCTION _road_version_bump() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = riskmap, pg_catalog, pg_temp AS $$
BEGIN
    UPDATE riskmap.road_version SET v = nextval('riskmap.road_version_seq');
    RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION _road_version_bump() FROM PUBLIC;

CREATE TRIGGER road_version_bump
    AFTER INSERT OR UPDATE OR DELETE ON road
    FOR EACH STATEMENT EXECUTE FUNCTION _road_version_bump();
CREATE TRIGGER road_version_bump_truncate
    AFTER TRUNCATE ON road
    FOR EACH STATEMENT EXECUTE FUNCTION _road_version_bump();

CREATE FUNCTION evacuation_assignment(
    p_max_time_s double precision DEFAULT 3600,
    p_speed_mps double precision DEFAULT 1.2,
    p_capacitated boolean DEFAULT true,
    p_district text DEFAULT NULL)
RETURNS TABLE(population_id bigint, shelter_id bigint, people double precision, time_s double precision)
AS 'MODULE_PATHNAME', 'riskmap_evacuation_assignment'
LANGUAGE C VOLATILE PARALLEL UNSAFE
SET jit = off;
COMMENT ON FUNCTION evacuation_assignment(double precision, double precision, boolean, text) IS
'Assigns population cells to shelters (kind ''shelter'') within p_max_time_s: over the road graph (cached per backend) or straight line; capacitated = exact min-cost flow. Rows ordered by population_id, shelter_id (NULL = unserved) last.';

CREATE FUNCTION _evacuation_catchments(
    p_max_time_s double precision, p_speed_mps double precision,
    p_capacitated boolean, p_district text)
RETURNS TABLE(shelter_id bigint, catchment bytea, people double precision, capacity integer, max_time_s double precision)
AS 'MODULE_PATHNAME', 'riskmap_evacuation_catchments'
LANGUAGE C VOLATILE PARALLEL UNSAFE
SET jit = off;

CREATE FUNCTION evacuation_catchments(
    p_max_time_s double precision DEFAULT 3600,
    p_speed_mps double precision DEFAULT 1.2,
    p_capacitated boolean DEFAULT true,
    p_district text DEFAULT NULL)
RETURNS TABLE(shelter_id bigint, catchment geometry(MultiPolygon, 4326), people double precision, capacity integer, max_time_s double precision)
LANGUAGE sql VOLATILE PARALLEL UNSAFE
AS $$
    SELECT c.shelter_id, c.catchment::geometry::geometry(MultiPolygon, 4326), c.people, c.capacity, c.max_time_s
    FROM riskmap._evacuation_catchments(p_max_time_s, p_speed_mps, p_capacitated, p_district) AS c
    ORDER BY c.shelter_id
$$;
COMMENT ON FUNCTION evacuation_catchments(double precision, double precision, boolean, text) IS
'One row per shelter that serves anyone: the area of the cells whose largest share goes to it, the people it serves, its capacity and its longest travel time.';

CREATE FUNCTION _evacuation_cache_info()
RETURNS TABLE(builds bigint, version bigint, nodes bigint, arcs bigint, bytes bigint)
AS 'MODULE_PATHNAME', 'riskmap_evacuation_cache_info'
LANGUAGE C VOLATILE;

-- The C functions query PostGIS functions by name: pin the search path to
-- riskmap and the schema PostGIS lives in.
DO $$
DECLARE
    s text := (SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
               WHERE e.extname = 'postgis');
BEGIN
    EXECUTE format('ALTER FUNCTION riskmap.evacuation_assignment(double precision, double precision, boolean, text) SET search_path = riskmap, %I, pg_catalog, pg_temp', s);
    EXECUTE format('ALTER FUNCTION riskmap._evacuation_catchments(double precision, double precision, boolean, text) SET search_path = riskmap, %I, pg_catalog, pg_temp', s);
    EXECUTE format('ALTER FUNCTION riskmap.evacuation_catchments(double precision, double precision, boolean, text) SET search_path = riskmap, %I, pg_catalog, pg_temp', s);
END
$$;

GRANT SELECT ON road_version TO riskmap_reader;
GRANT EXECUTE ON FUNCTION evacuation_assignment(double precision, double precision, boolean, text),
      _evacuation_catchments(double precision, double precision, boolean, text),
      evacuation_catchments(double precision, double precision, boolean, text) TO riskmap_reader;
