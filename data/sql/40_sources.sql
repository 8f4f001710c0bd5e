-- 40_sources.sql — about 1,500 × scale risk sources (风险源) and hazard points (隐患点).
--   landslide    450  hazard points, mostly in the mountain counties (三峡库区, 武陵山区)
--   flood        250  hazard points along the Yangtze, Jialing, Wu, Fu, Qi, Daning and
--                     Xiao rivers (riverside districts), plus urban waterlogging spots
--   chemical     150  clustered in 长寿经开区 and 涪陵白涛化工园区, the rest near towns
--   gas_pipeline 120  LineStrings, mostly in the core districts
--   crowd        150  named venues (解放碑, 观音桥, 洪崖洞 …) and generic ones near seats
--   mine         100  coal in 綦江/南川/永川…, manganese in 秀山/城口/酉阳
--   dam           80  reservoirs as polygons
--   fire         200  forest-fire risk areas (缙云山, 金佛山, 四面山 …)
-- Risk levels follow a per-category skew (few level 1).

-- Approximate river courses (lon lat), upstream first.
CREATE TABLE riskmap_demo_gen.river (name text, weight float8, geom geometry);
INSERT INTO riskmap_demo_gen.river VALUES
 ('长江', 0.55, ST_GeomFromText('LINESTRING(105.80 28.99,106.05 29.10,106.25 29.29,106.33 29.34,106.46 29.45,106.51 29.52,106.585 29.565,106.62 29.60,106.72 29.58,106.85 29.58,107.06 29.80,107.39 29.72,107.73 29.87,108.03 30.29,108.20 30.42,108.40 30.80,108.70 30.94,109.10 30.98,109.46 31.02,109.58 31.04,109.88 31.07,110.15 31.05)', 4326)),
 ('嘉陵江', 0.18, ST_GeomFromText('LINESTRING(106.23 30.21,106.27 29.99,106.35 29.90,106.43 29.83,106.47 29.65,106.45 29.58,106.53 29.57,106.585 29.565)', 4326)),
 ('乌江', 0.10, ST_GeomFromText('LINESTRING(108.35 28.90,108.17 29.30,107.76 29.33,107.49 29.55,107.39 29.70)', 4326)),
 ('涪江', 0.06, ST_GeomFromText('LINESTRING(105.70 30.33,105.84 30.19,106.00 30.08,106.27 29.99)', 4326)),
 ('綦江', 0.05, ST_GeomFromText('LINESTRING(106.65 28.75,106.65 29.03,106.45 29.18,106.33 29.30)', 4326)),
 ('大宁河', 0.03, ST_GeomFromText('LINESTRING(109.63 31.40,109.80 31.27,109.88 31.08)', 4326)),
 ('小江', 0.03, ST_GeomFromText('LINESTRING(108.40 31.18,108.55 31.05,108.70 30.95)', 4326));

CREATE TABLE riskmap_demo_gen.src (code text, cat text, seq integer, name text, geom geometry,
                                   events text[], lvl smallint);

-- Generic placement: n(d) sources of category c in district d, apportioned by
-- weight, each a point inside the district (near the seat when sigma > 0).
CREATE TABLE riskmap_demo_gen.cat_weight (cat text, code text, w float8, sigma_m float8);
INSERT INTO riskmap_demo_gen.cat_weight
SELECT 'landslide', code, area_m2 / 1e6 * CASE WHEN mountain THEN 3.0 WHEN region IN ('northeast', 'southeast') THEN 2.0
                                                  WHEN region = 'core' THEN 0.3 ELSE 0.6 END, 0
FROM riskmap_demo_gen.dist
UNION ALL
SELECT 'fire', code, area_m2 / 1e6 * CASE code WHEN '500109' THEN 4 WHEN '500119' THEN 2.5 WHEN '500116' THEN 2
                                              WHEN '500103' THEN 0 ELSE 1 END
                     * CASE WHEN region IN ('northeast', 'southeast') THEN 1.3 WHEN region = 'core' THEN 0.8 ELSE 0.8 END, 0
FROM riskmap_demo_gen.dist
UNION ALL
SELECT 'mine', d.code, coalesce(m.w, 0), 0
FROM riskmap_demo_gen.dist d LEFT JOIN (VALUES
  ('500110',10),('500119',8),('500118',5),('500117',3),('500236',5),('500238',3),('500229',4),('500243',3),
  ('500114',2),('500154',3),('500232',2),('500241',5),('500242',2),('500111',2),('500153',1),('500235',2),
  ('500237',2),('500101',2),('500240',2),('500102',1),('500116',2),('500115',1),('500151',1),('500152',1),
  ('500228',2),('500231',1),('500230',2),('500233',1),('500109',1),('500113',1)) AS m(code, w) USING (code)
UNION ALL
SELECT 'dam', code, CASE WHEN code = '500103' THEN 0 ELSE area_m2 / 1e6 * CASE WHEN region = 'core' THEN 0.3 ELSE 1 END END, 0
FROM riskmap_demo_gen.dist
UNION ALL
SELECT 'crowd', code, pop * CASE WHEN region = 'core' THEN 1.5 ELSE 1 END, 2500
FROM riskmap_demo_gen.dist
UNION ALL
SELECT 'gas_pipeline', code, CASE WHEN region = 'core' THEN pop * 3 WHEN code IN ('500101','500102','500118','500116','500117') THEN pop ELSE 0 END, 4000
FROM riskmap_demo_gen.dist
UNION ALL
SELECT 'chemical', code, CASE WHEN region = 'core' THEN pop * 0.2 WHEN region = 'west' THEN pop ELSE pop * 0.4 END, 8000
FROM riskmap_demo_gen.dist
UNION ALL
SELECT 'flood', code, CASE WHEN region = 'core' THEN pop ELSE pop * 0.3 END, 3000
FROM riskmap_demo_gen.dist;

-- How many of each category are placed by the generic rule (the rest: rivers,
-- parks, named venues below).
CREATE TABLE riskmap_demo_gen.cat_count AS
SELECT c.cat,
       c.n_per_scale * p.scale AS total,
       CASE c.cat WHEN 'flood' THEN round(c.n_per_scale * p.scale * 0.25)::int
                  WHEN 'chemical' THEN round(c.n_per_scale * p.scale * 0.40)::int
                  WHEN 'crowd' THEN c.n_per_scale * p.scale - 14
                  ELSE c.n_per_scale * p.scale END AS generic
FROM riskmap_demo_gen.category c, riskmap_demo_gen.param p;

CREATE TABLE riskmap_demo_gen.alloc AS
SELECT w.cat, a.key AS code, a.n, max(w.sigma_m) AS sigma_m
FROM riskmap_demo_gen.cat_count cc
CROSS JOIN LATERAL riskmap_demo_gen.apportion(
  (SELECT array_agg(code ORDER BY code) FROM riskmap_demo_gen.cat_weight WHERE cat = cc.cat),
  (SELECT array_agg(w ORDER BY code) FROM riskmap_demo_gen.cat_weight WHERE cat = cc.cat),
  cc.generic) a
JOIN riskmap_demo_gen.cat_weight w ON w.cat = cc.cat AND w.code = a.key
WHERE a.n > 0
GROUP BY 1, 2, 3;

INSERT INTO riskmap_demo_gen.src (code, cat, seq, geom)
SELECT a.code, a.cat, k,
       CASE a.cat
         WHEN 'gas_pipeline' THEN
           riskmap_demo_gen.line_in(d.geom, 'gas:' || a.code || ':' || k, d.seat, a.sigma_m,
                                    3 + floor(4 * riskmap_demo_gen.u('gasn:' || a.code || ':' || k))::int, 450)
         WHEN 'dam' THEN
           riskmap_demo_gen.blob_in(d.geom, 'dam:' || a.code || ':' || k,
                                    150 + 900 * riskmap_demo_gen.u('damr:' || a.code || ':' || k) ^ 2)
         WHEN 'fire' THEN
           riskmap_demo_gen.pt_in(d.geom, 'src:' || a.cat || ':' || a.code || ':' || k)
         ELSE
           riskmap_demo_gen.pt_in(d.geom, 'src:' || a.cat || ':' || a.code || ':' || k,
                                  CASE WHEN a.sigma_m > 0 THEN d.seat END, a.sigma_m)
       END
FROM riskmap_demo_gen.alloc a
JOIN riskmap_demo_gen.dist d USING (code)
CROSS JOIN LATERAL generate_series(1, a.n) AS k;

-- Floods along the rivers: a point on a river (rivers weighted), 500 m of
-- scatter; the district is the one containing it.
INSERT INTO riskmap_demo_gen.src (code, cat, seq, geom, name)
SELECT DISTINCT ON (i) d.code, 'flood', 100000 + i, c.p, c.river
FROM (SELECT i, cand, r.name AS river,
             ST_SetSRID(ST_MakePoint(
               round((ST_X(q) + 500 * riskmap_demo_gen.g('fx:' || i || ':' || cand) / (111320.0 * cos(radians(ST_Y(q)))))::numeric, 6)::float8,
               round((ST_Y(q) + 500 * riskmap_demo_gen.g('fy:' || i || ':' || cand) / 110574.0)::numeric, 6)::float8), 4326) AS p
      FROM riskmap_demo_gen.cat_count cc,
           generate_series(1, cc.total - cc.generic) AS i,
           generate_series(1, 10) AS cand,
           LATERAL (SELECT r.name, r.geom FROM (
                      SELECT r.*, sum(weight) OVER (ORDER BY name) - weight AS lo, sum(weight) OVER (ORDER BY name) AS hi
                      FROM riskmap_demo_gen.river r) r
                    WHERE riskmap_demo_gen.u('river:' || i || ':' || cand) * (SELECT sum(weight) FROM riskmap_demo_gen.river) >= r.lo
                      AND riskmap_demo_gen.u('river:' || i || ':' || cand) * (SELECT sum(weight) FROM riskmap_demo_gen.river) < r.hi) r,
           LATERAL ST_LineInterpolatePoint(r.geom, riskmap_demo_gen.u('along:' || i || ':' || cand)) AS q
      WHERE cc.cat = 'flood') c
JOIN riskmap_demo_gen.dist d ON ST_Contains(d.geom, c.p)
ORDER BY i, cand, d.code;

-- Chemical parks: 长寿经开区 (60 % of the park sources) and 涪陵白涛化工园区.
INSERT INTO riskmap_demo_gen.src (code, cat, seq, geom, name)
SELECT p.code, 'chemical', 100000 + i,
       riskmap_demo_gen.pt_in(d.geom, 'park:' || i, p.centre, 2500), p.park
FROM riskmap_demo_gen.cat_count cc
CROSS JOIN generate_series(1, cc.total - cc.generic) AS i
CROSS JOIN LATERAL (SELECT * FROM (VALUES
    ('500115', '长寿经开区', ST_SetSRID(ST_MakePoint(107.00, 29.80), 4326)),
    ('500102', '白涛化工园区', ST_SetSRID(ST_MakePoint(107.49, 29.57), 4326))) AS v(code, park, centre)
  WHERE (v.code = '500115') = (riskmap_demo_gen.u('parkpick:' || i) < 0.6)) p
JOIN riskmap_demo_gen.dist d ON d.code = p.code
WHERE cc.cat = 'chemical';

-- Named crowded venues in the main city (approximate positions).
INSERT INTO riskmap_demo_gen.src (code, cat, seq, geom, name, lvl, events)
SELECT v.code, 'crowd', 100000 + v.n,
       riskmap_demo_gen.pt_in(d.geom, 'venue:' || v.n, ST_SetSRID(ST_MakePoint(v.x, v.y), 4326), 300, true),
       v.name, v.lvl, '{stampede}'
FROM (VALUES
  (1,  '500103', '解放碑步行街',     106.5775, 29.5572, 1),
  (2,  '500103', '洪崖洞景区',       106.5790, 29.5628, 1),
  (3,  '500103', '朝天门广场',       106.5868, 29.5650, 2),
  (4,  '500103', '人民大礼堂及人民广场', 106.5520, 29.5620, 2),
  (5,  '500105', '观音桥商圈',       106.5320, 29.5760, 1),
  (6,  '500105', '江北嘴中央商务区', 106.5750, 29.5720, 2),
  (7,  '500108', '南坪商圈',         106.5600, 29.5300, 2),
  (8,  '500108', '南滨路',           106.5800, 29.5500, 2),
  (9,  '500106', '三峡广场商圈',     106.4570, 29.5590, 2),
  (10, '500106', '磁器口古镇',       106.4500, 29.5800, 1),
  (11, '500107', '杨家坪商圈',       106.5120, 29.5060, 2),
  (12, '500112', '重庆北站',         106.5510, 29.6090, 2),
  (13, '500112', '江北国际机场T3航站楼', 106.6420, 29.7190, 2),
  (14, '500107', '重庆奥林匹克体育中心', 106.5270, 29.5220, 2)
) AS v(n, code, name, x, y, lvl)
JOIN riskmap_demo_gen.dist d ON d.code = v.code;

-- Names, event types and levels of the generated sources.
CREATE TABLE riskmap_demo_gen.src_named AS
SELECT s.code, s.cat, s.seq, s.geom,
  CASE s.cat
    WHEN 'landslide' THEN d.label || riskmap_demo_gen.word('village', 'v:' || key) || '村'
                          || (ARRAY['滑坡','危岩崩塌','不稳定斜坡','泥石流沟'])[t4] || '（' || s.seq || '号）'
    WHEN 'flood' THEN CASE WHEN s.seq > 100000
                           THEN s.name || d.short || '段' || riskmap_demo_gen.word('village', 'v:' || key) || '沿江低洼淹没区'
                           ELSE d.short || riskmap_demo_gen.word('street', 's:' || key) || '下穿道易涝点' END
    WHEN 'chemical' THEN coalesce(s.name, d.short) || riskmap_demo_gen.word('village', 'v:' || key) || '化工有限公司'
                          || (ARRAY['储罐区','合成氨装置','氯碱装置','液氯库房','甲醇装置','LNG储配站'])[1 + floor(6 * riskmap_demo_gen.u('t6:' || key))::int]
    WHEN 'gas_pipeline' THEN d.short || riskmap_demo_gen.word('street', 's:' || key) || '中压燃气管道（' || s.seq || '段）'
    WHEN 'crowd' THEN coalesce(s.name, d.short || (ARRAY['万达广场','体育馆','汽车客运站','火车站','商业步行街','第一中学',
                                                       '会展中心','客运码头','人民广场','游乐园'])[1 + floor(10 * riskmap_demo_gen.u('t10:' || key))::int]
                                          || CASE WHEN s.seq > 10 THEN '（' || s.seq || '）' ELSE '' END)
    WHEN 'mine' THEN d.short || riskmap_demo_gen.word('village', 'v:' || key)
                     || CASE WHEN s.code IN ('500241','500229','500242') THEN '锰矿'
                             WHEN riskmap_demo_gen.u('nc:' || key) < 0.15 THEN '石灰石矿' ELSE '煤矿' END
    WHEN 'dam' THEN d.short || riskmap_demo_gen.word('village', 'v:' || key) || '水库'
    WHEN 'fire' THEN CASE WHEN s.seq = 1 AND s.code = '500109' THEN '缙云山林区'
                          WHEN s.seq = 1 AND s.code = '500119' THEN '金佛山林区'
                          WHEN s.seq = 1 AND s.code = '500116' THEN '四面山林区'
                          WHEN s.seq = 1 AND s.code = '500237' THEN '五里坡林区'
                          ELSE d.short || riskmap_demo_gen.word('village', 'v:' || key) || '林区' END
                     || '森林火险区'
  END AS name,
  coalesce(s.events, CASE s.cat
    WHEN 'landslide' THEN (ARRAY['{landslide}','{collapse}','{landslide,collapse}','{debris_flow}']::text[])[t4]::text[]
    WHEN 'flood' THEN CASE WHEN s.seq > 100000 AND d.region = 'core' THEN '{flood,waterlogging}'
                           WHEN s.seq > 100000 THEN '{flood}' ELSE '{waterlogging}' END::text[]
    WHEN 'chemical' THEN '{fire_explosion,toxic_leak}'::text[]
    WHEN 'gas_pipeline' THEN '{gas_leak,explosion}'::text[]
    WHEN 'crowd' THEN '{stampede}'::text[]
    WHEN 'mine' THEN CASE WHEN s.code IN ('500241','500229','500242') OR riskmap_demo_gen.u('nc:' || key) < 0.15
                          THEN '{roof_fall}'
                          WHEN riskmap_demo_gen.u('rf:' || key) < 0.3 THEN '{gas_outburst,mine_flooding,roof_fall}'
                          ELSE '{gas_outburst,mine_flooding}' END::text[]
    WHEN 'dam' THEN '{dam_break}'::text[]
    WHEN 'fire' THEN '{forest_fire}'::text[]
  END) AS events,
  coalesce(s.lvl, riskmap_demo_gen.level('lvl:' || key, c.p1, c.p2, c.p3)) AS lvl
FROM riskmap_demo_gen.src s
JOIN riskmap_demo_gen.dist d ON d.code = s.code
JOIN riskmap_demo_gen.category c ON c.cat = s.cat
CROSS JOIN LATERAL (SELECT s.cat || ':' || s.code || ':' || s.seq AS key) k
CROSS JOIN LATERAL (SELECT 1 + floor(4 * riskmap_demo_gen.u('t4:' || k.key))::int AS t4) t;

-- LNG storage burns but does not poison.
UPDATE riskmap_demo_gen.src_named SET events = '{fire_explosion}' WHERE cat = 'chemical' AND name LIKE '%LNG储配站';

INSERT INTO riskmap.risk_source (id, kind, name, category, risk_level, district_code, geom,
                                 impact_radius_m, population_exposed, event_types)
SELECT row_number() OVER (ORDER BY s.code, c.cat, s.seq), c.kind, s.name, s.cat, s.lvl, s.code, s.geom,
       round(c.radius_m * (ARRAY[2.0, 1.5, 1.0, 0.6])[s.lvl]
             * (0.7 + 0.6 * riskmap_demo_gen.u('radius:' || s.cat || ':' || s.code || ':' || s.seq)) / 10) * 10,
       NULL, s.events
FROM riskmap_demo_gen.src_named s JOIN riskmap_demo_gen.category c USING (cat)
ORDER BY 1;

-- People exposed: the density of the population cell under the source times
-- the ground area of its impact zone (Steiner's formula, no buffering).
UPDATE riskmap.risk_source r SET population_exposed = x.people
FROM (SELECT r.id,
             round(coalesce(p.people / ST_Area(p.geom::geography), 0)
                   -- area of the zone: the source's own area, its outline (or
                   -- twice its length) times the radius, and a disc
                   * (ST_Area(r.geom::geography)
                      + CASE WHEN GeometryType(r.geom) LIKE '%POLYGON' THEN ST_Perimeter(r.geom::geography)
                             ELSE 2 * ST_Length(r.geom::geography) END * r.impact_radius_m
                      + pi() * r.impact_radius_m ^ 2)) AS people
      FROM riskmap.risk_source r
      LEFT JOIN LATERAL (SELECT p.people, p.geom FROM riskmap.population p
                         WHERE ST_Intersects(p.geom, ST_PointOnSurface(r.geom))
                         ORDER BY p.id LIMIT 1) p ON true) x
WHERE x.id = r.id;

SELECT format('      %-13s %5s  (levels 1/2/3/4: %s/%s/%s/%s)', category, count(*),
              count(*) FILTER (WHERE risk_level = 1), count(*) FILTER (WHERE risk_level = 2),
              count(*) FILTER (WHERE risk_level = 3), count(*) FILTER (WHERE risk_level = 4))
FROM riskmap.risk_source GROUP BY category ORDER BY category;
SELECT format('      every district has sources: %s of 38', count(DISTINCT district_code)) FROM riskmap.risk_source;
SELECT riskmap_demo_gen.report('risk_source');
