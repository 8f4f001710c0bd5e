-- blind_scenario: drawn from the data, deterministic per seed, stored and
-- sealed (office only before the drill's date, also through functions).
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
-- A plain SQL function (SECURITY INVOKER) that reads stored scenarios.
CREATE FUNCTION pg_temp.peek(p_drill bigint) RETURNS jsonb LANGUAGE sql AS
$$ SELECT scenario FROM riskmap.drill_scenario WHERE drill_id = p_drill $$;
DROP ROLE IF EXISTS rm_scn_lead_a, rm_scn_office, rm_scn_reader;
CREATE ROLE rm_scn_lead_a LOGIN IN ROLE riskmap_district;
CREATE ROLE rm_scn_office LOGIN IN ROLE riskmap_office;
CREATE ROLE rm_scn_reader LOGIN IN ROLE riskmap_reader;
GRANT EXECUTE ON FUNCTION pg_temp.err(text), pg_temp.peek(bigint) TO PUBLIC;

BEGIN;
SET search_path = riskmap, public;
CALL pg_temp.clean();
INSERT INTO district (code, name, geom) VALUES
  ('500101', 'A区', ST_Multi(ST_MakeEnvelope(106.0, 29.0, 106.5, 29.5, 4326)));
INSERT INTO user_district VALUES ('rm_scn_lead_a', '500101');
INSERT INTO risk_source (id, name, category, risk_level, district_code, geom, impact_radius_m, event_types) VALUES
 (1, '化工厂', 'chemical', 1, '500101', 'SRID=4326;POINT(106.1 29.1)', 1000, '{toxic_leak,fire_explosion}'),
 (2, '加油站', 'chemical', 4, '500101', 'SRID=4326;POINT(106.3 29.3)', 0, NULL),
 (3, '滑坡点', 'landslide', 2, '500101', 'SRID=4326;POINT(106.4 29.4)', 300, NULL);
INSERT INTO plan (id, code, title, plan_type, owner_district, status, content) VALUES
 (1, 'P1', '化工厂有毒气体泄漏预案', 'one_to_one', '500101', 'published',
  '{"version": 1, "workflows": [{"name": "泄漏处置", "steps": [
      {"order": 1, "action": "报告区应急管理局", "responsible": "企业值班长", "within_minutes": 10},
      {"order": 2, "action": "设置警戒区", "responsible": "派出所", "within_minutes": 20},
      {"order": 3, "action": "疏散下风向人员", "responsible": "街道办事处", "within_minutes": 30},
      {"order": 4, "action": "洗消", "responsible": "消防救援支队", "within_minutes": 60}]}],
    "resources": [{"kind": "shelter", "shelter_id": 3}]}');
INSERT INTO plan_link VALUES (1, 'toxic_leak', 1);
INSERT INTO shelter (id, name, kind, capacity, district_code, geom) VALUES
 (1, '一号避难所', 'shelter', 500, '500101', 'SRID=4326;POINT(106.11 29.11)'),
 (2, '人民医院', 'hospital', 100, '500101', 'SRID=4326;POINT(106.10 29.105)'),
 (3, '二号避难所', 'shelter', 2000, '500101', 'SRID=4326;POINT(106.20 29.20)');
-- People: a point and a cell whose centroid are in the 1 km zone, one far away.
INSERT INTO population (id, district_code, people, geom) VALUES
 (1, '500101', 1000, 'SRID=4326;POINT(106.101 29.101)'),
 (2, '500101', 300, ST_MakeEnvelope(106.095, 29.095, 106.100, 29.100, 4326)),
 (3, '500101', 9999, 'SRID=4326;POINT(106.3 29.3)');
-- 11: sealed until 2099, targets 1 and 2; 12: past; 13: past, nothing stored;
-- 14: no date; 15: sealed, no targets (A's sources are drawn from).
INSERT INTO drill (id, year, title, drill_class, organizer_district, scheduled_on, blind) VALUES
 (11, 2099, '六无盲演', 'special', '500101', '2099-07-15', true),
 (12, 2020, '往年盲演', 'special', '500101', '2020-07-15', true),
 (13, 2020, '往年盲演二', 'special', '500101', '2020-08-15', true),
 (14, 2099, '未定日期', 'special', '500101', NULL, true),
 (15, 2099, '区级盲演', 'comprehensive', '500101', '2099-09-01', true);
INSERT INTO drill_target VALUES (11, 1), (11, 2), (12, 3), (13, 1);

-- The office draws drill 11's scenario with seed 7 and it is stored.
SET LOCAL ROLE rm_scn_office;
CREATE TEMP TABLE s7 AS SELECT riskmap.blind_scenario(11, 7) AS j;
SELECT j #>> '{source,id}' AS source, j #>> '{event,type}' AS event, j #>> '{event,plan,code}' AS plan,
       j ->> 'start_time' AS start_time, j ->> 'zone_radius_m' AS radius, j #>> '{zone,type}' AS zone_type,
       j ->> 'people_affected' AS people, j ->> 'shelter_capacity_within_1h' AS capacity_1h,
       j ->> 'capacity_suffices' AS suffices, j ->> 'travel_basis' AS basis
FROM s7;
SELECT e ->> 'id' AS id, e ->> 'name' AS name, e ->> 'capacity' AS capacity, e ->> 'distance_m' AS distance_m,
       e ->> 'walk_s' AS walk_s, e ->> 'within_1h' AS within_1h
FROM s7, jsonb_array_elements(j -> 'shelters') e;
SELECT e ->> 'at_minute' AS at, e ->> 'at' AS clock, e ->> 'kind' AS kind, e #>> '{tests,step}' AS tests_step,
       e #>> '{tests,within_minutes}' AS within, e ->> 'deadline_minute' AS deadline, e ->> 'text' AS text
FROM s7, jsonb_array_elements(j -> 'injects') e;
-- The zone is the source buffered by 1 km on the ground (area within 0.5 % of pi r^2).
SELECT abs(ST_Area(ST_GeomFromGeoJSON(j ->> 'zone')::geography) / (pi() * 1000 ^ 2) - 1) < 0.005 AS zone_area_ok FROM s7;
-- Stored, and stable: the same seed or no seed gives the stored scenario.
SELECT seed, scenario = (SELECT j FROM s7) AS same FROM riskmap.drill_scenario WHERE drill_id = 11;
SELECT riskmap.blind_scenario(11) = (SELECT j FROM s7) AS null_seed_stable,
       riskmap.blind_scenario(11, 7) = (SELECT j FROM s7) AS same_seed_stable,
       riskmap._draw_scenario(11, 7) = (SELECT j FROM s7) AS redraw_identical;
-- Other seeds draw other scenarios (deterministically).
SELECT s, riskmap._draw_scenario(11, s) #>> '{source,id}' AS source, riskmap._draw_scenario(11, s) #>> '{event,type}' AS event,
       riskmap._draw_scenario(11, s) ->> 'start_time' AS start_time,
       riskmap._draw_scenario(11, s) = riskmap._draw_scenario(11, s) AS repeatable
FROM generate_series(1, 6) s;
-- An explicit other seed from the office replaces the stored scenario.
SELECT riskmap.blind_scenario(11, 8) = riskmap._draw_scenario(11, 8) AS replaced;
SELECT seed FROM riskmap.drill_scenario WHERE drill_id = 11;
-- No seed on a fresh drill: the seed is the drill id. No targets: A's sources.
SELECT riskmap.blind_scenario(15) = riskmap._draw_scenario(15, 15) AS seed_is_id;
SELECT seed AS stored_seed FROM riskmap.drill_scenario WHERE drill_id = 15;
-- Past drill 12 (landslide, no plan): generic injects.
SELECT e ->> 'kind' AS kind, e ->> 'tests' AS tests FROM jsonb_array_elements(riskmap.blind_scenario(12, 5) -> 'injects') e;
-- Errors.
SELECT pg_temp.err($$SELECT riskmap.blind_scenario(999)$$);
SELECT pg_temp.err($$SELECT riskmap.blind_scenario(NULL)$$);
SELECT pg_temp.err($$SELECT riskmap.blind_scenario(14)$$);
RESET ROLE;

-- District lead A (its own district's drill): sealed before the date, by
-- every way: the function, the table, the drawing helper, a function.
SET LOCAL ROLE rm_scn_lead_a;
SELECT pg_temp.err($$SELECT riskmap.blind_scenario(11)$$);
SELECT pg_temp.err($$SELECT riskmap.blind_scenario(11, 8)$$);
SELECT pg_temp.err($$SELECT riskmap._draw_scenario(11, 8)$$);
SELECT array_agg(drill_id ORDER BY drill_id) AS rows_visible FROM riskmap.drill_scenario;
SELECT pg_temp.peek(11) IS NULL AS peek_sees_nothing;
SELECT pg_temp.err($$UPDATE riskmap.drill_scenario SET scenario = '{}' WHERE drill_id = 11$$);
SELECT pg_temp.err($$INSERT INTO riskmap.drill_scenario (drill_id, seed, scenario) VALUES (15, 1, '{}')$$);
-- After the date it is open: the stored scenario of drill 12.
SELECT riskmap.blind_scenario(12) = pg_temp.peek(12) AS past_readable, (pg_temp.peek(12) ->> 'seed') AS seed;
-- ... but only the office draws it again with another seed.
SELECT pg_temp.err($$SELECT riskmap.blind_scenario(12, 99)$$);
-- Past drill 13 has nothing stored: the lead gets the drill-id draw, not stored.
SELECT riskmap.blind_scenario(13) = (SELECT riskmap._draw_scenario(13, 13)) AS drawn,
       pg_temp.peek(13) IS NULL AS not_stored;
RESET ROLE;
SET LOCAL ROLE rm_scn_reader;
SELECT pg_temp.err($$SELECT riskmap.blind_scenario(11)$$);
SELECT array_agg(drill_id ORDER BY drill_id) AS visible_to_reader FROM riskmap.drill_scenario;
RESET ROLE;
-- None of the scenario functions runs with its owner's rights.
SELECT count(*) AS security_definer FROM pg_proc
WHERE pronamespace = 'riskmap'::regnamespace AND prosecdef
  AND proname IN ('blind_scenario', '_draw_scenario', '_assert_scenario_access', '_rng_pick', '_rng_below',
                  '_scenario_injects', 'accept_allocation', 'allocate_drills', 'complete_drill', 'submit_material',
                  'record_action', 'close_action');
ROLLBACK;
-- The generator's helpers on odd input: answers or clean errors.
SELECT riskmap._rng_pick(1, 1, '{}') IS NULL AS empty, riskmap._rng_pick(1, 1, '{0,-1,NaN,Infinity,NULL}') IS NULL AS no_weight,
       riskmap._rng_pick(42, 1, '{0,0,5}') AS only_positive, riskmap._rng_below(7, 3, 1) AS below_one;
SELECT pg_temp.err($$SELECT riskmap._rng_below(1, 1, 0)$$);
SELECT pg_temp.err($$SELECT riskmap._rng_pick(1, 1, '{{1,2},{3,4}}')$$);
SELECT pg_temp.err($$SELECT * FROM riskmap._scenario_injects(1, 4, '{10,20}', 0)$$);
SELECT pg_temp.err($$SELECT * FROM riskmap._scenario_injects(1, 4, '{{10},{20}}', 3)$$);
SELECT count(*) AS injects, count(step) AS testing_steps, max(deadline_minute) < 1051300 AS clamped
FROM riskmap._scenario_injects(5, 4, '{2147483647,NULL,-5,30}', 8);
DROP ROLE rm_scn_lead_a, rm_scn_office, rm_scn_reader;
