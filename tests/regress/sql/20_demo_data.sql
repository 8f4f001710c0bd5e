-- The Chongqing demo (data/load_demo) loads at scale 1 into its own database,
-- twice with the same result, and keeps its promises: valid geometries,
-- everything inside its district, one road network, every plan state and type.
-- Only facts that do not depend on current_date are printed.
\getenv abs_srcdir PG_ABS_SRCDIR
SET client_min_messages = warning;
DROP DATABASE IF EXISTS riskmap_demo_regress;
CREATE DATABASE riskmap_demo_regress;
\c riskmap_demo_regress
SET client_min_messages = warning;
CREATE EXTENSION riskmap CASCADE;
\set loader :abs_srcdir/../../data/load_demo
\set out1 `:'loader' --scale 1 -d riskmap_demo_regress 2>&1 | grep -E '^      repaired|^load_demo: done' | sed 's/ in [0-9.]* s$//'`
\echo :out1
CREATE TABLE public.first_run AS
SELECT 'risk_source' AS t, md5(string_agg(r::text, '|' ORDER BY id)) AS h FROM riskmap.risk_source r
UNION ALL SELECT 'population', md5(string_agg(p::text, '|' ORDER BY id)) FROM riskmap.population p
UNION ALL SELECT 'road', md5(string_agg(r::text, '|' ORDER BY id)) FROM riskmap.road r
UNION ALL SELECT 'shelter', md5(string_agg(s::text, '|' ORDER BY id)) FROM riskmap.shelter s
UNION ALL SELECT 'plan', md5(string_agg(p::text, '|' ORDER BY id)) FROM riskmap.plan p
UNION ALL SELECT 'plan_link', md5(string_agg(l::text, '|' ORDER BY source_id, event_type)) FROM riskmap.plan_link l
UNION ALL SELECT 'drill', md5(string_agg(d::text, '|' ORDER BY id)) FROM riskmap.drill d;
-- A second run gives the same rows.
\set out2 `:'loader' --scale 1 -d riskmap_demo_regress 2>&1 | tail -1 | sed 's/ in [0-9.]* s$//'`
\echo :out2
SELECT f.t, f.h = x.h AS same
FROM public.first_run f
JOIN (SELECT 'risk_source' AS t, md5(string_agg(r::text, '|' ORDER BY id)) AS h FROM riskmap.risk_source r
      UNION ALL SELECT 'population', md5(string_agg(p::text, '|' ORDER BY id)) FROM riskmap.population p
      UNION ALL SELECT 'road', md5(string_agg(r::text, '|' ORDER BY id)) FROM riskmap.road r
      UNION ALL SELECT 'shelter', md5(string_agg(s::text, '|' ORDER BY id)) FROM riskmap.shelter s
      UNION ALL SELECT 'plan', md5(string_agg(p::text, '|' ORDER BY id)) FROM riskmap.plan p
      UNION ALL SELECT 'plan_link', md5(string_agg(l::text, '|' ORDER BY source_id, event_type)) FROM riskmap.plan_link l
      UNION ALL SELECT 'drill', md5(string_agg(d::text, '|' ORDER BY id)) FROM riskmap.drill d) x USING (t)
ORDER BY 1;
-- Sizes at scale 1.
SELECT (SELECT count(*) FROM riskmap.district) AS districts,
       (SELECT count(*) FROM riskmap.department) AS departments,
       (SELECT count(*) FROM riskmap.risk_source) AS sources,
       (SELECT count(*) FROM riskmap.population) BETWEEN 5500 AND 6500 AS cells_about_6000,
       (SELECT round(sum(people) / 1e4) FROM riskmap.population) AS people_wan,
       (SELECT count(*) FROM riskmap.road) BETWEEN 11000 AND 13500 AS edges_about_12000,
       (SELECT count(*) FROM riskmap.workday_override) AS overrides;
SELECT category, kind, count(*), count(DISTINCT district_code) > 0 AS placed,
       min(risk_level) AS min_level, max(risk_level) AS max_level
FROM riskmap.risk_source GROUP BY 1, 2 ORDER BY 1;
SELECT kind, count(*), min(capacity) >= 0 AS capacity_ok FROM riskmap.shelter GROUP BY 1 ORDER BY 1;
SELECT count(DISTINCT district_code) AS districts_with_sources FROM riskmap.risk_source;
-- Geometry promises.
SELECT bool_and(ST_IsValid(geom)) AS districts_valid FROM riskmap.district;
SELECT bool_and(ST_IsValid(r.geom) AND ST_Contains(d.geom, r.geom)) AS sources_valid_inside
FROM riskmap.risk_source r JOIN riskmap.district d ON d.code = r.district_code;
SELECT bool_and(ST_IsValid(s.geom) AND ST_Contains(d.geom, s.geom)) AS shelters_valid_inside
FROM riskmap.shelter s JOIN riskmap.district d ON d.code = s.district_code;
SELECT bool_and(ST_IsValid(p.geom) AND ST_Contains(d.geom, ST_Centroid(p.geom))) AS cells_valid_inside
FROM riskmap.population p JOIN riskmap.district d ON d.code = p.district_code;
SELECT bool_and(ST_IsValid(geom) AND GeometryType(geom) = 'LINESTRING') AS roads_valid,
       bool_and(cost_s > 0 AND (reverse_cost_s > 0 OR reverse_cost_s = -1)) AS costs_ok,
       count(*) FILTER (WHERE reverse_cost_s < 0) > 0 AS some_one_way
FROM riskmap.road;
SELECT bool_and(ST_IsValid(area)) AS drill_areas_valid, count(*) > 0 AS some_areas FROM riskmap.drill WHERE area IS NOT NULL;
-- Every plan state and type; every plan_link of a one_to_one plan is its only one.
SELECT s, EXISTS (SELECT 1 FROM riskmap.plan WHERE status = s) AS present
FROM unnest('{drafting,reviewing,approved,published,filed,revising,retired}'::text[]) AS s;
SELECT t, EXISTS (SELECT 1 FROM riskmap.plan WHERE plan_type = t) AS present
FROM unnest('{overall,special,department,grassroots,enterprise,one_to_one}'::text[]) AS t;
SELECT count(*) AS one_to_one_plans_serving_several_pairs
FROM (SELECT plan_id FROM riskmap.plan_link l JOIN riskmap.plan p ON p.id = l.plan_id
      WHERE p.plan_type = 'one_to_one' GROUP BY plan_id HAVING count(*) > 1) x;
SELECT count(*) FILTER (WHERE plan_type = 'overall' AND owner_district IS NOT NULL) AS district_overall_plans
FROM riskmap.plan;
-- Structured content on some plans once the content checker exists, all of it valid.
SELECT to_regprocedure('riskmap.plan_content_problems(jsonb)') IS NULL
       OR (count(*) FILTER (WHERE content IS NOT NULL) > 0) AS content_when_checker
FROM riskmap.plan;
-- Drills: exactly one organiser each, two years.
SELECT count(DISTINCT year) AS years, bool_and((organizer_district IS NULL) <> (organizer_department IS NULL)) AS one_organizer
FROM riskmap.drill;
\c riskmap_regress
DROP DATABASE riskmap_demo_regress;
