-- The public contract of docs/reference.md: tables, columns, keys, functions, roles.
-- Written from docs/reference.md; a failure here means the contract is broken.
BEGIN;
SELECT plan(170);
SELECT has_table('riskmap', 'district', 'table riskmap.district exists');
SELECT col_type_is('riskmap', 'district', 'code', 'text', 'riskmap.district.code is text');
SELECT col_type_is('riskmap', 'district', 'name', 'text', 'riskmap.district.name is text');
SELECT col_type_is('riskmap', 'district', 'parent_code', 'text', 'riskmap.district.parent_code is text');
SELECT col_type_is('riskmap', 'district', 'geom', 'geometry(MultiPolygon,4326)', 'riskmap.district.geom is geometry(MultiPolygon,4326)');
SELECT col_is_pk('riskmap', 'district', ARRAY['code']::name[], 'riskmap.district primary key (code)');
SELECT has_table('riskmap', 'department', 'table riskmap.department exists');
SELECT col_type_is('riskmap', 'department', 'code', 'text', 'riskmap.department.code is text');
SELECT col_type_is('riskmap', 'department', 'name', 'text', 'riskmap.department.name is text');
SELECT col_type_is('riskmap', 'department', 'categories', 'text[]', 'riskmap.department.categories is text[]');
SELECT col_is_pk('riskmap', 'department', ARRAY['code']::name[], 'riskmap.department primary key (code)');
SELECT has_table('riskmap', 'risk_source', 'table riskmap.risk_source exists');
SELECT col_type_is('riskmap', 'risk_source', 'id', 'bigint', 'riskmap.risk_source.id is bigint');
SELECT col_type_is('riskmap', 'risk_source', 'kind', 'text', 'riskmap.risk_source.kind is text');
SELECT col_type_is('riskmap', 'risk_source', 'name', 'text', 'riskmap.risk_source.name is text');
SELECT col_type_is('riskmap', 'risk_source', 'category', 'text', 'riskmap.risk_source.category is text');
SELECT col_type_is('riskmap', 'risk_source', 'risk_level', 'smallint', 'riskmap.risk_source.risk_level is smallint');
SELECT col_type_is('riskmap', 'risk_source', 'district_code', 'text', 'riskmap.risk_source.district_code is text');
SELECT col_type_is('riskmap', 'risk_source', 'geom', 'geometry(Geometry,4326)', 'riskmap.risk_source.geom is geometry(Geometry,4326)');
SELECT col_type_is('riskmap', 'risk_source', 'impact_radius_m', 'double precision', 'riskmap.risk_source.impact_radius_m is double precision');
SELECT col_type_is('riskmap', 'risk_source', 'population_exposed', 'integer', 'riskmap.risk_source.population_exposed is integer');
SELECT col_is_pk('riskmap', 'risk_source', ARRAY['id']::name[], 'riskmap.risk_source primary key (id)');
SELECT has_table('riskmap', 'plan', 'table riskmap.plan exists');
SELECT col_type_is('riskmap', 'plan', 'id', 'bigint', 'riskmap.plan.id is bigint');
SELECT col_type_is('riskmap', 'plan', 'code', 'text', 'riskmap.plan.code is text');
SELECT col_type_is('riskmap', 'plan', 'title', 'text', 'riskmap.plan.title is text');
SELECT col_type_is('riskmap', 'plan', 'plan_type', 'text', 'riskmap.plan.plan_type is text');
SELECT col_type_is('riskmap', 'plan', 'owner_district', 'text', 'riskmap.plan.owner_district is text');
SELECT col_type_is('riskmap', 'plan', 'owner_department', 'text', 'riskmap.plan.owner_department is text');
SELECT col_type_is('riskmap', 'plan', 'status', 'text', 'riskmap.plan.status is text');
SELECT col_type_is('riskmap', 'plan', 'approved_on', 'date', 'riskmap.plan.approved_on is date');
SELECT col_type_is('riskmap', 'plan', 'published_on', 'date', 'riskmap.plan.published_on is date');
SELECT col_type_is('riskmap', 'plan', 'filed_on', 'date', 'riskmap.plan.filed_on is date');
SELECT col_type_is('riskmap', 'plan', 'revised_on', 'date', 'riskmap.plan.revised_on is date');
SELECT col_type_is('riskmap', 'plan', 'content', 'jsonb', 'riskmap.plan.content is jsonb');
SELECT col_is_pk('riskmap', 'plan', ARRAY['id']::name[], 'riskmap.plan primary key (id)');
SELECT has_table('riskmap', 'plan_link', 'table riskmap.plan_link exists');
SELECT col_type_is('riskmap', 'plan_link', 'source_id', 'bigint', 'riskmap.plan_link.source_id is bigint');
SELECT col_type_is('riskmap', 'plan_link', 'event_type', 'text', 'riskmap.plan_link.event_type is text');
SELECT col_type_is('riskmap', 'plan_link', 'plan_id', 'bigint', 'riskmap.plan_link.plan_id is bigint');
SELECT col_is_pk('riskmap', 'plan_link', ARRAY['source_id', 'event_type']::name[], 'riskmap.plan_link primary key (source_id, event_type)');
SELECT has_table('riskmap', 'plan_event', 'table riskmap.plan_event exists');
SELECT col_type_is('riskmap', 'plan_event', 'plan_id', 'bigint', 'riskmap.plan_event.plan_id is bigint');
SELECT col_type_is('riskmap', 'plan_event', 'from_status', 'text', 'riskmap.plan_event.from_status is text');
SELECT col_type_is('riskmap', 'plan_event', 'to_status', 'text', 'riskmap.plan_event.to_status is text');
SELECT col_type_is('riskmap', 'plan_event', 'on_date', 'date', 'riskmap.plan_event.on_date is date');
SELECT col_type_is('riskmap', 'plan_event', 'actor', 'text', 'riskmap.plan_event.actor is text');
SELECT col_type_is('riskmap', 'plan_event', 'note', 'text', 'riskmap.plan_event.note is text');
SELECT has_table('riskmap', 'shelter', 'table riskmap.shelter exists');
SELECT col_type_is('riskmap', 'shelter', 'id', 'bigint', 'riskmap.shelter.id is bigint');
SELECT col_type_is('riskmap', 'shelter', 'name', 'text', 'riskmap.shelter.name is text');
SELECT col_type_is('riskmap', 'shelter', 'kind', 'text', 'riskmap.shelter.kind is text');
SELECT col_type_is('riskmap', 'shelter', 'capacity', 'integer', 'riskmap.shelter.capacity is integer');
SELECT col_type_is('riskmap', 'shelter', 'district_code', 'text', 'riskmap.shelter.district_code is text');
SELECT col_type_is('riskmap', 'shelter', 'geom', 'geometry(Point,4326)', 'riskmap.shelter.geom is geometry(Point,4326)');
SELECT col_is_pk('riskmap', 'shelter', ARRAY['id']::name[], 'riskmap.shelter primary key (id)');
SELECT has_table('riskmap', 'population', 'table riskmap.population exists');
SELECT col_type_is('riskmap', 'population', 'id', 'bigint', 'riskmap.population.id is bigint');
SELECT col_type_is('riskmap', 'population', 'district_code', 'text', 'riskmap.population.district_code is text');
SELECT col_type_is('riskmap', 'population', 'people', 'double precision', 'riskmap.population.people is double precision');
SELECT col_type_is('riskmap', 'population', 'geom', 'geometry(Geometry,4326)', 'riskmap.population.geom is geometry(Geometry,4326)');
SELECT col_is_pk('riskmap', 'population', ARRAY['id']::name[], 'riskmap.population primary key (id)');
SELECT has_table('riskmap', 'road', 'table riskmap.road exists');
SELECT col_type_is('riskmap', 'road', 'id', 'bigint', 'riskmap.road.id is bigint');
SELECT col_type_is('riskmap', 'road', 'source', 'bigint', 'riskmap.road.source is bigint');
SELECT col_type_is('riskmap', 'road', 'target', 'bigint', 'riskmap.road.target is bigint');
SELECT col_type_is('riskmap', 'road', 'cost_s', 'double precision', 'riskmap.road.cost_s is double precision');
SELECT col_type_is('riskmap', 'road', 'reverse_cost_s', 'double precision', 'riskmap.road.reverse_cost_s is double precision');
SELECT col_type_is('riskmap', 'road', 'geom', 'geometry(LineString,4326)', 'riskmap.road.geom is geometry(LineString,4326)');
SELECT col_is_pk('riskmap', 'road', ARRAY['id']::name[], 'riskmap.road primary key (id)');
SELECT has_table('riskmap', 'drill', 'table riskmap.drill exists');
SELECT col_type_is('riskmap', 'drill', 'id', 'bigint', 'riskmap.drill.id is bigint');
SELECT col_type_is('riskmap', 'drill', 'year', 'integer', 'riskmap.drill.year is integer');
SELECT col_type_is('riskmap', 'drill', 'title', 'text', 'riskmap.drill.title is text');
SELECT col_type_is('riskmap', 'drill', 'drill_class', 'text', 'riskmap.drill.drill_class is text');
SELECT col_type_is('riskmap', 'drill', 'subject', 'text', 'riskmap.drill.subject is text');
SELECT col_type_is('riskmap', 'drill', 'form', 'text', 'riskmap.drill.form is text');
SELECT col_type_is('riskmap', 'drill', 'blind', 'boolean', 'riskmap.drill.blind is boolean');
SELECT col_type_is('riskmap', 'drill', 'organizer_district', 'text', 'riskmap.drill.organizer_district is text');
SELECT col_type_is('riskmap', 'drill', 'organizer_department', 'text', 'riskmap.drill.organizer_department is text');
SELECT col_type_is('riskmap', 'drill', 'joint_districts', 'text[]', 'riskmap.drill.joint_districts is text[]');
SELECT col_type_is('riskmap', 'drill', 'joint_departments', 'text[]', 'riskmap.drill.joint_departments is text[]');
SELECT col_type_is('riskmap', 'drill', 'key_drill', 'boolean', 'riskmap.drill.key_drill is boolean');
SELECT col_type_is('riskmap', 'drill', 'scheduled_on', 'date', 'riskmap.drill.scheduled_on is date');
SELECT col_type_is('riskmap', 'drill', 'completed_on', 'date', 'riskmap.drill.completed_on is date');
SELECT col_type_is('riskmap', 'drill', 'status', 'text', 'riskmap.drill.status is text');
SELECT col_type_is('riskmap', 'drill', 'area', 'geometry(MultiPolygon,4326)', 'riskmap.drill.area is geometry(MultiPolygon,4326)');
SELECT col_is_pk('riskmap', 'drill', ARRAY['id']::name[], 'riskmap.drill primary key (id)');
SELECT has_table('riskmap', 'drill_target', 'table riskmap.drill_target exists');
SELECT col_type_is('riskmap', 'drill_target', 'drill_id', 'bigint', 'riskmap.drill_target.drill_id is bigint');
SELECT col_type_is('riskmap', 'drill_target', 'source_id', 'bigint', 'riskmap.drill_target.source_id is bigint');
SELECT has_table('riskmap', 'drill_material', 'table riskmap.drill_material exists');
SELECT col_type_is('riskmap', 'drill_material', 'drill_id', 'bigint', 'riskmap.drill_material.drill_id is bigint');
SELECT col_type_is('riskmap', 'drill_material', 'kind', 'text', 'riskmap.drill_material.kind is text');
SELECT col_type_is('riskmap', 'drill_material', 'submitted_on', 'date', 'riskmap.drill_material.submitted_on is date');
SELECT col_type_is('riskmap', 'drill_material', 'uri', 'text', 'riskmap.drill_material.uri is text');
SELECT col_type_is('riskmap', 'drill_material', 'sha256', 'text', 'riskmap.drill_material.sha256 is text');
SELECT has_table('riskmap', 'improvement_action', 'table riskmap.improvement_action exists');
SELECT col_type_is('riskmap', 'improvement_action', 'id', 'bigint', 'riskmap.improvement_action.id is bigint');
SELECT col_type_is('riskmap', 'improvement_action', 'drill_id', 'bigint', 'riskmap.improvement_action.drill_id is bigint');
SELECT col_type_is('riskmap', 'improvement_action', 'finding', 'text', 'riskmap.improvement_action.finding is text');
SELECT col_type_is('riskmap', 'improvement_action', 'action', 'text', 'riskmap.improvement_action.action is text');
SELECT col_type_is('riskmap', 'improvement_action', 'owner', 'text', 'riskmap.improvement_action.owner is text');
SELECT col_type_is('riskmap', 'improvement_action', 'due_on', 'date', 'riskmap.improvement_action.due_on is date');
SELECT col_type_is('riskmap', 'improvement_action', 'closed_on', 'date', 'riskmap.improvement_action.closed_on is date');
SELECT col_is_pk('riskmap', 'improvement_action', ARRAY['id']::name[], 'riskmap.improvement_action primary key (id)');
SELECT has_table('riskmap', 'workday_override', 'table riskmap.workday_override exists');
SELECT col_type_is('riskmap', 'workday_override', 'day', 'date', 'riskmap.workday_override.day is date');
SELECT col_type_is('riskmap', 'workday_override', 'is_workday', 'boolean', 'riskmap.workday_override.is_workday is boolean');
SELECT col_type_is('riskmap', 'workday_override', 'name', 'text', 'riskmap.workday_override.name is text');
SELECT col_is_pk('riskmap', 'workday_override', ARRAY['day']::name[], 'riskmap.workday_override primary key (day)');
SELECT has_table('riskmap', 'drill_quota', 'table riskmap.drill_quota exists');
SELECT col_type_is('riskmap', 'drill_quota', 'org_kind', 'text', 'riskmap.drill_quota.org_kind is text');
SELECT col_type_is('riskmap', 'drill_quota', 'drill_class', 'text', 'riskmap.drill_quota.drill_class is text');
SELECT col_type_is('riskmap', 'drill_quota', 'min_per_year', 'integer', 'riskmap.drill_quota.min_per_year is integer');
SELECT col_type_is('riskmap', 'drill_quota', 'max_per_year', 'integer', 'riskmap.drill_quota.max_per_year is integer');
SELECT has_table('riskmap', 'user_district', 'table riskmap.user_district exists');
SELECT col_type_is('riskmap', 'user_district', 'role_name', 'text', 'riskmap.user_district.role_name is text');
SELECT col_type_is('riskmap', 'user_district', 'district_code', 'text', 'riskmap.user_district.district_code is text');
SELECT has_function('riskmap', 'uncovered_sources', ARRAY['text', 'date']::name[], 'riskmap.uncovered_sources(text, date) exists');
SELECT function_returns('riskmap', 'uncovered_sources', ARRAY['text', 'date']::name[], 'setof record', 'riskmap.uncovered_sources returns setof record');
SELECT has_function('riskmap', 'filing_overdue', ARRAY['date']::name[], 'riskmap.filing_overdue(date) exists');
SELECT function_returns('riskmap', 'filing_overdue', ARRAY['date']::name[], 'setof record', 'riskmap.filing_overdue returns setof record');
SELECT has_function('riskmap', 'compliance', ARRAY['integer', 'date']::name[], 'riskmap.compliance(integer, date) exists');
SELECT function_returns('riskmap', 'compliance', ARRAY['integer', 'date']::name[], 'setof record', 'riskmap.compliance returns setof record');
SELECT has_function('riskmap', 'open_actions', ARRAY['date', 'text']::name[], 'riskmap.open_actions(date, text) exists');
SELECT function_returns('riskmap', 'open_actions', ARRAY['date', 'text']::name[], 'setof record', 'riskmap.open_actions returns setof record');
SELECT has_function('riskmap', 'plan_transition', ARRAY['bigint', 'text', 'date', 'text']::name[], 'riskmap.plan_transition(bigint, text, date, text) exists');
SELECT has_function('riskmap', 'plans_using_shelter', ARRAY['bigint']::name[], 'riskmap.plans_using_shelter(bigint) exists');
SELECT function_returns('riskmap', 'plans_using_shelter', ARRAY['bigint']::name[], 'setof record', 'riskmap.plans_using_shelter returns setof record');

-- Plain calls resolve with the defaults and integer levels.
SELECT lives_ok($$SELECT * FROM riskmap.uncovered_sources()$$, 'uncovered_sources() with defaults');
SELECT lives_ok($$SELECT * FROM riskmap.filing_overdue()$$, 'filing_overdue() with defaults');
SELECT lives_ok($$SELECT * FROM riskmap.compliance(2026)$$, 'compliance(year) with the default date');
SELECT lives_ok($$SELECT * FROM riskmap.open_actions()$$, 'open_actions() with defaults');
-- Result columns, by name and type, as docs/reference.md lists them.
SELECT is((SELECT pg_get_function_result('riskmap.uncovered_sources(text,date)'::regprocedure)),
          'TABLE(source_id bigint, name text, district_code text, risk_level smallint, reason text)', 'uncovered_sources columns');
SELECT is((SELECT pg_get_function_result('riskmap.filing_overdue(date)'::regprocedure)),
          'TABLE(plan_id bigint, code text, owner_district text, owner_department text, published_on date, due_on date, working_days_late integer)', 'filing_overdue columns');
SELECT is((SELECT pg_get_function_result('riskmap.compliance(integer,date)'::regprocedure)),
          'TABLE(org_kind text, org_code text, org_name text, comprehensive integer, special integer, required_comprehensive integer, required_special integer, quota_met boolean, materials_overdue integer, overall_plan_filed boolean)', 'compliance columns');
SELECT is((SELECT pg_get_function_result('riskmap.open_actions(date,text)'::regprocedure)),
          'TABLE(action_id bigint, drill_id bigint, org_code text, action text, owner text, due_on date, days_overdue integer)', 'open_actions columns');
-- Roles.
SELECT has_role('riskmap_reader'); SELECT has_role('riskmap_district'); SELECT has_role('riskmap_office');
SELECT is_member_of('riskmap_reader', 'riskmap_district');
SELECT is_member_of('riskmap_reader', 'riskmap_office');
-- Row-level security is on for the tables districts write.
SELECT ok((SELECT relrowsecurity FROM pg_class WHERE oid = ('riskmap.' || t)::regclass), 'row-level security on riskmap.' || t)
FROM unnest(ARRAY['plan', 'plan_link', 'drill', 'drill_target', 'drill_material', 'improvement_action', 'drill_scenario']) AS t;
-- Every geometry column has a GiST index.
SELECT ok(EXISTS (SELECT 1 FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am am ON am.oid = c.relam
                  JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
                  WHERE i.indrelid = ('riskmap.' || g.t)::regclass AND a.attname = g.c AND am.amname = 'gist'),
          'GiST index on riskmap.' || g.t || '.' || g.c)
FROM (VALUES ('district', 'geom'), ('risk_source', 'geom'), ('shelter', 'geom'), ('population', 'geom'),
             ('road', 'geom'), ('drill', 'area')) AS g(t, c);

-- The geo engine, tiles and drill planning (docs/reference.md, SQL functions).
SELECT is((SELECT pg_get_function_result('riskmap.undrilled_areas(integer,integer,text)'::regprocedure)),
          'TABLE(source_id bigint, district_code text, risk_level smallint, zone geometry)', 'undrilled_areas columns');
SELECT is((SELECT pg_get_function_result('riskmap.coverage_gaps(double precision,integer,text,text[])'::regprocedure)),
          'TABLE(district_code text, gap geometry, gap_area_m2 double precision, exposed_people double precision, source_ids bigint[])', 'coverage_gaps columns');
SELECT is((SELECT pg_get_function_result('riskmap.evacuation_assignment(double precision,double precision,boolean,text)'::regprocedure)),
          'TABLE(population_id bigint, shelter_id bigint, people double precision, time_s double precision)', 'evacuation_assignment columns');
SELECT is((SELECT pg_get_function_result('riskmap.evacuation_catchments(double precision,double precision,boolean,text)'::regprocedure)),
          'TABLE(shelter_id bigint, catchment geometry, people double precision, capacity integer, max_time_s double precision)', 'evacuation_catchments columns');
SELECT is((SELECT pg_get_function_result('riskmap.allocate_drills(integer,text)'::regprocedure)),
          'TABLE(org_kind text, org_code text, drill_class text, subject text, month integer, source_ids bigint[], score double precision)', 'allocate_drills columns');
SELECT has_function('riskmap', 'accept_allocation', ARRAY['integer', 'text']::name[], 'riskmap.accept_allocation(integer, text) exists');
SELECT function_returns('riskmap', 'blind_scenario', ARRAY['bigint', 'integer']::name[], 'jsonb', 'riskmap.blind_scenario returns jsonb');
SELECT function_returns('riskmap', 'tile', ARRAY['integer', 'integer', 'integer', 'text', 'integer']::name[], 'bytea', 'riskmap.tile returns bytea');
-- Plain calls resolve: integer levels, defaults.
SELECT lives_ok($$SELECT * FROM riskmap.coverage_gaps(3000, 3)$$, 'coverage_gaps(3000, 3) resolves');
SELECT lives_ok($$SELECT * FROM riskmap.undrilled_areas()$$, 'undrilled_areas() with defaults');
SELECT lives_ok($$SELECT * FROM riskmap.evacuation_assignment()$$, 'evacuation_assignment() with defaults');
SELECT lives_ok($$SELECT * FROM riskmap.evacuation_catchments()$$, 'evacuation_catchments() with defaults');
SELECT lives_ok($$SELECT * FROM riskmap.allocate_drills(2026)$$, 'allocate_drills(year) with defaults');
SELECT lives_ok($$SELECT riskmap.tile(0, 0, 0)$$, 'tile(z, x, y) with defaults');
SELECT * FROM finish();
ROLLBACK;
