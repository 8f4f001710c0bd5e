-- 55_plan_content.sql — structured content (数字化预案, docs/plan_content.md,
-- version 1) for some plans: the city's and the districts' overall plans, the
-- city's special plans and the one-to-one plans of level 1 and 2 sources that
-- are in force. Their evacuation step is marked ("kind": "evacuation") with a
-- promised time (within_minutes) drawn from 30 to 240 minutes, so that
-- clearance_report finds some promises kept and some broken. Command, workflows with timed steps, measures for the plan's events,
-- resources (the nearest shelters by id, teams, materials) and contacts.
-- It is written only when the extension has the content checker
-- (riskmap.plan_content_problems); every document is checked before it is
-- stored, and a problem fails the load.

CREATE TABLE riskmap_demo_gen.cat_content (cat text PRIMARY KEY, team text, team_n integer, material text,
                                           material_unit text, measure text, warn text, dept_unit text);
INSERT INTO riskmap_demo_gen.cat_content VALUES
  ('landslide',    '地质灾害应急救援队', 30, '编织袋',     '万条', '危险区封控', '监测点位移速率超过预警值或出现裂缝、异响',   '区规划自然资源局'),
  ('flood',        '防汛抢险突击队',     50, '防汛砂袋',   '万袋', '转移避险',   '水位超过警戒水位或发布暴雨红色预警',       '区水利局'),
  ('chemical',     '危化品救援队',       25, '吸附棉',     '吨',   '警戒隔离',   '储罐液位异常下降或可燃、有毒气体报警',     '区经济信息委'),
  ('gas_pipeline', '燃气抢修队',         20, '管道抢修夹具', '套', '停气降压',   '管网压力骤降或燃气泄漏报警',               '区住房城乡建委'),
  ('crowd',        '现场处置民警',       60, '隔离护栏',   '米',   '限流疏导',   '区域人员密度超过每平方米4人',              '区公安分局'),
  ('mine',         '矿山救护队',         40, '自救器',     '台',   '撤人停产',   '瓦斯浓度超限、涌水量突增或顶板来压',       '区矿山安全监管部门'),
  ('dam',          '水库抢险队',         40, '块石',       '立方米', '下游转移', '库水位超过汛限水位或坝体出现渗漏、裂缝',   '区水利局'),
  ('fire',         '森林消防专业队',     45, '风力灭火机', '台',   '火场封控',   '卫星监测热点或瞭望发现烟点',               '区林业局');

CREATE FUNCTION riskmap_demo_gen.person(k text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT riskmap_demo_gen.pick(ARRAY['张','王','李','刘','陈','杨','黄','赵','周','吴','徐','孙','谭','冉','向','罗'], k || ':s')
      || riskmap_demo_gen.pick(ARRAY['伟','敏','静','军','勇','洋','涛','明','超','丽','强','磊','燕','杰','平','红'], k || ':g1')
      || CASE WHEN riskmap_demo_gen.u(k || ':two') < 0.6
              THEN riskmap_demo_gen.pick(ARRAY['华','林','峰','文','波','霞','飞','东','春','斌','玲','鹏'], k || ':g2') ELSE '' END
$$;
CREATE FUNCTION riskmap_demo_gen.phone(k text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT '023-6' || lpad(floor(riskmap_demo_gen.u(k || ':tel') * 10000000)::bigint::text, 7, '0')
$$;

CREATE TABLE riskmap_demo_gen.content (code text PRIMARY KEY, content jsonb);

-- One-to-one plans of level 1 and 2 sources, in force.
INSERT INTO riskmap_demo_gen.content
SELECT p.code,
  jsonb_build_object(
    'version', 1,
    'scope', r.name || et.title || '事件',
    'command', jsonb_build_object('lead', d.name || '应急管理局局长',
                                  'members', jsonb_build_array(replace(c.dept_unit, '区', d.label), d.label || '消防救援支队',
                                                               d.label || '卫生健康委',
                                                               d.label || CASE WHEN c.cat = 'crowd' THEN '交通运输委' ELSE '公安分局' END)),
    'workflows', jsonb_build_array(
      jsonb_build_object('name', '预警与先期处置', 'trigger', c.warn, 'risk_level', r.risk_level,
        'steps', jsonb_build_array(
          jsonb_build_object('order', 1, 'action', '现场人员报告并启动先期处置', 'responsible', '现场值班负责人', 'kind', 'report', 'within_minutes', 5),
          jsonb_build_object('order', 2, 'action', '向' || d.name || '应急管理局报告，发布预警信息', 'responsible', replace(c.dept_unit, '区', d.label), 'kind', 'warning', 'within_minutes', 15),
          jsonb_build_object('order', 3, 'action', c.measure || '，设置' || r.impact_radius_m::int || '米警戒区', 'responsible', d.label || '公安分局', 'within_minutes', 30))),
      jsonb_build_object('name', '人员疏散与救援', 'risk_level', r.risk_level,
        'steps', jsonb_build_array(
          jsonb_build_object('order', 1, 'action', '组织影响范围内约' || coalesce(r.population_exposed, 0) || '人转移至应急避难场所', 'responsible', d.label || '属地街道（乡镇）',
                             'kind', 'evacuation',
                             'within_minutes', (ARRAY[30, 45, 60, 90, 120, 180, 240])[1 + floor(7 * riskmap_demo_gen.u('evac:' || p.code))::int]),
          jsonb_build_object('order', 2, 'action', '开展搜救和医疗救护', 'responsible', d.label || '消防救援支队', 'kind', 'rescue', 'within_minutes', 270),
          jsonb_build_object('order', 3, 'action', '清点转移人员，核实伤亡情况并续报', 'responsible', d.name || '应急管理局')))),
    'measures', jsonb_build_array(
      jsonb_build_object('name', c.measure, 'description', '以' || r.impact_radius_m::int || '米为半径设置警戒区，实行交通管制',
                         'event_types', jsonb_build_array(l.event_type))),
    'resources', coalesce((SELECT jsonb_agg(jsonb_build_object('kind', 'shelter', 'shelter_id', s.id) ORDER BY s.d, s.id)
                           FROM (SELECT s.id, s.geom <-> r.geom AS d FROM riskmap.shelter s
                                 WHERE s.kind = 'shelter' ORDER BY s.geom <-> r.geom, s.id LIMIT 2) s), '[]'::jsonb)
                 || jsonb_build_array(
                      jsonb_build_object('kind', 'team', 'name', d.label || c.team, 'quantity', c.team_n, 'unit', '人'),
                      jsonb_build_object('kind', 'material', 'name', c.material,
                                         'quantity', round((1 + 9 * riskmap_demo_gen.u('mq:' || p.code))::numeric, 1), 'unit', c.material_unit)),
    'contacts', jsonb_build_array(
      jsonb_build_object('role', '总指挥', 'name', riskmap_demo_gen.person('lead:' || d.code), 'phone', riskmap_demo_gen.phone('lead:' || d.code)),
      jsonb_build_object('role', '现场负责人', 'name', riskmap_demo_gen.person('site:' || p.code), 'phone', riskmap_demo_gen.phone('site:' || p.code))))
FROM riskmap.plan p
JOIN riskmap.plan_link l ON l.plan_id = p.id
JOIN riskmap.risk_source r ON r.id = l.source_id
JOIN riskmap_demo_gen.dist d ON d.code = r.district_code
JOIN riskmap_demo_gen.cat_content c ON c.cat = r.category
JOIN riskmap_demo_gen.event_title et ON et.event_type = l.event_type
WHERE p.plan_type = 'one_to_one' AND r.risk_level <= 2 AND p.status IN ('published', 'filed');

-- Overall plans of the districts: command, a generic response workflow, the
-- district's three largest shelters.
INSERT INTO riskmap_demo_gen.content
SELECT p.code,
  jsonb_build_object(
    'version', 1,
    'scope', d.name || '行政区域内自然灾害、事故灾难、公共卫生事件和社会安全事件',
    'command', jsonb_build_object('lead', d.name || '人民政府' || CASE WHEN d.name LIKE '%县' THEN '县长' ELSE '区长' END,
                                  'members', jsonb_build_array(d.name || '应急管理局', d.label || '公安分局', d.label || '卫生健康委',
                                                               d.label || '消防救援支队', d.label || '水利局', d.label || '规划自然资源局')),
    'workflows', jsonb_build_array(
      jsonb_build_object('name', '应急响应', 'trigger', '发生或可能发生较大及以上突发事件',
        'steps', jsonb_build_array(
          jsonb_build_object('order', 1, 'action', '接报核实，向区（县）政府报告', 'responsible', d.name || '应急管理局', 'within_minutes', 30),
          jsonb_build_object('order', 2, 'action', '启动应急响应，成立现场指挥部', 'responsible', d.name || '人民政府', 'within_minutes', 60),
          jsonb_build_object('order', 3, 'action', '向市政府和市应急管理局报告', 'responsible', d.name || '应急管理局', 'within_minutes', 60),
          jsonb_build_object('order', 4, 'action', '组织转移安置受威胁群众', 'responsible', '属地街道（乡镇）')))),
    'measures', jsonb_build_array(
      jsonb_build_object('name', '分级响应', 'description', '按特别重大、重大、较大、一般四级启动响应')),
    'resources', coalesce((SELECT jsonb_agg(jsonb_build_object('kind', 'shelter', 'shelter_id', s.id) ORDER BY s.capacity DESC, s.id)
                           FROM (SELECT id, capacity FROM riskmap.shelter
                                 WHERE kind = 'shelter' AND district_code = d.code ORDER BY capacity DESC, id LIMIT 3) s), '[]'::jsonb)
                 || jsonb_build_array(jsonb_build_object('kind', 'team', 'name', d.label || '综合应急救援队',
                                                         'quantity', 50 + floor(150 * riskmap_demo_gen.u('tq:' || p.code))::int, 'unit', '人')),
    'contacts', jsonb_build_array(
      jsonb_build_object('role', '总指挥', 'name', riskmap_demo_gen.person('gov:' || d.code), 'phone', riskmap_demo_gen.phone('gov:' || d.code)),
      jsonb_build_object('role', '值班室', 'name', d.name || '应急管理局值班室', 'phone', riskmap_demo_gen.phone('duty:' || d.code))))
FROM riskmap.plan p
JOIN riskmap_demo_gen.dist d ON d.code = p.owner_district
WHERE p.plan_type = 'overall';

-- The city's overall and special plans.
INSERT INTO riskmap_demo_gen.content
SELECT p.code,
  jsonb_build_object(
    'version', 1,
    'scope', CASE WHEN c.cat IS NULL THEN '重庆市行政区域内各类突发事件' ELSE '重庆市行政区域内' || c.plan_title || '突发事件' END,
    'command', jsonb_build_object('lead', '重庆市人民政府分管副市长',
                                  'members', jsonb_build_array('重庆市应急管理局')
                                             || CASE WHEN dp.code IN ('CQ-YJJ', 'CQ-XFZD', 'CQ-WJW') THEN '[]'::jsonb ELSE jsonb_build_array(dp.name) END
                                             || jsonb_build_array('重庆市消防救援总队', '重庆市卫生健康委员会')),
    'workflows', jsonb_build_array(
      jsonb_build_object('name', '市级应急响应', 'trigger', '发生重大及以上突发事件或区县请求支援', 'risk_level', 2,
        'steps', jsonb_build_array(
          jsonb_build_object('order', 1, 'action', '接报研判，提出响应建议', 'responsible', dp.name, 'within_minutes', 30),
          jsonb_build_object('order', 2, 'action', '启动市级响应，派出工作组', 'responsible', '重庆市应急管理局', 'within_minutes', 120),
          jsonb_build_object('order', 3, 'action', '调度市级救援队伍和物资', 'responsible', '重庆市应急管理局')))),
    'measures', jsonb_build_array(jsonb_build_object('name', '跨区县支援', 'description', '统筹调度相邻区县救援力量')),
    'resources', jsonb_build_array(jsonb_build_object('kind', 'team', 'name', '市级' || coalesce(cc.team, '综合应急救援总队'),
                                                      'quantity', 200, 'unit', '人')),
    'contacts', jsonb_build_array(
      jsonb_build_object('role', '值班室', 'name', dp.name || '值班室', 'phone', riskmap_demo_gen.phone('city:' || p.code))))
FROM riskmap.plan p
JOIN riskmap.department dp ON dp.code = p.owner_department
LEFT JOIN riskmap_demo_gen.category c ON p.code = 'CQ-ZX-' || upper(c.cat)
LEFT JOIN riskmap_demo_gen.cat_content cc ON cc.cat = c.cat
WHERE p.code = 'CQ-ZT' OR p.code LIKE 'CQ-ZX-%';

DO $$
DECLARE
  problems text;
BEGIN
  IF to_regprocedure('riskmap.plan_content_problems(jsonb)') IS NULL THEN
    RETURN;
  END IF;
  EXECUTE $q$
    SELECT string_agg(c.code || ' ' || x.path || ': ' || x.problem, '; ')
    FROM riskmap_demo_gen.content c CROSS JOIN LATERAL riskmap.plan_content_problems(c.content) AS x(path, problem)
  $q$ INTO problems;
  IF problems IS NOT NULL THEN
    RAISE EXCEPTION 'load_demo: generated plan content is invalid: %', left(problems, 2000);
  END IF;
  UPDATE riskmap.plan p SET content = c.content FROM riskmap_demo_gen.content c WHERE c.code = p.code;
END $$;

SELECT CASE WHEN to_regprocedure('riskmap.plan_content_problems(jsonb)') IS NULL
            THEN '      plan content left NULL: this riskmap has no plan_content_problems (docs/plan_content.md)'
            ELSE format('      plan content (docs/plan_content.md, version 1) on %s plans, all valid',
                        (SELECT count(*) FROM riskmap.plan WHERE content IS NOT NULL)) END;
