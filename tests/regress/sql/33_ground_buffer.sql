-- ground_buffer / ground_area: metres on the ground, as PostGIS geography.
\set VERBOSITY terse
\getenv regress_helpers RISKMAP_REGRESS_HELPERS
\i :regress_helpers
SET search_path = riskmap, public;
-- Points, lines, polygons, multi and collections at several latitudes and radii:
-- area within 1 % of ST_Area(ST_Buffer(g::geography, r)), every vertex of a
-- buffer within 0.5 % of r from the source (geodesic distance). ground_area
-- integrates edges as drawn (straight in lon/lat), ST_Area(geography) as
-- geodesics: on the 200 km sides of a long line's buffer they differ by 1e-4.
WITH g(name, geom, r) AS (VALUES
    ('point equator 50 m', 'SRID=4326;POINT(0 0)'::geometry, 50.0),
    ('point 29N 3 km', 'SRID=4326;POINT(106.5 29.5)', 3000.0),
    ('point 60N 20 km', 'SRID=4326;POINT(25 60)', 20000.0),
    ('point 75S 5 km', 'SRID=4326;POINT(-60 -75)', 5000.0),
    ('line 29N 800 m', 'SRID=4326;LINESTRING(106.4 29.4, 106.5 29.45, 106.55 29.40)', 800.0),
    ('line 60N 2 km', 'SRID=4326;LINESTRING(24 60, 25 60.2)', 2000.0),
    ('long line 29N 1 km', 'SRID=4326;LINESTRING(105.5 29.0, 107.5 30.0)', 1000.0),
    ('polygon 29N 500 m', 'SRID=4326;POLYGON((106.5 29.5, 106.6 29.5, 106.6 29.6, 106.5 29.6, 106.5 29.5))', 500.0),
    ('multipoint 2 km', 'SRID=4326;MULTIPOINT((106.5 29.5), (106.52 29.5))', 2000.0),
    ('collection 1 km', 'SRID=4326;GEOMETRYCOLLECTION(POINT(106.5 29.5), LINESTRING(106.6 29.5, 106.7 29.6))', 1000.0))
SELECT name,
       GeometryType(ground_buffer(geom, r)) AS type,
       ST_IsValid(ground_buffer(geom, r)) AS valid,
       abs(ground_area(ground_buffer(geom, r)) / ST_Area(ST_Buffer(geom::geography, r)) - 1) < 0.01 AS area_1pct,
       abs(ST_Area(ground_buffer(geom, r)::geography) / ground_area(ground_buffer(geom, r)) - 1) < 5e-4 AS area_is_geography_area,
       (SELECT bool_and(abs(ST_Distance(d.geom::geography, g.geom::geography) / r - 1) < 0.005)
          FROM ST_DumpPoints(ground_buffer(g.geom, r)) d) AS vertices_on_radius
  FROM g;
-- Every point of a circle's boundary is within 0.25 % of the radius: 32
-- vertices at r k, k = 2 / (1 + cos(pi/32)), chord midpoints at r k cos(pi/32).
SELECT max(abs(ST_Distance(ST_LineInterpolatePoint(ST_ExteriorRing(ST_GeometryN(b, 1)), f / 1000.0)::geography,
                           'SRID=4326;POINT(106.5 29.5)'::geography) / 1000 - 1)) < 0.0025 AS boundary_within_0_25pct,
       ST_NPoints(b) AS points
  FROM ground_buffer('SRID=4326;POINT(106.5 29.5)', 1000) b, generate_series(0, 999) f
 GROUP BY b;
-- Radius 0 and empties.
SELECT ST_AsText(ground_buffer('SRID=4326;POINT(1 1)', 0)) AS point_0,
       ST_AsText(ground_buffer('SRID=4326;LINESTRING(1 1, 2 2)', 0)) AS line_0,
       ST_AsText(ground_buffer('SRID=4326;POLYGON((0 0, 1 0, 1 1, 0 0))', 0)) AS polygon_0,
       ST_AsText(ground_buffer('SRID=4326;POINT EMPTY', 10)) AS empty_10,
       ground_area('SRID=4326;LINESTRING(1 1, 2 2)') AS line_area;
-- An invalid (bow-tie) polygon is made valid first.
SELECT round((ground_area(ground_buffer('SRID=4326;POLYGON((106.0 29.0, 106.1 29.1, 106.1 29.0, 106.0 29.1, 106.0 29.0))', 0))
              / ST_Area(ST_MakeValid('SRID=4326;POLYGON((106.0 29.0, 106.1 29.1, 106.1 29.0, 106.0 29.1, 106.0 29.0))'::geometry)::geography))::numeric, 6) AS bowtie_ratio;
-- Known area: a 1 km geodesic circle is pi r^2 (0.16 % below with the balanced 32-gon).
SELECT round((ground_area(ground_buffer('SRID=4326;POINT(106.5 29.5)', 1000)) / (pi() * 1e6))::numeric, 4) AS circle_over_pi_r2;
-- Bad input: errors, never a crash.
SELECT pg_temp.err($$SELECT riskmap.ground_buffer('SRID=4326;POINT(1 1)', -1)$$) AS negative;
SELECT pg_temp.err($$SELECT riskmap.ground_buffer('SRID=4326;POINT(1 1)', 'NaN')$$) AS nan;
SELECT pg_temp.err($$SELECT riskmap.ground_buffer('SRID=4326;POINT(1 1)', 3e6)$$) AS too_large;
SELECT pg_temp.err($$SELECT riskmap.ground_buffer('SRID=3857;POINT(1 1)', 10)$$) AS other_srid;
SELECT pg_temp.err($$SELECT riskmap.ground_buffer('SRID=4326;POINT(1 95)', 10)$$) AS latitude_95;
SELECT pg_temp.err($$SELECT riskmap._ground_buffer('\x0102', 10)$$) AS garbage_wkb;
SELECT pg_temp.err($$SELECT riskmap._ground_buffer('\x01010000000000000000', 10)$$) AS truncated_wkb;
SELECT pg_temp.err($$SELECT riskmap._ground_area('\x')$$) AS empty_wkb;
SELECT pg_temp.err($$SELECT riskmap.ground_buffer('SRID=4326;CIRCULARSTRING(0 0, 1 1, 2 0)', 10)$$) AS curve;
SELECT riskmap.ground_buffer(NULL, 10) IS NULL AS null_geometry, riskmap.ground_buffer('SRID=4326;POINT(1 1)', NULL) IS NULL AS null_radius;
