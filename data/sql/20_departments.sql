-- 20_departments.sql — city departments and the risk categories they answer for.
-- Categories used by the demo: landslide, flood, chemical, gas_pipeline, crowd,
-- mine, dam, fire.
INSERT INTO riskmap.department (code, name, categories) VALUES
  ('CQ-YJJ',   '重庆市应急管理局',           '{landslide,flood,chemical,gas_pipeline,crowd,mine,dam,fire}'::text[]),
  ('CQ-GHZYJ', '重庆市规划和自然资源局',     '{landslide}'),
  ('CQ-SLJ',   '重庆市水利局',               '{flood,dam}'),
  ('CQ-JXW',   '重庆市经济和信息化委员会',   '{chemical}'),
  ('CQ-ZJW',   '重庆市住房和城乡建设委员会', '{gas_pipeline}'),
  ('CQ-GAJ',   '重庆市公安局',               '{crowd}'),
  ('CQ-LYJ',   '重庆市林业局',               '{fire}'),
  ('CQ-XFZD',  '重庆市消防救援总队',         '{fire,chemical}'),
  ('CQ-KSJ',   '国家矿山安全监察局重庆局',   '{mine}'),
  ('CQ-QXJ',   '重庆市气象局',               '{flood,landslide}'),
  ('CQ-WJW',   '重庆市卫生健康委员会',       '{}')
ORDER BY 1;

-- Category titles for generated names.
CREATE TABLE riskmap_demo_gen.category (cat text PRIMARY KEY, title text, plan_title text, kind text,
                                        n_per_scale integer, p1 float8, p2 float8, p3 float8,
                                        radius_m float8, event_types text[], dept text);
INSERT INTO riskmap_demo_gen.category VALUES
  ('landslide',    '地质灾害',     '地质灾害',         'hazard_point', 450, 0.03, 0.12, 0.35,  300, '{landslide,collapse,debris_flow}', 'CQ-GHZYJ'),
  ('flood',        '洪涝',         '防汛抗旱',         'hazard_point', 250, 0.04, 0.16, 0.40,  800, '{flood,waterlogging}',             'CQ-SLJ'),
  ('chemical',     '危险化学品',   '危险化学品事故',   'risk_source',  150, 0.07, 0.20, 0.40, 1500, '{fire_explosion,toxic_leak}',      'CQ-JXW'),
  ('gas_pipeline', '燃气管道',     '城镇燃气事故',     'risk_source',  120, 0.03, 0.15, 0.42,  150, '{gas_leak,explosion}',             'CQ-ZJW'),
  ('crowd',        '人员密集场所', '大型群众性活动',   'risk_source',  150, 0.05, 0.20, 0.40,  300, '{stampede}',                       'CQ-GAJ'),
  ('mine',         '矿山',         '矿山事故',         'risk_source',  100, 0.05, 0.18, 0.40,  600, '{gas_outburst,mine_flooding,roof_fall}', 'CQ-KSJ'),
  ('dam',          '水库大坝',     '水库大坝安全',     'risk_source',   80, 0.06, 0.18, 0.36, 2000, '{dam_break}',                      'CQ-SLJ'),
  ('fire',         '森林火险',     '森林火灾',         'risk_source',  200, 0.03, 0.12, 0.35, 1200, '{forest_fire}',                    'CQ-LYJ');

CREATE TABLE riskmap_demo_gen.event_title (event_type text PRIMARY KEY, title text);
INSERT INTO riskmap_demo_gen.event_title VALUES
  ('landslide','滑坡'),('collapse','崩塌'),('debris_flow','泥石流'),('flood','洪水'),('waterlogging','城市内涝'),
  ('fire_explosion','火灾爆炸'),('toxic_leak','有毒气体泄漏'),('gas_leak','燃气泄漏'),('explosion','爆炸'),
  ('stampede','拥挤踩踏'),('gas_outburst','瓦斯突出'),('mine_flooding','透水'),('roof_fall','冒顶片帮'),
  ('dam_break','溃坝'),('forest_fire','森林火灾');

SELECT riskmap_demo_gen.report('department');
