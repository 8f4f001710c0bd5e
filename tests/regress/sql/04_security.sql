-- Roles and row-level security, each rule both ways.
\set VERBOSITY terse
\getenv regress_helpers RISKMAP_REGRESS_HELPERS
\i :regress_helpers

-- Logins used by this test (cluster-wide, so dropped at the end).
DROP ROLE IF EXISTS rm_test_lead_a, rm_test_lead_b, rm_test_office, rm_test_reader;
CREATE ROLE rm_test_lead_a LOGIN IN ROLE riskmap_district;
CREATE ROLE rm_test_lead_b LOGIN IN ROLE riskmap_district;
CREATE ROLE rm_test_office LOGIN IN ROLE riskmap_office;
CREATE ROLE rm_test_reader LOGIN IN ROLE riskmap_reader;
GRANT EXECUTE ON FUNCTION pg_temp.err(text) TO PUBLIC;

BEGIN;
SET search_path = riskmap, public;
INSERT INTO district (code, name) VALUES ('500101', 'A区'), ('500102', 'B区');
INSERT INTO department (code, name) VALUES ('D1', '市水利局');
INSERT INTO user_district VALUES ('rm_test_lead_a', '500101'), ('rm_test_lead_b', '500102');
INSERT INTO risk_source (id, name, category, risk_level, district_code, geom) VALUES
  (1, 'A源', 'flood', 1, '500101', 'SRID=4326;POINT(106.1 29.1)'),
  (2, 'B源', 'flood', 1, '500102', 'SRID=4326;POINT(106.6 29.1)');
INSERT INTO plan (id, code, title, plan_type, owner_district, owner_department, status) VALUES
  (1, 'PA', 'A区预案', 'special', '500101', NULL, 'drafting'),
  (2, 'PB', 'B区预案', 'special', '500102', NULL, 'drafting'),
  (3, 'PD', '水利局预案', 'department', NULL, 'D1', 'published'),
  (4, 'PA2', 'A区已发布', 'special', '500101', NULL, 'published');
INSERT INTO drill (id, year, title, drill_class, organizer_district, organizer_department, scheduled_on) VALUES
  (1, 2026, 'A演练', 'special', '500101', NULL, current_date + 30),
  (2, 2026, 'B演练', 'special', '500102', NULL, current_date + 30),
  (3, 2026, 'A盲演(已过)', 'special', '500101', NULL, current_date - 1);
INSERT INTO drill_scenario (drill_id, seed, scenario) VALUES (1, 7, '{"sealed": "A"}'), (3, 7, '{"sealed": "past"}');

-- District lead A: reads everything, writes its own district only.
SET LOCAL ROLE rm_test_lead_a;
SELECT riskmap.my_districts();
SELECT count(*) AS plans_visible FROM riskmap.plan;
SELECT pg_temp.err($$INSERT INTO riskmap.plan (id, code, title, plan_type, owner_district) VALUES (5, 'PA3', 'A新', 'special', '500101')$$);
SELECT pg_temp.err($$INSERT INTO riskmap.plan (id, code, title, plan_type, owner_district) VALUES (6, 'PB3', 'B新', 'special', '500102')$$);
SELECT pg_temp.err($$INSERT INTO riskmap.plan (id, code, title, plan_type, owner_department) VALUES (7, 'PD3', '部门', 'department', 'D1')$$);
SELECT pg_temp.err($$UPDATE riskmap.plan SET title = 'A改' WHERE id = 1$$);
SELECT pg_temp.err($$UPDATE riskmap.plan SET title = 'B改' WHERE id = 2$$);
SELECT pg_temp.err($$UPDATE riskmap.plan SET owner_district = '500102' WHERE id = 1$$);
SELECT pg_temp.err($$UPDATE riskmap.plan SET title = '部门改' WHERE id = 3$$);
SELECT pg_temp.err($$DELETE FROM riskmap.plan WHERE id = 2$$);
SELECT pg_temp.err($$SELECT riskmap.plan_transition(1, 'reviewing')$$);
SELECT pg_temp.err($$SELECT riskmap.plan_transition(2, 'reviewing')$$);
-- Filing (备案) is the office's, by transition or by inserting a filed plan.
SELECT pg_temp.err($$SELECT riskmap.plan_transition(4, 'filed')$$);
SELECT pg_temp.err($$INSERT INTO riskmap.plan (id, code, title, plan_type, owner_district, status) VALUES (8, 'PA4', 'A自备案', 'special', '500101', 'filed')$$);
SELECT pg_temp.err($$INSERT INTO riskmap.plan_link VALUES (1, 'flood', 1)$$);
SELECT pg_temp.err($$INSERT INTO riskmap.plan_link VALUES (2, 'flood', 1)$$);
SELECT pg_temp.err($$INSERT INTO riskmap.drill (id, year, title, drill_class, organizer_district) VALUES (4, 2026, 'A新演练', 'special', '500101')$$);
SELECT pg_temp.err($$INSERT INTO riskmap.drill (id, year, title, drill_class, organizer_district) VALUES (5, 2026, 'B新演练', 'special', '500102')$$);
SELECT pg_temp.err($$UPDATE riskmap.drill SET status = 'cancelled' WHERE id = 2$$);
SELECT pg_temp.err($$INSERT INTO riskmap.drill_target VALUES (1, 1)$$);
SELECT pg_temp.err($$INSERT INTO riskmap.drill_target VALUES (2, 2)$$);
SELECT pg_temp.err($$INSERT INTO riskmap.drill_material (drill_id, kind, uri) VALUES (1, 'script', 'file:///a')$$);
SELECT pg_temp.err($$INSERT INTO riskmap.drill_material (drill_id, kind, uri) VALUES (2, 'script', 'file:///b')$$);
SELECT pg_temp.err($$INSERT INTO riskmap.improvement_action (drill_id, finding, action, owner) VALUES (2, 'f', 'a', 'o')$$);
-- Tables that are the office's alone.
SELECT pg_temp.err($$INSERT INTO riskmap.risk_source (name, category, risk_level, district_code, geom) VALUES ('x', 'flood', 1, '500101', 'SRID=4326;POINT(106.1 29.1)')$$);
SELECT pg_temp.err($$INSERT INTO riskmap.user_district VALUES ('rm_test_lead_a', '500102')$$);
SELECT pg_temp.err($$DELETE FROM riskmap.plan_event$$);
-- Sealed scenarios: not before the drill's date, not even by count.
SELECT drill_id FROM riskmap.drill_scenario ORDER BY 1;
RESET ROLE;

-- A plain reader reads but writes nothing.
SET LOCAL ROLE rm_test_reader;
SELECT count(*) AS plans_visible FROM riskmap.plan;
SELECT pg_temp.err($$INSERT INTO riskmap.plan (code, title, plan_type, owner_district) VALUES ('PR', 'R', 'special', '500101')$$);
SELECT pg_temp.err($$UPDATE riskmap.drill SET title = 'x'$$);
SELECT drill_id FROM riskmap.drill_scenario ORDER BY 1;
SELECT count(*) AS uncovered FROM riskmap.uncovered_sources();
RESET ROLE;

-- The office writes everywhere, files plans and reads sealed scenarios.
SET LOCAL ROLE rm_test_office;
SELECT pg_temp.err($$UPDATE riskmap.plan SET title = 'B改' WHERE id = 2$$);
SELECT pg_temp.err($$SELECT riskmap.plan_transition(4, 'filed')$$);
SELECT pg_temp.err($$INSERT INTO riskmap.plan_link VALUES (2, 'flood', 2)$$);
SELECT pg_temp.err($$INSERT INTO riskmap.risk_source (name, category, risk_level, district_code, geom) VALUES ('o', 'flood', 1, '500101', 'SRID=4326;POINT(106.1 29.1)')$$);
SELECT drill_id FROM riskmap.drill_scenario ORDER BY 1;
RESET ROLE;

-- What the leads and the office did is all there, and nothing else.
SELECT id, code, title, owner_district, status FROM riskmap.plan ORDER BY id;
SELECT source_id, event_type, plan_id FROM riskmap.plan_link ORDER BY 1, 2;
SELECT id, title, organizer_district, status FROM riskmap.drill ORDER BY id;
SELECT drill_id, source_id FROM riskmap.drill_target ORDER BY 1, 2;
ROLLBACK;

DROP ROLE rm_test_lead_a, rm_test_lead_b, rm_test_office, rm_test_reader;
