-- clearance_report: the check against the plans' promises, ordering, the
-- plan content's evacuation step, and bad input for both functions.
SET client_min_messages = warning;
SET riskmap.evacuation_step_s = 60;
CREATE FUNCTION pg_temp.err(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE q;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END $$;

BEGIN;
INSERT INTO riskmap.district (code, name, geom)
VALUES ('500103', '渝中区', ST_Multi(ST_MakeEnvelope(106.45, 29.45, 106.70, 29.60, 4326))),
       ('500105', '江北区', NULL);
-- Five sources, each with its own one-road network 1 km long (300 s, 60 people per step).
INSERT INTO riskmap.risk_source (id, kind, name, category, risk_level, district_code, geom, impact_radius_m)
OVERRIDING SYSTEM VALUE VALUES
  (1, 'risk_source', '甲', 'hazardous_chemicals', 1, '500103', ST_Point(106.50, 29.50, 4326), 300),
  (2, 'risk_source', '乙', 'hazardous_chemicals', 2, '500103', ST_Point(106.55, 29.50, 4326), 300),
  (3, 'risk_source', '丙', 'hazardous_chemicals', 2, '500103', ST_Point(106.60, 29.50, 4326), 300),
  (4, 'risk_source', '丁', 'hazardous_chemicals', 1, '500103', ST_Point(106.65, 29.50, 4326), 300),
  (5, 'risk_source', '戊', 'hazardous_chemicals', 3, '500103', ST_Point(106.50, 29.55, 4326), 300),
  (6, 'risk_source', '空', 'flood', 1, '500103', ST_Point(106.55, 29.55, 4326), 300);
INSERT INTO riskmap.population (id, district_code, people, geom)
SELECT s.id, '500103', 600, s.geom FROM riskmap.risk_source s WHERE s.id <= 5;
INSERT INTO riskmap.shelter (id, name, kind, capacity, district_code, geom)
SELECT 10 + s.id, 'S' || s.id, 'shelter', CASE WHEN s.id = 4 THEN 500 ELSE 10000 END, '500103',
       ST_Translate(s.geom, 0.01, 0) FROM riskmap.risk_source s WHERE s.id <= 5;
INSERT INTO riskmap.road (id, source, target, cost_s, reverse_cost_s, capacity_pph, geom)
SELECT s.id, 2 * s.id, 2 * s.id + 1, 300, -1, 3600, ST_MakeLine(s.geom, ST_Translate(s.geom, 0.01, 0))
FROM riskmap.risk_source s WHERE s.id <= 5;
-- Every zone empties in 840 s (see 47_clearance_micro, case 1) except 4,
-- whose shelter holds 500 of its 600.
-- Plans: 1 promises 10 minutes (fails), 2 promises 14 minutes (meets: 840 s
-- = 14 min), 3 has no evacuation step (no promise), 4 promises 60 minutes
-- but leaves 100 people unserved (fails), 5 is level 3 (not reported at
-- level 2), 6 holds nobody (no row). Plan 7 is retired and promises 1 minute.
INSERT INTO riskmap.plan (id, code, title, plan_type, owner_district, status, content)
OVERRIDING SYSTEM VALUE VALUES
  (1, 'P1', '甲一源一案', 'one_to_one', '500103', 'published',
   '{"version": 1, "workflows": [{"name": "泄漏", "steps": [
      {"order": 1, "action": "报告", "responsible": "值班长", "kind": "report", "within_minutes": 5},
      {"order": 2, "action": "疏散300米内人员", "responsible": "街道办", "kind": "evacuation", "within_minutes": 10}]}]}'),
  (2, 'P2', '乙一源一案', 'one_to_one', '500103', 'published',
   '{"version": 1, "workflows": [{"name": "火灾", "steps": [
      {"order": 1, "action": "疏散", "responsible": "街道办", "kind": "evacuation", "within_minutes": 14}]},
      {"name": "爆炸", "steps": [
      {"order": 1, "action": "疏散", "responsible": "街道办", "kind": "evacuation", "within_minutes": 30}]}]}'),
  (3, 'P3', '丙一源一案', 'one_to_one', '500103', 'filed',
   '{"version": 1, "workflows": [{"name": "泄漏", "steps": [
      {"order": 1, "action": "疏散", "responsible": "街道办", "within_minutes": 5}]}]}'),
  (4, 'P4', '丁一源一案', 'one_to_one', '500103', 'published',
   '{"version": 1, "workflows": [{"name": "泄漏", "steps": [
      {"order": 1, "action": "疏散", "responsible": "街道办", "kind": "evacuation", "within_minutes": 60}]}]}'),
  (7, 'P7', '乙旧案', 'one_to_one', '500103', 'retired',
   '{"version": 1, "workflows": [{"name": "泄漏", "steps": [
      {"order": 1, "action": "疏散", "responsible": "街道办", "kind": "evacuation", "within_minutes": 1}]}]}');
INSERT INTO riskmap.plan_link (source_id, event_type, plan_id) VALUES
  (1, 'leak', 1), (2, 'fire', 2), (2, 'old', 7), (3, 'leak', 3), (4, 'leak', 4);

SELECT riskmap._plan_evacuation_limit_s(content) AS limit_s, code FROM riskmap.plan ORDER BY id;
SELECT * FROM riskmap.clearance_report();
SELECT source_id, meets_plan FROM riskmap.clearance_report(3);
SELECT source_id, clearance_s, plan_limit_s, meets_plan FROM riskmap.clearance_report(2, '500103', 1.2, 600);
SELECT count(*) AS rows FROM riskmap.clearance_report(2, '500105');
-- A marked step with an invalid kind is refused by the plan content check.
SELECT pg_temp.err($$UPDATE riskmap.plan SET content = '{"version": 1, "workflows": [{"name": "w", "steps": [
      {"order": 1, "action": "疏散", "responsible": "r", "kind": "evacuate", "within_minutes": 5}]}]}' WHERE id = 1$$);

-- Bad input: 22023 naming the value; a zone with nobody in it: no rows.
SELECT count(*) AS rows FROM riskmap.evacuation_clearance(6);
SELECT pg_temp.err('SELECT * FROM riskmap.evacuation_clearance(999)');
SELECT pg_temp.err('SELECT * FROM riskmap.evacuation_clearance(NULL)');
SELECT pg_temp.err('SELECT * FROM riskmap.evacuation_clearance(1, NULL)');
SELECT pg_temp.err('SELECT * FROM riskmap.evacuation_clearance(1, -1)');
SELECT pg_temp.err('SELECT * FROM riskmap.evacuation_clearance(1, 0)');
SELECT pg_temp.err($$SELECT * FROM riskmap.evacuation_clearance(1, 'NaN')$$);
SELECT pg_temp.err($$SELECT * FROM riskmap.evacuation_clearance(1, 'Infinity')$$);
SELECT pg_temp.err('SELECT * FROM riskmap.evacuation_clearance(1, 1.2, NULL)');
SELECT pg_temp.err('SELECT * FROM riskmap.evacuation_clearance(1, 1.2, -60)');
SELECT pg_temp.err($$SELECT * FROM riskmap.evacuation_clearance(1, 1.2, 'NaN')$$);
SELECT pg_temp.err($$SELECT * FROM riskmap.evacuation_clearance(1, 1.2, 'Infinity')$$);
SELECT pg_temp.err('SELECT * FROM riskmap.clearance_report(0)');
SELECT pg_temp.err('SELECT * FROM riskmap.clearance_report(NULL)');
SELECT pg_temp.err($$SELECT * FROM riskmap.clearance_report(2, '999999')$$);
SELECT pg_temp.err('SELECT * FROM riskmap.clearance_report(2, NULL, -1.2)');
SELECT pg_temp.err($$SELECT * FROM riskmap.clearance_report(2, NULL, 1.2, 'NaN')$$);
SELECT pg_temp.err($$SELECT * FROM riskmap._clearance_solve(1, 1.2, 60, 'fast')$$);
SELECT pg_temp.err('SET riskmap.evacuation_step_s = 0');
SELECT pg_temp.err('SET riskmap.evacuation_step_s = 601');
SELECT pg_temp.err($$SET riskmap.evacuation_step_s = '11min'$$);
SET riskmap.evacuation_step_s = '2min';
SHOW riskmap.evacuation_step_s;
SELECT max(arrive_s) AS clearance_s FROM riskmap.evacuation_clearance(1);
RESET riskmap.evacuation_step_s;
SHOW riskmap.evacuation_step_s;
-- Horizon 0: nobody arrives at time 0 here; everyone unserved.
SELECT population_id, shelter_id, people FROM riskmap.evacuation_clearance(1, 1.2, 0);
-- Road capacity must be a non-negative finite number or NULL.
SELECT pg_temp.err('UPDATE riskmap.road SET capacity_pph = -1 WHERE id = 1');
SELECT pg_temp.err($$UPDATE riskmap.road SET capacity_pph = 'NaN' WHERE id = 1$$);
SELECT pg_temp.err($$UPDATE riskmap.road SET capacity_pph = 'Infinity' WHERE id = 1$$);
ROLLBACK;
