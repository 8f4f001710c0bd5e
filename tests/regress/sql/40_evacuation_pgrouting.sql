-- evacuation_assignment against pgRouting on the same data.
-- Uncapacitated: pgr_dijkstraCost between the snapped nodes plus the walking
-- legs (ST_Distance on geography), the quickest shelter within the limit,
-- ties to the lower id — identical choices and times.
-- Capacitated: pgr_maxFlowMinCost_Cost on source -> cells -> shelters -> sink
-- (people in halves, so capacities scale to integers; costs in whole
-- microseconds, because Boost's successive shortest paths inside it rejects
-- the tiny negative reduced costs that fractional costs produce): max flow =
-- the most people that can be served, its min cost = the least
-- person-seconds (rounding moves it by < 1e-9 relative); ours must agree
-- within 1e-6 relative.
CREATE EXTENSION IF NOT EXISTS pgrouting;
SET client_min_messages = warning;
BEGIN;
INSERT INTO riskmap.district (code, name, geom)
VALUES ('500103', '渝中区', ST_Multi(ST_MakeEnvelope(106.49, 29.49, 106.60, 29.60, 4326))),
       ('500104', '大渡口区', ST_Multi(ST_MakeEnvelope(106.60, 29.49, 106.70, 29.60, 4326)));

-- A 7 x 7 street grid, 0.008 degrees apart; costs in seconds, some one-way,
-- one street closed; plus a separate island of two nodes.
INSERT INTO riskmap.road (id, source, target, cost_s, reverse_cost_s, geom)
SELECT row_number() OVER (ORDER BY a, b), a, b, c, rc,
       ST_MakeLine(ST_Point(x1, y1, 4326), ST_Point(x2, y2, 4326))
FROM (
  SELECT i * 10 + j AS a, i * 10 + j + 1 AS b,
         (60 + ((i * 7 + j * 13) % 11) * 15)::float8 AS c,
         CASE WHEN (i + j) % 5 = 0 THEN -1 ELSE (70 + ((i * 3 + j * 5) % 7) * 20)::float8 END AS rc,
         106.50 + 0.008 * j AS x1, 29.50 + 0.008 * i AS y1, 106.50 + 0.008 * (j + 1) AS x2, 29.50 + 0.008 * i AS y2
  FROM generate_series(0, 6) i, generate_series(0, 5) j
  UNION ALL
  SELECT i * 10 + j, (i + 1) * 10 + j,
         CASE WHEN i = 3 AND j = 3 THEN -1 ELSE (80 + ((i * 11 + j * 3) % 9) * 12)::float8 END,
         (80 + ((i * 5 + j * 7) % 9) * 12)::float8,
         106.50 + 0.008 * j, 29.50 + 0.008 * i, 106.50 + 0.008 * j, 29.50 + 0.008 * (i + 1)
  FROM generate_series(0, 5) i, generate_series(0, 6) j
  UNION ALL
  SELECT 900, 901, 30, 30, 106.65, 29.58, 106.655, 29.58
) s;

-- Shelters: 2 and 5 stand on the same spot (a tie: 2 wins), 4 is full (capacity
-- 0), 6 is a hospital (not a shelter), 7 sits on the island.
INSERT INTO riskmap.shelter (id, name, kind, capacity, district_code, geom) VALUES
  (1, 'S1', 'shelter', 900, '500103', ST_Point(106.5012, 29.5007, 4326)),
  (2, 'S2', 'shelter', 700, '500103', ST_Point(106.5455, 29.5461, 4326)),
  (3, 'S3', 'shelter', 1200, '500103', ST_Point(106.5003, 29.5455, 4326)),
  (4, 'S4', 'shelter', 0, '500103', ST_Point(106.5238, 29.5239, 4326)),
  (5, 'S5', 'shelter', 650, '500103', ST_Point(106.5455, 29.5461, 4326)),
  (6, 'H6', 'hospital', 5000, '500103', ST_Point(106.5241, 29.5321, 4326)),
  (7, 'S7', 'shelter', 100, '500104', ST_Point(106.6549, 29.5802, 4326));

-- Population: a 9 x 9 grid of square cells over the streets (people in
-- halves), plus three cells near the island and one far out east.
INSERT INTO riskmap.population (id, district_code, people, geom)
SELECT 1 + i * 9 + j, '500103', ((i * 37 + j * 53) % 97 + 10) / 2.0,
       ST_MakeEnvelope(106.4985 + 0.0055 * j, 29.4985 + 0.0055 * i,
                       106.4985 + 0.0055 * (j + 1), 29.4985 + 0.0055 * (i + 1), 4326)
FROM generate_series(0, 8) i, generate_series(0, 8) j;
INSERT INTO riskmap.population (id, district_code, people, geom) VALUES
  (201, '500104', 80.5, ST_Buffer(ST_Point(106.6503, 29.5797, 4326), 0.0008)),
  (202, '500104', 40, ST_Point(106.6561, 29.5812, 4326)),
  (203, '500104', 0, ST_Point(106.6520, 29.5790, 4326)),
  (204, '500104', 12.5, ST_Point(106.6990, 29.5950, 4326));

-- The independent reference, all in SQL + pgRouting.
CREATE TEMP TABLE v AS
SELECT DISTINCT ON (id) id, pt FROM (
  SELECT source AS id, ST_StartPoint(geom) AS pt, r.id AS eid FROM riskmap.road r
  UNION ALL SELECT target, ST_EndPoint(geom), r.id FROM riskmap.road r) s
ORDER BY id, eid;
CREATE TEMP TABLE cell_snap AS
SELECT p.id, p.people, n.id AS node, n.d AS walk_m
FROM riskmap.population p
CROSS JOIN LATERAL (SELECT v.id, ST_Distance(ST_Centroid(p.geom)::geography, v.pt::geography) AS d
                    FROM v ORDER BY 2, 1 LIMIT 1) n;
CREATE TEMP TABLE shelter_snap AS
SELECT s.id, s.capacity, n.id AS node, n.d AS walk_m
FROM riskmap.shelter s
CROSS JOIN LATERAL (SELECT v.id, ST_Distance(s.geom::geography, v.pt::geography) AS d
                    FROM v ORDER BY 2, 1 LIMIT 1) n
WHERE s.kind = 'shelter';
CREATE TEMP TABLE net AS
SELECT start_vid, end_vid, agg_cost FROM pgr_dijkstraCost(
  'SELECT id, source, target, cost_s AS cost, reverse_cost_s AS reverse_cost FROM riskmap.road',
  (SELECT array_agg(DISTINCT node) FROM cell_snap), (SELECT array_agg(DISTINCT node) FROM shelter_snap), true)
UNION ALL
SELECT n, n, 0 FROM (SELECT DISTINCT node AS n FROM cell_snap) x;
CREATE TEMP TABLE ref_time AS
SELECT c.id AS population_id, s.id AS shelter_id, c.people, s.capacity,
       c.walk_m / 1.2 + net.agg_cost + s.walk_m / 1.2 AS time_s
FROM cell_snap c JOIN net ON net.start_vid = c.node
JOIN shelter_snap s ON s.node = net.end_vid;

SELECT count(*) AS cells, (SELECT count(*) FROM ref_time) > 100 AS enough_pairs FROM cell_snap;

-- Uncapacitated, p_max_time_s = 1500.
CREATE TEMP TABLE ref_u AS
SELECT p.id AS population_id, b.shelter_id, p.people, b.time_s
FROM riskmap.population p
LEFT JOIN LATERAL (SELECT r.shelter_id, r.time_s FROM ref_time r
                   WHERE r.population_id = p.id AND r.time_s <= 1500
                   ORDER BY r.time_s, r.shelter_id LIMIT 1) b ON true;
CREATE TEMP TABLE got_u AS SELECT * FROM riskmap.evacuation_assignment(1500, 1.2, false);
SELECT count(*) AS rows, count(shelter_id) AS served_rows, count(DISTINCT shelter_id) AS shelters_used,
       bool_or(shelter_id = 2) AS tie_to_2, bool_or(shelter_id = 5) AS tie_to_5
FROM got_u;
SELECT 'mismatch' AS problem, *
FROM ref_u r FULL JOIN got_u g USING (population_id)
WHERE r.shelter_id IS DISTINCT FROM g.shelter_id
   OR r.people IS DISTINCT FROM g.people
   OR abs(r.time_s - g.time_s) > 1e-6
   OR (r.time_s IS NULL) <> (g.time_s IS NULL);
-- The order of the rows is the contract's.
SELECT bool_and(ok) AS ordered FROM (
  SELECT population_id > lag(population_id) OVER (ORDER BY ord) AS ok
  FROM (SELECT population_id, row_number() OVER () AS ord FROM riskmap.evacuation_assignment(1500, 1.2, false)) x
) y WHERE ok IS NOT NULL;

-- Capacitated: the reference for a time limit, compared with ours.
CREATE FUNCTION pg_temp.cap_check(p_t float8)
RETURNS TABLE(max_time_s float8, ref_served float8, served_equal boolean, person_seconds_equal boolean,
              within_capacity boolean, times_right boolean, ordered boolean, accounted boolean, split_cells bigint)
LANGUAGE plpgsql AS $f$
DECLARE
    r_served float8;
    r_ps float8;
BEGIN
    UPDATE ref_time r SET capacity = s.capacity FROM riskmap.shelter s WHERE s.id = r.shelter_id;
    UPDATE shelter_snap r SET capacity = s.capacity FROM riskmap.shelter s WHERE s.id = r.id;
    DROP TABLE IF EXISTS flow_net, got_c;
    CREATE TEMP TABLE got_c AS
    SELECT row_number() OVER () AS ord, a.* FROM riskmap.evacuation_assignment(p_t, 1.2, true) a;
    CREATE TEMP TABLE flow_net AS
    SELECT row_number() OVER () AS id, source, target, capacity, cost FROM (
      SELECT 5000000 AS source, population_id AS target, (2 * people)::bigint AS capacity, 0::float8 AS cost
      FROM (SELECT DISTINCT population_id, people FROM ref_time WHERE time_s <= p_t AND capacity > 0) a
      UNION ALL
      SELECT population_id, 1000000 + shelter_id, 1000000000, round(time_s * 1e6)::float8
      FROM ref_time WHERE time_s <= p_t AND capacity > 0
      UNION ALL
      SELECT 1000000 + id, 5000001, 2 * capacity, 0 FROM shelter_snap WHERE capacity > 0) e;
    IF EXISTS (SELECT 1 FROM flow_net WHERE source = 5000000) THEN
        r_served := pgr_maxFlow('SELECT id, source, target, capacity FROM flow_net', 5000000, 5000001) / 2.0;
        r_ps := pgr_maxFlowMinCost_Cost('SELECT id, source, target, capacity, cost FROM flow_net', 5000000, 5000001) / 2e6;
    ELSE
        r_served := 0;
        r_ps := 0;
    END IF;
    RETURN QUERY
    SELECT p_t, r_served,
           abs(coalesce(g.served, 0) - r_served) <= 1e-6 * r_served,
           abs(coalesce(g.ps, 0) - r_ps) <= 1e-6 * r_ps,
           NOT EXISTS (SELECT 1 FROM got_c x JOIN riskmap.shelter s ON s.id = x.shelter_id
                       GROUP BY s.id, s.capacity HAVING sum(x.people) > s.capacity * (1 + 1e-12)),
           NOT EXISTS (SELECT 1 FROM got_c x LEFT JOIN ref_time r USING (population_id, shelter_id)
                       WHERE x.shelter_id IS NOT NULL
                         AND (x.time_s > p_t OR r.time_s IS NULL OR abs(x.time_s - r.time_s) > 1e-6)),
           (SELECT coalesce(bool_and(ok), true) FROM (
              SELECT (population_id, coalesce(shelter_id, 9223372036854775807))
                     > lag((population_id, coalesce(shelter_id, 9223372036854775807))) OVER (ORDER BY ord) AS ok
              FROM got_c) y WHERE ok IS NOT NULL),
           g.total = (SELECT sum(people) FROM riskmap.population),
           (SELECT count(*) FROM (SELECT population_id FROM got_c GROUP BY 1 HAVING count(*) > 1) z)
    FROM (SELECT sum(people) FILTER (WHERE shelter_id IS NOT NULL) AS served,
                 sum(people * time_s) AS ps, sum(people) AS total FROM got_c) g;
END
$f$;
SELECT (SELECT sum(people) FROM riskmap.population) AS people, (SELECT sum(capacity) FROM riskmap.shelter WHERE kind = 'shelter') AS capacity;
SELECT * FROM pg_temp.cap_check(1500);
SELECT * FROM pg_temp.cap_check(800);
SELECT * FROM pg_temp.cap_check(3000);
SELECT * FROM pg_temp.cap_check(0);
-- Tight capacities: many people compete, cells are split.
UPDATE riskmap.shelter SET capacity = capacity / 5;
SELECT * FROM pg_temp.cap_check(1500);
SELECT * FROM pg_temp.cap_check(3000);
-- Everybody fits.
UPDATE riskmap.shelter SET capacity = 100000 WHERE capacity > 0;
SELECT * FROM pg_temp.cap_check(3000);
-- Per district: only the cells of 500104, served across the border is allowed.
SELECT population_id, shelter_id, people, round(time_s::numeric, 6) AS time_s
FROM riskmap.evacuation_assignment(1500, 1.2, false, '500104');
ROLLBACK;
