-- Ground buffers, undrilled areas and coverage gaps (C: plugin/core/rm_metric.c,
-- rm_coverage.c; glue: plugin/pg/coverage_fmgr.c). See docs/geo.md.
--
-- Like every riskmap function, these get a fixed search_path at the end of the
-- script (99_finish.sql), so they work whatever the caller's search_path is.

CREATE FUNCTION _ground_buffer(ewkb bytea, radius_m double precision, what text DEFAULT NULL)
RETURNS bytea
AS 'MODULE_PATHNAME', 'riskmap_ground_buffer'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION _ground_area(ewkb bytea)
RETURNS double precision
AS 'MODULE_PATHNAME', 'riskmap_ground_area'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

-- g itself, or ERROR 22023 naming it when a coordinate is not a finite
-- longitude/latitude (the buffer is measured on the WGS 84 ellipsoid).
CREATE FUNCTION _check_lonlat(g geometry) RETURNS geometry
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
BEGIN
    IF ST_IsEmpty(g) THEN
        RETURN g;
    END IF;
    IF NOT (ST_XMin(g) >= -180 AND ST_XMax(g) <= 180 AND ST_YMin(g) >= -90 AND ST_YMax(g) <= 90) THEN
        RAISE EXCEPTION 'geometry % is not in longitude/latitude: its extent % leaves [-180, 180] x [-90, 90]',
                left(ST_AsText(g), 200), Box2D(g)::text
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN g;
END $$;

CREATE FUNCTION ground_buffer(g geometry, radius_m double precision)
RETURNS geometry
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT riskmap._ground_buffer(ST_AsEWKB(riskmap._check_lonlat(g)), radius_m)::geometry $$;
COMMENT ON FUNCTION ground_buffer(geometry, double precision) IS
'g (EPSG:4326) buffered by radius_m metres on the ground, as a MultiPolygon: geodesic circles around points '
'(64 vertices, within 0.12 % of the radius), a local transverse Mercator projection (PROJ) for lines and polygons. '
'Radius 0 keeps the polygonal parts only (the buffer of a point or line by 0 is empty).';

CREATE FUNCTION ground_area(g geometry)
RETURNS double precision
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT riskmap._ground_area(ST_AsEWKB(g)) $$;
COMMENT ON FUNCTION ground_area(geometry) IS
'Ellipsoidal (WGS 84) area in m² of the polygonal parts of g (EPSG:4326), as ST_Area(g::geography).';

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

CREATE FUNCTION undrilled_areas(p_year integer DEFAULT extract(year FROM current_date)::integer,
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
COMMENT ON FUNCTION undrilled_areas(integer, integer, text) IS
'Sources of risk_level <= p_max_level (of district p_district, all when NULL) that no planned or completed drill '
'of p_year targets or covers with its area, with their impact zone (ground_buffer of geom by impact_radius_m; '
'an empty MultiPolygon for a point or line with radius 0). Ordered by risk_level, source_id.';

CREATE FUNCTION _coverage_gaps(p_reach_m double precision, p_max_level integer, p_district text, p_kinds text[])
RETURNS TABLE(district_code text, gap bytea, gap_area_m2 double precision, exposed_people double precision,
              source_ids bigint[])
AS 'MODULE_PATHNAME', 'riskmap_coverage_gaps'
LANGUAGE C STABLE;

CREATE FUNCTION coverage_gaps(p_reach_m double precision DEFAULT 3000,
                              p_max_level integer DEFAULT 2,
                              p_district text DEFAULT NULL,
                              p_kinds text[] DEFAULT NULL)
RETURNS TABLE(district_code text, gap geometry(MultiPolygon, 4326), gap_area_m2 double precision,
              exposed_people double precision, source_ids bigint[])
LANGUAGE sql STABLE
AS $$
    SELECT c.district_code, c.gap::geometry, c.gap_area_m2, c.exposed_people, c.source_ids
      FROM riskmap._coverage_gaps(p_reach_m, p_max_level, p_district, p_kinds) AS c
     ORDER BY c.district_code
$$;
COMMENT ON FUNCTION coverage_gaps(double precision, integer, text, text[]) IS
'Per district: the impact zones of sources with risk_level <= p_max_level (any district, clipped to the district) '
'minus everything within p_reach_m metres of a shelter of the kinds p_kinds (all when NULL). Returns the gap, its '
'ellipsoidal area, the people of population cells whose centroid lies in it and the sources whose zone meets it. '
'Only non-empty gaps; ordered by district_code. See docs/geo.md.';
