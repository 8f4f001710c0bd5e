-- The backend's cached road graph follows the data: INSERT, UPDATE, DELETE,
-- TRUNCATE, ROLLBACK and ROLLBACK TO SAVEPOINT; and a cancelled call
-- (statement_timeout) leaves nothing behind.
SET client_min_messages = warning;
CREATE FUNCTION pg_temp.contexts() RETURNS TABLE(name text, n bigint) LANGUAGE sql AS $$
    SELECT name, count(*) FROM pg_backend_memory_contexts
    WHERE name IN ('riskmap road graph', 'riskmap evacuation', 'riskmap catchments')
    GROUP BY name ORDER BY name $$;
BEGIN;
INSERT INTO riskmap.district (code, name) VALUES ('500103', '渝中区');
INSERT INTO riskmap.shelter (id, name, kind, capacity, district_code, geom) VALUES
  (1, 'West', 'shelter', 1000, '500103', ST_Point(106.500, 29.5, 4326)),
  (2, 'East', 'shelter', 1000, '500103', ST_Point(106.520, 29.5, 4326));
INSERT INTO riskmap.population (id, district_code, people, geom) VALUES
  (1, '500103', 10, ST_Point(106.509, 29.5, 4326));
-- No roads: straight line; the cell is 870 m from West, 1064 m from East.
SELECT population_id, shelter_id, round(time_s) AS time_s FROM riskmap.evacuation_assignment(3600, 1.2, false);
INSERT INTO riskmap.road (id, source, target, cost_s, reverse_cost_s, geom) VALUES
  (1, 1, 2, 500, 500, ST_MakeLine(ST_Point(106.500, 29.5, 4326), ST_Point(106.510, 29.5, 4326))),
  (2, 2, 3, 100, 100, ST_MakeLine(ST_Point(106.510, 29.5, 4326), ST_Point(106.520, 29.5, 4326)));
SELECT population_id, shelter_id, round(time_s) AS time_s FROM riskmap.evacuation_assignment(3600, 1.2, false);
SELECT builds FROM riskmap._evacuation_cache_info();
-- Same data: no rebuild.
SELECT population_id, shelter_id, round(time_s) AS time_s FROM riskmap.evacuation_assignment(3600, 1.2, false);
SELECT builds, nodes, arcs FROM riskmap._evacuation_cache_info();
-- UPDATE: the east road becomes slow.
UPDATE riskmap.road SET cost_s = 900, reverse_cost_s = 900 WHERE id = 2;
SELECT population_id, shelter_id, round(time_s) AS time_s FROM riskmap.evacuation_assignment(3600, 1.2, false);
SELECT builds FROM riskmap._evacuation_cache_info();
-- ROLLBACK TO SAVEPOINT brings the fast road back.
SAVEPOINT s1;
UPDATE riskmap.road SET cost_s = 50, reverse_cost_s = 50 WHERE id = 1;
SELECT population_id, shelter_id, round(time_s) AS time_s FROM riskmap.evacuation_assignment(3600, 1.2, false);
ROLLBACK TO SAVEPOINT s1;
SELECT population_id, shelter_id, round(time_s) AS time_s FROM riskmap.evacuation_assignment(3600, 1.2, false);
-- INSERT: a shortcut to the west.
INSERT INTO riskmap.road (id, source, target, cost_s, reverse_cost_s, geom) VALUES
  (3, 2, 1, 10, -1, ST_MakeLine(ST_Point(106.510, 29.5, 4326), ST_Point(106.500, 29.5, 4326)));
SELECT population_id, shelter_id, round(time_s) AS time_s FROM riskmap.evacuation_assignment(3600, 1.2, false);
SELECT builds, nodes, arcs FROM riskmap._evacuation_cache_info();
-- DELETE it again.
DELETE FROM riskmap.road WHERE id = 3;
SELECT population_id, shelter_id, round(time_s) AS time_s FROM riskmap.evacuation_assignment(3600, 1.2, false);
-- TRUNCATE: no roads, straight line again.
TRUNCATE riskmap.road;
SELECT population_id, shelter_id, round(time_s) AS time_s FROM riskmap.evacuation_assignment(3600, 1.2, false);
SELECT builds, nodes, arcs FROM riskmap._evacuation_cache_info();
ROLLBACK;

-- After ROLLBACK: the roads are gone, the result is the committed state's.
BEGIN;
INSERT INTO riskmap.district (code, name) VALUES ('500103', '渝中区');
INSERT INTO riskmap.shelter (id, name, kind, capacity, district_code, geom) VALUES
  (1, 'West', 'shelter', 1000, '500103', ST_Point(106.500, 29.5, 4326)),
  (2, 'East', 'shelter', 1000, '500103', ST_Point(106.520, 29.5, 4326));
INSERT INTO riskmap.population (id, district_code, people, geom) VALUES
  (1, '500103', 10, ST_Point(106.509, 29.5, 4326));
SELECT builds, nodes FROM riskmap._evacuation_cache_info();
SELECT population_id, shelter_id, round(time_s) AS time_s FROM riskmap.evacuation_assignment(3600, 1.2, false);
SELECT builds, nodes FROM riskmap._evacuation_cache_info();
-- Another transaction's roads (different from the rolled back ones) are read afresh.
INSERT INTO riskmap.road (id, source, target, cost_s, reverse_cost_s, geom) VALUES
  (1, 1, 2, 7, 7, ST_MakeLine(ST_Point(106.510, 29.5, 4326), ST_Point(106.520, 29.5, 4326)));
SELECT population_id, shelter_id, round(time_s) AS time_s FROM riskmap.evacuation_assignment(3600, 1.2, false);
SELECT builds, nodes FROM riskmap._evacuation_cache_info();
ROLLBACK;

-- statement_timeout: 57014, the next call works, no memory context is left over.
BEGIN;
INSERT INTO riskmap.district (code, name) VALUES ('500103', '渝中区');
-- a 150 x 150 street grid (44,700 edges), 6,000 cells, 300 shelters
INSERT INTO riskmap.road (id, source, target, cost_s, reverse_cost_s, geom)
SELECT row_number() OVER (), a, b, 60, 60, ST_MakeLine(ST_Point(x1, y1, 4326), ST_Point(x2, y2, 4326)) FROM (
  SELECT i * 1000 + j AS a, i * 1000 + j + 1 AS b, 106 + 0.001 * j AS x1, 29 + 0.001 * i AS y1,
         106 + 0.001 * (j + 1) AS x2, 29 + 0.001 * i AS y2
  FROM generate_series(0, 149) i, generate_series(0, 148) j
  UNION ALL
  SELECT i * 1000 + j, (i + 1) * 1000 + j, 106 + 0.001 * j, 29 + 0.001 * i, 106 + 0.001 * j, 29 + 0.001 * (i + 1)
  FROM generate_series(0, 148) i, generate_series(0, 149) j) s;
INSERT INTO riskmap.population (id, district_code, people, geom)
SELECT k, '500103', 10 + k % 7, ST_Point(106 + 0.149 * ((k * 7919) % 6000) / 6000.0, 29 + 0.149 * ((k * 104729) % 6000) / 6000.0, 4326)
FROM generate_series(1, 6000) k;
INSERT INTO riskmap.shelter (id, name, kind, capacity, district_code, geom)
SELECT k, 'S' || k, 'shelter', 150, '500103', ST_Point(106 + 0.149 * ((k * 31) % 300) / 300.0, 29 + 0.149 * ((k * 17) % 300) / 300.0, 4326)
FROM generate_series(1, 300) k;
SAVEPOINT before;
SET LOCAL statement_timeout = '30ms';
SELECT count(*) FROM riskmap.evacuation_assignment(3600, 1.2, true);
ROLLBACK TO SAVEPOINT before;
SELECT * FROM pg_temp.contexts();
-- once more, now that the graph may be cached
SELECT count(*) > 0 AS warm FROM riskmap.evacuation_assignment(3600, 1.2, false);
SAVEPOINT before2;
SET LOCAL statement_timeout = '30ms';
SELECT count(*) FROM riskmap.evacuation_assignment(3600, 1.2, true);
ROLLBACK TO SAVEPOINT before2;
SAVEPOINT before3;
SET LOCAL statement_timeout = '30ms';
-- terse: the CONTEXT names whichever statement the timeout interrupted
\set VERBOSITY terse
SELECT count(*) FROM riskmap.evacuation_catchments(3600, 1.2, true);
\set VERBOSITY default
ROLLBACK TO SAVEPOINT before3;
SELECT * FROM pg_temp.contexts();
SET LOCAL statement_timeout = 0;
SELECT count(*) > 6000 AS rows, abs(sum(people) - (SELECT sum(people) FROM riskmap.population)) < 1e-6 AS all_people
FROM riskmap.evacuation_assignment(3600, 1.2, true);
SELECT * FROM pg_temp.contexts();
ROLLBACK;
