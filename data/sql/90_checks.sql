-- 90_checks.sql — fail loudly if the generated data breaks a promise of the
-- demo: valid geometries, everything inside its district, a sane road graph.
DO $$
DECLARE
  bad text;
BEGIN
  SELECT string_agg(x, '; ') INTO bad FROM (
    SELECT format('%s invalid %s geometries', n, t) AS x FROM (
      SELECT 'district' AS t, count(*) FILTER (WHERE NOT ST_IsValid(geom) OR GeometryType(geom) <> 'MULTIPOLYGON') AS n FROM riskmap.district
      UNION ALL SELECT 'risk_source', count(*) FILTER (WHERE NOT ST_IsValid(geom) OR ST_IsEmpty(geom)) FROM riskmap.risk_source
      UNION ALL SELECT 'shelter', count(*) FILTER (WHERE NOT ST_IsValid(geom)) FROM riskmap.shelter
      UNION ALL SELECT 'population', count(*) FILTER (WHERE NOT ST_IsValid(geom) OR GeometryType(geom) <> 'POLYGON') FROM riskmap.population
      UNION ALL SELECT 'road', count(*) FILTER (WHERE NOT ST_IsValid(geom) OR GeometryType(geom) <> 'LINESTRING') FROM riskmap.road
      UNION ALL SELECT 'drill.area', count(*) FILTER (WHERE NOT ST_IsValid(area) OR GeometryType(area) <> 'MULTIPOLYGON') FROM riskmap.drill WHERE area IS NOT NULL
    ) v WHERE n > 0
    UNION ALL
    SELECT format('%s risk sources not inside their district', count(*))
    FROM riskmap.risk_source r JOIN riskmap.district d ON d.code = r.district_code
    WHERE NOT ST_Contains(d.geom, r.geom) HAVING count(*) > 0
    UNION ALL
    SELECT format('%s shelters not inside their district', count(*))
    FROM riskmap.shelter s JOIN riskmap.district d ON d.code = s.district_code
    WHERE NOT ST_Contains(d.geom, s.geom) HAVING count(*) > 0
    UNION ALL
    SELECT format('%s population cells whose centroid is not in their district', count(*))
    FROM riskmap.population p JOIN riskmap.district d ON d.code = p.district_code
    WHERE NOT ST_Contains(d.geom, ST_Centroid(p.geom)) HAVING count(*) > 0
    UNION ALL
    SELECT format('%s road edges with a bad cost or a loop', count(*)) FROM riskmap.road
    WHERE cost_s <= 0 OR (reverse_cost_s <= 0 AND reverse_cost_s <> -1) OR source = target HAVING count(*) > 0
    UNION ALL
    SELECT format('%s road edges whose ends do not meet their junctions', count(*))
    FROM riskmap.road r
    WHERE EXISTS (SELECT 1 FROM riskmap.road q WHERE q.source = r.source
                  AND NOT ST_Equals(ST_StartPoint(q.geom), ST_StartPoint(r.geom)))
       OR EXISTS (SELECT 1 FROM riskmap.road q WHERE q.target = r.source
                  AND NOT ST_Equals(ST_EndPoint(q.geom), ST_StartPoint(r.geom)))
    HAVING count(*) > 0
  ) problems;
  IF bad IS NOT NULL THEN
    RAISE EXCEPTION 'load_demo: generated data failed its checks: %', bad;
  END IF;
END $$;
SELECT '      all geometries valid; every source, shelter and cell centroid inside its district';

-- Identity sequences continue after the explicit ids.
SELECT setval(pg_get_serial_sequence('riskmap.' || t, 'id'), greatest(m, 1), m IS NOT NULL)
FROM (VALUES ('risk_source', (SELECT max(id) FROM riskmap.risk_source)),
             ('plan', (SELECT max(id) FROM riskmap.plan)),
             ('plan_event', (SELECT max(id) FROM riskmap.plan_event)),
             ('shelter', (SELECT max(id) FROM riskmap.shelter)),
             ('population', (SELECT max(id) FROM riskmap.population)),
             ('road', (SELECT max(id) FROM riskmap.road)),
             ('drill', (SELECT max(id) FROM riskmap.drill)),
             ('drill_material', (SELECT max(id) FROM riskmap.drill_material)),
             ('improvement_action', (SELECT max(id) FROM riskmap.improvement_action))) AS s(t, m)
\g /dev/null

SELECT format('summary (scale %s, as of %s): %s districts, %s sources, %s shelters/resources, %s population cells (%s people), %s road edges, %s plans, %s plan links, %s drills',
              p.scale, p.today,
              (SELECT count(*) FROM riskmap.district), (SELECT count(*) FROM riskmap.risk_source),
              (SELECT count(*) FROM riskmap.shelter), (SELECT count(*) FROM riskmap.population),
              (SELECT round(sum(people)) FROM riskmap.population), (SELECT count(*) FROM riskmap.road),
              (SELECT count(*) FROM riskmap.plan), (SELECT count(*) FROM riskmap.plan_link),
              (SELECT count(*) FROM riskmap.drill))
FROM riskmap_demo_gen.param p;

DROP SCHEMA riskmap_demo_gen CASCADE;
