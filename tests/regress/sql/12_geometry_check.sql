-- Geometry guard: riskmap.geometry_problem and riskmap._geometry_problem_ewkb.
SET search_path = riskmap, public;
\getenv regress_helpers RISKMAP_REGRESS_HELPERS
\i :regress_helpers

SELECT name, geometry_problem(g) AS problem
FROM (VALUES
    (1, 'fine polygon', 'SRID=4326;POLYGON((106.5 29.5, 106.6 29.5, 106.6 29.6, 106.5 29.6, 106.5 29.5))'::geometry),
    (2, 'fine point with Z', 'SRID=4326;POINT Z (106.55 29.56 238)'),
    (3, 'fine multipolygon', 'SRID=4326;MULTIPOLYGON(((0 0, 1 0, 1 1, 0 0)), ((2 2, 3 2, 3 3, 2 2)))'),
    (4, 'edge of the world', 'SRID=4326;LINESTRING(-180 -90, 180 90)'),
    (5, 'no SRID', 'POINT(106.55 29.56)'),
    (6, 'web mercator', 'SRID=3857;POINT(11855000 3440000)'),
    (7, 'empty point', 'SRID=4326;POINT EMPTY'),
    (8, 'empty collection', 'SRID=4326;GEOMETRYCOLLECTION(POINT EMPTY, LINESTRING EMPTY)'),
    (9, 'longitude too big', 'SRID=4326;POINT(180.0001 10)'),
    (10, 'latitude too small', 'SRID=4326;LINESTRING(0 0, 10 -90.5)'),
    (11, 'metres with SRID 4326', 'SRID=4326;POLYGON((11855000 3440000, 11856000 3440000, 11856000 3441000, 11855000 3440000))'),
    (12, 'bad hole coordinate', 'SRID=4326;POLYGON((0 0, 10 0, 10 10, 0 10, 0 0), (2 2, 3 2, 3 95, 2 2))'),
    (13, 'bow-tie', 'SRID=4326;POLYGON((106.5 29.5, 106.54 29.62, 106.54 29.5, 106.5 29.62, 106.5 29.5))'),
    (14, 'hole outside shell', 'SRID=4326;POLYGON((0 0, 10 0, 10 10, 0 10, 0 0), (20 20, 21 20, 21 21, 20 20))'),
    (15, 'overlapping parts', 'SRID=4326;MULTIPOLYGON(((0 0, 2 0, 2 2, 0 2, 0 0)), ((1 1, 3 1, 3 3, 1 3, 1 1)))'),
    (16, 'self-touching ring', 'SRID=4326;POLYGON((0 0, 4 0, 4 4, 2 0, 0 4, 0 0))'),
    (17, 'degenerate line', 'SRID=4326;LINESTRING(1 1, 1 1)'),
    (18, 'circular arc', 'SRID=4326;CIRCULARSTRING(0 0, 1 1, 2 0)'),
    (19, 'TIN', 'SRID=4326;TIN(((0 0 0, 0 1 0, 1 1 0, 0 0 0)))')
) AS t(id, name, g)
ORDER BY id;

-- Not finite.
SELECT geometry_problem(ST_SetSRID(ST_MakePoint('NaN', 1), 4326)) AS nan,
       geometry_problem(ST_SetSRID(ST_MakePoint(1, '-Infinity'), 4326)) AS infinite;
-- A large geometry (63 kB of EWKB: checked by PostGIS's parser first, then by GEOS).
SELECT geometry_problem(ST_Collect(ARRAY(SELECT ST_SetSRID(ST_MakePoint(i % 170, i % 80), 4326)
                                         FROM generate_series(1, 3000) AS i))) AS large_fine,
       geometry_problem(ST_Collect(ARRAY(SELECT ST_SetSRID(ST_MakePoint(i % 170, i % 80 + 20), 4326)
                                         FROM generate_series(1, 3000) AS i))) AS large_bad;
-- NULL: NULL (STRICT); and the caller's search_path does not matter.
SELECT geometry_problem(NULL) IS NULL AS null_geom;
SET search_path = pg_catalog;
SELECT riskmap.geometry_problem('SRID=4326;POINT(106.55 29.56)'::public.geometry) IS NULL AS fine_without_search_path,
       riskmap.geometry_problem('SRID=4326;POINT(190 29.56)'::public.geometry) AS bad_without_search_path;
SET search_path = riskmap, public;

-- Raw EWKB: ISO WKB has no SRID; garbage bytes are ERROR 22023, never a crash.
SELECT _geometry_problem_ewkb(ST_AsBinary('SRID=4326;POINT(1 2)'::geometry)) AS iso_wkb,
       _geometry_problem_ewkb(ST_AsEWKB('SRID=4326;POINT(1 2)'::geometry)) AS ewkb;
SELECT pg_temp.err($$SELECT riskmap._geometry_problem_ewkb('\x00')$$);
SELECT pg_temp.err($$SELECT riskmap._geometry_problem_ewkb('\x')$$);
SELECT pg_temp.err($$SELECT riskmap._geometry_problem_ewkb('\x0101000020e6100000000000000000f03f')$$);
SELECT pg_temp.err($$SELECT riskmap._geometry_problem_ewkb('\x0163000000')$$);
-- a line string claiming 2^28 points
SELECT pg_temp.err($$SELECT riskmap._geometry_problem_ewkb('\x0102000000ffffff0f00000000')$$);
-- 20 kB of garbage (parsed by PostGIS first)
SELECT pg_temp.err($$SELECT riskmap._geometry_problem_ewkb(('\x01' || repeat('ff', 20000))::bytea)$$);
-- 20000 nested collections (180 kB) would overflow GEOS's recursive reader: refused
SELECT pg_temp.err($$SELECT riskmap._geometry_problem_ewkb(
    ('\x0107000020e610000001000000' || repeat('010700000001000000', 20000) || '0101000000000000000000f03f0000000000000040')::bytea)$$);
-- 1000 nested collections (9 kB) around POINT(1 2): readable, and fine
SELECT _geometry_problem_ewkb(
    ('\x0107000020e610000001000000' || repeat('010700000001000000', 999) || '0101000000000000000000f03f0000000000000040')::bytea)
    IS NULL AS nested_1000_fine;
-- every prefix of a valid EWKB is an ERROR 22023, and every one-byte change is a status or an ERROR
SELECT count(*) AS prefixes,
       count(*) FILTER (WHERE pg_temp.err(format('SELECT riskmap._geometry_problem_ewkb(%L::bytea)', substring(b FROM 1 FOR n)))
                              LIKE '22023: invalid EWKB: %') AS errors_22023
FROM (SELECT ST_AsEWKB('SRID=4326;GEOMETRYCOLLECTION(POLYGON((0 0, 1 0, 1 1, 0 0)), LINESTRING(0 0, 1 1), POINT(5 5))'::geometry) AS b) AS s,
     generate_series(0, length(b) - 1) AS n;
SELECT count(*) AS changes,
       count(*) FILTER (WHERE r LIKE '22023: %' OR r LIKE 'ok%') AS answered
FROM (SELECT ST_AsEWKB('SRID=4326;GEOMETRYCOLLECTION(POLYGON((0 0, 1 0, 1 1, 0 0)), LINESTRING(0 0, 1 1), POINT(5 5))'::geometry) AS b) AS s,
     generate_series(0, length(b) - 1) AS i,
     generate_series(0, 255, 15) AS v,
     LATERAL (SELECT pg_temp.err(format('SELECT riskmap._geometry_problem_ewkb(%L::bytea)', set_byte(b, i, v)))) AS e(r);
