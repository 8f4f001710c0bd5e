-- Data for sql.upgrade and sql.dump_restore: a little of everything, written
-- as a superuser through the functions where there are some (works on 0.1
-- and on the current version).
\set ON_ERROR_STOP 1
SET search_path = riskmap, public;
INSERT INTO district (code, name, geom) VALUES
  ('500101', 'A区', 'SRID=4326;MULTIPOLYGON(((106 29, 106.5 29, 106.5 29.5, 106 29.5, 106 29)))'),
  ('500102', 'B区', 'SRID=4326;MULTIPOLYGON(((106.5 29, 107 29, 107 29.5, 106.5 29.5, 106.5 29)))');
INSERT INTO department (code, name, categories) VALUES ('D1', '市水利局', '{flood}');
INSERT INTO risk_source (name, category, risk_level, district_code, geom, impact_radius_m, event_types) VALUES
  ('A源', 'flood', 1, '500101', 'SRID=4326;POINT(106.1 29.1)', 800, '{flood}'),
  ('B源', 'chemical', 2, '500102', 'SRID=4326;POINT(106.6 29.1)', 1200, '{leak,fire}'),
  ('A线', 'gas_pipeline', 3, '500101', 'SRID=4326;LINESTRING(106.2 29.2, 106.3 29.25)', 300, NULL);
INSERT INTO shelter (name, kind, capacity, district_code, geom) VALUES
  ('A避难所', 'shelter', 500, '500101', 'SRID=4326;POINT(106.12 29.12)'),
  ('B医院', 'hospital', 0, '500102', 'SRID=4326;POINT(106.62 29.12)');
INSERT INTO population (district_code, people, geom) VALUES
  ('500101', 120.5, 'SRID=4326;POINT(106.11 29.11)'), ('500102', 80, 'SRID=4326;POINT(106.61 29.11)');
INSERT INTO road (source, target, cost_s, reverse_cost_s, geom) VALUES
  (1, 2, 60, 60, 'SRID=4326;LINESTRING(106.11 29.11, 106.12 29.12)');
INSERT INTO plan (code, title, plan_type, owner_district) VALUES
  ('P-A-1', 'A区防汛预案', 'one_to_one', '500101'),
  ('P-B-1', 'B区危化预案', 'special', '500102'),
  ('P-A-0', 'A区总体预案', 'overall', '500101');
SELECT riskmap.plan_transition(id, 'reviewing', '2024-01-02', 'review') FROM plan WHERE code LIKE 'P-%' ORDER BY id;
SELECT riskmap.plan_transition(id, 'approved', '2024-02-01') FROM plan ORDER BY id;
SELECT riskmap.plan_transition(id, 'published', '2024-03-01') FROM plan ORDER BY id;
SELECT riskmap.plan_transition(id, 'filed', '2024-03-20', '备案') FROM plan WHERE code IN ('P-A-1', 'P-A-0') ORDER BY id;
SELECT riskmap.plan_transition(id, 'revising', '2025-05-05') FROM plan WHERE code = 'P-B-1';
INSERT INTO plan_link (source_id, event_type, plan_id)
SELECT s.id, 'flood', p.id FROM risk_source s, plan p WHERE s.name = 'A源' AND p.code = 'P-A-1';
INSERT INTO plan_link (source_id, event_type, plan_id)
SELECT s.id, e, p.id FROM risk_source s, plan p, unnest(ARRAY['leak', 'fire']) e WHERE s.name = 'B源' AND p.code = 'P-B-1';
INSERT INTO drill (year, title, drill_class, subject, form, blind, organizer_district, joint_districts, key_drill, scheduled_on, status, completed_on)
VALUES (2024, '2024年A区综合演练', 'comprehensive', 'evacuation', 'live', false, '500101', '{500102}', true, '2024-06-15', 'completed', '2024-06-15'),
       (2099, 'A区六无盲演', 'special', 'other', 'live', true, '500101', '{}', false, '2099-07-15', 'planned', NULL);
INSERT INTO drill_target (drill_id, source_id)
SELECT d.id, s.id FROM drill d, risk_source s WHERE d.year = 2024 AND s.name = 'A源';
INSERT INTO drill_material (drill_id, kind, submitted_on, uri, sha256)
SELECT id, 'plan', '2024-06-01', 'file:///plan.pdf', repeat('ab', 32) FROM drill WHERE year = 2024;
INSERT INTO improvement_action (drill_id, finding, action, owner, due_on)
SELECT id, '通信中断', '配备卫星电话', 'A区应急局', '2024-12-31' FROM drill WHERE year = 2024;
INSERT INTO drill_scenario (drill_id, seed, scenario) SELECT id, 42, '{"sealed": true}' FROM drill WHERE year = 2099;
INSERT INTO workday_override VALUES ('2024-10-01', false, '国庆节'), ('2024-10-12', true, '调休');
INSERT INTO user_district VALUES ('rm_upgrade_lead', '500101');
UPDATE drill_quota SET min_per_year = 3 WHERE org_kind = 'district' AND drill_class = 'special';
INSERT INTO drill_quota VALUES ('department', 'comprehensive', 1, 1);
INSERT INTO tile_style (name, spec)
SELECT 'custom', jsonb_set(spec, '{name}', '"custom"') FROM tile_style WHERE name = 'risk';
