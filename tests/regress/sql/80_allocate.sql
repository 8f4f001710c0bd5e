-- allocate_drills: quotas, weights, existing drills, 10 km, categories, the
-- max-targets setting, months, departments, p_district, errors.
\set VERBOSITY terse
\getenv regress_helpers RISKMAP_REGRESS_HELPERS
\i :regress_helpers
-- Start from empty tables and the seeded quotas, whatever earlier suites left.
CREATE PROCEDURE pg_temp.clean() LANGUAGE plpgsql SET client_min_messages = warning AS $$
BEGIN
    TRUNCATE riskmap.district, riskmap.department, riskmap.risk_source, riskmap.plan, riskmap.plan_link,
             riskmap.plan_event, riskmap.shelter, riskmap.population, riskmap.road, riskmap.drill,
             riskmap.drill_target, riskmap.drill_material, riskmap.improvement_action, riskmap.drill_scenario,
             riskmap.user_district, riskmap.workday_override CASCADE;
    DELETE FROM riskmap.drill_quota;
    INSERT INTO riskmap.drill_quota VALUES ('district', 'comprehensive', 1, NULL), ('district', 'special', 2, NULL),
                                           ('department', 'special', 1, 2);
END $$;

BEGIN;
SET search_path = riskmap, public;
CALL pg_temp.clean();
INSERT INTO district (code, name, geom) VALUES
  ('500101', 'A区', ST_Multi(ST_MakeEnvelope(106.0, 29.0, 106.5, 29.5, 4326))),
  ('500102', 'B区', ST_Multi(ST_MakeEnvelope(106.5, 29.0, 107.0, 29.5, 4326)));
-- No department drills in the first cases.
UPDATE drill_quota SET min_per_year = 0 WHERE org_kind = 'department';
INSERT INTO department (code, name, categories) VALUES ('D1', '市水利局', '{flood}');
-- District A. At 29.1 N, 0.1 degree of longitude is 9.74 km, of latitude 11.09 km.
INSERT INTO risk_source (id, name, category, risk_level, district_code, geom, impact_radius_m) VALUES
 (1, '化工厂甲', 'chemical',  1, '500101', 'SRID=4326;POINT(106.10 29.10)', 500),
 (2, '化工厂乙', 'chemical',  2, '500101', 'SRID=4326;POINT(106.10 29.20)', 500),   -- 11.1 km north of 1
 (3, '河段甲',   'flood',     1, '500101', 'SRID=4326;POINT(106.30 29.30)', 500),
 (4, '河段乙',   'flood',     3, '500101', 'SRID=4326;POINT(106.31 29.30)', 500),
 (5, '滑坡甲',   'landslide', 2, '500101', 'SRID=4326;POINT(106.20 29.40)', 300),
 (6, '广场',     'crowd',     4, '500101', 'SRID=4326;POINT(106.40 29.45)', 300),
 (7, '滑坡乙',   'landslide', 1, '500101', 'SRID=4326;POINT(106.21 29.40)', 300);   -- 0.97 km east of 5
-- History: source 2 drilled (completed) in 2029, source 3 covered by the
-- area of a completed 2030 drill, source 4 only by a planned 2030 drill,
-- source 1 by a cancelled 2031 drill; source 6 by a planned 2031 drill in July.
INSERT INTO drill (id, year, title, drill_class, organizer_district, scheduled_on, completed_on, status, area) VALUES
 (101, 2029, '2029 化工', 'special', '500101', '2029-05-10', '2029-05-10', 'completed', NULL),
 (102, 2030, '2030 防汛', 'special', '500101', '2030-06-10', '2030-06-10', 'completed',
      ST_Multi(ST_Buffer('SRID=4326;POINT(106.30 29.30)'::geometry, 0.001))),
 (103, 2030, '2030 计划', 'special', '500101', '2030-09-10', NULL, 'planned', NULL),
 (104, 2031, '2031 取消', 'special', '500101', '2031-04-10', NULL, 'cancelled', NULL),
 (105, 2031, '2031 广场', 'special', '500101', '2031-07-10', NULL, 'planned', NULL);
INSERT INTO drill_target VALUES (101, 2), (103, 4), (104, 1), (105, 6);

-- Weights: level weight {8,4,2,1} × min(5, years since the last completed drill; 5 if never);
-- 0 when a planned/completed drill of the year covers the source.
SELECT id, risk_level, weight FROM _allocation_sources(2031) ORDER BY id;
-- What each organisation still needs: A has 1 special of 2 (drill 105, July busy).
SELECT org_kind, org_code, need_comp, need_spec, busy_mask FROM _allocation_orgs(2031) ORDER BY 1, 2;

-- The proposal. Comprehensive candidates (within 10 km): {5,7} = 20+40, {3,4} = 8+10, {1} = 40;
-- 1 and 2 are 11.1 km apart. Special (one category): landslide {5,7} = 60, chemical {1,2} = 48.
-- Optimum: comprehensive {5,7} + special {1,2} = 108 (the other way round: 40 + 60 = 100).
-- Months: July is taken; 2 drills over the 11 free months -> March and October.
-- B has no sources: no proposal (fewer proposals rather than empty ones).
SELECT * FROM allocate_drills(2031);
SELECT sources, eligible, slots, filled, score, upper_bound, optimal FROM allocation_stats(2031);
-- Deterministic.
SELECT (SELECT array_agg(a ORDER BY a::text) FROM allocate_drills(2031) a)
     = (SELECT array_agg(a ORDER BY a::text) FROM allocate_drills(2031) a) AS same_twice;
-- p_district: that district's rows only; unknown district and bad years are errors.
SELECT org_code, drill_class, month FROM allocate_drills(2031, '500101');
SELECT count(*) FROM allocate_drills(2031, '500102');
SELECT pg_temp.err($$SELECT * FROM riskmap.allocate_drills(2031, '999999')$$);
SELECT pg_temp.err($$SELECT * FROM riskmap.allocate_drills(NULL)$$);
SELECT pg_temp.err($$SELECT * FROM riskmap.allocate_drills(3000)$$);

-- Accepting tops A up exactly: 1 comprehensive, 2 special; nothing left to propose.
SELECT count(*) AS accepted FROM accept_allocation(2031);
SELECT comprehensive, special, quota_met FROM compliance(2031, '2031-01-01') WHERE org_code = '500101';
SELECT count(*) AS left_to_propose FROM allocate_drills(2031, '500101');

-- A planned comprehensive drill of the year counts; its month is taken.
ROLLBACK AND CHAIN;
SET search_path = riskmap, public;
CALL pg_temp.clean();
INSERT INTO district (code, name, geom) VALUES
  ('500101', 'A区', ST_Multi(ST_MakeEnvelope(106.0, 29.0, 106.5, 29.5, 4326)));
UPDATE drill_quota SET min_per_year = 0 WHERE org_kind = 'department';
INSERT INTO risk_source (id, name, category, risk_level, district_code, geom) VALUES
 (1, 'a', 'chemical', 1, '500101', 'SRID=4326;POINT(106.10 29.10)'),
 (2, 'b', 'chemical', 1, '500101', 'SRID=4326;POINT(106.11 29.10)'),
 (3, 'c', 'chemical', 1, '500101', 'SRID=4326;POINT(106.12 29.10)'),
 (4, 'd', 'chemical', 1, '500101', 'SRID=4326;POINT(106.13 29.10)'),
 (5, 'e', 'chemical', 1, '500101', 'SRID=4326;POINT(106.14 29.10)');
INSERT INTO drill (id, year, title, drill_class, organizer_district, scheduled_on) VALUES
 (201, 2031, '已有综合', 'comprehensive', '500101', '2031-02-01');
-- 2 specials needed (one group of up to 5, the fifth source alone: all 5 covered = 200),
-- February busy: free months 1,3..12 -> April and October.
SELECT org_code, drill_class, subject, month, source_ids, score FROM allocate_drills(2031);
-- At most riskmap.max_targets_per_drill targets (here 2): groups of 2 and 2 (+1 uncovered).
SET LOCAL riskmap.max_targets_per_drill = 2;
SELECT org_code, drill_class, month, cardinality(source_ids) AS n, score FROM allocate_drills(2031);
SET LOCAL riskmap.max_targets_per_drill = 1;
SELECT org_code, drill_class, month, source_ids, score FROM allocate_drills(2031);
RESET riskmap.max_targets_per_drill;

-- No two proposals in one month: with a special minimum of 12 and planned
-- drills in January..October, only November and December are left.
UPDATE drill_quota SET min_per_year = 12 WHERE org_kind = 'district' AND drill_class = 'special';
INSERT INTO drill (id, year, title, drill_class, organizer_district, scheduled_on)
SELECT 300 + m, 2031, '月度' || m, 'special', '500101', make_date(2031, m, 5) FROM generate_series(1, 10) m
WHERE m <> 2;
SELECT org_code, drill_class, month, cardinality(source_ids) AS n FROM allocate_drills(2031);

-- 10 km for comprehensive drills, measured on the ground between geometries:
-- a pipeline whose nearest point is 8.76 km away joins, a point 10.36 km away does not.
ROLLBACK AND CHAIN;
SET search_path = riskmap, public;
CALL pg_temp.clean();
INSERT INTO district (code, name, geom) VALUES
  ('500101', 'A区', ST_Multi(ST_MakeEnvelope(106.0, 29.0, 106.5, 29.5, 4326)));
UPDATE drill_quota SET min_per_year = 0 WHERE org_kind = 'department' OR drill_class = 'special';
INSERT INTO risk_source (id, name, category, risk_level, district_code, geom) VALUES
 (1, 'p', 'chemical', 1, '500101', 'SRID=4326;POINT(106.10 29.10)'),
 (2, 'q', 'flood', 1, '500101', 'SRID=4326;POINT(106.10 29.1935)'),          -- 10.36 km north
 (3, 'pipe', 'gas_pipeline', 1, '500101', 'SRID=4326;LINESTRING(106.19 29.10, 106.30 29.10)'); -- 8.76 km east
SELECT a.source_ids, a.score,
       (SELECT bool_and(ST_DWithin(x.geom::geography, y.geom::geography, 10000))
        FROM risk_source x, risk_source y WHERE x.id = ANY (a.source_ids) AND y.id = ANY (a.source_ids)) AS all_within_10km
FROM allocate_drills(2031) a;
SELECT round(ST_Distance(x.geom::geography, y.geom::geography)) AS m, x.id, y.id
FROM risk_source x, risk_source y WHERE x.id < y.id ORDER BY 2, 3;

-- Departments compete with districts for sources; a department's special
-- drill keeps to one of its categories, across districts.
ROLLBACK AND CHAIN;
SET search_path = riskmap, public;
CALL pg_temp.clean();
INSERT INTO district (code, name, geom) VALUES
  ('500101', 'A区', ST_Multi(ST_MakeEnvelope(106.0, 29.0, 106.5, 29.5, 4326))),
  ('500102', 'B区', ST_Multi(ST_MakeEnvelope(106.5, 29.0, 107.0, 29.5, 4326)));
UPDATE drill_quota SET min_per_year = 0 WHERE org_kind = 'district' AND drill_class = 'comprehensive';
UPDATE drill_quota SET min_per_year = 1 WHERE org_kind = 'district' AND drill_class = 'special';
INSERT INTO department (code, name, categories) VALUES ('D1', '市水利局', '{flood,dam}'), ('D2', '空部门', '{}');
INSERT INTO risk_source (id, name, category, risk_level, district_code, geom) VALUES
 (1, 'A洪', 'flood', 1, '500101', 'SRID=4326;POINT(106.10 29.10)'),
 (2, 'A化', 'chemical', 4, '500101', 'SRID=4326;POINT(106.20 29.10)'),
 (3, 'B洪', 'flood', 2, '500102', 'SRID=4326;POINT(106.60 29.10)'),
 (4, 'B坝', 'dam', 1, '500102', 'SRID=4326;POINT(106.70 29.10)'),
 (5, 'B坝2', 'dam', 1, '500102', 'SRID=4326;POINT(106.80 29.10)');
-- A: {1} (40) or {2} (5); B: {4,5} dam (80) or {3} flood (20); D1: flood {1,3} (60) or dam {4,5} (80).
-- A {1} 40 + B {4,5} 80 + D1 flood {3} 20 = 140; A {2} 5 + B {4,5} 80 + D1 flood {1,3} 60 = 145;
-- A {1} 40 + B {3} 20 + D1 dam {4,5} 80 = 140; A {2} 5 + B {3} 20 + D1 dam {4,5} 80 = 105.
-- Optimum 145, every organisation served; D2 has no categories: no proposal.
SELECT * FROM allocate_drills(2031);
SELECT filled, score, upper_bound, optimal FROM allocation_stats(2031);
-- Departments only when p_district is NULL.
SELECT org_kind, org_code FROM allocate_drills(2031, '500102');

-- Joint participants count like organisers (as in compliance), months too.
ROLLBACK AND CHAIN;
SET search_path = riskmap, public;
CALL pg_temp.clean();
INSERT INTO district (code, name) VALUES ('500101', 'A区'), ('500102', 'B区');
INSERT INTO department (code, name, categories) VALUES ('D1', '市水利局', '{flood}');
INSERT INTO drill (id, year, title, drill_class, organizer_district, joint_districts, joint_departments, scheduled_on) VALUES
 (401, 2031, 'A+B 联合', 'comprehensive', '500101', '{500102}', '{}', '2031-05-20'),
 (402, 2031, 'B+水利', 'special', '500102', '{}', '{D1}', '2031-09-01');
SELECT org_kind, org_code, need_comp, need_spec, busy_mask FROM _allocation_orgs(2031) ORDER BY 1, 2;

-- The rules on a larger pseudo-random city (300 sources, 3 districts, 2
-- departments, default quotas): every special drill has one category, every
-- comprehensive drill's sources lie within 10 km of each other, at most 3
-- targets, no source twice, no organisation twice in a month, quotas topped
-- up, score within 10 % of the upper bound (here: proven optimal or not).
ROLLBACK AND CHAIN;
SET search_path = riskmap, public;
CALL pg_temp.clean();
SET LOCAL riskmap.max_targets_per_drill = 3;
INSERT INTO district (code, name, geom) VALUES
  ('500101', 'A区', ST_Multi(ST_MakeEnvelope(106.0, 29.0, 106.5, 29.5, 4326))),
  ('500102', 'B区', ST_Multi(ST_MakeEnvelope(106.5, 29.0, 107.0, 29.5, 4326))),
  ('500103', 'C区', ST_Multi(ST_MakeEnvelope(106.0, 29.5, 106.5, 30.0, 4326)));
INSERT INTO department (code, name, categories) VALUES ('D1', '水利', '{flood,dam}'), ('D2', '应急', '{chemical}');
INSERT INTO risk_source (id, name, category, risk_level, district_code, geom)
SELECT i, 's' || i, (ARRAY['flood', 'dam', 'chemical', 'landslide', 'crowd'])[1 + (i * 7) % 5],
       1 + (i * 13) % 4, d.code,
       ST_SetSRID(ST_MakePoint(ST_XMin(d.geom) + 0.5 * ((i * 37) % 101) / 101.0,
                               ST_YMin(d.geom) + 0.5 * ((i * 53) % 97) / 97.0), 4326)
FROM generate_series(1, 300) i
JOIN district d ON d.code = (ARRAY['500101', '500102', '500103'])[1 + i % 3];
CREATE TEMP TABLE prop AS SELECT * FROM allocate_drills(2031);
SELECT org_kind, org_code, drill_class, month, cardinality(source_ids) AS n FROM prop ORDER BY 1, 2, 4;
SELECT count(*) AS specials_with_two_categories FROM prop p
WHERE p.drill_class = 'special' AND (SELECT count(DISTINCT category) FROM risk_source WHERE id = ANY (p.source_ids)) <> 1;
SELECT count(*) AS comprehensive_pairs_beyond_10km FROM prop p, risk_source x, risk_source y
WHERE p.drill_class = 'comprehensive' AND x.id = ANY (p.source_ids) AND y.id = ANY (p.source_ids)
  AND NOT ST_DWithin(x.geom::geography, y.geom::geography, 10000);
SELECT count(*) AS district_targets_elsewhere FROM prop p, risk_source x
WHERE p.org_kind = 'district' AND x.id = ANY (p.source_ids) AND x.district_code <> p.org_code;
SELECT count(*) AS department_targets_off_category FROM prop p JOIN department dp ON dp.code = p.org_code, risk_source x
WHERE p.org_kind = 'department' AND x.id = ANY (p.source_ids) AND NOT x.category = ANY (dp.categories);
SELECT count(*) - count(DISTINCT s) AS sources_twice, max(n) AS max_targets
FROM (SELECT unnest(source_ids) s, cardinality(source_ids) n FROM prop) z;
SELECT count(*) - count(DISTINCT (org_kind, org_code, month)) AS same_month_twice FROM prop;
SELECT bool_and(abs(p.score - (SELECT sum(a.weight) FROM _allocation_sources(2031) a WHERE a.id = ANY (p.source_ids))) < 1e-9)
       AS score_is_weight_sum FROM prop p;
SELECT filled, score >= 0.9 * upper_bound AS within_10pct_of_bound FROM allocation_stats(2031);
-- The largest setting: groups grow (a special drill takes its whole category
-- in the district), each special drill still keeps to one category.
SET LOCAL riskmap.max_targets_per_drill = 1000;
SELECT count(*) AS proposals, max(cardinality(source_ids)) AS largest,
       bool_and(drill_class <> 'special' OR (SELECT count(DISTINCT category) FROM risk_source WHERE id = ANY (source_ids)) = 1)
           AS one_category
FROM allocate_drills(2031);
SET LOCAL riskmap.max_targets_per_drill = 3;
SELECT count(*) AS accepted FROM accept_allocation(2031);
SELECT org_kind, org_code, comprehensive, special, quota_met FROM compliance(2031, '2031-01-01');
ROLLBACK;
