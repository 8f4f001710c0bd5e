-- riskmap.tile() pixels: the undrilled hatch (#7F0000) over a high-risk
-- source goes away when a drill targets it; an empty area is a transparent
-- PNG; scale 2 is 512 px; Chinese labels render.
BEGIN;
INSERT INTO riskmap.district (code, name, geom, label_point) VALUES
    ('500103', '渝中区', ST_Multi(ST_MakeEnvelope(106.40, 29.40, 106.70, 29.70, 4326)),
     ST_SetSRID(ST_MakePoint(106.45, 29.65), 4326));
INSERT INTO riskmap.risk_source (id, kind, name, category, risk_level, district_code, geom, impact_radius_m)
OVERRIDING SYSTEM VALUE VALUES
    (9001, 'risk_source', '化工园区', 'chemical', 1, '500103', ST_SetSRID(ST_MakePoint(106.60, 29.50), 4326), 1200),
    (9002, 'risk_source', '加油站', 'chemical', 3, '500103', ST_SetSRID(ST_MakePoint(106.62, 29.47), 4326), 600);
-- The tile at zoom 12 holding source 9001, and the source's pixel in it.
SELECT x, y, floor(gx - 256 * x)::int AS px, floor(gy - 256 * y)::int AS py
FROM (SELECT floor(gx / 256)::int AS x, floor(gy / 256)::int AS y, gx, gy
      FROM (SELECT (106.60 + 180) / 360 * 4096 * 256 AS gx,
                   (1 - ln(tan(radians(29.50)) + 1 / cos(radians(29.50))) / pi()) / 2 * 4096 * 256 AS gy) g) t \gset
\setenv X0 :px
\setenv Y0 :py
SELECT :px - 25 AS x0, :py - 25 AS y0, :px + 25 AS x1, :py + 25 AS y1 \gset
\setenv X0 :x0
\setenv Y0 :y0
\setenv X1 :x1
\setenv Y1 :y1
\pset tuples_only on
\pset format unaligned
-- Undrilled this year (undrilled_areas would list 9001): hatched.
SELECT encode(riskmap.tile(12, :x, :y), 'hex') \g |"$RISKMAP_TILE_PNG" size has 7F0000FF $X0 $Y0 $X1 $Y1
-- The tile's undrilled layer marks what riskmap.undrilled_areas() returns
-- (checked once that function is installed).
\pset tuples_only off
\pset format aligned
CREATE FUNCTION pg_temp.undrilled_agrees(expected bigint[]) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE ids bigint[];
BEGIN
    IF to_regprocedure('riskmap.undrilled_areas(integer,integer,text)') IS NULL THEN
        RETURN true;
    END IF;
    EXECUTE 'SELECT array_agg(source_id ORDER BY source_id) FROM riskmap.undrilled_areas()' INTO ids;
    RETURN ids IS NOT DISTINCT FROM expected;
END $$;
SELECT pg_temp.undrilled_agrees(ARRAY[9001]) AS agrees;
\pset tuples_only on
\pset format unaligned
-- A drill of this year targets it: no more hatch there.
INSERT INTO riskmap.drill (id, year, title, drill_class, organizer_district, status, scheduled_on)
OVERRIDING SYSTEM VALUE VALUES
    (9101, extract(year FROM current_date)::int, '化工园区专项演练', 'special', '500103', 'planned', current_date);
INSERT INTO riskmap.drill_target VALUES (9101, 9001);
SELECT encode(riskmap.tile(12, :x, :y), 'hex') \g |"$RISKMAP_TILE_PNG" has 7F0000FF $X0 $Y0 $X1 $Y1 opaque $X0 $Y0 $X1 $Y1
\pset tuples_only off
\pset format aligned
SELECT pg_temp.undrilled_agrees(NULL) AS agrees;
\pset tuples_only on
\pset format unaligned
-- A cancelled drill does not count; a drill whose area covers the source does.
UPDATE riskmap.drill SET status = 'cancelled' WHERE id = 9101;
SELECT encode(riskmap.tile(12, :x, :y), 'hex') \g |"$RISKMAP_TILE_PNG" has 7F0000FF $X0 $Y0 $X1 $Y1
INSERT INTO riskmap.drill (id, year, title, drill_class, organizer_district, status, scheduled_on, area)
OVERRIDING SYSTEM VALUE VALUES
    (9102, extract(year FROM current_date)::int, '综合演练', 'comprehensive', '500103', 'completed', current_date,
     ST_Multi(ST_Buffer(ST_SetSRID(ST_MakePoint(106.60, 29.50), 4326), 0.01)));
SELECT encode(riskmap.tile(12, :x, :y), 'hex') \g |"$RISKMAP_TILE_PNG" has 7F0000FF $X0 $Y0 $X1 $Y1
-- Scale 2: 512 px, the hatch at twice the pixel position.
DELETE FROM riskmap.drill WHERE id = 9102;
SELECT 2 * :px - 50 AS x0, 2 * :py - 50 AS y0, 2 * :px + 50 AS x1, 2 * :py + 50 AS y1 \gset
\setenv X0 :x0
\setenv Y0 :y0
\setenv X1 :x1
\setenv Y1 :y1
SELECT encode(riskmap.tile(12, :x, :y, 'risk', 2), 'hex') \g |"$RISKMAP_TILE_PNG" size has 7F0000FF $X0 $Y0 $X1 $Y1
-- An empty area (the South Atlantic): a valid, fully transparent PNG, the
-- same small constant for every empty tile.
SELECT encode(riskmap.tile(10, 400, 600), 'hex') \g |"$RISKMAP_TILE_PNG" size blank
SELECT encode(riskmap.tile(10, 400, 600, 'risk', 2), 'hex') \g |"$RISKMAP_TILE_PNG" size blank
\pset tuples_only off
\pset format aligned
SELECT length(riskmap.tile(10, 400, 600)) < 1000 AS small,
       riskmap.tile(10, 400, 600) = riskmap.tile(3, 7, 7, 'evacuation') AS same_constant;
-- The Chinese label: pixels drawn around the label point, where nothing else is.
SELECT x, y, floor(gx - 256 * x)::int AS px, floor(gy - 256 * y)::int AS py
FROM (SELECT floor(gx / 256)::int AS x, floor(gy / 256)::int AS y, gx, gy
      FROM (SELECT (106.45 + 180) / 360 * 1024 * 256 AS gx,
                   (1 - ln(tan(radians(29.65)) + 1 / cos(radians(29.65))) / pi()) / 2 * 1024 * 256 AS gy) g) t \gset
SELECT :px - 4 AS x0, :py - 4 AS y0, :px + 4 AS x1, :py + 4 AS y1 \gset
\setenv X0 :x0
\setenv Y0 :y0
\setenv X1 :x1
\setenv Y1 :y1
\pset tuples_only on
\pset format unaligned
SELECT encode(riskmap.tile(10, :x, :y), 'hex') \g |"$RISKMAP_TILE_PNG" opaque $X0 $Y0 $X1 $Y1
-- Without the label layer, that spot stays transparent.
INSERT INTO riskmap.tile_style
SELECT 'nolabels', jsonb_set(spec, '{layers}', (SELECT jsonb_agg(l) FROM jsonb_array_elements(spec -> 'layers') l
                                                WHERE l ->> 'type' <> 'district_labels'))
FROM riskmap.tile_style WHERE name = 'risk';
SELECT encode(riskmap.tile(10, :x, :y, 'nolabels'), 'hex') \g |"$RISKMAP_TILE_PNG" opaque $X0 $Y0 $X1 $Y1
-- Zoom 4 (labels start at 7): the district's outline only.
SELECT encode(riskmap.tile(4, 12, 6), 'hex') \g |"$RISKMAP_TILE_PNG" size blank
ROLLBACK;
