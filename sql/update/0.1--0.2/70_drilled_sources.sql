-- 0.1 -> 0.2, one house (issue 11): the "drilled this year" rule in one
-- function, riskmap._drilled_sources(year), used by undrilled_areas,
-- uncovered_sources (no_drill) and _allocation_sources (as in sql/src 50, 30
-- and 80).
-- The sources drilled in p_year: a planned or completed drill of that year
-- targets them (drill_target) or has an area that intersects them. The one
-- statement of the "drilled this year" rule (undrilled_areas; see
-- docs/reference.md, uncovered_sources' no_drill).
CREATE FUNCTION _drilled_sources(p_year integer)
RETURNS TABLE(source_id bigint)
LANGUAGE sql STABLE
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

-- uncovered_sources as in sql/src/30_ledger.sql (after 11_ledger.sql).
CREATE OR REPLACE FUNCTION uncovered_sources(p_district text DEFAULT NULL, p_as_of date DEFAULT current_date)
RETURNS TABLE(source_id bigint, name text, district_code text, risk_level smallint, reason text)
LANGUAGE plpgsql STABLE AS $$
DECLARE
    v_cutoff date;
    v_year   integer;
BEGIN
    PERFORM riskmap._check_district(p_district);
    PERFORM riskmap._check_not_null(p_as_of, 'p_as_of');
    PERFORM riskmap._check_finite(p_as_of, 'p_as_of');
    v_cutoff := (p_as_of - riskmap.revision_interval())::date;
    v_year := extract(year FROM p_as_of)::integer;
    RETURN QUERY
    WITH s AS (
        SELECT rs.id, rs.name, rs.district_code, rs.risk_level, rs.geom
        FROM riskmap.risk_source rs
        WHERE p_district IS NULL OR rs.district_code = p_district
    ), r AS (
        SELECT s.id, 'no_plan'::text AS reason FROM s
        WHERE NOT EXISTS (SELECT 1 FROM riskmap.plan_link l WHERE l.source_id = s.id)
        UNION ALL
        SELECT s.id, 'plan_not_in_force' FROM s
        WHERE EXISTS (SELECT 1 FROM riskmap.plan_link l JOIN riskmap.plan p ON p.id = l.plan_id
                      WHERE l.source_id = s.id AND p.status NOT IN ('published', 'filed'))
        UNION ALL
        SELECT s.id, 'revision_overdue' FROM s
        WHERE EXISTS (SELECT 1 FROM riskmap.plan_link l JOIN riskmap.plan p ON p.id = l.plan_id
                      WHERE l.source_id = s.id AND p.status IN ('published', 'filed')
                        AND greatest(p.revised_on, p.published_on, p.approved_on) < v_cutoff)
        UNION ALL
        SELECT s.id, 'no_drill' FROM s
        WHERE s.risk_level <= 2
          AND NOT EXISTS (SELECT 1 FROM riskmap._drilled_sources(v_year) ds WHERE ds.source_id = s.id)
    )
    SELECT s.id, s.name, s.district_code, s.risk_level, r.reason
    FROM r JOIN s ON s.id = r.id
    ORDER BY s.risk_level, s.id, r.reason;
END $$;

-- _allocation_sources as in sql/src/80_drills.sql.
CREATE OR REPLACE FUNCTION _allocation_sources(p_year integer)
RETURNS TABLE(id bigint, cat_idx integer, category text, district_code text, risk_level smallint,
              weight double precision, geom geometry)
LANGUAGE sql STABLE AS $$
    WITH cats AS (
        SELECT c.category, row_number() OVER (ORDER BY c.category)::integer AS idx
        FROM (SELECT DISTINCT rs.category FROM riskmap.risk_source rs) c
    ), covered AS (
        SELECT ds.source_id FROM riskmap._drilled_sources(p_year) ds
    ), last_drill AS (
        SELECT z.source_id, max(z.year) AS year FROM (
            SELECT t.source_id, d.year FROM riskmap.drill_target t JOIN riskmap.drill d ON d.id = t.drill_id
            WHERE d.status = 'completed' AND d.year < p_year
            UNION ALL
            SELECT rs.id, d.year FROM riskmap.drill d JOIN riskmap.risk_source rs
              ON d.area IS NOT NULL AND d.area && rs.geom AND ST_Intersects(d.area, rs.geom)
            WHERE d.status = 'completed' AND d.year < p_year) z
        GROUP BY z.source_id
    )
    SELECT rs.id, c.idx, rs.category, rs.district_code, rs.risk_level,
           CASE WHEN cv.source_id IS NOT NULL THEN 0::double precision
                ELSE ((ARRAY[8, 4, 2, 1])[rs.risk_level] * least(5, coalesce(p_year - l.year, 5)))::double precision
           END,
           rs.geom
    FROM riskmap.risk_source rs
    JOIN cats c ON c.category = rs.category
    LEFT JOIN covered cv ON cv.source_id = rs.id
    LEFT JOIN last_drill l ON l.source_id = rs.id
$$;
