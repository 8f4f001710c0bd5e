-- An interrupted coverage_gaps (statement_timeout) fails with 57014, leaves
-- nothing behind, and the next call works and gives the full answer.
\set VERBOSITY terse
BEGIN;
SET search_path = riskmap, public;
INSERT INTO district (code, name, geom)
SELECT '5001' || lpad(i::text, 2, '0'), 'D' || i,
       ST_Multi(ST_MakeEnvelope(106.0 + 0.1 * (i % 5), 29.0 + 0.1 * (i / 5), 106.1 + 0.1 * (i % 5), 29.1 + 0.1 * (i / 5), 4326))
  FROM generate_series(0, 24) i;
-- 3000 overlapping zones and 3000 shelters: a few hundred ms of GEOS work
INSERT INTO risk_source (id, name, category, risk_level, district_code, geom, impact_radius_m)
SELECT i, 's' || i, 'chemical', 1, '500100',
       ST_SetSRID(ST_MakePoint(106.0 + 0.5 * ((i * 7919) % 3001) / 3001.0, 29.0 + 0.5 * ((i * 104729) % 2999) / 2999.0), 4326),
       800 + (i % 7) * 300
  FROM generate_series(1, 3000) i;
INSERT INTO shelter (id, name, kind, district_code, geom)
SELECT i, 'h' || i, 'shelter', '500100',
       ST_SetSRID(ST_MakePoint(106.0 + 0.5 * ((i * 6007) % 2003) / 2003.0, 29.0 + 0.5 * ((i * 3571) % 1999) / 1999.0), 4326)
  FROM generate_series(1, 3000) i;
SAVEPOINT before_timeout;
SET LOCAL statement_timeout = '60ms';
SELECT count(*) FROM coverage_gaps(400, 4);
ROLLBACK TO SAVEPOINT before_timeout;
SET LOCAL statement_timeout = 0;
SELECT count(*) AS districts_with_gap, sum(gap_area_m2) > 0 AS has_area FROM coverage_gaps(400, 4);
-- and again, later in the computation
SAVEPOINT again;
SET LOCAL statement_timeout = '120ms';
SELECT count(*) FROM coverage_gaps(400, 4);
ROLLBACK TO SAVEPOINT again;
SET LOCAL statement_timeout = 0;
SELECT count(*) AS districts_with_gap FROM coverage_gaps(400, 4, '500112');
ROLLBACK;
