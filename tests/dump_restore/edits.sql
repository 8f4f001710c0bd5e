-- Edits on top of the demo for sql.dump_restore: lifecycle moves (history),
-- links, a blind drill with its sealed scenario, an edited shipped quota, an
-- added quota, a custom tile style, an edited shipped style, an explicit id.
\set ON_ERROR_STOP 1
SET search_path = riskmap, public;
SELECT count(*) AS moved FROM (
    SELECT riskmap.plan_transition(id, 'retired', '2026-01-05', 'dump test')
    FROM (SELECT id FROM plan WHERE status <> 'retired' ORDER BY id LIMIT 3) p) x;
INSERT INTO plan (id, code, title, plan_type, owner_district)
SELECT 900001, 'DUMP-1', '备份测试预案', 'one_to_one', code FROM district ORDER BY code LIMIT 1;
SELECT riskmap.plan_transition(900001, 'reviewing', '2026-02-01', 'r');
INSERT INTO plan_link (source_id, event_type, plan_id)
SELECT s.id, 'dump_test_event', 900001 FROM risk_source s
WHERE s.district_code = (SELECT owner_district FROM plan WHERE id = 900001) ORDER BY s.id LIMIT 1;
INSERT INTO drill (year, title, drill_class, blind, organizer_district, scheduled_on)
SELECT 2099, '备份盲演', 'special', true, code, '2099-07-15' FROM district ORDER BY code LIMIT 1;
INSERT INTO drill_scenario (drill_id, seed, scenario) SELECT id, 7, '{"sealed": "dump"}' FROM drill WHERE title = '备份盲演';
UPDATE drill_quota SET min_per_year = 3 WHERE org_kind = 'district' AND drill_class = 'special';
INSERT INTO drill_quota VALUES ('department', 'comprehensive', 1, 1);
INSERT INTO tile_style (name, spec) SELECT 'custom', jsonb_set(spec, '{name}', '"custom"') FROM tile_style WHERE name = 'risk';
UPDATE tile_style SET spec = jsonb_set(spec, '{description}', '"edited by the city"') WHERE name = 'evacuation';
INSERT INTO workday_override VALUES ('2026-10-01', false, '国庆节') ON CONFLICT DO NOTHING;
INSERT INTO user_district SELECT 'rm_dump_lead', code FROM district ORDER BY code LIMIT 1;
INSERT INTO allocation_acceptance (year) VALUES (2098);
