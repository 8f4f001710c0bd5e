-- uncovered_sources, filing_overdue, compliance, open_actions on hand-made
-- cases whose answers are worked out in the comments.
\set VERBOSITY terse
\getenv regress_helpers RISKMAP_REGRESS_HELPERS
\i :regress_helpers

BEGIN;
SET search_path = riskmap, public;
INSERT INTO district (code, name, geom) VALUES
  ('500101', 'A区', ST_Multi(ST_MakeEnvelope(106.0, 29.0, 106.5, 29.5, 4326))),
  ('500102', 'B区', ST_Multi(ST_MakeEnvelope(106.5, 29.0, 107.0, 29.5, 4326)));
INSERT INTO department (code, name, categories) VALUES ('D1', '市水利局', '{flood}'), ('D2', '市公安局', '{crowd}');

-- Sources:
--  1 (level 1, A): no link                              -> no_plan, no_drill
--  2 (level 2, A): published plan, targeted this year   -> nothing
--  3 (level 3, A): drafting plan                        -> plan_not_in_force (no drill needed: level 3)
--  4 (level 2, B): filed plan last touched 2020-02-01;
--                  only a drill area of 2025 covers it  -> revision_overdue, no_drill
--  5 (level 1, B): filed plan revised 2025 + a drafting
--                  plan; a completed 2026 drill area
--                  covers it                            -> plan_not_in_force
--  6 (level 2, B): filed plan; targeted only by a
--                  cancelled 2026 drill                 -> no_drill
INSERT INTO risk_source (id, name, category, risk_level, district_code, geom, impact_radius_m) VALUES
  (1, '危化品仓库', 'chemical', 1, '500101', 'SRID=4326;POINT(106.10 29.10)', 500),
  (2, '滑坡体', 'landslide', 2, '500101', 'SRID=4326;POINT(106.20 29.20)', 300),
  (3, '加油站', 'fire', 3, '500101', 'SRID=4326;POINT(106.30 29.30)', 100),
  (4, '堤防', 'flood', 2, '500102', 'SRID=4326;LINESTRING(106.60 29.10, 106.65 29.12)', 800),
  (5, '燃气门站', 'gas_pipeline', 1, '500102', 'SRID=4326;POINT(106.70 29.20)', 1000),
  (6, '体育馆', 'crowd', 2, '500102', 'SRID=4326;POLYGON((106.80 29.30, 106.81 29.30, 106.81 29.31, 106.80 29.31, 106.80 29.30))', 200);
INSERT INTO plan (id, code, title, plan_type, owner_district, status, approved_on, published_on, filed_on, revised_on) VALUES
  (1, 'P1', '滑坡一源一案', 'one_to_one', '500101', 'published', '2025-12-01', '2026-01-10', NULL, NULL),
  (2, 'P2', '加油站预案（草案）', 'special', '500101', 'drafting', NULL, NULL, NULL, NULL),
  (3, 'P3', '堤防一源一案', 'one_to_one', '500102', 'filed', '2020-01-01', '2020-02-01', '2020-03-01', NULL),
  (4, 'P4', '燃气门站一源一案', 'one_to_one', '500102', 'filed', '2018-01-01', '2018-02-01', '2018-03-01', '2025-01-01'),
  (5, 'P5', '体育馆踩踏一源一案', 'one_to_one', '500102', 'filed', '2024-01-01', '2024-02-01', '2024-02-20', NULL);
INSERT INTO plan_link (source_id, event_type, plan_id) VALUES
  (2, 'landslide', 1), (3, 'fire', 2), (4, 'flood', 3), (5, 'leak', 4), (5, 'explosion', 2), (6, 'stampede', 5);
INSERT INTO drill (id, year, title, drill_class, organizer_district, status, scheduled_on, completed_on, area) VALUES
  (1, 2026, '滑坡避险演练', 'special', '500101', 'planned', '2026-09-01', NULL, NULL),
  (2, 2025, '防汛演练', 'special', '500102', 'completed', '2025-06-01', '2025-06-01',
      ST_Multi(ST_Buffer('SRID=4326;POINT(106.62 29.11)'::geometry, 0.05))),
  (3, 2026, '燃气综合演练', 'comprehensive', '500102', 'completed', '2026-04-01', '2026-04-01',
      ST_Multi(ST_MakeEnvelope(106.69, 29.19, 106.71, 29.21, 4326))),
  (4, 2026, '体育馆疏散', 'special', '500102', 'cancelled', '2026-05-01', NULL, NULL);
INSERT INTO drill_target VALUES (1, 2), (4, 6);

SELECT * FROM uncovered_sources(NULL, '2026-06-01');
SELECT * FROM uncovered_sources('500102', '2026-06-01');
-- A longer revision interval clears source 4's revision_overdue.
SET LOCAL riskmap.revision_interval = '10 years';
SELECT source_id, reason FROM uncovered_sources('500102', '2026-06-01');
RESET riskmap.revision_interval;
-- As of 2025 the drill of 2025 covers source 4, and the 2026 drills do not count.
SELECT source_id, reason FROM uncovered_sources(NULL, '2025-12-31') WHERE reason = 'no_drill';
-- Exactly 3 years is not "older than": cutoff 2023-02-01 vs latest 2020-02-01 (overdue)
-- and P5's 2024-02-01 is overdue only from 2027-02-02 on.
SELECT source_id, reason FROM uncovered_sources('500102', '2027-02-01') WHERE reason = 'revision_overdue';
SELECT source_id, reason FROM uncovered_sources('500102', '2027-02-02') WHERE reason = 'revision_overdue';
SELECT pg_temp.err($$SELECT * FROM riskmap.uncovered_sources('999999')$$);
SELECT pg_temp.err($$SELECT * FROM riskmap.uncovered_sources(NULL, NULL)$$);
SET LOCAL riskmap.revision_interval = 'soon';
SELECT pg_temp.err($$SELECT * FROM riskmap.uncovered_sources()$$);
RESET riskmap.revision_interval;

-- filing_overdue. Overrides: National Day 2026-10-01..07 off, Saturday 2026-10-10 worked.
INSERT INTO workday_override (day, is_workday, name)
SELECT d::date, false, '国庆节' FROM generate_series('2026-10-01'::date, '2026-10-07', '1 day') AS d;
INSERT INTO workday_override VALUES ('2026-10-10', true, '国庆节调休');
INSERT INTO plan (id, code, title, plan_type, owner_district, owner_department, status, published_on, filed_on) VALUES
  -- published Wed 2026-09-30; 20th working day after: 10-08 (1), 10-09, 10-10 (Sat, worked),
  -- 10-12..16, 10-19..23, 10-26..30 (18), 11-02 (19), 11-03 (20) -> due 2026-11-03;
  -- as of 2026-11-10 late: 11-04, 05, 06, 09, 10 = 5 working days
  (11, 'F1', '国庆前发布', 'special', '500101', NULL, 'published', '2026-09-30', NULL),
  -- same, filed 2026-11-05: overdue only as of a day before the filing
  (12, 'F2', '迟交备案', 'special', '500102', NULL, 'filed', '2026-09-30', '2026-11-05'),
  -- retired plans are never overdue
  (13, 'F3', '已废止', 'special', '500101', NULL, 'retired', '2026-01-05', NULL),
  -- published 2026-10-20: due 2026-11-17, not yet
  (14, 'F4', '新发布', 'department', NULL, 'D1', 'published', '2026-10-20', NULL),
  -- never published
  (15, 'F5', '草稿', 'special', '500101', NULL, 'drafting', NULL, NULL),
  -- published Mon 2026-08-03: due Mon 2026-08-31; late: 22 (Sep) + 18 (Oct) + 7 (Nov) = 47
  (16, 'F6', '夏季发布', 'department', NULL, 'D2', 'revising', '2026-08-03', NULL);
SELECT * FROM filing_overdue('2026-11-10') WHERE code LIKE 'F%';
SELECT code, due_on, working_days_late FROM filing_overdue('2026-11-04') WHERE code LIKE 'F%';
-- On the due date itself nothing is late yet.
SELECT code FROM filing_overdue('2026-11-03') WHERE code = 'F1';
-- The wrappers agree with a day-by-day count.
SELECT add_working_days('2026-09-30', 20) AS due,
       working_days_between('2026-08-31', '2026-11-10') AS late,
       (SELECT count(*) FROM generate_series('2026-09-01'::date, '2026-11-10', '1 day') AS g(d)
        WHERE coalesce((SELECT is_workday FROM workday_override w WHERE w.day = g.d::date),
                       extract(isodow FROM g.d) < 6)) AS late_by_hand;

-- compliance for 2026 as of 2026-06-01.
INSERT INTO drill (id, year, title, drill_class, organizer_district, organizer_department, joint_districts,
                   joint_departments, key_drill, status, scheduled_on, completed_on) VALUES
  (10, 2026, 'A综合（B联合）', 'comprehensive', '500101', NULL, '{500102}', '{}', false, 'planned', '2026-10-01', NULL),
  (11, 2026, 'A专项1', 'special', '500101', NULL, '{}', '{}', true, 'completed', '2026-03-01', '2026-03-01'),
  (12, 2026, 'A专项取消', 'special', '500101', NULL, '{}', '{}', false, 'cancelled', '2026-04-01', NULL),
  (13, 2026, 'B专项（D1联合）', 'special', '500102', NULL, '{}', '{D1}', false, 'planned', '2026-08-01', NULL),
  (14, 2026, 'D1专项', 'special', NULL, 'D1', '{}', '{}', true, 'completed', '2026-05-20', '2026-05-20'),
  (15, 2026, 'A专项2', 'special', '500101', NULL, '{500101}', '{}', true, 'completed', '2026-05-15', '2026-05-15'),
  (16, 2025, 'B综合2025', 'comprehensive', '500102', NULL, '{}', '{}', false, 'completed', '2025-05-01', '2025-05-01');
INSERT INTO drill_material (drill_id, kind, submitted_on, uri) VALUES
  (11, 'plan', '2026-03-10', 'file:///11/plan'),
  (11, 'script', '2026-03-20', 'file:///11/script'),
  (11, 'evaluation', '2026-04-05', 'file:///11/eval'),     -- due 2026-04-01: late
  (14, 'plan', '2026-05-25', 'file:///14/plan'),
  (14, 'script', '2026-05-25', 'file:///14/script'),
  (14, 'evaluation', '2026-05-25', 'file:///14/eval');
INSERT INTO plan (id, code, title, plan_type, owner_district, status, published_on, filed_on) VALUES
  (21, 'OA', 'A区总体预案', 'overall', '500101', 'filed', '2025-01-01', '2025-01-20'),
  (22, 'OB', 'B区总体预案', 'overall', '500102', 'published', '2025-01-01', NULL);
-- Expected, as of 2026-06-01 (source rows 3 and 1 of this year count too):
--  D1: 0 comprehensive, 2 special (own 14, joint 13), quota met, nothing overdue, overall NULL
--  D2: nothing, quota not met
--  A : comprehensive 1 (10), special 2 (11, 15; 12 cancelled; 1 planned) -> 3, overdue 1 (11), overall filed
--  B : comprehensive 2 (3 own, 10 joint), special 1 (13), quota not met, overall not filed
SELECT * FROM compliance(2026, '2026-06-01');
-- A month after 2026-05-15 has passed by 2026-07-01: drill 15 has no material at all.
SELECT org_code, materials_overdue FROM compliance(2026, '2026-07-01') WHERE org_kind = 'district';
-- Quotas are read from drill_quota.
UPDATE drill_quota SET min_per_year = 1 WHERE org_kind = 'district' AND drill_class = 'special';
SELECT org_code, required_special, quota_met FROM compliance(2026, '2026-06-01') WHERE org_kind = 'district';
SELECT org_code, comprehensive, special, quota_met FROM compliance(2025, '2026-06-01') WHERE org_kind = 'district';
SELECT pg_temp.err($$SELECT * FROM riskmap.compliance(NULL)$$);

-- open_actions as of 2026-06-01.
INSERT INTO improvement_action (id, drill_id, finding, action, owner, due_on, closed_on) VALUES
  (1, 11, '预警发布延迟', '修订预警流程', '应急办', '2026-05-01', NULL),     -- 31 days overdue
  (2, 11, '物资不足', '补充储备', '物资科', '2026-07-01', NULL),           -- not yet due
  (3, 13, '通讯中断', '配备卫星电话', '通信科', '2026-04-01', '2026-04-20'), -- closed
  (4, 14, '疏散路线不清', '设置标识', '水利局', '2026-03-01', '2026-06-15'), -- closed later: open now, 92 days
  (5, 15, '职责不清', '明确分工', '应急办', NULL, NULL);
SELECT * FROM open_actions('2026-06-01');
SELECT action_id, org_code, days_overdue FROM open_actions('2026-06-01', '500101');
SELECT action_id FROM open_actions('2026-06-20');
SELECT pg_temp.err($$SELECT * FROM riskmap.open_actions(current_date, 'nowhere')$$);
ROLLBACK;
