-- evacuation_assignment: edge cases and bad input.
SET client_min_messages = notice;
BEGIN;
-- Empty tables.
SELECT count(*) AS rows FROM riskmap.evacuation_assignment();
SELECT count(*) AS rows FROM riskmap.evacuation_assignment(p_capacitated => false);
SELECT count(*) AS rows FROM riskmap.evacuation_catchments();

INSERT INTO riskmap.district (code, name, geom)
VALUES ('500103', '渝中区', ST_Multi(ST_MakeEnvelope(106.49, 29.49, 106.60, 29.60, 4326))),
       ('500105', '江北区', NULL);
-- Cells, no shelters: everybody unserved.
INSERT INTO riskmap.population (id, district_code, people, geom) VALUES
  (1, '500103', 100, ST_Point(106.5000, 29.5000, 4326)),
  (2, '500103', 50.25, ST_Point(106.5100, 29.5000, 4326)),
  (3, '500103', 0, ST_Point(106.5300, 29.5000, 4326)),
  (4, '500103', 10, ST_MakeEnvelope(106.5, 29.51, 106.501, 29.511, 4326)),
  (5, '500105', 7, ST_Point(106.9, 29.9, 4326));
SELECT * FROM riskmap.evacuation_assignment(3600, 1.2, true);
SELECT * FROM riskmap.evacuation_assignment(3600, 1.2, false);

-- No roads: straight line on the ground (geography) over the speed.
INSERT INTO riskmap.shelter (id, name, kind, capacity, district_code, geom) VALUES
  (10, 'A', 'shelter', 120, '500103', ST_Point(106.5050, 29.5000, 4326)),
  (11, 'B', 'shelter', 0, '500103', ST_Point(106.5000, 29.5001, 4326)),
  (12, 'F', 'fire_station', 500, '500103', ST_Point(106.5000, 29.5000, 4326));
SELECT a.population_id, a.shelter_id, a.people,
       abs(a.time_s - ST_Distance(ST_Centroid(p.geom)::geography, s.geom::geography) / 1.2) < 1e-6 AS time_is_geography
FROM riskmap.evacuation_assignment(3600, 1.2, false) a
JOIN riskmap.population p ON p.id = a.population_id
LEFT JOIN riskmap.shelter s ON s.id = a.shelter_id
ORDER BY a.population_id, a.shelter_id;
-- Capacitated: B has capacity 0, A takes 120 of 167.25: the quickest first.
SELECT population_id, shelter_id, people, round(time_s::numeric, 6) AS time_s
FROM riskmap.evacuation_assignment(3600, 1.2, true);
-- A time limit that only some reach.
SELECT population_id, shelter_id, people, round(time_s::numeric, 6) AS time_s
FROM riskmap.evacuation_assignment(300, 1.2, true);
SELECT population_id, shelter_id, people, round(time_s::numeric, 6) AS time_s
FROM riskmap.evacuation_assignment(0, 1.2, false);
-- Infinity is no limit.
SELECT count(shelter_id) AS served_rows FROM riskmap.evacuation_assignment('Infinity', 1.2, false);
-- The district filter selects cells.
SELECT population_id, shelter_id FROM riskmap.evacuation_assignment(1e9, 1.2, false, '500105');

-- Once road has rows, all travel goes over it: cells that snap to a node
-- without a path to a shelter's node are unserved.
INSERT INTO riskmap.road (id, source, target, cost_s, reverse_cost_s, geom) VALUES
  (1, 1, 2, 100, -1, ST_MakeLine(ST_Point(106.5000, 29.5000, 4326), ST_Point(106.5050, 29.5000, 4326))),
  (2, 3, 4, 50, 50, ST_MakeLine(ST_Point(106.5300, 29.5000, 4326), ST_Point(106.5400, 29.5000, 4326)));
-- Cell 1 stands on node 1, where shelter B (11 m away) also joins: 11 m walked.
-- Cell 2 snaps to node 2, where A stands (484 m walked). Cell 3 snaps to
-- node 3 on the other road: unreachable. Cell 4 joins at node 1 too.
SELECT population_id, shelter_id, people, round(time_s::numeric, 6) AS time_s
FROM riskmap.evacuation_assignment(3600, 1.2, false);
-- Capacitated, B now takes 10. One-way road 1 -> 2: B (at node 1) is out of
-- reach from node 2; A is 100 s from node 1. Optimum: B 10 of cell 1, A 90 of
-- cell 1 and 30 of cell 2, 20.25 unserved.
UPDATE riskmap.shelter SET capacity = 10 WHERE id = 11;
SELECT population_id, shelter_id, people, round(time_s::numeric, 6) AS time_s
FROM riskmap.evacuation_assignment(3600, 1.2, true);

-- More people than capacity everywhere: the rest comes back unserved.
UPDATE riskmap.population SET people = people * 100;
SELECT population_id, shelter_id, people FROM riskmap.evacuation_assignment(3600, 1.2, true);
SELECT sum(people) FILTER (WHERE shelter_id IS NOT NULL) AS served,
       sum(people) FILTER (WHERE shelter_id IS NULL) AS unserved
FROM riskmap.evacuation_assignment(3600, 1.2, true);
-- People beyond double range in total: a clean error, not a wrong answer.
UPDATE riskmap.population SET people = 1e308 WHERE id IN (1, 2);
SELECT count(*) FROM riskmap.evacuation_assignment(3600, 1.2, false);
SAVEPOINT big;
SELECT count(*) FROM riskmap.evacuation_assignment(3600, 1.2, true);
ROLLBACK TO SAVEPOINT big;
ROLLBACK;

-- Bad arguments: 22023 with a message that names the value.
\set VERBOSITY default
SELECT * FROM riskmap.evacuation_assignment(NULL);
SELECT * FROM riskmap.evacuation_assignment(3600, NULL);
SELECT * FROM riskmap.evacuation_assignment(3600, 1.2, NULL);
SELECT * FROM riskmap.evacuation_assignment(-1);
SELECT * FROM riskmap.evacuation_assignment('NaN');
SELECT * FROM riskmap.evacuation_assignment(3600, 0);
SELECT * FROM riskmap.evacuation_assignment(3600, -1.2);
SELECT * FROM riskmap.evacuation_assignment(3600, 'Infinity');
SELECT * FROM riskmap.evacuation_assignment(3600, 1.2, true, 'nope');
SELECT * FROM riskmap.evacuation_catchments(3600, 1.2, true, 'nope');
SELECT * FROM riskmap.evacuation_catchments(-5);
DO $$
BEGIN
    PERFORM * FROM riskmap.evacuation_assignment(3600, 0);
EXCEPTION WHEN invalid_parameter_value THEN
    RAISE NOTICE 'speed 0: SQLSTATE %', SQLSTATE;
END $$;
DO $$
BEGIN
    PERFORM * FROM riskmap.evacuation_assignment(3600, 1.2, true, '999999');
EXCEPTION WHEN invalid_parameter_value THEN
    RAISE NOTICE 'unknown district: SQLSTATE %', SQLSTATE;
END $$;
