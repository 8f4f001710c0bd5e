-- After the drill: complete_drill, submit_material, record_action,
-- close_action: checks, clear errors, row-level security (SECURITY INVOKER).
\set VERBOSITY terse
\getenv regress_helpers RISKMAP_REGRESS_HELPERS
\i :regress_helpers
SET regress.err_mask = '(action|drill_material of drill|improvement_action of drill) \d+';
SET regress.err_mask_to = '\1 #';
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
DROP ROLE IF EXISTS rm_mat_lead_a;
CREATE ROLE rm_mat_lead_a LOGIN IN ROLE riskmap_district;
GRANT EXECUTE ON FUNCTION pg_temp.err(text) TO PUBLIC;

BEGIN;
SET search_path = riskmap, public;
CALL pg_temp.clean();
INSERT INTO district (code, name) VALUES ('500101', 'A区'), ('500102', 'B区');
INSERT INTO user_district VALUES ('rm_mat_lead_a', '500101');
INSERT INTO drill (id, year, title, drill_class, organizer_district, scheduled_on, status) VALUES
 (21, 2025, 'A演练', 'special', '500101', '2025-05-10', 'planned'),
 (22, 2025, 'B演练', 'special', '500102', '2025-05-12', 'planned'),
 (23, 2025, '取消的', 'special', '500101', '2025-05-14', 'cancelled');

-- Materials: the plan and script may come before the drill.
SELECT submit_material(21, 'plan', 'file:///archive/21/plan.pdf', '  ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789 ') > 0 AS plan_archived;
SELECT kind, uri, sha256, submitted_on = current_date AS today FROM drill_material WHERE drill_id = 21;
-- The same file again is the same material.
SELECT submit_material(21, 'plan', 'file:///archive/21/plan.pdf', 'abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789')
     = (SELECT id FROM drill_material WHERE drill_id = 21) AS same_id;
SELECT pg_temp.err($$SELECT riskmap.submit_material(21, 'photo', 'file:///x', repeat('a', 64))$$);
SELECT pg_temp.err($$SELECT riskmap.submit_material(21, NULL, 'file:///x', repeat('a', 64))$$);
SELECT pg_temp.err($$SELECT riskmap.submit_material(21, 'script', '   ', repeat('a', 64))$$);
SELECT pg_temp.err($$SELECT riskmap.submit_material(21, 'script', NULL, repeat('a', 64))$$);
SELECT pg_temp.err($$SELECT riskmap.submit_material(21, 'script', 'file:///s', repeat('a', 63))$$);
SELECT pg_temp.err($$SELECT riskmap.submit_material(21, 'script', 'file:///s', repeat('g', 64))$$);
SELECT pg_temp.err($$SELECT riskmap.submit_material(21, 'script', 'file:///s', NULL)$$);
SELECT pg_temp.err($$SELECT riskmap.submit_material(999, 'script', 'file:///s', repeat('a', 64))$$);
SELECT pg_temp.err($$SELECT riskmap.submit_material(NULL, 'script', 'file:///s', repeat('a', 64))$$);
SELECT pg_temp.err($$SELECT riskmap.submit_material(23, 'script', 'file:///s', repeat('a', 64))$$);
-- Evaluation, images and videos come from the drill: not before it is completed.
SELECT pg_temp.err($$SELECT riskmap.submit_material(21, 'evaluation', 'file:///e', repeat('a', 64))$$);
SELECT count(*) AS materials FROM drill_material;

-- Completion.
SELECT pg_temp.err($$SELECT riskmap.complete_drill(21, '2099-01-01')$$);
SELECT pg_temp.err($$SELECT riskmap.complete_drill(21, NULL)$$);
SELECT pg_temp.err($$SELECT riskmap.complete_drill(999)$$);
SELECT pg_temp.err($$SELECT riskmap.complete_drill(23, '2025-05-14')$$);
SELECT id, status, completed_on FROM complete_drill(21, '2025-05-10');
SELECT id, status, completed_on FROM complete_drill(21, '2025-05-10');   -- again, same day: fine
SELECT pg_temp.err($$SELECT riskmap.complete_drill(21, '2025-05-11')$$);
SELECT submit_material(21, 'evaluation', 'file:///archive/21/eval.pdf', repeat('b', 64)) > 0 AS evaluation_archived;
SELECT submit_material(21, 'video', 'https://example.org/21.mp4', repeat('c', 64)) > 0 AS video_archived;
SELECT kind, uri FROM drill_material WHERE drill_id = 21 ORDER BY kind;

-- Improvement actions of the evaluation.
CREATE TEMP TABLE act AS SELECT record_action(21, '疏散用时超标', '增设疏散引导员', '街道办事处', '2025-06-30') AS id;
SELECT a.finding, a.action, a.owner, a.due_on, a.closed_on FROM improvement_action a JOIN act USING (id);
SELECT pg_temp.err($$SELECT riskmap.record_action(22, 'f', 'a', 'o', NULL)$$);
SELECT pg_temp.err($$SELECT riskmap.record_action(21, '', 'a', 'o', NULL)$$);
SELECT pg_temp.err($$SELECT riskmap.record_action(21, 'f', 'a', NULL, NULL)$$);
SELECT pg_temp.err($$SELECT riskmap.record_action(21, 'f', 'a', 'o', '2025-05-01')$$);
SELECT pg_temp.err($$SELECT riskmap.record_action(999, 'f', 'a', 'o', NULL)$$);
SELECT pg_temp.err(format('SELECT riskmap.close_action(%s, %L)', (SELECT id FROM act), '2025-05-01'));
SELECT close_action(id, '2025-06-20') FROM act;
SELECT a.closed_on FROM improvement_action a JOIN act USING (id);
SELECT pg_temp.err(format('SELECT riskmap.close_action(%s, %L)', (SELECT id FROM act), '2025-06-21'));
SELECT pg_temp.err($$SELECT riskmap.close_action(99999)$$);
SELECT pg_temp.err($$SELECT riskmap.close_action(NULL)$$);
SELECT count(*) AS open_actions FROM open_actions('2025-07-01');

-- Row-level security: lead A works on A's drill, not on B's.
SELECT id, status FROM complete_drill(22, '2025-05-12');
CREATE TEMP TABLE act_b AS SELECT record_action(22, 'B问题', 'B整改', 'B单位', NULL) AS id;
GRANT SELECT ON act, act_b TO rm_mat_lead_a;
SET LOCAL ROLE rm_mat_lead_a;
SELECT pg_temp.err($$SELECT riskmap.submit_material(22, 'script', 'file:///b', repeat('d', 64))$$);
SELECT pg_temp.err($$SELECT riskmap.record_action(22, 'f', 'a', 'o', NULL)$$);
SELECT pg_temp.err(format('SELECT riskmap.close_action(%s)', (SELECT id FROM act_b)));
SELECT pg_temp.err($$SELECT riskmap.submit_material(21, 'script', 'file:///archive/21/script.docx', repeat('e', 64))$$);
SELECT pg_temp.err($$SELECT riskmap.record_action(21, '通信不畅', '配备卫星电话', '区应急管理局', NULL)$$);
RESET ROLE;
INSERT INTO drill (id, year, title, drill_class, organizer_district, scheduled_on) VALUES
 (24, 2025, 'B演练二', 'special', '500102', '2025-06-01');
SET LOCAL ROLE rm_mat_lead_a;
SELECT pg_temp.err($$SELECT riskmap.complete_drill(24, '2025-06-01')$$);
RESET ROLE;
SELECT d.id, d.status, (SELECT count(*) FROM drill_material m WHERE m.drill_id = d.id) AS materials,
       (SELECT count(*) FROM improvement_action a WHERE a.drill_id = d.id) AS actions
FROM drill d ORDER BY d.id;
ROLLBACK;
DROP ROLE rm_mat_lead_a;
