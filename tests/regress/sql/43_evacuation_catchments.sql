-- evacuation_catchments: one row per shelter that serves anyone; its
-- catchment covers every cell whose largest share goes to it and no cell
-- whose largest share goes elsewhere.
SET client_min_messages = warning;
CREATE FUNCTION pg_temp.check_catchments(p_t float8, p_cap boolean)
RETURNS TABLE(shelters bigint, all_multipolygon_4326 boolean, all_valid boolean, own_cells_covered boolean,
              other_cells_excluded boolean, people_right boolean, max_time_right boolean)
LANGUAGE sql AS $$
    WITH a AS (SELECT * FROM riskmap.evacuation_assignment(p_t, 1.2, p_cap)),
    share AS (  -- largest share per cell; a shelter wins ties against unserved, lower id first
        SELECT DISTINCT ON (population_id) population_id, shelter_id
        FROM a ORDER BY population_id, people DESC, shelter_id NULLS LAST),
    c AS (SELECT * FROM riskmap.evacuation_catchments(p_t, 1.2, p_cap)),
    cell AS (SELECT p.id, p.geom, s.shelter_id AS owner FROM riskmap.population p JOIN share s ON s.population_id = p.id)
    SELECT (SELECT count(*) FROM c),
           (SELECT bool_and(ST_GeometryType(catchment) = 'ST_MultiPolygon' AND ST_SRID(catchment) = 4326) FROM c),
           (SELECT bool_and(ST_IsValid(catchment)) FROM c),
           NOT EXISTS (SELECT 1 FROM cell JOIN c ON c.shelter_id = cell.owner
                       WHERE NOT ST_Covers(ST_Buffer(c.catchment, 1e-9), cell.geom)),
           NOT EXISTS (SELECT 1 FROM cell JOIN c ON c.shelter_id IS DISTINCT FROM cell.owner
                       WHERE CASE WHEN ST_Dimension(cell.geom) = 2
                                  THEN ST_Area(ST_Intersection(c.catchment, cell.geom)) > 1e-12
                                  ELSE ST_Intersects(c.catchment, cell.geom) END),
           (SELECT bool_and(abs(c.people - x.served) < 1e-6) FROM c JOIN
              (SELECT shelter_id, sum(people) AS served FROM a WHERE shelter_id IS NOT NULL GROUP BY 1) x USING (shelter_id))
           AND (SELECT count(DISTINCT shelter_id) FROM a) = (SELECT count(*) FROM c),
           (SELECT bool_and(c.max_time_s = x.t AND c.capacity = s.capacity) FROM c JOIN
              (SELECT shelter_id, max(time_s) AS t FROM a WHERE shelter_id IS NOT NULL GROUP BY 1) x USING (shelter_id)
              JOIN riskmap.shelter s ON s.id = c.shelter_id)
$$;

BEGIN;
INSERT INTO riskmap.district (code, name, geom)
VALUES ('500103', '渝中区', ST_Multi(ST_MakeEnvelope(106.49, 29.49, 106.56, 29.56, 4326)));
INSERT INTO riskmap.shelter (id, name, kind, capacity, district_code, geom) VALUES
  (1, 'S1', 'shelter', 2000, '500103', ST_Point(106.501, 29.502, 4326)),
  (2, 'S2', 'shelter', 300, '500103', ST_Point(106.538, 29.507, 4326)),
  (3, 'S3', 'shelter', 900, '500103', ST_Point(106.512, 29.541, 4326)),
  (4, 'S4', 'shelter', 0, '500103', ST_Point(106.545, 29.545, 4326));
-- Polygon cells: a 10 x 10 grid.
INSERT INTO riskmap.population (id, district_code, people, geom)
SELECT 1 + i * 10 + j, '500103', 10 + (i * 7 + j * 3) % 20,
       ST_MakeEnvelope(106.495 + 0.005 * j, 29.495 + 0.005 * i, 106.5 + 0.005 * j, 29.5 + 0.005 * i, 4326)
FROM generate_series(0, 9) i, generate_series(0, 9) j;
SELECT * FROM pg_temp.check_catchments(3600, false);
SELECT * FROM pg_temp.check_catchments(3600, true);
SELECT * FROM pg_temp.check_catchments(900, true);
-- Uncapacitated: the catchments tile the grid (their union is the grid).
SELECT round((SELECT sum(ST_Area(catchment::geography)) FROM riskmap.evacuation_catchments(3600, 1.2, false))::numeric
             / (SELECT ST_Area(ST_Union(geom)::geography) FROM riskmap.population)::numeric, 9) AS area_ratio;
SELECT shelter_id, ST_NumGeometries(catchment) AS parts, people, capacity, round(max_time_s::numeric, 3) AS max_time_s
FROM riskmap.evacuation_catchments(3600, 1.2, true);
ROLLBACK;

BEGIN;
-- Point cells: Voronoi partition clipped to the district.
INSERT INTO riskmap.district (code, name, geom)
VALUES ('500103', '渝中区', ST_Multi(ST_MakeEnvelope(106.49, 29.49, 106.56, 29.56, 4326))),
       ('500199', '无界区', NULL);
INSERT INTO riskmap.shelter (id, name, kind, capacity, district_code, geom) VALUES
  (1, 'S1', 'shelter', 500, '500103', ST_Point(106.501, 29.502, 4326)),
  (2, 'S2', 'shelter', 300, '500103', ST_Point(106.538, 29.507, 4326)),
  (3, 'S3', 'shelter', 900, '500103', ST_Point(106.512, 29.541, 4326));
INSERT INTO riskmap.population (id, district_code, people, geom)
SELECT k, '500103', 5 + k % 13,
       ST_Point(106.4905 + 0.069 * ((k * 7919) % 997) / 997.0, 29.4905 + 0.069 * ((k * 104729) % 991) / 991.0, 4326)
FROM generate_series(1, 300) k;
SELECT * FROM pg_temp.check_catchments(3600, false);
SELECT * FROM pg_temp.check_catchments(3600, true);
-- The partition stays inside the district; without a time limit everybody is
-- served (uncapacitated) and the catchments fill the district.
SELECT bool_and(ST_CoveredBy(catchment, ST_Buffer((SELECT geom FROM riskmap.district WHERE code = '500103'), 1e-9))) AS inside,
       round(sum(ST_Area(catchment))::numeric / (SELECT ST_Area(geom) FROM riskmap.district WHERE code = '500103')::numeric, 6) AS filled
FROM riskmap.evacuation_catchments(1e9, 1.2, false);
SELECT round(sum(ST_Area(catchment))::numeric / (SELECT ST_Area(geom) FROM riskmap.district WHERE code = '500103')::numeric, 6) AS filled_within_hour
FROM riskmap.evacuation_catchments(3600, 1.2, false);
-- Mixed: polygon cells take precedence over the Voronoi regions (cells do not
-- overlap: the points inside the new polygon cell go).
DELETE FROM riskmap.population WHERE ST_Intersects(geom, ST_MakeEnvelope(106.530, 29.530, 106.540, 29.540, 4326));
INSERT INTO riskmap.population (id, district_code, people, geom) VALUES
  (1001, '500103', 400, ST_MakeEnvelope(106.530, 29.530, 106.540, 29.540, 4326));
SELECT * FROM pg_temp.check_catchments(3600, true);
-- A district without geometry: the convex hull of the points, a little widened.
INSERT INTO riskmap.population (id, district_code, people, geom) VALUES
  (2001, '500199', 3, ST_Point(106.6, 29.6, 4326)),
  (2002, '500199', 4, ST_Point(106.61, 29.6, 4326));
SELECT shelter_id, people, ST_Covers(catchment, ST_Point(106.6, 29.6, 4326)) AS covers_2001
FROM riskmap.evacuation_catchments(1e9, 1.2, false, '500199');
ROLLBACK;
