-- Plan content (数字化预案): riskmap.plan_content_problems, riskmap._check_plan_content,
-- riskmap.plans_using_shelter.
SET search_path = riskmap, public;
\getenv regress_helpers RISKMAP_REGRESS_HELPERS
\i :regress_helpers

-- The example of docs/plan_content.md is valid.
\set example '''{"version": 1, "scope": "渝中区危险化学品储存场所泄漏、火灾、爆炸事故", "command": {"lead": "区应急管理局局长", "members": ["区消防救援支队", "区卫生健康委", "解放碑街道办事处"]}, "workflows": [{"name": "泄漏处置", "trigger": "储罐液位异常下降或可燃气体报警", "risk_level": 2, "steps": [{"order": 1, "action": "启动应急响应，报告区应急管理局", "responsible": "企业值班长", "within_minutes": 5}, {"order": 2, "action": "疏散下风向500米内人员", "responsible": "解放碑街道办事处", "within_minutes": 30}, {"order": 3, "action": "堵漏、收集泄漏物", "responsible": "区消防救援支队"}]}], "measures": [{"name": "警戒隔离", "description": "设置300米警戒区，实行交通管制", "event_types": ["leak", "fire"]}], "resources": [{"kind": "shelter", "shelter_id": 12, "name": "人民公园应急避难场所"}, {"kind": "team", "name": "危化品救援队", "quantity": 25, "unit": "人"}, {"kind": "material", "name": "吸附棉", "quantity": 0.5, "unit": "吨"}], "contacts": [{"role": "总指挥", "name": "张伟", "phone": "023-63800000"}]}'''
SELECT count(*) AS problems_of_example FROM plan_content_problems(:example::jsonb);
SELECT count(*) AS minimal FROM plan_content_problems('{"version": 1}');
SELECT pg_temp.err(format('SELECT riskmap._check_plan_content(%L::jsonb, %L)', :example, 'CQ-YZ-001'));

-- Every kind of problem, in document order (jsonb orders keys by length, then bytes).
SELECT * FROM plan_content_problems('{
  "version": 2, "titel": "typo", "scope": ["x"],
  "command": {"lead": " ", "members": ["a", 1], "deputy": "x"},
  "workflows": [
    {"name": "w", "risk_level": 5, "trigger": 1, "steps": []},
    {"steps": [{"order": 1, "action": "a", "responsible": "r", "within_minutes": 0},
               {"order": 1, "action": "", "responsible": "r", "within_minutes": "5"},
               {"order": 2.5, "responsible": "r"}]},
    "not an object"],
  "measures": [{"description": "d", "event_types": [""]}],
  "resources": [{"kind": "shelter"}, {"kind": "team", "shelter_id": 3, "quantity": -1},
                {"kind": "boat", "name": "b"}, {"kind": "shelter", "shelter_id": 0}],
  "contacts": [{"role": "总指挥", "name": "张伟"}, {"name": "李", "phone": 1, "mail": "x"}]
}');

-- Not an object.
SELECT * FROM plan_content_problems('[{"version": 1}]');
SELECT * FROM plan_content_problems('"text"');
SELECT * FROM plan_content_problems('null');
-- Deeper than 32 levels.
SELECT * FROM plan_content_problems(('{"version": 1, "x": ' || repeat('[', 100) || repeat(']', 100) || '}')::jsonb);
-- A key that is no identifier is quoted in the path.
SELECT * FROM plan_content_problems('{"version": 1, "a \"b\"": 1, "预案": 2}');
-- Many problems: the first 1000 are listed, then a count of the rest.
SELECT count(*) AS rows, max(problem) FILTER (WHERE path = 'content') AS last
FROM plan_content_problems(jsonb_build_object('version', 1, 'workflows', jsonb_build_array(jsonb_build_object(
    'name', 'w', 'steps', (SELECT jsonb_agg(jsonb_build_object('order', 1, 'action', 'a', 'responsible', 'r'))
                           FROM generate_series(1, 1500))))));
-- NULL: no rows (STRICT).
SELECT count(*) AS null_content FROM plan_content_problems(NULL);

-- _check_plan_content: ERROR 23514 naming the plan and the first problem, DETAIL with the others.
SELECT _check_plan_content(NULL, 'CQ-YZ-001') AS null_is_fine,
       _check_plan_content('{"version": 1}', 'CQ-YZ-001') AS valid_is_fine;
SELECT _check_plan_content('{"version": 1, "scope": 1}', 'CQ-YZ-002');
SELECT _check_plan_content('{"versoin": 1, "scope": 1, "workflows": [{"name": "w", "steps": [{"order": 1}]}]}', 'CQ-YZ-003');
SELECT pg_temp.err($$SELECT riskmap._check_plan_content('{}', 'CQ-YZ-004')$$);
SELECT pg_temp.err($$SELECT riskmap._check_plan_content('{}', NULL)$$);

-- plans_using_shelter: resources that name the shelter (7 and 7.0 alike).
-- Unusual ids and codes, so that rows of other tests cannot interfere; valid
-- contents and status drafting, so that plan triggers have nothing to refuse.
BEGIN;
INSERT INTO district (code, name) VALUES ('T11-500103', '渝中区 (test)');
INSERT INTO plan (id, code, title, plan_type, owner_district, status, content) VALUES
  (911003, 'T11-P3', '危化品泄漏专项预案', 'special', 'T11-500103', 'drafting',
   '{"version": 1, "resources": [{"kind": "team", "name": "t"}, {"kind": "shelter", "shelter_id": 911007}]}'),
  (911001, 'T11-P1', '总体预案', 'overall', 'T11-500103', 'drafting',
   '{"version": 1, "resources": [{"kind": "shelter", "shelter_id": 911007.0}]}'),
  (911002, 'T11-P2', '地质灾害预案', 'special', 'T11-500103', 'drafting',
   '{"version": 1, "resources": [{"kind": "shelter", "shelter_id": 911008}]}'),
  (911004, 'T11-P4', '无内容预案', 'department', 'T11-500103', 'drafting', NULL),
  (911005, 'T11-P5', '其他', 'special', 'T11-500103', 'drafting', '{"version": 1, "resources": [{"kind": "team", "name": "t", "quantity": 911007}]}');
SELECT * FROM plans_using_shelter(911007);
SELECT * FROM plans_using_shelter(911008);
SELECT count(*) AS none FROM plans_using_shelter(911009);
ROLLBACK;

-- Plan lifecycle: the allowed moves among the 7 states (13 of the 49 pairs).
SELECT f.s AS from_status, string_agg(t.s, ', ' ORDER BY t.n) FILTER (WHERE _plan_move_allowed(f.s, t.s)) AS allowed_to
FROM unnest('{drafting,reviewing,approved,published,filed,revising,retired}'::text[]) WITH ORDINALITY AS f(s, n),
     unnest('{drafting,reviewing,approved,published,filed,revising,retired}'::text[]) WITH ORDINALITY AS t(s, n)
GROUP BY f.s, f.n
ORDER BY f.n;
SELECT s AS to_status, _plan_date_column(s) AS date_column
FROM unnest('{drafting,reviewing,approved,published,filed,revising,retired}'::text[]) WITH ORDINALITY AS u(s, n)
ORDER BY n;
SELECT _plan_move_allowed(NULL, 'retired') IS NULL AS strict;
SELECT pg_temp.err($$SELECT riskmap._plan_move_allowed('drafting', 'archived')$$);
SELECT pg_temp.err($$SELECT riskmap._plan_move_allowed('Published', 'filed')$$);
SELECT pg_temp.err($$SELECT riskmap._plan_date_column('')$$);
