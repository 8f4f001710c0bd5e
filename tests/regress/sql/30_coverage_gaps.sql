-- coverage_gaps against the pure PostGIS formulation over geography.
-- A difference of circles is ill-conditioned, so the check is a bracket: with
-- every radius moved by 1 % (impact -1 %, reach +1 % / impact +1 %, reach -1 %)
-- the reference gap shrinks / grows, and ours must lie in between: area,
-- exposed people, the set of districts with a gap and the source lists.
\set VERBOSITY terse
\getenv regress_helpers RISKMAP_REGRESS_HELPERS
\i :regress_helpers
-- deterministic pseudo-random number in [0, 1)
CREATE FUNCTION pg_temp.rnd(i integer, salt text) RETURNS double precision
LANGUAGE sql IMMUTABLE AS $$
    SELECT ('x' || substr(md5(salt || i::text), 1, 8))::bit(32)::bigint / 4294967296.0
$$;
-- The formulation a PostGIS user would write, radii scaled by k_imp / k_reach.
CREATE FUNCTION pg_temp.ref_gaps(k_imp double precision, k_reach double precision, p_reach double precision,
                                 p_level integer, p_kinds text[] DEFAULT NULL)
RETURNS TABLE(code text, area double precision, people double precision, ids bigint[])
LANGUAGE sql AS $$
    WITH z AS (
        SELECT s.id, ST_Buffer(s.geom::geography, s.impact_radius_m * k_imp)::geometry AS g
          FROM riskmap.risk_source s
         WHERE s.risk_level <= p_level
    ), cover AS (
        SELECT ST_Union(ST_Buffer(h.geom::geography, p_reach * k_reach)::geometry) AS g
          FROM riskmap.shelter h
         WHERE p_kinds IS NULL OR h.kind = ANY (p_kinds)
    ), dz AS (
        SELECT d.code, ST_CollectionExtract(ST_Intersection(ST_MakeValid(d.geom), ST_Union(z.g)), 3) AS g
          FROM riskmap.district d JOIN z ON ST_Intersects(d.geom, z.g)
         GROUP BY d.code, d.geom
    ), gaps AS (
        SELECT dz.code,
               ST_CollectionExtract(CASE WHEN cover.g IS NULL THEN dz.g ELSE ST_Difference(dz.g, cover.g) END, 3) AS g
          FROM dz, cover
    )
    SELECT gaps.code, ST_Area(gaps.g::geography),
           coalesce((SELECT sum(p.people) FROM riskmap.population p WHERE p.geom && gaps.g AND ST_Intersects(gaps.g, ST_Centroid(p.geom))), 0),
           coalesce((SELECT array_agg(z.id ORDER BY z.id) FROM z WHERE ST_Intersects(z.g, gaps.g)), '{}')
      FROM gaps
     WHERE NOT ST_IsEmpty(gaps.g) AND ST_Area(gaps.g::geography) >= 0.01
$$;
-- ours between the two references, per district; one row per check
CREATE FUNCTION pg_temp.bracket(p_reach double precision, p_level integer, p_kinds text[] DEFAULT NULL)
RETURNS TABLE(districts bigint, area_ok boolean, people_ok boolean, ids_ok boolean, set_ok boolean)
LANGUAGE sql AS $$
    WITH mine AS (SELECT * FROM riskmap.coverage_gaps(p_reach, p_level, NULL, p_kinds)),
         lo AS (SELECT * FROM pg_temp.ref_gaps(0.99, 1.01, p_reach, p_level, p_kinds)),
         hi AS (SELECT * FROM pg_temp.ref_gaps(1.01, 0.99, p_reach, p_level, p_kinds)),
         j AS (
            SELECT coalesce(m.district_code, l.code, h.code) AS code,
                   m.gap_area_m2 AS a, l.area AS la, h.area AS ha,
                   m.exposed_people AS p, l.people AS lp, h.people AS hp,
                   m.source_ids AS i, l.ids AS li, h.ids AS hi,
                   m.district_code IS NOT NULL AS in_m, l.code IS NOT NULL AS in_l, h.code IS NOT NULL AS in_h
              FROM mine m
              FULL JOIN lo l ON l.code = m.district_code
              FULL JOIN hi h ON h.code = coalesce(m.district_code, l.code))
    SELECT count(*) FILTER (WHERE in_m),
           -- (1e-9: sums of the same cells in another order)
           bool_and(NOT in_m OR (coalesce(la, 0) * (1 - 1e-9) <= a AND a <= ha * (1 + 1e-9))),
           bool_and(NOT in_m OR (coalesce(lp, 0) * (1 - 1e-9) <= p AND p <= hp * (1 + 1e-9))),
           bool_and(NOT in_m OR (coalesce(li, '{}') <@ i AND i <@ hi)),
           bool_and((NOT in_l OR in_m) AND (NOT in_m OR in_h))
      FROM j
$$;

BEGIN;
SET search_path = riskmap, public;
-- Three districts: A | B side by side (border at x = 106.2), C above both.
INSERT INTO district (code, name, geom) VALUES
  ('500101', 'A区', ST_Multi(ST_MakeEnvelope(106.0, 29.0, 106.2, 29.2, 4326))),
  ('500102', 'B区', ST_Multi(ST_MakeEnvelope(106.2, 29.0, 106.4, 29.2, 4326))),
  ('500103', 'C区', ST_Multi(ST_MakeEnvelope(106.0, 29.2, 106.4, 29.4, 4326)));

-- Empty tables: no gap.
SELECT count(*) AS no_sources FROM coverage_gaps();

-- 60 point sources, 4 lines, 3 polygons, levels 1..4, radii 300..3000 m,
-- some outside every district (they still reach in).
INSERT INTO risk_source (id, name, category, risk_level, district_code, geom, impact_radius_m)
SELECT i, 'src' || i, 'chemical', 1 + (i % 4),
       CASE WHEN x < 106.2 AND y < 29.2 THEN '500101' WHEN y < 29.2 THEN '500102' ELSE '500103' END,
       ST_SetSRID(ST_MakePoint(x, y), 4326), 300 + 2700 * pg_temp.rnd(i, 'r')
  FROM (SELECT i, 105.98 + 0.44 * pg_temp.rnd(i, 'x') AS x, 28.98 + 0.44 * pg_temp.rnd(i, 'y') AS y
          FROM generate_series(1, 60) i) s;
INSERT INTO risk_source (id, name, category, risk_level, district_code, geom, impact_radius_m) VALUES
  (101, 'pipeline', 'gas', 1, '500101', 'SRID=4326;LINESTRING(106.05 29.05, 106.25 29.12, 106.30 29.25)', 800),
  (102, 'dyke', 'flood', 2, '500103', 'SRID=4326;LINESTRING(106.10 29.30, 106.35 29.33)', 1500),
  (103, 'road', 'traffic', 1, '500102', 'SRID=4326;MULTILINESTRING((106.30 29.02, 106.38 29.10), (106.32 29.15, 106.36 29.18))', 400),
  (104, 'short', 'gas', 2, '500101', 'SRID=4326;LINESTRING(106.10 29.15, 106.101 29.151)', 600),
  (111, 'plant', 'chemical', 1, '500102', 'SRID=4326;POLYGON((106.25 29.05, 106.28 29.05, 106.28 29.08, 106.25 29.08, 106.25 29.05))', 1000),
  (112, 'stadium', 'crowd', 2, '500103', 'SRID=4326;POLYGON((106.15 29.25, 106.17 29.25, 106.17 29.27, 106.15 29.27, 106.15 29.25))', 0),
  (113, 'park', 'crowd', 1, '500101', 'SRID=4326;POLYGON((106.02 29.10, 106.06 29.10, 106.06 29.14, 106.02 29.14, 106.02 29.10),(106.03 29.11, 106.05 29.11, 106.05 29.13, 106.03 29.13, 106.03 29.11))', 300),
  (120, 'zero', 'chemical', 1, '500101', 'SRID=4326;POINT(106.1 29.1)', 0);
-- 40 shelters of the four kinds
INSERT INTO shelter (id, name, kind, capacity, district_code, geom)
SELECT i, 'shelter' || i, (ARRAY['shelter', 'hospital', 'fire_station', 'warehouse'])[1 + i % 4], 100,
       CASE WHEN x < 106.2 AND y < 29.2 THEN '500101' WHEN y < 29.2 THEN '500102' ELSE '500103' END,
       ST_SetSRID(ST_MakePoint(x, y), 4326)
  FROM (SELECT i, 105.99 + 0.42 * pg_temp.rnd(i, 'sx') AS x, 28.99 + 0.42 * pg_temp.rnd(i, 'sy') AS y
          FROM generate_series(1, 40) i) s;
-- population: 0.01-degree cells (centroids never on a border), people 0..1000
INSERT INTO population (id, district_code, people, geom)
SELECT row_number() OVER (ORDER BY gx, gy),
       CASE WHEN gx < 20 AND gy < 20 THEN '500101' WHEN gy < 20 THEN '500102' ELSE '500103' END,
       round(1000 * pg_temp.rnd(gx * 100 + gy, 'p')),
       ST_MakeEnvelope(106.0 + 0.01 * gx, 29.0 + 0.01 * gy, 106.01 + 0.01 * gx, 29.01 + 0.01 * gy, 4326)
  FROM generate_series(0, 39) gx, generate_series(0, 39) gy;

-- The bracket, for several parameter sets.
SELECT 'reach 3000, level 2' AS case_, * FROM pg_temp.bracket(3000, 2);
SELECT 'reach 3000, level 4' AS case_, * FROM pg_temp.bracket(3000, 4);
SELECT 'reach 1500, level 4, shelters only' AS case_, * FROM pg_temp.bracket(1500, 4, '{shelter}');
SELECT 'reach 5000, level 1, hospitals+fire' AS case_, * FROM pg_temp.bracket(5000, 1, '{hospital,fire_station}');
SELECT 'reach 0, level 4' AS case_, * FROM pg_temp.bracket(0, 4);

-- Shape of the result: MultiPolygon 4326, valid, inside its district, sorted ids, ordered by code.
SELECT bool_and(GeometryType(gap) = 'MULTIPOLYGON' AND ST_SRID(gap) = 4326 AND ST_IsValid(gap)) AS multipolygons,
       bool_and(ST_CoveredBy(gap, ST_Buffer(d.geom, 1e-9))) AS inside_district,
       bool_and(source_ids = ARRAY(SELECT unnest(source_ids) ORDER BY 1)) AS ids_sorted,
       array_agg(district_code ORDER BY district_code) = array_agg(district_code) AS ordered
  FROM coverage_gaps(1500, 4) g JOIN district d ON d.code = g.district_code;
-- The empty kind list means no shelter at all: every zone is a gap.
SELECT (SELECT sum(gap_area_m2) FROM coverage_gaps(3000, 4, NULL, '{}'))
     = (SELECT sum(gap_area_m2) FROM coverage_gaps(0, 4)) AS empty_kinds_is_no_shelter;
-- p_district selects one district, with the same answer as in the full run.
SELECT g.district_code, abs(g.gap_area_m2 - f.gap_area_m2) < 1e-6 * f.gap_area_m2 AS same_area,
       g.exposed_people = f.exposed_people AS same_people, g.source_ids = f.source_ids AS same_ids
  FROM coverage_gaps(2000, 3, '500102') g JOIN coverage_gaps(2000, 3) f USING (district_code);
ROLLBACK;

-- A zone across a border appears clipped in both districts; a cell whose
-- centroid lies exactly on the border counts once (in its own district).
BEGIN;
SET search_path = riskmap, public;
INSERT INTO district (code, name, geom) VALUES
  ('500101', 'A区', ST_Multi(ST_MakeEnvelope(106.0, 29.0, 106.2, 29.2, 4326))),
  ('500102', 'B区', ST_Multi(ST_MakeEnvelope(106.2, 29.0, 106.4, 29.2, 4326)));
INSERT INTO risk_source (id, name, category, risk_level, district_code, geom, impact_radius_m) VALUES
  (1, 'across', 'chemical', 1, '500101', 'SRID=4326;POINT(106.195 29.1)', 2000);
INSERT INTO population (id, district_code, people, geom) VALUES
  (1, '500102', 7, 'SRID=4326;POINT(106.2 29.1)'),                                             -- on the border, own district B
  (2, '500101', 11, 'SRID=4326;POLYGON((106.19 29.09, 106.21 29.09, 106.21 29.11, 106.19 29.11, 106.19 29.09))'), -- centroid on the border, own A
  (3, '500101', 13, 'SRID=4326;POINT(106.19 29.1)'),                                           -- inside A
  (4, '500102', 17, 'SRID=4326;POINT(106.5 29.1)');                                            -- outside everything
SELECT district_code, round(gap_area_m2 / 1e4) AS ha, exposed_people, source_ids
  FROM coverage_gaps(3000, 1);
-- the two pieces add up to the whole zone
SELECT abs(sum(gap_area_m2) - ground_area(ground_buffer('SRID=4326;POINT(106.195 29.1)', 2000))) < 1 AS pieces_add_up,
       abs(sum(gap_area_m2) / ST_Area(ST_Buffer('SRID=4326;POINT(106.195 29.1)'::geography, 2000)) - 1) < 0.01 AS within_1pct_of_geography
  FROM coverage_gaps(3000, 1);
-- a shelter 2.5 km east covers part of B's piece only
INSERT INTO shelter (id, name, kind, district_code, geom) VALUES (1, 'east', 'shelter', '500102', 'SRID=4326;POINT(106.22 29.1)');
SELECT district_code, round(gap_area_m2 / 1e4) AS ha, exposed_people, source_ids
  FROM coverage_gaps(2500, 1);
-- a shelter on the source covers all of it: no gap, no row
INSERT INTO shelter (id, name, kind, district_code, geom) VALUES (2, 'on top', 'hospital', '500101', 'SRID=4326;POINT(106.195 29.1)');
SELECT count(*) AS rows_when_covered FROM coverage_gaps(2500, 1);
SELECT count(*) AS rows_when_kind_excluded FROM coverage_gaps(2500, 1, NULL, '{shelter}');
ROLLBACK;

-- Zero radius, line and polygon sources, an invalid district polygon.
BEGIN;
SET search_path = riskmap, public;
INSERT INTO district (code, name, geom) VALUES
  ('500101', 'A区', ST_Multi(ST_MakeEnvelope(106.0, 29.0, 106.2, 29.2, 4326)));
INSERT INTO risk_source (id, name, category, risk_level, district_code, geom, impact_radius_m) VALUES
  (1, 'zero point', 'chemical', 1, '500101', 'SRID=4326;POINT(106.1 29.1)', 0),
  (2, 'zero line', 'chemical', 1, '500101', 'SRID=4326;LINESTRING(106.1 29.1, 106.11 29.1)', 0);
SELECT count(*) AS zero_radius_point_and_line FROM coverage_gaps(1000, 4);
INSERT INTO risk_source (id, name, category, risk_level, district_code, geom, impact_radius_m) VALUES
  (3, 'zero polygon', 'crowd', 1, '500101', 'SRID=4326;POLYGON((106.05 29.05, 106.06 29.05, 106.06 29.06, 106.05 29.06, 106.05 29.05))', 0);
SELECT district_code, abs(gap_area_m2 / ST_Area(ST_GeomFromText('POLYGON((106.05 29.05, 106.06 29.05, 106.06 29.06, 106.05 29.06, 106.05 29.05))', 4326)::geography) - 1) < 1e-9 AS polygon_itself,
       source_ids
  FROM coverage_gaps(1000, 4);
DELETE FROM risk_source;
INSERT INTO risk_source (id, name, category, risk_level, district_code, geom, impact_radius_m) VALUES
  (4, 'line', 'gas', 1, '500101', 'SRID=4326;LINESTRING(106.02 29.02, 106.1 29.1, 106.15 29.05)', 1200),
  (5, 'polygon', 'crowd', 1, '500101', 'SRID=4326;POLYGON((106.12 29.12, 106.16 29.12, 106.16 29.16, 106.12 29.16, 106.12 29.12))', 700);
SELECT source_ids,
       abs(gap_area_m2 / (SELECT ST_Area(ST_Union(ST_Buffer(geom::geography, impact_radius_m)::geometry)::geography)
                            FROM risk_source) - 1) < 0.01 AS area_within_1pct
  FROM coverage_gaps(1000, 4);
-- An invalid (self-intersecting) district: made valid before clipping.
ALTER TABLE district DISABLE TRIGGER district_check_geometry;
INSERT INTO district (code, name, geom) VALUES
  ('500199', '坏区', 'SRID=4326;MULTIPOLYGON(((106.2 29.0, 106.4 29.2, 106.4 29.0, 106.2 29.2, 106.2 29.0)))');
ALTER TABLE district ENABLE TRIGGER district_check_geometry;
INSERT INTO risk_source (id, name, category, risk_level, district_code, geom, impact_radius_m) VALUES
  (6, 'in the bowtie', 'gas', 1, '500199', 'SRID=4326;POINT(106.25 29.1)', 3000);
SELECT district_code, source_ids,
       abs(gap_area_m2 / (SELECT ST_Area(ST_Intersection(ST_MakeValid(d.geom), ST_Buffer(s.geom::geography, 3000)::geometry)::geography)
                            FROM district d, risk_source s WHERE d.code = '500199' AND s.id = 6) - 1) < 0.01 AS area_within_1pct
  FROM coverage_gaps(1000, 4, '500199');
ROLLBACK;

-- Arguments.
SELECT pg_temp.err('SELECT * FROM riskmap.coverage_gaps(NULL)') AS null_reach;
SELECT pg_temp.err('SELECT * FROM riskmap.coverage_gaps(-1)') AS negative_reach;
SELECT pg_temp.err($$SELECT * FROM riskmap.coverage_gaps('NaN')$$) AS nan_reach;
SELECT pg_temp.err($$SELECT * FROM riskmap.coverage_gaps('Infinity')$$) AS infinite_reach;
SELECT pg_temp.err('SELECT * FROM riskmap.coverage_gaps(3000, 0)') AS level_0;
SELECT pg_temp.err('SELECT * FROM riskmap.coverage_gaps(3000, 5)') AS level_5;
SELECT pg_temp.err('SELECT * FROM riskmap.coverage_gaps(3000, NULL)') AS null_level;
SELECT pg_temp.err($$SELECT * FROM riskmap.coverage_gaps(3000, 2, 'nowhere')$$) AS unknown_district;
SELECT pg_temp.err($$SELECT * FROM riskmap.coverage_gaps(3000, 2, NULL, '{shelter,bunker}')$$) AS unknown_kind;
SELECT pg_temp.err($$SELECT * FROM riskmap.coverage_gaps(3000, 2, NULL, '{shelter,NULL}')$$) AS null_kind;
SELECT pg_temp.err('SELECT * FROM riskmap.coverage_gaps(3000, 3)') AS plain_call;
SELECT count(*) AS null_district_means_all FROM riskmap.coverage_gaps(3000, 2, NULL, NULL);
