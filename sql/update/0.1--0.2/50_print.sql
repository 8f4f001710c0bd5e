-- Printed map sheets (挂图作战): riskmap.map_pdf and riskmap.atlas_pdf draw
-- the tiles' layers (plugin/core/rm_render.c) on cairo's PDF surface with a
-- title, legend, scale bar, north arrow, reference grid and the table of
-- undrilled high-risk sources (plugin/core/rm_sheet.c, plugin/pg/print_fmgr.c).
-- See docs/print.md.

-- The rows of a sheet's table: undrilled_areas of p_as_of's year (levels 1
-- and 2) of the district, with a point on each source for its grid square.
CREATE FUNCTION sheet_sources(p_district text DEFAULT NULL, p_as_of date DEFAULT current_date)
RETURNS TABLE(source_id bigint, name text, risk_level smallint, lon double precision, lat double precision)
LANGUAGE plpgsql STABLE AS $$
#variable_conflict use_column
BEGIN
    PERFORM riskmap._check_district(p_district);
    PERFORM riskmap._check_not_null(p_as_of, 'p_as_of');
    RETURN QUERY
    SELECT s.id, s.name, s.risk_level, ST_X(p.pt), ST_Y(p.pt)
      FROM riskmap.undrilled_areas(extract(year FROM p_as_of)::integer, 2, p_district) u
      JOIN riskmap.risk_source s ON s.id = u.source_id
     CROSS JOIN LATERAL (SELECT ST_PointOnSurface(s.geom) AS pt) p
     ORDER BY s.risk_level, s.id;
END $$;
COMMENT ON FUNCTION sheet_sources(text, date) IS
    'The table of a map sheet: high-risk sources (level 1-2) with no drill of p_as_of''s year (undrilled_areas), with a point for the grid square.';

-- The lon/lat box a sheet shows (before the layout's margin): the
-- district's outline and its sources and shelters; the whole city when NULL.
CREATE FUNCTION _sheet_extent(p_district text)
RETURNS TABLE(minlon double precision, minlat double precision, maxlon double precision, maxlat double precision,
              title_name text)
LANGUAGE plpgsql STABLE AS $$
DECLARE
    e box2d;
BEGIN
    PERFORM riskmap._check_district(p_district);
    SELECT ST_Extent(g) INTO e FROM (
        SELECT geom AS g FROM riskmap.district WHERE p_district IS NULL OR code = p_district
        UNION ALL SELECT geom FROM riskmap.risk_source WHERE p_district IS NULL OR district_code = p_district
        UNION ALL SELECT geom FROM riskmap.shelter WHERE p_district IS NULL OR district_code = p_district) u;
    IF e IS NULL THEN
        RAISE EXCEPTION 'nothing to map: no district, source or shelter%',
            CASE WHEN p_district IS NULL THEN '' ELSE ' in district ' || p_district END
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN QUERY SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e),
        CASE WHEN p_district IS NULL THEN '全市'
             ELSE (SELECT d.name FROM riskmap.district d WHERE d.code = p_district) END;
END $$;
COMMENT ON FUNCTION _sheet_extent(text) IS
    'Internal: the lon/lat box and the name of a map sheet (riskmap.map_pdf).';

CREATE FUNCTION map_pdf(p_district text DEFAULT NULL, p_style text DEFAULT 'risk', p_paper text DEFAULT 'A3',
                        p_landscape boolean DEFAULT true, p_as_of date DEFAULT current_date)
RETURNS bytea
AS 'MODULE_PATHNAME', 'riskmap_map_pdf'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION map_pdf(text, text, text, boolean, date) IS
    'A one-page PDF map sheet (vectors, embedded fonts) of the district (the city when NULL): the style''s layers, title, legend, scale bar, north arrow, reference grid, table of undrilled high-risk sources. Paper A4..A0.';

CREATE FUNCTION atlas_pdf(p_style text DEFAULT 'risk', p_paper text DEFAULT 'A3',
                          p_landscape boolean DEFAULT true, p_as_of date DEFAULT current_date)
RETURNS bytea
AS 'MODULE_PATHNAME', 'riskmap_atlas_pdf'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION atlas_pdf(text, text, boolean, date) IS
    'The city sheet of riskmap.map_pdf followed by one sheet per district, in code order, as one PDF.';

CREATE FUNCTION map_sheet_frame(p_district text DEFAULT NULL, p_paper text DEFAULT 'A3', p_landscape boolean DEFAULT true)
RETURNS TABLE(minlon double precision, minlat double precision, maxlon double precision, maxlat double precision,
              cols integer, rows integer, width_pt double precision, height_pt double precision)
AS 'MODULE_PATHNAME', 'riskmap_map_sheet_frame'
LANGUAGE C STABLE PARALLEL UNSAFE;
COMMENT ON FUNCTION map_sheet_frame(text, text, boolean) IS
    'The lon/lat box of a map sheet''s frame (Web Mercator), its reference grid (columns A.. from the west, rows 1.. from the north, equal cells in the projection) and its size on the page in points.';

-- The sheets' queries name PostGIS functions unqualified: pin the search path.
DO $do$
DECLARE
    f text;
BEGIN
    FOREACH f IN ARRAY ARRAY['riskmap.map_pdf(text, text, text, boolean, date)',
                             'riskmap.atlas_pdf(text, text, boolean, date)',
                             'riskmap.map_sheet_frame(text, text, boolean)'] LOOP
        EXECUTE format('ALTER FUNCTION %s SET search_path = riskmap, %I', f,
                       (SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
                        WHERE e.extname = 'postgis'));
    END LOOP;
END $do$;
