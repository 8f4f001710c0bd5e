-- undrilled_areas: high-risk sources that no drill of the year targets or covers.
\set VERBOSITY terse
\getenv regress_helpers RISKMAP_REGRESS_HELPERS
\i :regress_helpers

-- Empty tables.
SELECT count(*) AS nothing_yet FROM riskmap.undrilled_areas(2026);

BEGIN;
SET search_path = riskmap, public;
INSERT INTO district (code, name, geom) VALUES
  ('500101', 'A区', ST_Multi(ST_MakeEnvelope(106.0, 29.0, 106.2, 29.2, 4326))),
  ('500102', 'B区', ST_Multi(ST_MakeEnvelope(106.2, 29.0, 106.4, 29.2, 4326)));
-- 1: level 1, targeted by a planned 2026 drill            -> drilled
-- 2: level 2, inside the area of a completed 2026 drill    -> drilled
-- 3: level 2, targeted only by a cancelled 2026 drill      -> undrilled
-- 4: level 1, targeted by a 2025 drill only                -> undrilled (2026), drilled (2025)
-- 5: level 3                                               -> only with p_max_level >= 3
-- 6: level 2 line, radius 500                              -> undrilled
-- 7: level 1 polygon, radius 0                             -> zone = the polygon
-- 8: level 1 point, radius 0                               -> empty zone (kept: it is undrilled)
-- 9: level 2 in B, its polygon touches a 2026 drill area   -> drilled
INSERT INTO risk_source (id, name, category, risk_level, district_code, geom, impact_radius_m) VALUES
  (1, 'a', 'chemical', 1, '500101', 'SRID=4326;POINT(106.05 29.05)', 1000),
  (2, 'b', 'chemical', 2, '500101', 'SRID=4326;POINT(106.10 29.10)', 800),
  (3, 'c', 'gas', 2, '500101', 'SRID=4326;POINT(106.15 29.15)', 600),
  (4, 'd', 'gas', 1, '500101', 'SRID=4326;POINT(106.05 29.15)', 1500),
  (5, 'e', 'fire', 3, '500102', 'SRID=4326;POINT(106.25 29.05)', 300),
  (6, 'f', 'flood', 2, '500102', 'SRID=4326;LINESTRING(106.25 29.10, 106.30 29.12)', 500),
  (7, 'g', 'crowd', 1, '500102', 'SRID=4326;POLYGON((106.30 29.15, 106.32 29.15, 106.32 29.17, 106.30 29.17, 106.30 29.15))', 0),
  (8, 'h', 'chemical', 1, '500102', 'SRID=4326;POINT(106.35 29.05)', 0),
  (9, 'i', 'crowd', 2, '500102', 'SRID=4326;POLYGON((106.36 29.10, 106.38 29.10, 106.38 29.12, 106.36 29.12, 106.36 29.10))', 200);
INSERT INTO drill (id, year, title, drill_class, organizer_district, status, area) VALUES
  (1, 2026, 'planned', 'special', '500101', 'planned', NULL),
  (2, 2026, 'completed with area', 'comprehensive', '500101', 'completed',
      ST_Multi(ST_MakeEnvelope(106.09, 29.09, 106.11, 29.11, 4326))),
  (3, 2026, 'cancelled', 'special', '500101', 'cancelled', ST_Multi(ST_MakeEnvelope(106.0, 29.0, 106.4, 29.2, 4326))),
  (4, 2025, 'last year', 'special', '500101', 'completed', NULL),
  (5, 2026, 'touching area', 'special', '500102', 'planned', ST_Multi(ST_MakeEnvelope(106.38, 29.12, 106.39, 29.13, 4326)));
INSERT INTO drill_target (drill_id, source_id) VALUES (1, 1), (3, 3), (4, 4);

SELECT source_id, district_code, risk_level, GeometryType(zone) AS type, ST_SRID(zone) AS srid,
       ST_IsEmpty(zone) AS empty, ST_IsValid(zone) AS valid
  FROM undrilled_areas(2026);
SELECT source_id FROM undrilled_areas(2026, 3);
SELECT source_id FROM undrilled_areas(2026, 1);
SELECT source_id FROM undrilled_areas(2026, 4, '500101');
SELECT source_id FROM undrilled_areas(2025, 2);
-- zones agree with PostGIS geography within 1 % (area) and 0.5 % (distance to the source)
SELECT u.source_id,
       abs(ST_Area(u.zone::geography) / ST_Area(ST_Buffer(s.geom::geography, s.impact_radius_m)) - 1) < 0.01 AS area_1pct,
       (SELECT bool_and(abs(ST_Distance(d.geom::geography, s.geom::geography) / s.impact_radius_m - 1) < 0.005)
          FROM ST_DumpPoints(u.zone) d) AS vertices_on_radius
  FROM undrilled_areas(2026) u JOIN risk_source s ON s.id = u.source_id
 WHERE s.impact_radius_m > 0 AND ST_GeometryType(s.geom) <> 'ST_Polygon';
SELECT ST_Equals(u.zone, ST_Multi(s.geom)) AS zero_radius_polygon_is_itself
  FROM undrilled_areas(2026) u JOIN risk_source s ON s.id = u.source_id WHERE s.id = 7;
-- the default year is the current one
SELECT (SELECT array_agg(source_id) FROM undrilled_areas())
       IS NOT DISTINCT FROM (SELECT array_agg(source_id) FROM undrilled_areas(extract(year FROM current_date)::int)) AS default_year;
ROLLBACK;

-- Arguments.
SELECT pg_temp.err('SELECT * FROM riskmap.undrilled_areas(NULL)') AS null_year;
SELECT pg_temp.err('SELECT * FROM riskmap.undrilled_areas(2026, 0)') AS level_0;
SELECT pg_temp.err('SELECT * FROM riskmap.undrilled_areas(2026, 5)') AS level_5;
SELECT pg_temp.err('SELECT * FROM riskmap.undrilled_areas(2026, NULL)') AS null_level;
SELECT pg_temp.err($$SELECT * FROM riskmap.undrilled_areas(2026, 2, 'nowhere')$$) AS unknown_district;
SELECT count(*) AS null_district_means_all FROM riskmap.undrilled_areas(2026, 2, NULL);
