-- riskmap.tile(..., tms): the CGCS2000Quad tile matrix set (EPSG:4490 lon/lat,
-- 天地图 _c) next to WebMercatorQuad, and riskmap.tile_mvt (vector tiles).
BEGIN;
\getenv regress_helpers RISKMAP_REGRESS_HELPERS
\i :regress_helpers
-- One function riskmap.tile, with the 6th parameter defaulted: plain calls resolve.
SELECT p.oid::regprocedure AS tile, pg_get_function_arguments(p.oid) AS arguments
FROM pg_proc p WHERE p.proname = 'tile' AND p.pronamespace = 'riskmap'::regnamespace;
SELECT riskmap.tile(5, 3, 7) = riskmap.tile(5, 3, 7, 'risk', 1, 'WebMercatorQuad') AS three_args,
       riskmap.tile(5, 3, 7, 'risk', 2) = riskmap.tile(5, 3, 7, 'risk', 2, 'WebMercatorQuad') AS five_args;
-- Bad matrix set, levels and rows of CGCS2000Quad (2^z x 2^(z-1) tiles, z >= 1).
SELECT q, pg_temp.err(q) FROM (VALUES
    ('SELECT riskmap.tile(3, 0, 0, ''risk'', 1, ''EPSG:4326'')'),
    ('SELECT riskmap.tile(3, 0, 0, ''risk'', 1, ''webmercatorquad'')'),
    ('SELECT riskmap.tile(3, 0, 0, ''risk'', 1, NULL)'),
    ('SELECT riskmap.tile(0, 0, 0, ''risk'', 1, ''CGCS2000Quad'')'),
    ('SELECT riskmap.tile(3, 0, 4, ''risk'', 1, ''CGCS2000Quad'')'),
    ('SELECT riskmap.tile(3, 8, 0, ''risk'', 1, ''CGCS2000Quad'')'),
    ('SELECT riskmap.tile(23, 0, 0, ''risk'', 1, ''CGCS2000Quad'')'),
    ('SELECT riskmap.tile(3, 0, 0, ''risk'', 3, ''CGCS2000Quad'')'),
    ('SELECT riskmap.tile_mvt(-1, 0, 0)'),
    ('SELECT riskmap.tile_mvt(23, 0, 0)'),
    ('SELECT riskmap.tile_mvt(3, 8, 0)'),
    ('SELECT riskmap.tile_mvt(3, 0, -1)'),
    ('SELECT riskmap.tile_mvt(3, NULL, 0)')
) AS t(q);
-- Every corner of the CGCS2000Quad matrix is a PNG.
SELECT z, x, y, substr(riskmap.tile(z, x, y, 'risk', 1, 'CGCS2000Quad'), 1, 8) = '\x89504e470d0a1a0a'::bytea AS png
FROM (VALUES (1, 0, 0), (1, 1, 0), (22, 4194303, 2097151), (22, 0, 0)) AS t(z, x, y);

INSERT INTO riskmap.district (code, name, geom, label_point) VALUES
    ('500103', '渝中区', ST_Multi(ST_MakeEnvelope(106.40, 29.40, 106.70, 29.70, 4326)),
     ST_SetSRID(ST_MakePoint(106.45, 29.65), 4326));
INSERT INTO riskmap.risk_source (id, kind, name, category, risk_level, district_code, geom, impact_radius_m)
OVERRIDING SYSTEM VALUE VALUES
    (9001, 'risk_source', '化工园区', 'chemical', 1, '500103', ST_SetSRID(ST_MakePoint(106.60, 29.50), 4326), 1200);
INSERT INTO riskmap.shelter (id, name, kind, capacity, district_code, geom) OVERRIDING SYSTEM VALUE VALUES
    (9501, '避难场所', 'shelter', 3000, '500103', ST_SetSRID(ST_MakePoint(106.55, 29.52), 4326));
-- Source 9001's CGCS2000Quad tile at zoom 12 and its pixel there: 4096 x 2048
-- tiles, 360 / 4096 / 256 degrees per pixel on both axes, origin (-180, 90).
SELECT x, y, floor(gx - 256 * x)::int AS px, floor(gy - 256 * y)::int AS py
FROM (SELECT floor(gx / 256)::int AS x, floor(gy / 256)::int AS y, gx, gy
      FROM (SELECT (106.60 + 180) / 360 * 4096 * 256 AS gx, (90 - 29.50) / 360 * 4096 * 256 AS gy) g) t \gset
SELECT :px - 25 AS x0, :py - 25 AS y0, :px + 25 AS x1, :py + 25 AS y1,
       :px - 35 AS ex0, :px - 32 AS ex1, :py - 36 AS ny0, :py - 33 AS ny1, :px + 2 AS px1, :py + 2 AS py1 \gset
\setenv X0 :x0
\setenv Y0 :y0
\setenv X1 :x1
\setenv Y1 :y1
\setenv PX0 :px
\setenv PX1 :px1
\setenv PY0 :py
\setenv PY1 :py1
\setenv EX0 :ex0
\setenv EX1 :ex1
\setenv NY0 :ny0
\setenv NY1 :ny1
\pset tuples_only on
\pset format unaligned
-- Drawn natively in lon/lat: the undrilled hatch is there, and the 1200 m
-- zone is an ellipse of 36.2 px east-west and 31.5 px north-south (a degree
-- of longitude is cos(29.5°) of a degree of latitude on the ground): pixels
-- 32..35 px west of the source are in it, 33..36 px north are not.
SELECT encode(riskmap.tile(12, :x, :y, 'risk', 1, 'CGCS2000Quad'), 'hex')
\g |"$RISKMAP_TILE_PNG" size has 7F0000FF $X0 $Y0 $X1 $Y1 opaque $EX0 $PY0 $EX1 $PY1 opaque $PX0 $NY0 $PX1 $NY1
-- The same source in WebMercatorQuad (conformal): a circle of 36 px both ways.
SELECT x, y, floor(gx - 256 * x)::int AS px, floor(gy - 256 * y)::int AS py
FROM (SELECT floor(gx / 256)::int AS x, floor(gy / 256)::int AS y, gx, gy
      FROM (SELECT (106.60 + 180) / 360 * 4096 * 256 AS gx,
                   (1 - ln(tan(radians(29.50)) + 1 / cos(radians(29.50))) / pi()) / 2 * 4096 * 256 AS gy) g) t \gset
SELECT :px - 35 AS ex0, :px - 32 AS ex1, :py - 35 AS ny0, :py - 32 AS ny1, :px + 2 AS px1, :py + 2 AS py1 \gset
\setenv PX0 :px
\setenv PX1 :px1
\setenv PY0 :py
\setenv PY1 :py1
\setenv EX0 :ex0
\setenv EX1 :ex1
\setenv NY0 :ny0
\setenv NY1 :ny1
SELECT encode(riskmap.tile(12, :x, :y), 'hex')
\g |"$RISKMAP_TILE_PNG" opaque $EX0 $PY0 $EX1 $PY1 opaque $PX0 $NY0 $PX1 $NY1
\pset tuples_only off
\pset format aligned
-- Vector tiles: the layers and ids a PostGIS reader finds in the tile of
-- source 9001 at zoom 12 (ST_AsMVT layers are concatenated; each layer's
-- name is in its bytes), and an empty area is an empty tile.
SELECT length(t) > 0 AS has_bytes,
       position(convert_to('sources', 'UTF8') IN t) > 0 AS sources,
       position(convert_to('zones', 'UTF8') IN t) > 0 AS zones,
       position(convert_to('undrilled', 'UTF8') IN t) > 0 AS undrilled,
       position(convert_to('shelters', 'UTF8') IN t) > 0 AS shelters,
       position(convert_to('districts', 'UTF8') IN t) > 0 AS districts,
       position(convert_to('化工园区', 'UTF8') IN t) > 0 AS name
FROM (SELECT riskmap.tile_mvt(12, 3260, 1696) AS t) s;
SELECT length(riskmap.tile_mvt(12, 0, 0)) AS empty_tile;
-- A drill for 9001 takes it out of the undrilled layer.
INSERT INTO riskmap.drill (id, year, title, drill_class, organizer_district, status, scheduled_on)
OVERRIDING SYSTEM VALUE VALUES
    (9101, extract(year FROM current_date)::int, '化工园区专项演练', 'special', '500103', 'planned', current_date);
INSERT INTO riskmap.drill_target VALUES (9101, 9001);
SELECT position(convert_to('undrilled', 'UTF8') IN riskmap.tile_mvt(12, 3260, 1696)) > 0 AS undrilled_after_drill;
ROLLBACK;
