-- Core functions implemented in C (plugin/core + plugin/pg glue) and the
-- pure SQL helpers that need no table. Functions that read tables are in
-- 11_core_wrappers.sql, after the tables exist.

-- ---------------------------------------------------------------------------
-- Working days (rm_workdays). Working days are Monday to Friday, except days
-- of p_days whose p_is_workday flag is false (holidays), plus days whose flag
-- is true (make-up working days, 调休). The arrays are parallel and need not
-- be sorted. The parsed calendar is cached per call site, keyed by the
-- arrays' contents.

CREATE FUNCTION _workday_add(p_from date, p_n integer, p_days date[], p_is_workday boolean[])
RETURNS date
AS 'MODULE_PATHNAME', 'riskmap_workday_add'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION _workday_add(date, integer, date[], boolean[]) IS
'The p_n-th working day after p_from (before it when p_n < 0; p_from when p_n = 0), |p_n| <= 100000.';

CREATE FUNCTION _workdays_between(p_from date, p_to date, p_days date[], p_is_workday boolean[])
RETURNS integer
AS 'MODULE_PATHNAME', 'riskmap_workdays_between'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION _workdays_between(date, date, date[], boolean[]) IS
'Working days d with p_from < d <= p_to; negative (the count in (p_to, p_from]) when p_to < p_from.';

-- ---------------------------------------------------------------------------
-- Plan lifecycle (rm_plan_lifecycle):
--   drafting → reviewing → approved → published → filed;
--   published → revising, filed → revising, revising → reviewing;
--   any state except retired → retired (terminal). Nothing else.
-- Unknown state names are ERROR 22023.

CREATE FUNCTION _plan_move_allowed(p_from text, p_to text)
RETURNS boolean
AS 'MODULE_PATHNAME', 'riskmap_plan_move_allowed'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION _plan_move_allowed(text, text) IS
'Whether a plan may move from status p_from to p_to (ERROR 22023 for an unknown status).';

-- The date column a move into p_to sets: approved → approved_on,
-- published → published_on, filed → filed_on; NULL for the other states.
-- Rule for plan_transition: a move into 'published' of a plan whose
-- published_on was already set (a revised plan taking effect again) also sets
-- revised_on to the same date and clears filed_on (the revision must be filed
-- again within 20 working days). See docs/plan_content.md, "Lifecycle".
CREATE FUNCTION _plan_date_column(p_to text)
RETURNS text
AS 'MODULE_PATHNAME', 'riskmap_plan_date_column'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION _plan_date_column(text) IS
'The plan date column set by a move into status p_to (approved_on, published_on, filed_on) or NULL.';

-- ---------------------------------------------------------------------------
-- Plan content (数字化预案, rm_plan_content): the JSON shape of plan.content is
-- documented in docs/plan_content.md. Problems come as (path, problem) rows
-- in document order, paths like content.workflows[2].steps[0].within_minutes.

CREATE FUNCTION plan_content_problems(p_content jsonb)
RETURNS TABLE (path text, problem text)
AS 'MODULE_PATHNAME', 'riskmap_plan_content_problems'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
ROWS 4;
COMMENT ON FUNCTION plan_content_problems(jsonb) IS
'Every problem of a plan content document (path, problem), in document order; no rows when it is valid.';

-- Raises ERROR 23514 'plan "<code>": content is invalid: <path>: <problem>'
-- with the other problems in the DETAIL; quiet when p_content is valid or NULL.
CREATE FUNCTION _check_plan_content(p_content jsonb, p_plan_code text)
RETURNS void
AS 'MODULE_PATHNAME', 'riskmap_check_plan_content'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION _check_plan_content(jsonb, text) IS
'ERROR 23514 naming the plan and the first problem when p_content is not a valid plan content (NULL is fine).';

-- ---------------------------------------------------------------------------
-- Geometry guard (rm_geometry_check): NULL when a geometry is fit to store,
-- else a short reason: SRID not 4326, empty, a coordinate not finite or
-- outside lon [-180, 180] / lat [-90, 90], or OGC invalidity with its place
-- ("Self-intersection at POINT (106.52 29.56)"). Bytes that are not EWKB are
-- ERROR 22023.

CREATE FUNCTION _geometry_problem_ewkb(p_ewkb bytea)
RETURNS text
AS 'MODULE_PATHNAME', 'riskmap_geometry_problem_ewkb'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION _geometry_problem_ewkb(bytea) IS
'Why an EWKB geometry may not be stored (SRID, empty, coordinates, validity), or NULL when it is fine.';

-- A SQL-standard body, so that the PostGIS functions are bound now and the
-- caller's search_path does not matter. GEOS 3.11 cannot read curves, so
-- they are reported here.
CREATE FUNCTION geometry_problem(p_geom geometry)
RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN CASE
    WHEN ST_HasArc(p_geom) OR GeometryType(p_geom) IN ('POLYHEDRALSURFACE', 'TIN', 'TRIANGLE')
        THEN 'unsupported geometry type ' || GeometryType(p_geom)
    ELSE riskmap._geometry_problem_ewkb(ST_AsEWKB(p_geom))
END;
COMMENT ON FUNCTION geometry_problem(geometry) IS
'Why a geometry may not be stored in riskmap (SRID not 4326, empty, coordinates out of lon/lat range, invalid), or NULL.';
