-- 45_shelters.sql — response resources, × scale:
--   shelter       60  应急避难场所, capacity 500..20,000 people (log-uniform)
--   hospital      40  capacity = beds
--   fire_station  45  capacity = fire fighters
--   warehouse     20  capacity = people the stock supplies
-- Every district has at least one shelter, hospital and fire station; the rest
-- follow population. Each sits near a population cell drawn by its people.

CREATE TABLE riskmap_demo_gen.res_kind (kind text, n_per_scale integer, min_per_district integer);
INSERT INTO riskmap_demo_gen.res_kind VALUES
  ('shelter', 60, 1), ('hospital', 40, 1), ('fire_station', 45, 1), ('warehouse', 20, 0);

CREATE TABLE riskmap_demo_gen.res_alloc AS
SELECT k.kind, a.key AS code, a.n + k.min_per_district AS n
FROM riskmap_demo_gen.res_kind k, riskmap_demo_gen.param p
CROSS JOIN LATERAL riskmap_demo_gen.apportion(
  (SELECT array_agg(code ORDER BY code) FROM riskmap_demo_gen.dist),
  (SELECT array_agg(pop ORDER BY code) FROM riskmap_demo_gen.dist),
  greatest(0, k.n_per_scale * p.scale - 38 * k.min_per_district)) a;

-- Cumulative people per district, to draw cells by their population.
CREATE TABLE riskmap_demo_gen.cell_cdf AS
SELECT district_code AS code, id, geom,
       (sum(people) OVER (PARTITION BY district_code ORDER BY id) - people)
         / nullif(sum(people) OVER (PARTITION BY district_code), 0) AS lo,
       sum(people) OVER (PARTITION BY district_code ORDER BY id)
         / nullif(sum(people) OVER (PARTITION BY district_code), 0) AS hi
FROM riskmap.population;
CREATE INDEX ON riskmap_demo_gen.cell_cdf (code, lo);

-- A few real, named shelters in the main city (approximate positions).
CREATE TABLE riskmap_demo_gen.named_shelter (code text, name text, x float8, y float8, capacity integer);
INSERT INTO riskmap_demo_gen.named_shelter VALUES
  ('500103', '鹅岭公园应急避难场所',         106.5400, 29.5530, 8000),
  ('500105', '鸿恩寺公园应急避难场所',       106.5200, 29.5850, 15000),
  ('500106', '沙坪公园应急避难场所',         106.4580, 29.5480, 12000),
  ('500107', '重庆奥体中心应急避难场所',     106.5270, 29.5220, 20000),
  ('500108', '南滨公园应急避难场所',         106.5850, 29.5500, 10000),
  ('500112', '重庆中央公园应急避难场所',     106.6320, 29.7160, 20000);

CREATE TABLE riskmap_demo_gen.res AS
SELECT a.kind, a.code, k AS seq, d.label, d.short,
       'res:' || a.kind || ':' || a.code || ':' || k AS key,
       ns.name AS named, ns.capacity AS named_capacity,
       CASE WHEN ns.name IS NOT NULL
            THEN riskmap_demo_gen.pt_in(d.geom, 'res:' || a.kind || ':' || a.code || ':' || k,
                                        ST_SetSRID(ST_MakePoint(ns.x, ns.y), 4326), 300, true)
            ELSE riskmap_demo_gen.pt_in(d.geom, 'res:' || a.kind || ':' || a.code || ':' || k,
                                        ST_Centroid(c.geom), 400) END AS geom
FROM riskmap_demo_gen.res_alloc a
JOIN riskmap_demo_gen.dist d ON d.code = a.code
CROSS JOIN LATERAL generate_series(1, a.n) AS k
LEFT JOIN riskmap_demo_gen.named_shelter ns ON a.kind = 'shelter' AND k = 1 AND ns.code = a.code
CROSS JOIN LATERAL (
  SELECT c.geom FROM riskmap_demo_gen.cell_cdf c
  WHERE c.code = a.code AND c.lo <= riskmap_demo_gen.u('cell:' || a.kind || ':' || a.code || ':' || k)
  ORDER BY c.lo DESC, c.id LIMIT 1) c
WHERE a.n > 0;

INSERT INTO riskmap.shelter (id, name, kind, capacity, district_code, geom)
SELECT row_number() OVER (ORDER BY CASE r.kind WHEN 'shelter' THEN 0 WHEN 'hospital' THEN 1 WHEN 'fire_station' THEN 2 ELSE 3 END,
                                   r.code, r.seq),
       CASE r.kind
         WHEN 'shelter' THEN coalesce(r.named, r.label || riskmap_demo_gen.pick(ARRAY['中心公园','体育中心','人民广场','滨江公园',
                               '实验中学','第一中学','文化广场','湿地公园','城市公园','中心小学','会展中心','职业教育中心'], 'n:' || r.key)
                               || '应急避难场所' || CASE WHEN r.seq > 1 THEN '（' || r.seq || '）' ELSE '' END)
         WHEN 'hospital' THEN CASE r.seq WHEN 1 THEN r.label || '人民医院' WHEN 2 THEN r.label || '中医院'
                                         ELSE r.short || riskmap_demo_gen.word('town', 'n:' || r.key) || '卫生院（' || r.seq || '）' END
         WHEN 'fire_station' THEN r.short || riskmap_demo_gen.word('street', 'n:' || r.key) || '消防救援站'
                                  || CASE WHEN r.seq > 1 THEN '（' || r.seq || '）' ELSE '' END
         ELSE r.label || '应急物资储备库（' || r.seq || '号）'
       END,
       r.kind,
       CASE r.kind
         WHEN 'shelter' THEN coalesce(r.named_capacity, (round(500 * 40 ^ riskmap_demo_gen.u('cap:' || r.key) / 100) * 100)::int)
         WHEN 'hospital' THEN CASE r.seq WHEN 1 THEN 800 + round(1200 * riskmap_demo_gen.u('cap:' || r.key))::int
                                         ELSE 50 + round(450 * riskmap_demo_gen.u('cap:' || r.key))::int END
         WHEN 'fire_station' THEN 20 + round(80 * riskmap_demo_gen.u('cap:' || r.key))::int
         ELSE (round((2000 + 28000 * riskmap_demo_gen.u('cap:' || r.key)) / 100) * 100)::int
       END,
       r.code, r.geom
FROM riskmap_demo_gen.res r
ORDER BY 1;

SELECT format('      %-13s %5s  (capacity %s..%s, total %s)', kind, count(*), min(capacity), max(capacity), sum(capacity))
FROM riskmap.shelter GROUP BY kind ORDER BY min(id);
SELECT riskmap_demo_gen.report('shelter');
