-- A small, self-contained fixture for the riskmap-tiles tests: two districts
-- of central Chongqing (rectangles), sources of every level, a shelter, a plan.
\set ON_ERROR_STOP on
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS riskmap CASCADE;
CREATE EXTENSION riskmap CASCADE;
SET search_path = riskmap, public;

INSERT INTO district (code, name, parent_code, geom) VALUES
  ('500103', '渝中区', '500000', ST_Multi(ST_MakeEnvelope(106.50, 29.53, 106.60, 29.58, 4326))),
  ('500112', '渝北区', '500000', ST_Multi(ST_MakeEnvelope(106.45, 29.58, 106.90, 30.00, 4326)));

INSERT INTO risk_source (id, kind, name, category, risk_level, district_code, geom, impact_radius_m, population_exposed)
OVERRIDING SYSTEM VALUE VALUES
  (1, 'risk_source', '解放碑加油站', 'hazardous_chemicals', 1, '500103', ST_SetSRID(ST_MakePoint(106.5775, 29.5577), 4326), 800, 12000),
  (2, 'hazard_point', '鹅岭滑坡隐患点', 'geological', 2, '500103', ST_SetSRID(ST_MakePoint(106.535, 29.550), 4326), 300, 800),
  (3, 'risk_source', '朝天门码头', 'waterway', 3, '500103', ST_SetSRID(ST_MakePoint(106.585, 29.565), 4326), 200, NULL),
  (4, 'risk_source', '两路燃气站', 'gas', 1, '500112', ST_SetSRID(ST_MakePoint(106.63, 29.72), 4326), 1000, 5000),
  (5, 'hazard_point', '统景低洼地', 'flood', 4, '500112', ST_SetSRID(ST_MakePoint(106.85, 29.95), 4326), 150, 300);

INSERT INTO shelter (id, name, kind, capacity, district_code, geom) OVERRIDING SYSTEM VALUE VALUES
  (1, '人民广场避难场所', 'shelter', 5000, '500103', ST_SetSRID(ST_MakePoint(106.552, 29.562), 4326)),
  (2, '重庆医科大学附属第一医院', 'hospital', 800, '500103', ST_SetSRID(ST_MakePoint(106.545, 29.545), 4326));

INSERT INTO population (id, district_code, people, geom) OVERRIDING SYSTEM VALUE VALUES
  (1, '500103', 20000, ST_SetSRID(ST_MakePoint(106.57, 29.556), 4326)),
  (2, '500103', 8000, ST_SetSRID(ST_MakePoint(106.54, 29.548), 4326));

INSERT INTO plan (id, code, title, plan_type, owner_district, status, approved_on, published_on)
OVERRIDING SYSTEM VALUE VALUES
  (1, 'YZ-HC-001', '渝中区危险化学品事故专项应急预案', 'special', '500103', 'drafting', NULL, NULL);
INSERT INTO plan_link (source_id, event_type, plan_id) VALUES (1, 'fire_explosion', 1), (3, 'ship_collision', 1);
-- Its evacuation step promises 60 minutes: the zone of source 1 (cell 1,
-- 20000 people; shelter 1 takes 5000) cannot keep it (style 'clearance', popup).
UPDATE plan SET content = '{"version": 1, "workflows": [{"name": "疏散", "steps": [
  {"order": 1, "action": "疏散800米内人员", "responsible": "解放碑街道办事处", "kind": "evacuation", "within_minutes": 60}]}]}'
WHERE id = 1;

-- Supervision (GET /api/compliance): departments, drills of the current year
-- that target no source and have no area (so the tiles and uncovered_sources
-- above are unchanged), materials and improvement actions.
-- As of late in the year: 500103 meets its quota (1 comprehensive, 2 special),
-- has one key drill with its evaluation submitted late, an overall plan filed,
-- 2 open actions (1 overdue); 500112 has 1 special drill (by joining yjj's);
-- yjj meets its quota (special 1, joint comprehensive 1), 1 overdue action;
-- slj has nothing.
INSERT INTO department (code, name, categories) VALUES
  ('yjj', '市应急管理局', '{hazardous_chemicals}'),
  ('slj', '市水利局', '{flood}');
INSERT INTO plan (id, code, title, plan_type, owner_district, status, approved_on, published_on, filed_on)
OVERRIDING SYSTEM VALUE VALUES
  (2, 'YZ-ZT-001', '渝中区突发事件总体应急预案', 'overall', '500103', 'filed', '2025-01-10', '2025-01-20', '2025-02-10');
INSERT INTO drill (id, year, title, drill_class, organizer_district, organizer_department, joint_districts,
                   joint_departments, key_drill, scheduled_on, completed_on, status)
OVERRIDING SYSTEM VALUE
SELECT id, y, title, cls, od, odp, jd::text[], jdp::text[], key, make_date(y, sm, 10),
       CASE WHEN st = 'completed' THEN make_date(y, sm, 10) END, st
FROM (SELECT extract(year FROM current_date)::integer AS y) yy,
     (VALUES (101, '渝中区综合应急演练', 'comprehensive', '500103', NULL, '{}', '{yjj}', true, 3, 'completed'),
             (102, '渝中区防汛专项演练', 'special', '500103', NULL, '{}', '{}', false, 12, 'planned'),
             (103, '渝中区危化品专项演练', 'special', '500103', NULL, '{}', '{}', false, 6, 'completed'),
             (104, '市应急管理局危化品专项演练', 'special', NULL, 'yjj', '{500112}', '{}', false, 4, 'completed'),
             (105, '渝北区综合演练（取消）', 'comprehensive', '500112', NULL, '{}', '{}', false, 5, 'cancelled'))
     AS v(id, title, cls, od, odp, jd, jdp, key, sm, st);
INSERT INTO drill_material (drill_id, kind, submitted_on, uri)
SELECT 101, k, make_date(extract(year FROM current_date)::integer, m, d), 'file:///materials/101/' || k
FROM (VALUES ('plan', 3, 1), ('script', 3, 1), ('evaluation', 5, 20)) AS v(k, m, d);
INSERT INTO improvement_action (id, drill_id, finding, action, owner, due_on, closed_on)
OVERRIDING SYSTEM VALUE
SELECT id, drill, finding, action, owner, make_date(y + dy, dm, 1), CASE WHEN closed THEN make_date(y, 5, 1) END
FROM (SELECT extract(year FROM current_date)::integer AS y) yy,
     (VALUES (1, 101, '预警信息发布迟缓', '修订预警发布流程', '渝中区应急局', 0, 4, false),
             (2, 101, '避难场所标识不清', '更新避难场所标识', '渝中区应急局', 1, 6, false),
             (3, 101, '通讯中断', '配备卫星电话', '渝中区应急局', 0, 4, true),
             (4, 104, '危化品信息不全', '完善危化品台账', '市应急管理局', 0, 5, false))
     AS v(id, drill, finding, action, owner, dy, dm, closed);
