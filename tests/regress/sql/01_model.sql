-- Data model constraints: enumerations, ranges, geometry validity, 一源一事一案.
\set VERBOSITY terse
\getenv regress_helpers RISKMAP_REGRESS_HELPERS
\i :regress_helpers

BEGIN;
SET search_path = riskmap, public;
INSERT INTO district (code, name, geom) VALUES
  ('500101', 'A区', ST_Multi(ST_MakeEnvelope(106.0, 29.0, 106.5, 29.5, 4326))),
  ('500102', 'B区', ST_Multi(ST_MakeEnvelope(106.5, 29.0, 107.0, 29.5, 4326)));
-- A district without geometry is accepted (the contract does not require one).
INSERT INTO district (code, name) VALUES ('500199', '无界区');
INSERT INTO department (code, name, categories) VALUES ('D1', '市水利局', '{flood}');

-- Inserts naming only the contract's columns work; explicit ids move the sequence on.
INSERT INTO risk_source (id, kind, name, category, risk_level, district_code, geom, impact_radius_m, population_exposed)
VALUES (10, 'risk_source', '化工厂', 'chemical', 1, '500101', ST_SetSRID(ST_MakePoint(106.2, 29.2), 4326), 1000, 500);
INSERT INTO risk_source (kind, name, category, risk_level, district_code, geom, impact_radius_m)
VALUES ('hazard_point', '滑坡点', 'landslide', 2, '500101', ST_SetSRID(ST_MakePoint(106.3, 29.3), 4326), 200)
RETURNING id;
INSERT INTO risk_source (id, kind, name, category, risk_level, district_code, geom, impact_radius_m)
OVERRIDING SYSTEM VALUE VALUES (20, 'risk_source', '管线', 'gas_pipeline', 3, '500102',
        ST_SetSRID(ST_MakeLine(ST_MakePoint(106.6, 29.1), ST_MakePoint(106.7, 29.2)), 4326), 50);
INSERT INTO risk_source (name, category, risk_level, district_code, geom)
VALUES ('水库', 'dam', 4, '500102', ST_SetSRID(ST_MakeEnvelope(106.8, 29.3, 106.81, 29.31), 4326)) RETURNING id, kind, impact_radius_m;

-- Enumerations and ranges: 23514 with the constraint named.
SELECT pg_temp.err($$INSERT INTO riskmap.risk_source (name, category, risk_level, district_code, geom)
                     VALUES ('x', 'flood', 5, '500101', 'SRID=4326;POINT(106.1 29.1)')$$);
SELECT pg_temp.err($$INSERT INTO riskmap.risk_source (name, category, risk_level, district_code, geom)
                     VALUES ('x', 'flood', 0, '500101', 'SRID=4326;POINT(106.1 29.1)')$$);
SELECT pg_temp.err($$INSERT INTO riskmap.risk_source (kind, name, category, risk_level, district_code, geom)
                     VALUES ('volcano', 'x', 'flood', 2, '500101', 'SRID=4326;POINT(106.1 29.1)')$$);
SELECT pg_temp.err($$INSERT INTO riskmap.risk_source (name, category, risk_level, district_code, geom, impact_radius_m)
                     VALUES ('x', 'flood', 2, '500101', 'SRID=4326;POINT(106.1 29.1)', -1)$$);
SELECT pg_temp.err($$INSERT INTO riskmap.risk_source (name, category, risk_level, district_code, geom)
                     VALUES ('x', 'flood', 2, '999999', 'SRID=4326;POINT(106.1 29.1)')$$);
SELECT pg_temp.err($$INSERT INTO riskmap.shelter (name, kind, capacity, district_code, geom)
                     VALUES ('s', 'shelter', -5, '500101', 'SRID=4326;POINT(106.1 29.1)')$$);
SELECT pg_temp.err($$INSERT INTO riskmap.shelter (name, kind, capacity, district_code, geom)
                     VALUES ('s', 'bunker', 5, '500101', 'SRID=4326;POINT(106.1 29.1)')$$);
SELECT pg_temp.err($$INSERT INTO riskmap.population (district_code, people, geom)
                     VALUES ('500101', -1, 'SRID=4326;POINT(106.1 29.1)')$$);
SELECT pg_temp.err($$INSERT INTO riskmap.plan (code, title, plan_type) VALUES ('P-X', 'x', 'secret')$$);
SELECT pg_temp.err($$INSERT INTO riskmap.plan (code, title, plan_type, status) VALUES ('P-X', 'x', 'special', 'lost')$$);
SELECT pg_temp.err($$INSERT INTO riskmap.drill (year, title, drill_class, organizer_district, organizer_department)
                     VALUES (2026, 'both', 'special', '500101', 'D1')$$);
SELECT pg_temp.err($$INSERT INTO riskmap.drill (year, title, drill_class) VALUES (2026, 'none', 'special')$$);
SELECT pg_temp.err($$INSERT INTO riskmap.drill (year, title, drill_class, organizer_district, joint_districts)
                     VALUES (2026, '联合', 'special', '500101', '{500102,123456}')$$);
SELECT pg_temp.err($$INSERT INTO riskmap.drill (year, title, drill_class, organizer_district, joint_departments)
                     VALUES (2026, '联合', 'special', '500101', '{D9}')$$);
SELECT pg_temp.err($$INSERT INTO riskmap.drill (year, title, drill_class, subject, organizer_district)
                     VALUES (2026, 'x', 'special', 'dancing', '500101')$$);
SELECT pg_temp.err($$INSERT INTO riskmap.drill_quota VALUES ('district', 'special', 3, 1)$$);

-- Invalid geometries are rejected with the row named (repair is the importer's job).
SELECT pg_temp.err($$INSERT INTO riskmap.risk_source (id, name, category, risk_level, district_code, geom)
                     VALUES (77, '蝴蝶', 'flood', 2, '500101',
                             'SRID=4326;POLYGON((106.1 29.1, 106.2 29.2, 106.2 29.1, 106.1 29.2, 106.1 29.1))')$$);
SELECT pg_temp.err($$INSERT INTO riskmap.district (code, name, geom) VALUES ('500150', '坏区',
                     'SRID=4326;MULTIPOLYGON(((0 0, 1 1, 1 0, 0 1, 0 0)))')$$);
INSERT INTO shelter (id, name, capacity, district_code, geom) VALUES (1, '广场', 100, '500101', 'SRID=4326;POINT(106.1 29.1)');
SELECT pg_temp.err($$UPDATE riskmap.shelter SET geom = 'SRID=4326;POINT(200 29)' WHERE id = 1$$);
SELECT pg_temp.err($$INSERT INTO riskmap.shelter (name, capacity, district_code, geom)
                     VALUES ('远', 10, '500101', 'SRID=4326;POINT(200 29)')$$);
SELECT pg_temp.err($$INSERT INTO riskmap.risk_source (name, category, risk_level, district_code, geom)
                     VALUES ('空', 'flood', 2, '500101', 'SRID=4326;POINT EMPTY')$$);
SELECT pg_temp.err($$INSERT INTO riskmap.risk_source (name, category, risk_level, district_code, geom)
                     VALUES ('墨卡托', 'flood', 2, '500101', 'SRID=3857;POINT(1 1)')$$);

-- 一源一事一案: (source, event) is the key; a one_to_one plan serves one pair only.
INSERT INTO plan (id, code, title, plan_type, status) VALUES
  (1, 'YA-1', '化工厂泄漏一源一案', 'one_to_one', 'published'),
  (2, 'SP-1', '防汛专项预案', 'special', 'published');
INSERT INTO plan_link (source_id, event_type, plan_id) VALUES (10, 'leak', 1);
SELECT pg_temp.err($$INSERT INTO riskmap.plan_link (source_id, event_type, plan_id) VALUES (20, 'explosion', 1)$$);
SELECT pg_temp.err($$INSERT INTO riskmap.plan_link (source_id, event_type, plan_id) VALUES (10, 'fire', 1)$$);
SELECT pg_temp.err($$INSERT INTO riskmap.plan_link (source_id, event_type, plan_id) VALUES (10, 'leak', 2)$$);
-- Re-pointing the only link of a one-to-one plan is fine.
UPDATE plan_link SET event_type = 'toxic_leak' WHERE source_id = 10 AND plan_id = 1;
-- A special plan may serve many pairs; it cannot then become one_to_one.
INSERT INTO plan_link (source_id, event_type, plan_id) VALUES (10, 'flood', 2), (20, 'flood', 2);
SELECT pg_temp.err($$UPDATE riskmap.plan SET plan_type = 'one_to_one' WHERE id = 2$$);
SELECT source_id, event_type, plan_id FROM plan_link ORDER BY 1, 2;

-- Material hashes.
INSERT INTO drill (id, year, title, drill_class, organizer_district) VALUES (1, 2026, '演练', 'special', '500101');
SELECT pg_temp.err($$INSERT INTO riskmap.drill_material (drill_id, kind, uri, sha256) VALUES (1, 'script', 'file:///a', 'abc')$$);
SELECT pg_temp.err($$INSERT INTO riskmap.drill_material (drill_id, kind, uri) VALUES (1, 'poem', 'file:///a')$$);
INSERT INTO drill_material (drill_id, kind, uri, sha256)
VALUES (1, 'script', 'file:///a', repeat('ab', 32)) RETURNING drill_id, kind, submitted_on = current_date AS today;
ROLLBACK;
