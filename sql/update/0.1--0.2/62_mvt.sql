-- 0.2: riskmap.tile_mvt, as in sql/src/62_mvt.sql (a new function: created as it is there).
-- Vector tiles: riskmap.tile_mvt(z, x, y) -> a Mapbox Vector Tile (2.1) of the
-- WebMercatorQuad tile z/x/y, made by PostGIS (ST_AsMVTGeom / ST_AsMVT), with
-- the layers districts, sources, zones, undrilled and shelters. See docs/wmts.md.
--
-- Feature ids are the rows' ids (risk_source.id for sources, zones and
-- undrilled; shelter.id; district: its code as a number, GB/T 2260 codes are
-- digits, none when a code is not). Geometries are clipped in lon/lat to the
-- tile grown by the buffer (ST_ClipByBox2D: nothing far outside reaches
-- ST_Transform), projected, simplified to half a screen pixel of the zoom
-- (ST_Simplify, polygons and lines) and snapped to the 4096 grid by
-- ST_AsMVTGeom (buffer 64 units = 4 screen px).
CREATE FUNCTION tile_mvt(z integer, x integer, y integer)
RETURNS bytea
LANGUAGE plpgsql STABLE PARALLEL SAFE
AS $body$
DECLARE
    n      bigint;
    env    geometry;   -- the tile grown by the buffer, EPSG:3857
    env_ll geometry;   -- the same box in lon/lat, for the indexes and the clip
    bounds box2d;      -- the tile, EPSG:3857 (ST_AsMVTGeom)
    tol    double precision;
BEGIN
    IF z IS NULL OR x IS NULL OR y IS NULL THEN
        RAISE EXCEPTION 'riskmap.tile_mvt: z, x and y must not be NULL (got %, %, %)', z, x, y
            USING ERRCODE = '22023';
    END IF;
    IF z < 0 OR z > 22 THEN
        RAISE EXCEPTION 'riskmap.tile_mvt: zoom z = % is out of range (0 to 22)', z USING ERRCODE = '22023';
    END IF;
    n := 1::bigint << z;
    IF x < 0 OR x >= n THEN
        RAISE EXCEPTION 'riskmap.tile_mvt: tile column x = % is out of range (0 to % at zoom %)', x, n - 1, z
            USING ERRCODE = '22023';
    END IF;
    IF y < 0 OR y >= n THEN
        RAISE EXCEPTION 'riskmap.tile_mvt: tile row y = % is out of range (0 to % at zoom %)', y, n - 1, z
            USING ERRCODE = '22023';
    END IF;
    bounds := ST_TileEnvelope(z, x, y)::box2d;
    env := ST_TileEnvelope(z, x, y, margin => 64.0 / 4096);
    -- beyond the Mercator world (margin at the edge rows) latitudes pass 85.05:
    -- keep them off the poles, where EPSG:3857 is infinite
    env_ll := ST_MakeEnvelope(greatest(-180.0, ST_XMin(ST_Transform(env, 4326))),
                              greatest(-89.0, ST_YMin(ST_Transform(env, 4326))),
                              least(180.0, ST_XMax(ST_Transform(env, 4326))),
                              least(89.0, ST_YMax(ST_Transform(env, 4326))), 4326);
    tol := (ST_XMax(bounds) - ST_XMin(bounds)) / 512.0;   -- half a pixel of a 256 px tile
    RETURN (
    WITH
    dist AS (
        SELECT CASE WHEN d.code ~ '^[0-9]{1,18}$' THEN d.code::bigint END AS id,
               d.code, d.name, d.parent_code,
               ST_AsMVTGeom(ST_Simplify(ST_Transform(ST_ClipByBox2D(d.geom, env_ll), 3857), tol, true),
                            bounds, 4096, 64, true) AS geom
        FROM riskmap.district d
        WHERE d.geom && env_ll),
    src AS (
        SELECT s.id, s.name, s.kind, s.category, s.risk_level AS level, s.district_code,
               dd.name AS district_name, s.impact_radius_m, s.population_exposed,
               ST_AsMVTGeom(ST_Simplify(ST_Transform(ST_ClipByBox2D(s.geom, env_ll), 3857), tol, true),
                            bounds, 4096, 64, true) AS geom
        FROM riskmap.risk_source s LEFT JOIN riskmap.district dd ON dd.code = s.district_code
        WHERE s.geom && env_ll),
    zone_rows AS (
        SELECT s.id, s.name, s.kind, s.category, s.risk_level, s.district_code, s.impact_radius_m, s.geom
        FROM riskmap.risk_source s
        WHERE riskmap._zone_box(s.geom, s.impact_radius_m) && env_ll),
    zone_geom AS (
        SELECT r.*, riskmap.ground_buffer(r.geom, r.impact_radius_m) AS zone FROM zone_rows r),
    zones AS (
        SELECT g.id, g.name, g.kind, g.category, g.risk_level AS level, g.district_code, g.impact_radius_m,
               ST_AsMVTGeom(ST_Simplify(ST_Transform(ST_ClipByBox2D(g.zone, env_ll), 3857), tol, true),
                            bounds, 4096, 64, true) AS geom
        FROM zone_geom g
        WHERE g.zone && env_ll),
    undrilled AS (
        SELECT z2.id, z2.name, z2.category, z2.level, z2.district_code, z2.impact_radius_m, z2.geom
        FROM zones z2 JOIN riskmap.risk_source s ON s.id = z2.id
        WHERE s.risk_level <= 2
          AND NOT EXISTS (SELECT 1 FROM riskmap.drill_target t JOIN riskmap.drill d ON d.id = t.drill_id
                          WHERE t.source_id = s.id AND d.year = extract(year FROM current_date)::integer
                            AND d.status IN ('planned', 'completed'))
          AND NOT EXISTS (SELECT 1 FROM riskmap.drill d WHERE d.area && s.geom AND ST_Intersects(d.area, s.geom)
                            AND d.year = extract(year FROM current_date)::integer
                            AND d.status IN ('planned', 'completed'))),
    shel AS (
        SELECT h.id, h.name, h.kind, h.capacity, h.district_code, dd.name AS district_name,
               ST_AsMVTGeom(ST_Transform(h.geom, 3857), bounds, 4096, 64, true) AS geom
        FROM riskmap.shelter h LEFT JOIN riskmap.district dd ON dd.code = h.district_code
        WHERE h.geom && env_ll AND ST_Y(h.geom) BETWEEN -89 AND 89)
    SELECT coalesce((SELECT ST_AsMVT(q, 'districts', 4096, 'geom', 'id')
                     FROM (SELECT * FROM dist WHERE geom IS NOT NULL ORDER BY code) q), ''::bytea)
        || coalesce((SELECT ST_AsMVT(q, 'zones', 4096, 'geom', 'id')
                     FROM (SELECT * FROM zones WHERE geom IS NOT NULL ORDER BY level DESC, id) q), ''::bytea)
        || coalesce((SELECT ST_AsMVT(q, 'undrilled', 4096, 'geom', 'id')
                     FROM (SELECT * FROM undrilled WHERE geom IS NOT NULL ORDER BY id) q), ''::bytea)
        || coalesce((SELECT ST_AsMVT(q, 'sources', 4096, 'geom', 'id')
                     FROM (SELECT * FROM src WHERE geom IS NOT NULL ORDER BY level DESC, id) q), ''::bytea)
        || coalesce((SELECT ST_AsMVT(q, 'shelters', 4096, 'geom', 'id')
                     FROM (SELECT * FROM shel WHERE geom IS NOT NULL ORDER BY id) q), ''::bytea));
END
$body$;
COMMENT ON FUNCTION tile_mvt(integer, integer, integer) IS
    'Mapbox Vector Tile of the WebMercatorQuad tile z/x/y: layers districts, zones, undrilled, sources, shelters; '
    'feature ids are the rows'' ids (district: its numeric code). See docs/wmts.md.';
