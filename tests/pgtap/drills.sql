-- The drill-planning functions of docs/reference.md (allocate_drills,
-- accept_allocation, blind_scenario) and the after-drill functions: names,
-- arguments, result shapes, defaults, SECURITY INVOKER.
BEGIN;
SELECT plan(21);
SELECT has_function('riskmap', 'allocate_drills', ARRAY['integer', 'text']::name[], 'riskmap.allocate_drills(integer, text) exists');
SELECT is((SELECT pg_get_function_result('riskmap.allocate_drills(integer,text)'::regprocedure)),
          'TABLE(org_kind text, org_code text, drill_class text, subject text, month integer, source_ids bigint[], score double precision)',
          'allocate_drills columns');
SELECT is((SELECT pg_get_function_arguments('riskmap.allocate_drills(integer,text)'::regprocedure)),
          'p_year integer, p_district text DEFAULT NULL::text', 'allocate_drills arguments and default');
SELECT has_function('riskmap', 'accept_allocation', ARRAY['integer', 'text']::name[], 'riskmap.accept_allocation(integer, text) exists');
SELECT function_returns('riskmap', 'accept_allocation', ARRAY['integer', 'text']::name[], 'setof bigint', 'accept_allocation returns the new drill ids');
SELECT has_function('riskmap', 'blind_scenario', ARRAY['bigint', 'integer']::name[], 'riskmap.blind_scenario(bigint, integer) exists');
SELECT function_returns('riskmap', 'blind_scenario', ARRAY['bigint', 'integer']::name[], 'jsonb', 'blind_scenario returns jsonb');
SELECT is((SELECT pg_get_function_arguments('riskmap.blind_scenario(bigint,integer)'::regprocedure)),
          'p_drill_id bigint, p_seed integer DEFAULT NULL::integer', 'blind_scenario arguments and default');
SELECT has_function('riskmap', 'submit_material', ARRAY['bigint', 'text', 'text', 'text']::name[], 'submit_material exists');
SELECT function_returns('riskmap', 'submit_material', ARRAY['bigint', 'text', 'text', 'text']::name[], 'bigint', 'submit_material returns bigint');
SELECT has_function('riskmap', 'complete_drill', ARRAY['bigint', 'date']::name[], 'complete_drill exists');
SELECT has_function('riskmap', 'record_action', ARRAY['bigint', 'text', 'text', 'text', 'date']::name[], 'record_action exists');
SELECT function_returns('riskmap', 'record_action', ARRAY['bigint', 'text', 'text', 'text', 'date']::name[], 'bigint', 'record_action returns bigint');
SELECT has_function('riskmap', 'close_action', ARRAY['bigint', 'date']::name[], 'close_action exists');
SELECT is((SELECT count(*)::int FROM pg_proc WHERE pronamespace = 'riskmap'::regnamespace AND prosecdef
           AND proname IN ('allocate_drills', 'accept_allocation', 'blind_scenario', '_draw_scenario', 'submit_material',
                           'complete_drill', 'record_action', 'close_action')), 0, 'all SECURITY INVOKER');
SELECT lives_ok($$SELECT * FROM riskmap.allocate_drills(2031)$$, 'allocate_drills on an empty city');
SELECT is((SELECT count(*)::int FROM riskmap.allocate_drills(2031)), 0, 'nothing to propose without sources');
SELECT throws_ok($$SELECT * FROM riskmap.allocate_drills(2031, 'nope')$$, '22023', NULL, 'unknown district: 22023');
SELECT throws_ok($$SELECT riskmap.blind_scenario(-1)$$, '22023', NULL, 'unknown drill: 22023');
SELECT throws_ok($$SELECT riskmap.submit_material(-1, 'plan', 'x', repeat('a', 64))$$, '22023', NULL, 'unknown drill: 22023');
SELECT lives_ok($$SELECT * FROM riskmap.accept_allocation(2031)$$, 'accept_allocation with nothing to accept');
SELECT * FROM finish();
ROLLBACK;
