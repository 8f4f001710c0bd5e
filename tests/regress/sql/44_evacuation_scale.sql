-- Issue 10 and issue 9 items 7 and 11: fractional people against an
-- independent solver, the pair limit (riskmap.evacuation_max_pairs, 54000),
-- 'Infinity' as "no limit", and the shared evacuation cache (entries per data
-- version; INSERT, UPDATE, DELETE and ROLLBACK of roads, shelters and
-- population; nobody but the extension can write it).
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pgrouting;
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

INSERT INTO riskmap.shelter (id, name, kind, capacity, district_code, geom) VALUES
  (1, 'S1', 'shelter', 1, '500103', ST_Point(106.5012, 29.5007, 4326)),
  (2, 'S2', 'shelter', 2, '500103', ST_Point(106.5455, 29.5461, 4326)),
  (3, 'S3', 'shelter', 1, '500103', ST_Point(106.5003, 29.5455, 4326)),
  (4, 'S4', 'shelter', 0, '500103', ST_Point(106.5238, 29.5239, 4326)),
  (5, 'S5', 'shelter', 1, '500103', ST_Point(106.5241, 29.5321, 4326));
-- 0.01 to 0.97 people per cell (issue 9 item 7: 0.01 per cell failed with 22003).
INSERT INTO riskmap.population (id, district_code, people, geom)
SELECT 1 + i * 9 + j, '500103', ((i * 37 + j * 53) % 97 + 1) * 0.01,
       ST_MakeEnvelope(106.4985 + 0.0055 * j, 29.4985 + 0.0055 * i,
                       106.4985 + 0.0055 * (j + 1), 29.4985 + 0.0055 * (i + 1), 4326)
FROM generate_series(0, 8) i, generate_series(0, 8) j;

-- The independent reference: snapping and network times in SQL + pgRouting,
-- then pgr_maxFlow / pgr_maxFlowMinCost_Cost on people in hundredths (integers).
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
                    FROM v ORDER BY 2, 1 LIMIT 1) n;
CREATE TEMP TABLE net AS
SELECT start_vid, end_vid, agg_cost FROM pgr_dijkstraCost(
  'SELECT id, source, target, cost_s AS cost, reverse_cost_s AS reverse_cost FROM riskmap.road',
  (SELECT array_agg(DISTINCT node) FROM cell_snap), (SELECT array_agg(DISTINCT node) FROM shelter_snap), true)
UNION ALL
SELECT n, n, 0 FROM (SELECT DISTINCT node AS n FROM cell_snap) x;
CREATE TEMP TABLE ref_time AS
SELECT c.id AS population_id, s.id AS shelter_id, c.people, c.walk_m / 1.2 + net.agg_cost + s.walk_m / 1.2 AS time_s
FROM cell_snap c JOIN net ON net.start_vid = c.node
JOIN shelter_snap s ON s.node = net.end_vid;

CREATE FUNCTION pg_temp.frac_check(p_t float8)
RETURNS TABLE(max_time_s float8, ref_served float8, served_equal boolean, person_seconds_equal boolean,
              within_capacity boolean, accounted boolean, split_cells bigint)
LANGUAGE plpgsql AS $f$
DECLARE
    r_served float8;
    r_ps float8;
BEGIN
    DROP TABLE IF EXISTS flow_net, got_c;
    CREATE TEMP TABLE got_c AS SELECT * FROM riskmap.evacuation_assignment(p_t, 1.2, true);
    CREATE TEMP TABLE flow_net AS
    SELECT row_number() OVER () AS id, source, target, capacity, cost FROM (
      SELECT 5000000 AS source, p.id AS target, round(100 * p.people)::bigint AS capacity, 0::float8 AS cost
      FROM riskmap.population p WHERE p.id IN (SELECT population_id FROM ref_time WHERE time_s <= p_t)
      UNION ALL
      SELECT r.population_id, 1000000 + r.shelter_id, 1000000000, round(r.time_s * 1e6)::float8
      FROM ref_time r JOIN riskmap.shelter s ON s.id = r.shelter_id WHERE r.time_s <= p_t AND s.capacity > 0
      UNION ALL
      SELECT 1000000 + id, 5000001, 100 * capacity, 0 FROM riskmap.shelter WHERE capacity > 0) e;
    r_served := pgr_maxFlow('SELECT id, source, target, capacity FROM flow_net', 5000000, 5000001) / 100.0;
    r_ps := pgr_maxFlowMinCost_Cost('SELECT id, source, target, capacity, cost FROM flow_net', 5000000, 5000001) / 1e8;
    RETURN QUERY
    SELECT p_t, r_served,
           abs(coalesce(g.served, 0) - r_served) <= 1e-9 * (1 + r_served),
           abs(coalesce(g.ps, 0) - r_ps) <= 1e-6 * r_ps,
           NOT EXISTS (SELECT 1 FROM got_c x JOIN riskmap.shelter s ON s.id = x.shelter_id
                       GROUP BY s.id, s.capacity HAVING sum(x.people) > s.capacity * (1 + 1e-12)),
           abs(g.total - (SELECT sum(people) FROM riskmap.population)) <= 1e-9,
           (SELECT count(*) FROM (SELECT population_id FROM got_c GROUP BY 1 HAVING count(*) > 1) z)
    FROM (SELECT sum(people) FILTER (WHERE shelter_id IS NOT NULL) AS served,
                 sum(people * time_s) AS ps, sum(people) AS total FROM got_c) g;
END
$f$;
SELECT round(sum(people)::numeric, 2) AS people FROM riskmap.population;
SELECT * FROM pg_temp.frac_check(1500);
SELECT * FROM pg_temp.frac_check(800);
SELECT * FROM pg_temp.frac_check(3000);
-- exactly 0.01 per cell, as in the issue
UPDATE riskmap.population SET people = 0.01;
SELECT * FROM pg_temp.frac_check(1500);
UPDATE riskmap.shelter SET capacity = 0 WHERE id <> 5;
SELECT * FROM pg_temp.frac_check(3000);
SELECT count(*) AS rows, sum(people) FILTER (WHERE shelter_id = 5) AS to_5,
       round(sum(people) FILTER (WHERE shelter_id IS NULL)::numeric, 12) AS unserved
FROM riskmap.evacuation_assignment(3000, 1.2, true);
SELECT count(*) AS catchments, sum(people) AS people FROM riskmap.evacuation_catchments(3000, 1.2, true);

-- 'Infinity' means no time limit.
SELECT count(*) FILTER (WHERE shelter_id IS NOT NULL) AS served_rows, sum(people) FILTER (WHERE shelter_id IS NOT NULL) AS served
FROM riskmap.evacuation_assignment('Infinity', 1.2, true);

-- The pair limit (issue 9 item 11): a clear 54000 naming the setting.
SAVEPOINT lim;
SET LOCAL riskmap.evacuation_max_pairs = 10;
\set VERBOSITY default
SELECT count(*) FROM riskmap.evacuation_assignment('Infinity', 1.1, true);
ROLLBACK TO SAVEPOINT lim;
SAVEPOINT lim2;
SET LOCAL riskmap.evacuation_max_pairs = 10;
SELECT count(*) FROM riskmap.evacuation_catchments(3600, 1.2, true);
ROLLBACK TO SAVEPOINT lim2;
\set VERBOSITY terse
SHOW riskmap.evacuation_max_pairs;
ROLLBACK;

-- The shared cache: a small instance with known answers.
BEGIN;
INSERT INTO riskmap.district (code, name) VALUES ('500103', '渝中区');
INSERT INTO riskmap.shelter (id, name, kind, capacity, district_code, geom) VALUES
  (1, 'West', 'shelter', 1000, '500103', ST_Point(106.500, 29.5, 4326)),
  (2, 'East', 'shelter', 1000, '500103', ST_Point(106.520, 29.5, 4326));
INSERT INTO riskmap.population (id, district_code, people, geom) VALUES
  (1, '500103', 10, ST_Point(106.509, 29.5, 4326));
INSERT INTO riskmap.road (id, source, target, cost_s, reverse_cost_s, geom) VALUES
  (1, 1, 2, 500, 500, ST_MakeLine(ST_Point(106.500, 29.5, 4326), ST_Point(106.510, 29.5, 4326))),
  (2, 2, 3, 100, 100, ST_MakeLine(ST_Point(106.510, 29.5, 4326), ST_Point(106.520, 29.5, 4326)));
CREATE TEMP VIEW now_ AS
SELECT population_id, shelter_id, people, round(time_s) AS time_s FROM riskmap.evacuation_assignment(3600, 1.2, true);
CREATE TEMP VIEW entries AS
SELECT count(*) AS entries, count(*) FILTER (WHERE has_catchments) AS with_catchments FROM riskmap.evacuation_cache;
SELECT * FROM now_;
SELECT * FROM entries;
-- a second call is answered from the cache (same entry, no new one)
SELECT * FROM now_;
SELECT * FROM entries;
-- the tiles' key function fills the catchments of the same kind of entry
SELECT riskmap._evacuation_cache_key(3600, 1.2, true, NULL, true) IS NOT NULL AS keyed;
SELECT shelter_id, people, capacity, round(max_time_s) AS max_time_s FROM riskmap.evacuation_catchments(3600, 1.2, true);
SELECT count(*) AS unserved_rows FROM riskmap.evacuation_cache_unserved;
-- blind_scenario's shelters: travel times from a point, over the roads as the assignment measures them
SELECT shelter_id, round(time_s) AS time_s, by_road FROM riskmap._shelter_travel_times(106.509, 29.5, 1.2) ORDER BY 1;
-- an 'evacuation' tile over the cell reads the cached catchments (default parameters)
SELECT length(riskmap.tile(12, 3259, 1696, 'evacuation')) > 100 AS png;
SELECT count(*) AS cached_catchments FROM riskmap.evacuation_cache_catchment;
-- UPDATE of a shelter: East is full
UPDATE riskmap.shelter SET capacity = 0 WHERE id = 2;
SELECT * FROM now_;
-- ROLLBACK TO SAVEPOINT of a road change: back to the committed-so-far result
SAVEPOINT s1;
UPDATE riskmap.road SET cost_s = 5000, reverse_cost_s = 5000 WHERE id = 1;
SELECT * FROM now_;
ROLLBACK TO SAVEPOINT s1;
SELECT * FROM now_;
-- INSERT of population, DELETE of a shelter
INSERT INTO riskmap.population (id, district_code, people, geom) VALUES
  (2, '500103', 2.5, ST_Point(106.519, 29.5, 4326));
SELECT * FROM now_;
DELETE FROM riskmap.shelter WHERE id = 1;
SELECT * FROM now_;
-- UPDATE of population
UPDATE riskmap.population SET people = 4 WHERE id = 2;
SELECT * FROM now_;
-- entries of older data versions are gone: one entry (plus at most the other parameter sets)
SELECT * FROM entries;
ROLLBACK;
-- after ROLLBACK nothing of it is left
SELECT count(*) AS entries FROM riskmap.evacuation_cache;
SELECT count(*) AS catchments FROM riskmap.evacuation_cache_catchment;

-- Nobody may write the cache but the extension (a forged entry would be served to everyone).
CREATE ROLE evac_cache_reader LOGIN IN ROLE riskmap_reader;
SET ROLE evac_cache_reader;
INSERT INTO riskmap.evacuation_cache (road_v, shelter_v, population_v, max_time_s, speed_mps, capacitated,
                                     population_id, shelter_id, people, time_s)
VALUES (1, 1, 1, 3600, 1.2, true, '{}', '{}', '{}', '{}');
UPDATE riskmap.evacuation_cache SET people = '{}';
DELETE FROM riskmap.evacuation_cache_catchment;
UPDATE riskmap.data_version SET v = 0;
-- a reader's call still fills the cache (as the tables' owner)
SELECT count(*) FROM riskmap.evacuation_assignment(3600, 1.2, true);
SELECT count(*) AS entries FROM riskmap.evacuation_cache;
RESET ROLE;
DROP ROLE evac_cache_reader;
DELETE FROM riskmap.evacuation_cache;
