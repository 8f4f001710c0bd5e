-- accept_allocation: planned drills with targets and joint districts, one
-- transaction, row-level security (SECURITY INVOKER).
\set VERBOSITY terse
\getenv regress_helpers RISKMAP_REGRESS_HELPERS
\i :regress_helpers
-- new drill ids come from the sequence: masked
SET regress.err_mask = 'drill \d+ ';
SET regress.err_mask_to = 'drill # ';
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
DROP ROLE IF EXISTS rm_drills_lead_a, rm_drills_lead_b, rm_drills_office;
CREATE ROLE rm_drills_lead_a LOGIN IN ROLE riskmap_district;
CREATE ROLE rm_drills_lead_b LOGIN IN ROLE riskmap_district;
CREATE ROLE rm_drills_office LOGIN IN ROLE riskmap_office;
GRANT EXECUTE ON FUNCTION pg_temp.err(text) TO PUBLIC;

BEGIN;
SET search_path = riskmap, public;
CALL pg_temp.clean();
INSERT INTO district (code, name, geom) VALUES
  ('500101', 'A区', ST_Multi(ST_MakeEnvelope(106.0, 29.0, 106.5, 29.5, 4326))),
  ('500102', 'B区', ST_Multi(ST_MakeEnvelope(106.5, 29.0, 107.0, 29.5, 4326))),
  ('500103', 'C区', ST_Multi(ST_MakeEnvelope(106.0, 29.5, 106.5, 30.0, 4326)));
INSERT INTO department (code, name, categories) VALUES ('D1', '市水利局', '{dam}');
INSERT INTO user_district VALUES ('rm_drills_lead_a', '500101'), ('rm_drills_lead_b', '500102');
UPDATE drill_quota SET min_per_year = 0 WHERE org_kind = 'district' AND drill_class = 'special';
-- One comprehensive drill per district, one special for D1.
-- A's chemical plant (level 1) sits 1.95 km west of the A/B border (106.5) with
-- a 3 km impact zone: its drill is joint with B. A's second source (level 3)
-- crosses into C (29.5) but is not high risk: no joint district for it.
INSERT INTO risk_source (id, name, category, risk_level, district_code, geom, impact_radius_m) VALUES
 (1, '边界化工厂', 'chemical', 1, '500101', 'SRID=4326;POINT(106.48 29.20)', 3000),
 (2, '北部加油站', 'chemical', 3, '500101', 'SRID=4326;POINT(106.10 29.49)', 2000),
 (3, 'B水库', 'dam', 2, '500102', 'SRID=4326;POINT(106.80 29.20)', 1000),
 (4, 'B广场', 'crowd', 1, '500102', 'SRID=4326;POINT(106.81 29.20)', 200),
 (5, 'C滑坡', 'landslide', 2, '500103', 'SRID=4326;POINT(106.20 29.80)', 300);
SELECT * FROM joint_districts_for(ARRAY[1::bigint], '500101') AS from_a,
              joint_districts_for(ARRAY[2::bigint], '500101') AS low_risk,
              joint_districts_for(ARRAY[1::bigint, 2::bigint]) AS for_a_department;
SELECT * FROM allocate_drills(2031);
-- The high-risk sources without a drill of the year (what the tiles hatch): all four.
SELECT array_agg(source_id ORDER BY source_id) AS undrilled_before FROM undrilled_areas(2031);

-- Lead B may accept B's proposal only: A's is 42501 and nothing is written.
SET LOCAL ROLE rm_drills_lead_b;
SELECT pg_temp.err($$SELECT riskmap.accept_allocation(2031, '500101')$$);
SELECT pg_temp.err($$SELECT riskmap.accept_allocation(2031)$$);
SELECT count(*) AS drills_after_refusals FROM riskmap.drill;
SELECT count(*) AS accepted_by_b FROM riskmap.accept_allocation(2031, '500102');
RESET ROLE;
-- Lead A accepts A's.
SET LOCAL ROLE rm_drills_lead_a;
SELECT count(*) AS accepted_by_a FROM riskmap.accept_allocation(2031, '500101');
-- The department's drill is the office's.
SELECT pg_temp.err($$SELECT riskmap.accept_allocation(2031)$$);
RESET ROLE;
SET LOCAL ROLE rm_drills_office;
SELECT count(*) AS accepted_by_office FROM riskmap.accept_allocation(2031);
RESET ROLE;
SELECT d.title, d.drill_class, d.subject, d.form, d.organizer_district, d.organizer_department,
       d.joint_districts, d.scheduled_on, d.status, d.year,
       (SELECT array_agg(t.source_id ORDER BY t.source_id) FROM drill_target t WHERE t.drill_id = d.id) AS targets
FROM drill d ORDER BY d.organizer_department NULLS FIRST, d.organizer_district;
-- The joint drill counts for B too (compliance counts joint participants).
SELECT org_code, comprehensive, special, quota_met FROM compliance(2031, '2031-01-01') ORDER BY 1;
-- Every high-risk source now has its drill.
SELECT count(*) AS undrilled_after FROM undrilled_areas(2031);
-- Nothing left: accepting again inserts nothing.
SELECT count(*) AS accepted_again FROM accept_allocation(2031);
ROLLBACK;
DROP ROLE rm_drills_lead_a, rm_drills_lead_b, rm_drills_office;
