-- evacuation_clearance on hand-worked micro networks. Step δ = 60 s. Cells
-- and shelters stand exactly on road nodes, so every walking leg is 0 m
-- (0 steps) unless said otherwise; an edge of cost c seconds takes ⌈c/60⌉
-- steps; capacity_pph = 3600 lets 60 people enter per step, 1800 lets 30.
-- The source (id 1) is a point at node 1 with a 500 m zone: node 1
-- (106.500, 29.500) and node 3 (106.502, 29.500; 194 m east) lie inside it,
-- nodes 2, 4, 5, 6 (about 1 km away) outside.
SET client_min_messages = warning;
SET riskmap.evacuation_step_s = 60;

-- Independent checks of a schedule: times are multiples of δ, no edge takes
-- more people in one step than its capacity allows (the limited edges here
-- are used in one direction only), no shelter more than its capacity, every
-- person of the zone appears once, clearance = the last arrival.
CREATE FUNCTION pg_temp.summary(p_source bigint, p_horizon float8 DEFAULT 14400)
RETURNS TABLE(people float8, unserved float8, clearance_s float8, times_on_grid boolean,
              edge_caps_kept boolean, shelter_caps_kept boolean)
LANGUAGE sql AS $$
    WITH s AS (SELECT * FROM riskmap.evacuation_clearance(p_source, 1.2, p_horizon)),
    legs AS (SELECT s.people, u.e, u.t FROM s, unnest(s.edges, s.enter_s) AS u(e, t))
    SELECT sum(s.people), coalesce(sum(s.people) FILTER (WHERE s.shelter_id IS NULL), 0),
           max(s.arrive_s),
           bool_and(s.shelter_id IS NULL OR (s.depart_s::numeric % 60 = 0 AND s.arrive_s::numeric % 60 = 0
                    AND s.depart_s >= 0 AND s.arrive_s <= p_horizon)),
           NOT EXISTS (SELECT 1 FROM legs JOIN riskmap.road r ON r.id = legs.e
                       GROUP BY legs.e, legs.t, r.capacity_pph
                       HAVING sum(legs.people) > coalesce(r.capacity_pph, 'Infinity') * 60 / 3600 + 1e-9),
           NOT EXISTS (SELECT 1 FROM s JOIN riskmap.shelter h ON h.id = s.shelter_id
                       GROUP BY h.id, h.capacity HAVING sum(s.people) > h.capacity + 1e-9)
    FROM s
$$;
-- The exact time-expanded solver on the same instance (for comparison).
CREATE FUNCTION pg_temp.exact(p_source bigint, p_horizon float8 DEFAULT 14400)
RETURNS TABLE(served float8, clearance_s float8)
LANGUAGE sql AS $$ SELECT served, clearance_s FROM riskmap._clearance_solve(p_source, 1.2, p_horizon, 'exact') $$;

INSERT INTO riskmap.district (code, name, geom)
VALUES ('500103', '渝中区', ST_Multi(ST_MakeEnvelope(106.45, 29.45, 106.60, 29.60, 4326)));
INSERT INTO riskmap.risk_source (id, kind, name, category, risk_level, district_code, geom, impact_radius_m)
OVERRIDING SYSTEM VALUE VALUES
  (1, 'risk_source', '化工园区', 'hazardous_chemicals', 1, '500103', ST_Point(106.500, 29.500, 4326), 500),
  (2, 'risk_source', '空区', 'flood', 2, '500103', ST_Point(106.580, 29.580, 4326), 100);
CREATE TEMP TABLE node (id bigint, geom geometry);
INSERT INTO node VALUES (1, ST_Point(106.500, 29.500, 4326)), (2, ST_Point(106.510, 29.500, 4326)),
  (3, ST_Point(106.502, 29.500, 4326)), (4, ST_Point(106.510, 29.505, 4326)),
  (5, ST_Point(106.520, 29.505, 4326)), (6, ST_Point(106.500, 29.510, 4326));
CREATE FUNCTION pg_temp.road(p_id bigint, p_a bigint, p_b bigint, p_cost float8, p_rev float8, p_cap float8)
RETURNS void LANGUAGE sql AS $$
    INSERT INTO riskmap.road (id, source, target, cost_s, reverse_cost_s, capacity_pph, geom)
    SELECT p_id, p_a, p_b, p_cost, p_rev, p_cap, ST_MakeLine(a.geom, b.geom)
    FROM node a, node b WHERE a.id = p_a AND b.id = p_b
$$;

-- 1. One road. 600 people at node 1, road 1 -> 2 of 300 s (5 steps) taking
--    60 per step, shelter at node 2. Entries at steps 0..9, 60 each; the last
--    group arrives at 9 + 5 = 14 steps = 840 s. No schedule does better: the
--    road lets at most 60 in per step, so the 600th person enters at step 9 at
--    the earliest. Lower bound: cut {road 1} of 60 per step, shortest path 5
--    steps: 5 + 600/60 - 1 = 14 steps, proven optimal.
BEGIN;
INSERT INTO riskmap.population (id, district_code, people, geom) VALUES (1, '500103', 600, ST_Point(106.500, 29.500, 4326));
INSERT INTO riskmap.shelter (id, name, kind, capacity, district_code, geom) VALUES (10, 'S', 'shelter', 10000, '500103', ST_Point(106.510, 29.500, 4326));
SELECT pg_temp.road(1, 1, 2, 300, -1, 3600);
SELECT * FROM riskmap.evacuation_clearance(1);
SELECT * FROM pg_temp.summary(1);
SELECT source_id, people, unserved, clearance_s, lower_bound_s, bottleneck_edges FROM riskmap.clearance_report(1);
SELECT * FROM pg_temp.exact(1);
-- A larger step: δ = 120 s, the road takes 3 steps (⌈300/120⌉) and 120 people
-- per step: entries at 0..4, last arrival (4 + 3) · 120 = 840 s.
SET riskmap.evacuation_step_s = 120;
SELECT max(arrive_s) AS clearance_s, count(*) AS groups FROM riskmap.evacuation_clearance(1);
SET riskmap.evacuation_step_s = 60;
-- Without a capacity (NULL = unlimited) everybody enters at step 0: 300 s.
UPDATE riskmap.road SET capacity_pph = NULL;
SELECT * FROM riskmap.evacuation_clearance(1);
ROLLBACK;

-- 2. A bottleneck bridge. Cell A (90 people) at node 1, cell B (60) at node
--    3. Roads 1 -> 4 (60 s, 1 step) and 3 -> 4 (120 s, 2 steps), unlimited;
--    bridge 4 -> 5 (60 s, 1 step) taking 30 per step; shelter at node 5.
--    A reaches the bridge at step 1, B at step 2. 150 people at 30 per step
--    enter at steps 1..5; the last arrives at step 6 = 360 s. Lower bound: the
--    bridge is the cut (30 per step), nobody can enter it before step 1 and it
--    takes 1 step: 1 + 1 + 150/30 - 1 = 6 steps, optimal. Bottleneck: {3}.
BEGIN;
INSERT INTO riskmap.population (id, district_code, people, geom) VALUES
  (1, '500103', 90, ST_Point(106.500, 29.500, 4326)), (2, '500103', 60, ST_Point(106.502, 29.500, 4326));
INSERT INTO riskmap.shelter (id, name, kind, capacity, district_code, geom) VALUES (10, 'S', 'shelter', 10000, '500103', ST_Point(106.520, 29.505, 4326));
SELECT pg_temp.road(1, 1, 4, 60, -1, NULL), pg_temp.road(2, 3, 4, 120, -1, NULL), pg_temp.road(3, 4, 5, 60, -1, 1800);
SELECT population_id, sum(people) AS people, max(arrive_s) AS last_arrival
FROM riskmap.evacuation_clearance(1) GROUP BY 1 ORDER BY 1;
SELECT * FROM pg_temp.summary(1);
SELECT source_id, people, unserved, clearance_s, lower_bound_s, bottleneck_edges FROM riskmap.clearance_report(1);
SELECT * FROM pg_temp.exact(1);
ROLLBACK;

-- 3. Two shelters of limited capacity. 100 people at node 1. Near shelter N
--    (capacity 40) at node 2, road 1 -> 2 of 60 s; far shelter F (capacity
--    100) at node 6, road 1 -> 6 of 300 s; both unlimited. N takes 40 (arrive
--    60 s), F the other 60 (arrive 300 s): clearance 300 s, and it cannot be
--    less, since N holds only 40. With a horizon of 240 s only N can be
--    reached: 40 served, 60 unserved, clearance 60 s.
BEGIN;
INSERT INTO riskmap.population (id, district_code, people, geom) VALUES (1, '500103', 100, ST_Point(106.500, 29.500, 4326));
INSERT INTO riskmap.shelter (id, name, kind, capacity, district_code, geom) VALUES
  (10, 'N', 'shelter', 40, '500103', ST_Point(106.510, 29.500, 4326)),
  (11, 'F', 'shelter', 100, '500103', ST_Point(106.500, 29.510, 4326)),
  (12, 'hospital', 'hospital', 1000, '500103', ST_Point(106.510, 29.500, 4326));
SELECT pg_temp.road(1, 1, 2, 60, 60, NULL), pg_temp.road(2, 1, 6, 300, 300, NULL);
SELECT population_id, shelter_id, people, depart_s, arrive_s, edges FROM riskmap.evacuation_clearance(1);
SELECT * FROM pg_temp.summary(1);
SELECT population_id, shelter_id, people, depart_s, arrive_s, edges FROM riskmap.evacuation_clearance(1, 1.2, 240);
SELECT * FROM pg_temp.summary(1, 240);
SELECT * FROM pg_temp.exact(1, 240);
ROLLBACK;

-- 4. A one-way street. 50 people at node 1, shelter at node 2. Road 1 runs
--    2 -> 1 only (60 s, reverse -1); the detour 1 -> 6 -> 2 takes 300 + 300 s.
--    Clearance 600 s over edges {2, 3}. Turned around (1 -> 2 allowed) it is 60 s.
BEGIN;
INSERT INTO riskmap.population (id, district_code, people, geom) VALUES (1, '500103', 50, ST_Point(106.500, 29.500, 4326));
INSERT INTO riskmap.shelter (id, name, kind, capacity, district_code, geom) VALUES (10, 'S', 'shelter', 1000, '500103', ST_Point(106.510, 29.500, 4326));
SELECT pg_temp.road(1, 2, 1, 60, -1, NULL), pg_temp.road(2, 1, 6, 300, 300, NULL), pg_temp.road(3, 6, 2, 300, 300, NULL);
SELECT population_id, shelter_id, people, depart_s, arrive_s, edges, enter_s FROM riskmap.evacuation_clearance(1);
UPDATE riskmap.road SET reverse_cost_s = 60 WHERE id = 1;
SELECT population_id, shelter_id, people, depart_s, arrive_s, edges, enter_s FROM riskmap.evacuation_clearance(1);
ROLLBACK;

-- 5. A closed road (capacity 0). As in 4 but road 1 is 1 -> 2, two-way, 60 s,
--    closed to evacuees: the detour, 600 s. Closing the detour too leaves
--    everybody unserved (one row, shelter NULL).
BEGIN;
INSERT INTO riskmap.population (id, district_code, people, geom) VALUES (1, '500103', 50, ST_Point(106.500, 29.500, 4326));
INSERT INTO riskmap.shelter (id, name, kind, capacity, district_code, geom) VALUES (10, 'S', 'shelter', 1000, '500103', ST_Point(106.510, 29.500, 4326));
SELECT pg_temp.road(1, 1, 2, 60, 60, 0), pg_temp.road(2, 1, 6, 300, 300, NULL), pg_temp.road(3, 6, 2, 300, 300, NULL);
SELECT population_id, shelter_id, people, depart_s, arrive_s, edges, enter_s FROM riskmap.evacuation_clearance(1);
UPDATE riskmap.road SET capacity_pph = 0 WHERE id = 3;
SELECT * FROM riskmap.evacuation_clearance(1);
SELECT source_id, people, unserved, clearance_s, lower_bound_s, bottleneck_edges FROM riskmap.clearance_report(1);
ROLLBACK;

-- 6. Waiting that pays off. 120 people at node 1, shelter at node 2. Road 1
--    -> 2 (60 s, 60 per step); the detour 1 -> 6 -> 2 (600 + 600 s) is
--    unlimited. Best: 60 enter at step 0 and 60 wait one step and enter at
--    step 1: clearance 120 s. Sending the second 60 round the detour would
--    take 1200 s. The second group departs at 60 s: it waits at its cell.
BEGIN;
INSERT INTO riskmap.population (id, district_code, people, geom) VALUES (1, '500103', 120, ST_Point(106.500, 29.500, 4326));
INSERT INTO riskmap.shelter (id, name, kind, capacity, district_code, geom) VALUES (10, 'S', 'shelter', 1000, '500103', ST_Point(106.510, 29.500, 4326));
SELECT pg_temp.road(1, 1, 2, 60, -1, 3600), pg_temp.road(2, 1, 6, 600, -1, NULL), pg_temp.road(3, 6, 2, 600, -1, NULL);
SELECT population_id, shelter_id, people, depart_s, arrive_s, edges, enter_s FROM riskmap.evacuation_clearance(1);
-- Waiting at a road node: a second cell (30 people) at node 3 joins road 1
-- through road 4 (3 -> 1, 0 s) — both cells compete for road 1: 150 people
-- at 60 per step enter at steps 0, 1, 2: clearance 180 s.
INSERT INTO riskmap.population (id, district_code, people, geom) VALUES (2, '500103', 30, ST_Point(106.502, 29.500, 4326));
SELECT pg_temp.road(4, 3, 1, 0, -1, NULL);
SELECT * FROM pg_temp.summary(1);
SELECT * FROM pg_temp.exact(1);
ROLLBACK;

-- 7. No roads at all: straight-line walking on the ground at p_speed_mps,
--    ⌈d / speed / δ⌉ steps, no capacity but the shelters' (80 each). Cell 2
--    (30 people, centroid about 840 m from S, 1.9 km from T) reaches S in 12
--    steps, T in 29; cell 1 (70) reaches S in 14, T in 31. The optimum sends
--    cell 2 to T and all of cell 1 to S: 1740 s (the exact solver's answer
--    below). The heuristic fills S with the earliest arrivals first and sends
--    20 of cell 1 to T: 1860 s, within the contract's 10 % plus one step of
--    1740 s (1974 s); the lower bound (the transportation problem without
--    road capacities, exact here) is 1740 s.
BEGIN;
INSERT INTO riskmap.population (id, district_code, people, geom) VALUES
  (1, '500103', 70, ST_Point(106.500, 29.500, 4326)),
  (2, '500103', 30, ST_MakeEnvelope(106.501, 29.501, 106.502, 29.502, 4326)),
  (3, '500103', 0, ST_Point(106.500, 29.501, 4326)),
  (4, '500103', 5, ST_Point(106.530, 29.530, 4326));
INSERT INTO riskmap.shelter (id, name, kind, capacity, district_code, geom) VALUES
  (10, 'S', 'shelter', 80, '500103', ST_Point(106.510, 29.500, 4326)),
  (11, 'T', 'shelter', 80, '500103', ST_Point(106.500, 29.520, 4326)),
  (12, 'inside the zone', 'shelter', 1000, '500103', ST_Point(106.501, 29.500, 4326));
-- Cell 3 (nobody) and cell 4 (outside the zone) do not appear; shelter 12 lies in the zone.
SELECT c.population_id, c.shelter_id, c.people, c.depart_s, c.arrive_s, c.edges, c.enter_s,
       c.arrive_s - c.depart_s = ceil(ST_Distance(ST_Centroid(p.geom)::geography, s.geom::geography) / 1.2 / 60) * 60 AS steps_right
FROM riskmap.evacuation_clearance(1) c
JOIN riskmap.population p ON p.id = c.population_id JOIN riskmap.shelter s ON s.id = c.shelter_id;
SELECT * FROM pg_temp.exact(1);
SELECT clearance_s, lower_bound_s FROM riskmap.clearance_report(1);
ROLLBACK;

DELETE FROM riskmap.risk_source;
DELETE FROM riskmap.district;
