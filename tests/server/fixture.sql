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
