-- 0.1 -> 0.2, one house (issue 11): the "drilled this year" rule in one
-- function, riskmap._drilled_sources(year), used by undrilled_areas (as in
-- sql/src/50_geo_coverage.sql).
-- The sources drilled in p_year: a planned or completed drill of that year
-- targets them (drill_target) or has an area that intersects them. The one
-- statement of the "drilled this year" rule (undrilled_areas; see
-- docs/reference.md, uncovered_sources' no_drill).
CREATE FUNCTION _drilled_sources(p_year integer)
RETURNS TABLE(source_id bigint)
LANGUAGE sql STABLE
SET search_path FROM CURRENT
AS $$
    SELECT t.source_id
      FROM riskmap.drill_target t
      JOIN riskmap.drill dr ON dr.id = t.drill_id
     WHERE dr.year = p_year AND dr.status IN ('planned', 'completed')
    UNION
    SELECT s.id
      FROM riskmap.drill dr
      JOIN riskmap.risk_source s ON ST_Intersects(dr.area, s.geom)
     WHERE dr.year = p_year AND dr.status IN ('planned', 'completed') AND dr.area IS NOT NULL
$$;

CREATE OR REPLACE FUNCTION undrilled_areas(p_year integer DEFAULT extract(year FROM current_date)::integer,
                                p_max_level integer DEFAULT 2,
                                p_district text DEFAULT NULL)
RETURNS TABLE(source_id bigint, district_code text, risk_level smallint, zone geometry(MultiPolygon, 4326))
LANGUAGE plpgsql STABLE
SET search_path FROM CURRENT
AS $$
#variable_conflict use_column
BEGIN
    IF p_year IS NULL THEN
        RAISE EXCEPTION 'undrilled_areas: p_year must not be NULL' USING ERRCODE = '22023';
    END IF;
    IF p_max_level IS NULL OR p_max_level NOT BETWEEN 1 AND 4 THEN
        RAISE EXCEPTION 'undrilled_areas: p_max_level % is out of range 1..4', coalesce(p_max_level::text, 'NULL')
            USING ERRCODE = '22023';
    END IF;
    IF p_district IS NOT NULL AND NOT EXISTS (SELECT 1 FROM riskmap.district d WHERE d.code = p_district) THEN
        RAISE EXCEPTION 'undrilled_areas: unknown district code "%"', p_district USING ERRCODE = '22023';
    END IF;
    RETURN QUERY
    SELECT s.id, s.district_code, s.risk_level,
           riskmap._ground_buffer(ST_AsEWKB(s.geom), s.impact_radius_m, 'risk_source ' || s.id)::geometry
      FROM riskmap.risk_source s
     WHERE s.risk_level <= p_max_level
       AND (p_district IS NULL OR s.district_code = p_district)
       AND NOT EXISTS (SELECT 1 FROM riskmap._drilled_sources(p_year) AS ds WHERE ds.source_id = s.id)
     ORDER BY s.risk_level, s.id;
END
$$;
