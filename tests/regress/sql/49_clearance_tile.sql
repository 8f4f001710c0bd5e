-- Tile style 'clearance': a high-risk zone coloured by the check against its
-- plan's promise; the tile changes when the promise is kept or broken, and
-- a tile far from any zone is the empty tile.
SET client_min_messages = warning;
BEGIN;
INSERT INTO riskmap.district (code, name, geom)
VALUES ('500103', '渝中区', ST_Multi(ST_MakeEnvelope(106.45, 29.45, 106.60, 29.60, 4326)));
INSERT INTO riskmap.risk_source (id, kind, name, category, risk_level, district_code, geom, impact_radius_m)
OVERRIDING SYSTEM VALUE VALUES (1, 'risk_source', '化工园区', 'hazardous_chemicals', 1, '500103', ST_Point(106.500, 29.500, 4326), 500);
INSERT INTO riskmap.population (id, district_code, people, geom) VALUES (1, '500103', 600, ST_Point(106.500, 29.500, 4326));
INSERT INTO riskmap.shelter (id, name, kind, capacity, district_code, geom) VALUES (10, 'S', 'shelter', 10000, '500103', ST_Point(106.510, 29.500, 4326));
INSERT INTO riskmap.road (id, source, target, cost_s, reverse_cost_s, capacity_pph, geom)
VALUES (1, 1, 2, 300, -1, 3600, ST_MakeLine(ST_Point(106.500, 29.500, 4326), ST_Point(106.510, 29.500, 4326)));
INSERT INTO riskmap.plan (id, code, title, plan_type, owner_district, status, content) OVERRIDING SYSTEM VALUE VALUES
  (1, 'P1', '一源一案', 'one_to_one', '500103', 'published',
   '{"version": 1, "workflows": [{"name": "疏散", "steps": [{"order": 1, "action": "疏散", "responsible": "街道办", "kind": "evacuation", "within_minutes": 10}]}]}');
INSERT INTO riskmap.plan_link (source_id, event_type, plan_id) VALUES (1, 'leak', 1);
-- The tile holding the zone, at zoom 14 (the zone's clearance is 840 s, see 47_clearance_micro).
SELECT floor((106.5 + 180) / 360 * 2 ^ 14)::int AS x,
       floor((1 - ln(tan(radians(29.5)) + 1 / cos(radians(29.5))) / pi()) / 2 * 2 ^ 14)::int AS y \gset
SELECT meets_plan, bottleneck_edges FROM riskmap.clearance_report();
CREATE TEMP TABLE t AS SELECT 'fails' AS k, riskmap.tile(14, :x, :y, 'clearance') AS png;
UPDATE riskmap.plan SET content = jsonb_set(content, '{workflows,0,steps,0,within_minutes}', '15') WHERE id = 1;
SELECT meets_plan FROM riskmap.clearance_report();
INSERT INTO t SELECT 'meets', riskmap.tile(14, :x, :y, 'clearance');
UPDATE riskmap.plan SET content = '{"version": 1}' WHERE id = 1;
INSERT INTO t SELECT 'no promise', riskmap.tile(14, :x, :y, 'clearance');
INSERT INTO t SELECT 'far away', riskmap.tile(14, :x + 40, :y, 'clearance');
INSERT INTO t SELECT 'empty', riskmap.tile(14, :x + 40, :y, 'evacuation');
SELECT k, substr(png, 1, 8) = '\x89504e470d0a1a0a'::bytea AS png,
       length(png) > 400 AS drawn,
       (SELECT count(DISTINCT md5(png)) FROM t t2 WHERE t2.k IN ('fails', 'meets', 'no promise')) AS distinct_zone_tiles
FROM t ORDER BY k;
SELECT (SELECT png FROM t WHERE k = 'far away') = (SELECT png FROM t WHERE k = 'empty') AS far_tile_is_empty;
ROLLBACK;
