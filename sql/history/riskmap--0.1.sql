-- riskmap 0.1 extension script as released (frozen: the base of ALTER EXTENSION riskmap UPDATE). Do not edit.
\echo Use "CREATE EXTENSION riskmap CASCADE" to load this file. \quit

-- ===== 00_schema.sql =====
-- Schema riskmap belongs to the extension: DROP EXTENSION removes it.
CREATE SCHEMA riskmap;
COMMENT ON SCHEMA riskmap IS 'riskmap: emergency plans and drills on the map';
-- Everything below is created in riskmap; PostGIS is found wherever it is installed.
SELECT pg_catalog.set_config('search_path',
                             'riskmap, ' || pg_catalog.quote_ident(n.nspname) || ', pg_catalog', true)
FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
WHERE e.extname = 'postgis';

-- ===== 01_module.sql =====
-- The C module.
CREATE FUNCTION version() RETURNS text
AS 'MODULE_PATHNAME', 'riskmap_version'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION version() IS 'Version of the riskmap C module (calling it loads the module and its settings).';

-- ===== 05_core_functions.sql =====
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

-- ===== 10_tables.sql =====
-- Tables of the public contract (the public API reference (docs/reference.md)), with their constraints.
-- Extra columns are nullable or have defaults, so an INSERT/COPY naming only
-- the contract's columns works. Identity keys are BY DEFAULT: explicit ids are
-- accepted (with or without OVERRIDING SYSTEM VALUE) and the sequence is moved
-- past them after each insert statement (trigger _sync_identity).

CREATE TABLE district (
    code        text PRIMARY KEY CONSTRAINT district_code_format CHECK (code ~ '^[0-9A-Za-z_-]+$'),
    name        text NOT NULL,
    parent_code text NULL,
    geom        geometry(MultiPolygon, 4326) NULL,
    label_point geometry(Point, 4326) NULL
);
COMMENT ON TABLE district IS 'Administrative districts (区县), GB/T 2260 codes.';

CREATE TABLE department (
    code       text PRIMARY KEY,
    name       text NOT NULL,
    categories text[] NOT NULL DEFAULT '{}'
);
COMMENT ON TABLE department IS 'City departments and the risk categories they are responsible for.';

CREATE TABLE risk_source (
    id                 bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    kind               text NOT NULL DEFAULT 'risk_source'
                       CONSTRAINT risk_source_kind_check CHECK (kind IN ('risk_source', 'hazard_point')),
    name               text NOT NULL,
    category           text NOT NULL,
    risk_level         smallint NOT NULL
                       CONSTRAINT risk_source_risk_level_check CHECK (risk_level BETWEEN 1 AND 4),
    district_code      text NOT NULL REFERENCES district (code),
    geom               geometry(Geometry, 4326) NOT NULL,
    impact_radius_m    double precision NOT NULL DEFAULT 0
                       CONSTRAINT risk_source_impact_radius_check
                       CHECK (impact_radius_m >= 0 AND impact_radius_m < 'Infinity'),
    population_exposed integer NULL
                       CONSTRAINT risk_source_population_exposed_check CHECK (population_exposed >= 0),
    event_types        text[] NULL
);
COMMENT ON TABLE risk_source IS 'Risk sources (风险源) and hazard points (隐患点).';
COMMENT ON COLUMN risk_source.event_types IS 'Events the source can cause (optional; each should have its own one-to-one plan).';

CREATE TABLE plan (
    id               bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    code             text NOT NULL UNIQUE,
    title            text NOT NULL,
    plan_type        text NOT NULL
                     CONSTRAINT plan_type_check CHECK (plan_type IN
                       ('overall', 'special', 'department', 'grassroots', 'enterprise', 'one_to_one')),
    owner_district   text NULL REFERENCES district (code),
    owner_department text NULL REFERENCES department (code),
    status           text NOT NULL DEFAULT 'drafting'
                     CONSTRAINT plan_status_check CHECK (status IN
                       ('drafting', 'reviewing', 'approved', 'published', 'filed', 'revising', 'retired')),
    approved_on      date NULL,
    published_on     date NULL,
    filed_on         date NULL,
    revised_on       date NULL,
    content          jsonb NULL
);
COMMENT ON TABLE plan IS 'Emergency plans (应急预案) and their lifecycle state.';
COMMENT ON COLUMN plan.content IS 'Structured plan content (数字化预案), validated by riskmap.plan_content_problems(); see README.';

CREATE TABLE plan_link (
    source_id  bigint NOT NULL REFERENCES risk_source (id) ON DELETE CASCADE,
    event_type text NOT NULL CONSTRAINT plan_link_event_type_check CHECK (event_type <> ''),
    plan_id    bigint NOT NULL REFERENCES plan (id) ON DELETE CASCADE,
    PRIMARY KEY (source_id, event_type)
);
CREATE INDEX plan_link_plan_idx ON plan_link (plan_id);
COMMENT ON TABLE plan_link IS '一源一事一案: one plan per (source, event); a one_to_one plan serves one pair only.';

CREATE TABLE plan_event (
    id          bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    plan_id     bigint NOT NULL REFERENCES plan (id) ON DELETE CASCADE,
    from_status text NULL,
    to_status   text NOT NULL,
    on_date     date NOT NULL DEFAULT current_date,
    actor       text NOT NULL DEFAULT current_user,
    note        text NULL,
    recorded_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX plan_event_plan_idx ON plan_event (plan_id, id);
COMMENT ON TABLE plan_event IS 'Lifecycle history of plans, written by every status change.';

CREATE TABLE shelter (
    id            bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    name          text NOT NULL,
    kind          text NOT NULL DEFAULT 'shelter'
                  CONSTRAINT shelter_kind_check CHECK (kind IN ('shelter', 'hospital', 'fire_station', 'warehouse')),
    capacity      integer NOT NULL DEFAULT 0 CONSTRAINT shelter_capacity_check CHECK (capacity >= 0),
    district_code text NOT NULL REFERENCES district (code),
    geom          geometry(Point, 4326) NOT NULL
);
COMMENT ON TABLE shelter IS 'Shelters and response resources (hospitals, fire stations, warehouses).';

CREATE TABLE population (
    id            bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    district_code text NOT NULL REFERENCES district (code),
    people        double precision NOT NULL
                  CONSTRAINT population_people_check CHECK (people >= 0 AND people < 'Infinity'),
    geom          geometry(Geometry, 4326) NOT NULL
);
COMMENT ON TABLE population IS 'Population cells (grid polygons or points).';

CREATE TABLE road (
    id             bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    source         bigint NOT NULL,
    target         bigint NOT NULL,
    cost_s         double precision NOT NULL CONSTRAINT road_cost_check CHECK (cost_s = cost_s AND cost_s < 'Infinity'),
    reverse_cost_s double precision NOT NULL DEFAULT -1
                   CONSTRAINT road_reverse_cost_check CHECK (reverse_cost_s = reverse_cost_s AND reverse_cost_s < 'Infinity'),
    geom           geometry(LineString, 4326) NULL
);
CREATE INDEX road_source_idx ON road (source);
CREATE INDEX road_target_idx ON road (target);
COMMENT ON TABLE road IS 'Road graph in pgRouting''s convention: costs in seconds, negative = not travelable.';

CREATE TABLE drill (
    id                   bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    year                 integer NOT NULL CONSTRAINT drill_year_check CHECK (year BETWEEN 1949 AND 2200),
    title                text NOT NULL,
    drill_class          text NOT NULL
                         CONSTRAINT drill_class_check CHECK (drill_class IN ('comprehensive', 'special')),
    subject              text NOT NULL DEFAULT 'other'
                         CONSTRAINT drill_subject_check CHECK (subject IN ('warning_response', 'evacuation', 'medical_rescue', 'other')),
    form                 text NOT NULL DEFAULT 'live'
                         CONSTRAINT drill_form_check CHECK (form IN ('tabletop', 'live', 'combined')),
    blind                boolean NOT NULL DEFAULT false,
    organizer_district   text NULL REFERENCES district (code),
    organizer_department text NULL REFERENCES department (code),
    joint_districts      text[] NOT NULL DEFAULT '{}',
    joint_departments    text[] NOT NULL DEFAULT '{}',
    key_drill            boolean NOT NULL DEFAULT false,
    scheduled_on         date NULL,
    completed_on         date NULL,
    status               text NOT NULL DEFAULT 'planned'
                         CONSTRAINT drill_status_check CHECK (status IN ('planned', 'completed', 'cancelled')),
    area                 geometry(MultiPolygon, 4326) NULL,
    CONSTRAINT drill_one_organizer CHECK ((organizer_district IS NULL) <> (organizer_department IS NULL))
);
CREATE INDEX drill_year_idx ON drill (year, status);
COMMENT ON TABLE drill IS 'Emergency drills (应急演练); blind = 六无 blind drill.';

CREATE TABLE drill_target (
    drill_id  bigint NOT NULL REFERENCES drill (id) ON DELETE CASCADE,
    source_id bigint NOT NULL REFERENCES risk_source (id) ON DELETE CASCADE,
    PRIMARY KEY (drill_id, source_id)
);
CREATE INDEX drill_target_source_idx ON drill_target (source_id);

CREATE TABLE drill_material (
    id           bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    drill_id     bigint NOT NULL REFERENCES drill (id) ON DELETE CASCADE,
    kind         text NOT NULL
                 CONSTRAINT drill_material_kind_check CHECK (kind IN ('plan', 'script', 'evaluation', 'image', 'video')),
    submitted_on date NOT NULL DEFAULT current_date,
    uri          text NOT NULL,
    sha256       text NULL CONSTRAINT drill_material_sha256_check CHECK (sha256 ~ '^[0-9A-Fa-f]{64}$')
);
CREATE INDEX drill_material_drill_idx ON drill_material (drill_id, kind);

CREATE TABLE improvement_action (
    id        bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    drill_id  bigint NOT NULL REFERENCES drill (id) ON DELETE CASCADE,
    finding   text NOT NULL,
    action    text NOT NULL,
    owner     text NOT NULL,
    due_on    date NULL,
    closed_on date NULL
);
CREATE INDEX improvement_action_drill_idx ON improvement_action (drill_id);

CREATE TABLE workday_override (
    day        date PRIMARY KEY,
    is_workday boolean NOT NULL,
    name       text NULL
);
COMMENT ON TABLE workday_override IS 'Public holidays (is_workday false) and make-up working days (调休, is_workday true).';

CREATE TABLE drill_quota (
    org_kind     text NOT NULL CONSTRAINT drill_quota_org_kind_check CHECK (org_kind IN ('district', 'department')),
    drill_class  text NOT NULL CONSTRAINT drill_quota_class_check CHECK (drill_class IN ('comprehensive', 'special')),
    min_per_year integer NOT NULL CONSTRAINT drill_quota_min_check CHECK (min_per_year >= 0),
    max_per_year integer NULL,
    PRIMARY KEY (org_kind, drill_class),
    CONSTRAINT drill_quota_max_check CHECK (max_per_year IS NULL OR max_per_year >= min_per_year)
);
INSERT INTO drill_quota VALUES
    ('district', 'comprehensive', 1, NULL),
    ('district', 'special', 2, NULL),
    ('department', 'special', 1, 2);

CREATE TABLE user_district (
    role_name     text NOT NULL,
    district_code text NOT NULL REFERENCES district (code) ON DELETE CASCADE,
    PRIMARY KEY (role_name, district_code)
);
COMMENT ON TABLE user_district IS 'Binds a login (role name) to the district(s) it may write.';

-- Spatial indexes.
CREATE INDEX district_geom_idx    ON district    USING gist (geom);
CREATE INDEX risk_source_geom_idx ON risk_source USING gist (geom);
CREATE INDEX shelter_geom_idx     ON shelter     USING gist (geom);
CREATE INDEX population_geom_idx  ON population  USING gist (geom);
CREATE INDEX road_geom_idx        ON road        USING gist (geom);
CREATE INDEX drill_area_idx       ON drill       USING gist (area);
CREATE INDEX risk_source_district_idx ON risk_source (district_code, risk_level);
CREATE INDEX population_district_idx  ON population (district_code);

-- pg_dump keeps the user data of the extension's tables. One call per
-- statement: each call updates pg_extension's row.
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['district', 'department', 'risk_source', 'plan', 'plan_link', 'plan_event', 'shelter',
                             'population', 'road', 'drill', 'drill_target', 'drill_material', 'improvement_action',
                             'workday_override', 'user_district'] LOOP
        PERFORM pg_catalog.pg_extension_config_dump(format('riskmap.%I', t)::regclass, '');
        IF t NOT IN ('district', 'department', 'plan_link', 'drill_target', 'workday_override', 'user_district') THEN
            PERFORM pg_catalog.pg_extension_config_dump(pg_catalog.pg_get_serial_sequence(format('riskmap.%I', t), 'id')::regclass, '');
        END IF;
    END LOOP;
END $$;

-- ===== 11_core_wrappers.sql =====
-- Core helpers that read the tables (so they come after 10_tables.sql):
-- the working-day calendar of riskmap.workday_override.

CREATE FUNCTION add_working_days(p_from date, p_n integer)
RETURNS date
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT riskmap._workday_add(p_from, p_n,
                                coalesce(array_agg(o.day ORDER BY o.day), '{}'),
                                coalesce(array_agg(o.is_workday ORDER BY o.day), '{}'))
    FROM riskmap.workday_override AS o
$$;
COMMENT ON FUNCTION add_working_days(date, integer) IS
'The p_n-th working day after p_from (before it when p_n < 0), by riskmap.workday_override.';

CREATE FUNCTION working_days_between(p_from date, p_to date)
RETURNS integer
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT riskmap._workdays_between(p_from, p_to,
                                     coalesce(array_agg(o.day ORDER BY o.day), '{}'),
                                     coalesce(array_agg(o.is_workday ORDER BY o.day), '{}'))
    FROM riskmap.workday_override AS o
$$;
COMMENT ON FUNCTION working_days_between(date, date) IS
'Working days d with p_from < d <= p_to (negative when p_to < p_from), by riskmap.workday_override.';

CREATE FUNCTION is_working_day(p_day date)
RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT coalesce((SELECT o.is_workday FROM riskmap.workday_override AS o WHERE o.day = p_day),
                    extract(isodow FROM p_day) < 6)
$$;
COMMENT ON FUNCTION is_working_day(date) IS
'Whether p_day is a working day: Monday to Friday unless riskmap.workday_override says otherwise.';

-- ---------------------------------------------------------------------------
-- Plans whose content lists a shelter among its resources
-- ({"kind": "shelter", "shelter_id": N}; see docs/plan_content.md).

CREATE INDEX plan_content_idx ON plan USING gin (content jsonb_path_ops);

CREATE FUNCTION plans_using_shelter(p_shelter_id bigint)
RETURNS TABLE (plan_id bigint, code text, title text, status text,
               owner_district text, owner_department text)
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT p.id, p.code, p.title, p.status, p.owner_district, p.owner_department
    FROM riskmap.plan AS p
    -- containment (indexed by plan_content_idx) compares numbers by value: 7 = 7.0
    WHERE p.content @> jsonb_build_object('resources',
                                          jsonb_build_array(jsonb_build_object('shelter_id', p_shelter_id)))
    ORDER BY p.id
$$;
COMMENT ON FUNCTION plans_using_shelter(bigint) IS
'Plans whose content.resources reference riskmap.shelter p_shelter_id, by plan id.';

-- ===== 20_triggers.sql =====
-- Integrity triggers: geometry guard, identity sequences, 一源一事一案,
-- the plan lifecycle and its history.

-- After an insert with explicit ids, move the identity sequence past them so
-- that later inserts relying on the default do not collide.
CREATE FUNCTION _sync_identity() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    seq  text := pg_get_serial_sequence(format('%I.%I', TG_TABLE_SCHEMA, TG_TABLE_NAME), 'id');
    top  bigint;
    last bigint;
    called boolean;
BEGIN
    EXECUTE format('SELECT max(id) FROM %I.%I', TG_TABLE_SCHEMA, TG_TABLE_NAME) INTO top;
    EXECUTE format('SELECT last_value, is_called FROM %s', seq) INTO last, called;
    IF top IS NOT NULL AND (top > last OR (top = last AND NOT called)) THEN
        PERFORM setval(seq, top, true);
    END IF;
    RETURN NULL;
END $$;

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['risk_source', 'plan', 'plan_event', 'shelter', 'population', 'road', 'drill',
                             'drill_material', 'improvement_action'] LOOP
        EXECUTE format('CREATE TRIGGER %I AFTER INSERT ON riskmap.%I FOR EACH STATEMENT EXECUTE FUNCTION riskmap._sync_identity()',
                       t || '_sync_identity', t);
    END LOOP;
END $$;

-- Reject invalid geometries with an error that names the row. TG_ARGV[0] is
-- the geometry column, TG_ARGV[1] the key column. Repair is the importer's job.
CREATE FUNCTION _check_geometry() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    g       geometry;
    problem text;
    r       jsonb;
BEGIN
    EXECUTE format('SELECT ($1).%I', TG_ARGV[0]) USING NEW INTO g;
    IF g IS NULL THEN
        RETURN NEW;
    END IF;
    problem := riskmap.geometry_problem(g);
    IF problem IS NOT NULL THEN
        r := to_jsonb(NEW) - TG_ARGV[0];
        RAISE EXCEPTION '% % %: invalid geometry in column %: %', TG_TABLE_NAME, TG_ARGV[1],
                coalesce(r ->> TG_ARGV[1], '(new)'),
                TG_ARGV[0], problem
            USING ERRCODE = 'check_violation',
                  DETAIL = format('Row: %s', left(r::text, 500)),
                  HINT = 'Repair it first (ST_MakeValid), or load with riskmap-import --repair.';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER district_check_geometry BEFORE INSERT OR UPDATE OF geom ON district
    FOR EACH ROW EXECUTE FUNCTION _check_geometry('geom', 'code');
CREATE TRIGGER risk_source_check_geometry BEFORE INSERT OR UPDATE OF geom ON risk_source
    FOR EACH ROW EXECUTE FUNCTION _check_geometry('geom', 'id');
CREATE TRIGGER shelter_check_geometry BEFORE INSERT OR UPDATE OF geom ON shelter
    FOR EACH ROW EXECUTE FUNCTION _check_geometry('geom', 'id');
CREATE TRIGGER population_check_geometry BEFORE INSERT OR UPDATE OF geom ON population
    FOR EACH ROW EXECUTE FUNCTION _check_geometry('geom', 'id');
CREATE TRIGGER road_check_geometry BEFORE INSERT OR UPDATE OF geom ON road
    FOR EACH ROW EXECUTE FUNCTION _check_geometry('geom', 'id');
CREATE TRIGGER drill_check_area BEFORE INSERT OR UPDATE OF area ON drill
    FOR EACH ROW EXECUTE FUNCTION _check_geometry('area', 'id');

-- Codes in drill.joint_districts / joint_departments must exist (arrays cannot
-- carry foreign keys).
CREATE FUNCTION _check_drill_joints() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE missing text;
BEGIN
    SELECT string_agg(c, ', ' ORDER BY c) INTO missing
    FROM unnest(NEW.joint_districts) AS c
    WHERE c IS NULL OR NOT EXISTS (SELECT 1 FROM riskmap.district d WHERE d.code = c);
    IF missing IS NOT NULL OR array_position(NEW.joint_districts, NULL) IS NOT NULL THEN
        RAISE EXCEPTION 'drill % ("%"): unknown district in joint_districts: %', coalesce(NEW.id::text, '(new)'),
                NEW.title, coalesce(missing, 'NULL')
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    SELECT string_agg(c, ', ' ORDER BY c) INTO missing
    FROM unnest(NEW.joint_departments) AS c
    WHERE NOT EXISTS (SELECT 1 FROM riskmap.department d WHERE d.code = c);
    IF missing IS NOT NULL OR array_position(NEW.joint_departments, NULL) IS NOT NULL THEN
        RAISE EXCEPTION 'drill % ("%"): unknown department in joint_departments: %', coalesce(NEW.id::text, '(new)'),
                NEW.title, coalesce(missing, 'NULL')
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER drill_check_joints BEFORE INSERT OR UPDATE OF joint_districts, joint_departments ON drill
    FOR EACH ROW EXECUTE FUNCTION _check_drill_joints();

-- 一源一事一案: a one_to_one plan serves exactly one (source, event) pair.
-- The plan row is locked so that two concurrent links cannot both pass.
CREATE FUNCTION _check_one_to_one_link() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = riskmap, pg_catalog, pg_temp AS $$
DECLARE
    p     record;
    other record;
BEGIN
    SELECT id, code, plan_type INTO p FROM riskmap.plan WHERE id = NEW.plan_id FOR NO KEY UPDATE;
    IF NOT FOUND OR p.plan_type <> 'one_to_one' THEN
        RETURN NEW;
    END IF;
    SELECT l.source_id, l.event_type INTO other
    FROM riskmap.plan_link l
    WHERE l.plan_id = NEW.plan_id
      AND (l.source_id, l.event_type) IS DISTINCT FROM (NEW.source_id, NEW.event_type)
      AND (TG_OP = 'INSERT' OR (l.source_id, l.event_type) IS DISTINCT FROM (OLD.source_id, OLD.event_type))
    ORDER BY l.source_id, l.event_type
    LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'one-to-one plan "%" (id %) already serves source % (event "%"); it cannot also serve source % (event "%")',
                p.code, p.id, other.source_id, other.event_type, NEW.source_id, NEW.event_type
            USING ERRCODE = 'unique_violation',
                  HINT = '一源一事一案: give each (source, event) its own one_to_one plan.';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER plan_link_one_to_one BEFORE INSERT OR UPDATE ON plan_link
    FOR EACH ROW EXECUTE FUNCTION _check_one_to_one_link();

-- A plan that becomes one_to_one must not already serve several pairs.
CREATE FUNCTION _check_one_to_one_plan() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = riskmap, pg_catalog, pg_temp AS $$
DECLARE
    a record;
    b record;
BEGIN
    IF NEW.plan_type = 'one_to_one' AND OLD.plan_type IS DISTINCT FROM 'one_to_one' THEN
        SELECT source_id, event_type INTO a FROM riskmap.plan_link WHERE plan_id = NEW.id
        ORDER BY source_id, event_type LIMIT 1;
        SELECT source_id, event_type INTO b FROM riskmap.plan_link WHERE plan_id = NEW.id
        ORDER BY source_id, event_type OFFSET 1 LIMIT 1;
        IF b.source_id IS NOT NULL THEN
            RAISE EXCEPTION 'plan "%" (id %) cannot become one_to_one: it serves source % (event "%") and source % (event "%")',
                    NEW.code, NEW.id, a.source_id, a.event_type, b.source_id, b.event_type
                USING ERRCODE = 'unique_violation';
        END IF;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER plan_one_to_one BEFORE UPDATE OF plan_type ON plan
    FOR EACH ROW EXECUTE FUNCTION _check_one_to_one_plan();

-- Plan content (数字化预案) is validated in C; the error names the path.
CREATE FUNCTION _check_plan_content_trigger() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.content IS NOT NULL THEN
        PERFORM riskmap._check_plan_content(NEW.content, NEW.code);
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER plan_check_content BEFORE INSERT OR UPDATE OF content ON plan
    FOR EACH ROW EXECUTE FUNCTION _check_plan_content_trigger();

-- ===== 30_ledger.sql =====
-- The plan and drill ledger: lifecycle, 一源一事一案 coverage, filing, quotas,
-- improvement actions. Exactly the semantics of the public API reference (docs/reference.md).

-- Argument checks shared by the functions below.
CREATE FUNCTION _check_district(p_district text) RETURNS void
LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF p_district IS NOT NULL AND NOT EXISTS (SELECT 1 FROM riskmap.district WHERE code = p_district) THEN
        RAISE EXCEPTION 'unknown district code "%"', p_district
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Codes are the district table''s code column (GB/T 2260, e.g. 500103).';
    END IF;
END $$;

CREATE FUNCTION _check_not_null(p_value anyelement, p_name text) RETURNS void
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    IF p_value IS NULL THEN
        RAISE EXCEPTION '% must not be NULL', p_name USING ERRCODE = 'invalid_parameter_value';
    END IF;
END $$;

-- The GUC riskmap.revision_interval as an interval (default 3 years).
CREATE FUNCTION revision_interval() RETURNS interval
LANGUAGE plpgsql STABLE AS $$
DECLARE
    v text := coalesce(nullif(current_setting('riskmap.revision_interval', true), ''), '3 years');
BEGIN
    RETURN v::interval;
EXCEPTION WHEN invalid_datetime_format OR datetime_field_overflow OR interval_field_overflow THEN
    RAISE EXCEPTION 'riskmap.revision_interval is not an interval: "%"', v
        USING ERRCODE = 'invalid_parameter_value';
END $$;

---------------------------------------------------------------------------
-- Plan lifecycle. Every status change, whether made by plan_transition() or
-- by a direct UPDATE, is checked against the lifecycle (in C) and recorded
-- in plan_event.
CREATE FUNCTION _plan_status_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NEW.status = 'filed' AND NOT riskmap._is_office() THEN
            RAISE EXCEPTION 'plan "%": only the emergency office (riskmap_office) files plans (备案)', NEW.code
                USING ERRCODE = 'insufficient_privilege';
        END IF;
    ELSIF NEW.status IS DISTINCT FROM OLD.status THEN
        IF NOT riskmap._plan_move_allowed(OLD.status, NEW.status) THEN
            RAISE EXCEPTION 'plan "%" (id %): cannot move from "%" to "%"', OLD.code, OLD.id, OLD.status, NEW.status
                USING ERRCODE = 'invalid_parameter_value',
                      HINT = 'Lifecycle: drafting → reviewing → approved → published → filed; published/filed → revising → reviewing; any → retired.';
        END IF;
        IF NEW.status = 'filed' AND NOT riskmap._is_office() THEN
            RAISE EXCEPTION 'plan "%" (id %): only the emergency office (riskmap_office) files plans (备案)', OLD.code, OLD.id
                USING ERRCODE = 'insufficient_privilege';
        END IF;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER plan_status_guard BEFORE INSERT OR UPDATE OF status ON plan
    FOR EACH ROW EXECUTE FUNCTION _plan_status_guard();

CREATE FUNCTION _plan_history() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = riskmap, pg_catalog, pg_temp AS $$
DECLARE
    v_on   date := coalesce(nullif(current_setting('riskmap.transition_on', true), '')::date, current_date);
    v_note text := nullif(current_setting('riskmap.transition_note', true), '');
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO riskmap.plan_event (plan_id, from_status, to_status, on_date, actor, note)
        VALUES (NEW.id, NULL, NEW.status,
                current_date,  -- the day the row was recorded
                session_user, coalesce(v_note, 'created'));
    ELSIF NEW.status IS DISTINCT FROM OLD.status THEN
        INSERT INTO riskmap.plan_event (plan_id, from_status, to_status, on_date, actor, note)
        VALUES (NEW.id, OLD.status, NEW.status, v_on, session_user, v_note);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER plan_history AFTER INSERT OR UPDATE OF status ON plan
    FOR EACH ROW EXECUTE FUNCTION _plan_history();

CREATE FUNCTION plan_transition(p_plan_id bigint, p_to text, p_on date DEFAULT current_date, p_note text DEFAULT NULL)
RETURNS plan_event
LANGUAGE plpgsql AS $$
DECLARE
    p     riskmap.plan;
    ev    riskmap.plan_event;
    v_col text;
BEGIN
    PERFORM riskmap._check_not_null(p_plan_id, 'p_plan_id');
    PERFORM riskmap._check_not_null(p_to, 'p_to');
    PERFORM riskmap._check_not_null(p_on, 'p_on');
    SELECT * INTO p FROM riskmap.plan WHERE id = p_plan_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'plan % does not exist', p_plan_id USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- Checks the state names (22023 for unknown ones) and the move itself.
    IF NOT riskmap._plan_move_allowed(p.status, p_to) THEN
        RAISE EXCEPTION 'plan "%" (id %): cannot move from "%" to "%"', p.code, p.id, p.status, p_to
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Lifecycle: drafting → reviewing → approved → published → filed; published/filed → revising → reviewing; any → retired.';
    END IF;
    PERFORM set_config('riskmap.transition_on', p_on::text, true),
            set_config('riskmap.transition_note', coalesce(p_note, ''), true);
    -- The date column of the target state comes from the C lifecycle table.
    v_col := riskmap._plan_date_column(p_to);
    UPDATE riskmap.plan SET
        status       = p_to,
        approved_on  = CASE WHEN v_col = 'approved_on' THEN p_on ELSE approved_on END,
        published_on = CASE WHEN v_col = 'published_on' THEN p_on ELSE published_on END,
        revised_on   = CASE WHEN v_col = 'revised_on' THEN p_on ELSE revised_on END,
        -- A (re)published version has to be filed anew; the old filing stays in plan_event.
        filed_on     = CASE WHEN v_col = 'filed_on' THEN p_on
                            WHEN p_to = 'published' THEN NULL ELSE filed_on END
    WHERE id = p_plan_id;
    PERFORM set_config('riskmap.transition_on', '', true),
            set_config('riskmap.transition_note', '', true);
    SELECT * INTO ev FROM riskmap.plan_event WHERE plan_id = p_plan_id ORDER BY id DESC LIMIT 1;
    RETURN ev;
END $$;
COMMENT ON FUNCTION plan_transition(bigint, text, date, text) IS
    'Moves a plan along its lifecycle, sets the matching date column and records plan_event.';

---------------------------------------------------------------------------
CREATE FUNCTION uncovered_sources(p_district text DEFAULT NULL, p_as_of date DEFAULT current_date)
RETURNS TABLE(source_id bigint, name text, district_code text, risk_level smallint, reason text)
LANGUAGE plpgsql STABLE AS $$
DECLARE
    v_cutoff date;
    v_year   integer;
BEGIN
    PERFORM riskmap._check_district(p_district);
    PERFORM riskmap._check_not_null(p_as_of, 'p_as_of');
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
          AND NOT EXISTS (SELECT 1 FROM riskmap.drill_target t JOIN riskmap.drill d ON d.id = t.drill_id
                          WHERE t.source_id = s.id AND d.year = v_year AND d.status IN ('planned', 'completed'))
          AND NOT EXISTS (SELECT 1 FROM riskmap.drill d
                          WHERE d.area && s.geom AND ST_Intersects(d.area, s.geom)
                            AND d.year = v_year AND d.status IN ('planned', 'completed'))
    )
    SELECT s.id, s.name, s.district_code, s.risk_level, r.reason
    FROM r JOIN s ON s.id = r.id
    ORDER BY s.risk_level, s.id, r.reason;
END $$;
COMMENT ON FUNCTION uncovered_sources(text, date) IS
    'Sources lacking a plan in force, a timely revision, or (high risk) a drill this year; one row per source and reason.';

---------------------------------------------------------------------------
CREATE FUNCTION filing_overdue(p_as_of date DEFAULT current_date)
RETURNS TABLE(plan_id bigint, code text, owner_district text, owner_department text,
              published_on date, due_on date, working_days_late integer)
LANGUAGE plpgsql STABLE AS $$
BEGIN
    PERFORM riskmap._check_not_null(p_as_of, 'p_as_of');
    RETURN QUERY
    WITH o AS (
        SELECT coalesce(array_agg(w.day ORDER BY w.day), '{}'::date[]) AS days,
               coalesce(array_agg(w.is_workday ORDER BY w.day), '{}'::boolean[]) AS flags
        FROM riskmap.workday_override w
    ), p AS (
        SELECT pl.id, pl.code, pl.owner_district, pl.owner_department, pl.published_on,
               riskmap._workday_add(pl.published_on, 20, o.days, o.flags) AS due, o.days, o.flags
        FROM riskmap.plan pl, o
        WHERE pl.status <> 'retired'
          AND pl.published_on IS NOT NULL
          AND (pl.filed_on IS NULL OR pl.filed_on > p_as_of)
    )
    SELECT p.id, p.code, p.owner_district, p.owner_department, p.published_on, p.due,
           riskmap._workdays_between(p.due, p_as_of, p.days, p.flags)
    FROM p
    WHERE p.due < p_as_of
    ORDER BY p.due, p.id;
END $$;
COMMENT ON FUNCTION filing_overdue(date) IS
    'Plans published but not filed (备案) by the 20th working day after publication (国办发〔2024〕5号 art. 26).';

---------------------------------------------------------------------------
CREATE FUNCTION compliance(p_year integer, p_as_of date DEFAULT current_date)
RETURNS TABLE(org_kind text, org_code text, org_name text, comprehensive integer, special integer,
              required_comprehensive integer, required_special integer, quota_met boolean,
              materials_overdue integer, overall_plan_filed boolean)
LANGUAGE plpgsql STABLE AS $$
BEGIN
    PERFORM riskmap._check_not_null(p_year, 'p_year');
    PERFORM riskmap._check_not_null(p_as_of, 'p_as_of');
    RETURN QUERY
    WITH y AS (
        SELECT d.* FROM riskmap.drill d
        WHERE d.year = p_year AND d.status IN ('planned', 'completed')
    ), part AS (   -- each drill counted once per participating organisation
        SELECT 'district'::text AS kind, y.organizer_district AS code, y.id, y.drill_class
        FROM y WHERE y.organizer_district IS NOT NULL
        UNION
        SELECT 'district', j, y.id, y.drill_class FROM y, unnest(y.joint_districts) AS j
        UNION
        SELECT 'department', y.organizer_department, y.id, y.drill_class
        FROM y WHERE y.organizer_department IS NOT NULL
        UNION
        SELECT 'department', j, y.id, y.drill_class FROM y, unnest(y.joint_departments) AS j
    ), counts AS (
        SELECT part.kind, part.code,
               count(*) FILTER (WHERE part.drill_class = 'comprehensive')::integer AS c,
               count(*) FILTER (WHERE part.drill_class = 'special')::integer AS s
        FROM part GROUP BY part.kind, part.code
    ), late AS (   -- completed key drills whose plan/script/evaluation was not in within a month
        SELECT coalesce(y.organizer_district, y.organizer_department) AS code,
               CASE WHEN y.organizer_district IS NOT NULL THEN 'district' ELSE 'department' END AS kind,
               count(*)::integer AS n
        FROM y
        CROSS JOIN LATERAL (SELECT (y.completed_on + interval '1 month')::date AS due) dd
        WHERE y.status = 'completed' AND y.key_drill AND y.completed_on IS NOT NULL
          AND dd.due < p_as_of
          AND EXISTS (SELECT 1 FROM unnest(ARRAY['plan', 'script', 'evaluation']) AS k
                      WHERE NOT EXISTS (SELECT 1 FROM riskmap.drill_material m
                                        WHERE m.drill_id = y.id AND m.kind = k AND m.submitted_on <= dd.due))
        GROUP BY 1, 2
    ), orgs AS (
        SELECT 'district'::text AS kind, d.code, d.name FROM riskmap.district d
        UNION ALL
        SELECT 'department', dp.code, dp.name FROM riskmap.department dp
    ), q AS (
        SELECT o.kind,
               coalesce((SELECT min_per_year FROM riskmap.drill_quota x
                         WHERE x.org_kind = o.kind AND x.drill_class = 'comprehensive'), 0) AS rc,
               coalesce((SELECT min_per_year FROM riskmap.drill_quota x
                         WHERE x.org_kind = o.kind AND x.drill_class = 'special'), 0) AS rs
        FROM (VALUES ('district'), ('department')) AS o(kind)
    )
    SELECT o.kind, o.code, o.name,
           coalesce(c.c, 0), coalesce(c.s, 0), q.rc, q.rs,
           coalesce(c.c, 0) >= q.rc AND coalesce(c.s, 0) >= q.rs,
           coalesce(l.n, 0),
           CASE WHEN o.kind = 'district' THEN
               EXISTS (SELECT 1 FROM riskmap.plan p
                       WHERE p.owner_district = o.code AND p.plan_type = 'overall' AND p.status = 'filed')
           END
    FROM orgs o
    JOIN q ON q.kind = o.kind
    LEFT JOIN counts c ON c.kind = o.kind AND c.code = o.code
    LEFT JOIN late l ON l.kind = o.kind AND l.code = o.code
    ORDER BY o.kind, o.code;
END $$;
COMMENT ON FUNCTION compliance(integer, date) IS
    'Drill quotas per district and department for a year, overdue key-drill materials, filed overall plans.';

---------------------------------------------------------------------------
CREATE FUNCTION open_actions(p_as_of date DEFAULT current_date, p_district text DEFAULT NULL)
RETURNS TABLE(action_id bigint, drill_id bigint, org_code text, action text, owner text,
              due_on date, days_overdue integer)
LANGUAGE plpgsql STABLE AS $$
BEGIN
    PERFORM riskmap._check_not_null(p_as_of, 'p_as_of');
    PERFORM riskmap._check_district(p_district);
    RETURN QUERY
    SELECT a.id, a.drill_id, coalesce(d.organizer_district, d.organizer_department), a.action, a.owner, a.due_on,
           CASE WHEN a.due_on IS NULL THEN NULL ELSE greatest(p_as_of - a.due_on, 0) END AS late
    FROM riskmap.improvement_action a
    JOIN riskmap.drill d ON d.id = a.drill_id
    WHERE (a.closed_on IS NULL OR a.closed_on > p_as_of)
      AND (p_district IS NULL OR d.organizer_district = p_district)
    ORDER BY late DESC NULLS LAST, a.due_on NULLS LAST, a.id;
END $$;
COMMENT ON FUNCTION open_actions(date, text) IS
    'Improvement actions from drill evaluations that are not closed, overdue ones first.';

-- ===== 40_security.sql =====
-- Roles and row-level security (API.md, Roles).
--   riskmap_reader   reads everything except sealed scenarios;
--   riskmap_district writes plans, links, drills and materials of the
--                    district(s) its login is bound to in user_district;
--   riskmap_office   the city emergency office: reads and writes all, files
--                    plans, reads sealed scenarios.
-- Roles are cluster-wide: CREATE EXTENSION creates them when missing and
-- DROP EXTENSION leaves them (other databases may use them).

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'riskmap_reader') THEN
        CREATE ROLE riskmap_reader NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'riskmap_district') THEN
        CREATE ROLE riskmap_district NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'riskmap_office') THEN
        CREATE ROLE riskmap_office NOLOGIN;
    END IF;
END $$;
GRANT riskmap_reader TO riskmap_district;
GRANT riskmap_reader TO riskmap_office;

-- Who is asking. SECURITY INVOKER on purpose: current_user is the caller.
CREATE FUNCTION _is_office() RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT coalesce((SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user), false)
        OR pg_catalog.pg_has_role(current_user, 'riskmap_office', 'MEMBER')
$$;

CREATE FUNCTION my_districts() RETURNS text[]
LANGUAGE sql STABLE AS $$
    SELECT coalesce(array_agg(DISTINCT u.district_code ORDER BY u.district_code), '{}')
    FROM riskmap.user_district u
    JOIN pg_catalog.pg_roles r ON r.rolname = u.role_name
    WHERE pg_catalog.pg_has_role(current_user, r.oid, 'MEMBER')
$$;
COMMENT ON FUNCTION my_districts() IS 'The districts the current role may write (user_district, role membership included).';

CREATE FUNCTION _may_write_district(p_district text) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT riskmap._is_office() OR (p_district IS NOT NULL AND p_district = ANY (riskmap.my_districts()))
$$;

-- The district a row of a writable table belongs to, and a label for errors.
CREATE FUNCTION _row_district(p_table text, p_row jsonb, OUT district text, OUT label text)
LANGUAGE plpgsql STABLE AS $$
DECLARE
    v_drill bigint;
BEGIN
    CASE p_table
    WHEN 'plan' THEN
        district := p_row ->> 'owner_district';
        label := format('plan %s ("%s")', coalesce(p_row ->> 'id', '(new)'), p_row ->> 'code');
        IF district IS NULL AND p_row ->> 'owner_department' IS NOT NULL THEN
            label := label || format(' of department %s', p_row ->> 'owner_department');
        END IF;
    WHEN 'plan_link' THEN
        district := riskmap._source_district((p_row ->> 'source_id')::bigint);
        label := format('plan_link (source %s, event "%s")', p_row ->> 'source_id', p_row ->> 'event_type');
    WHEN 'drill' THEN
        district := p_row ->> 'organizer_district';
        label := format('drill %s ("%s")', coalesce(p_row ->> 'id', '(new)'), p_row ->> 'title');
        IF district IS NULL AND p_row ->> 'organizer_department' IS NOT NULL THEN
            label := label || format(' of department %s', p_row ->> 'organizer_department');
        END IF;
    ELSE   -- drill_target, drill_material, improvement_action, drill_scenario
        v_drill := (p_row ->> 'drill_id')::bigint;
        district := riskmap._drill_district(v_drill);
        label := format('%s of drill %s', p_table, v_drill);
    END CASE;
END $$;

-- Explicit 42501 errors that name the row, before row-level security's own
-- (anonymous) check: a district may not write, move or delete rows of another
-- district, nor rows owned by a city department.
CREATE FUNCTION _guard_district_write() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    v_row jsonb;
    r     record;
BEGIN
    IF riskmap._is_office() THEN
        RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
    END IF;
    -- The old row (update, delete) and the new row (insert, update) must both be the caller's.
    FOREACH v_row IN ARRAY ARRAY[CASE WHEN TG_OP <> 'INSERT' THEN to_jsonb(OLD) END,
                                 CASE WHEN TG_OP <> 'DELETE' THEN to_jsonb(NEW) END] LOOP
        CONTINUE WHEN v_row IS NULL;
        r := riskmap._row_district(TG_TABLE_NAME, v_row);
        IF NOT riskmap._may_write_district(r.district) THEN
            RAISE EXCEPTION 'permission denied: % belongs to %; % may write district(s) % only',
                    r.label, coalesce('district ' || r.district, 'no district (only the office writes it)'), current_user,
                    coalesce(nullif(array_to_string(riskmap.my_districts(), ', '), ''), '(none)')
                USING ERRCODE = 'insufficient_privilege';
        END IF;
    END LOOP;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END $$;

-- Sealed scenarios of 六无 blind drills (written by blind_scenario()).
CREATE TABLE drill_scenario (
    drill_id   bigint PRIMARY KEY REFERENCES drill (id) ON DELETE CASCADE,
    seed       integer NOT NULL,
    scenario   jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE drill_scenario IS 'Sealed 六无 blind-drill scenarios: only riskmap_office reads one before the drill''s scheduled date.';
SELECT pg_catalog.pg_extension_config_dump('riskmap.drill_scenario', '');

CREATE FUNCTION _scenario_unsealed(p_drill_id bigint) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT coalesce((SELECT d.scheduled_on <= current_date FROM riskmap.drill d WHERE d.id = p_drill_id), false)
$$;

CREATE FUNCTION _source_district(p_source_id bigint) RETURNS text
LANGUAGE sql STABLE AS $$ SELECT district_code FROM riskmap.risk_source WHERE id = p_source_id $$;
CREATE FUNCTION _drill_district(p_drill_id bigint) RETURNS text
LANGUAGE sql STABLE AS $$ SELECT organizer_district FROM riskmap.drill WHERE id = p_drill_id $$;

-- Row-level security: everyone with riskmap_reader reads; writes need the
-- row's district (before and after the change) to be one of the caller's:
-- the policies check new rows, _guard_district_write() old ones.
DO $$
DECLARE
    t    text;
    expr text;
BEGIN
    FOR t, expr IN VALUES
        ('plan', 'owner_district'),
        ('plan_link', 'riskmap._source_district(source_id)'),
        ('drill', 'organizer_district'),
        ('drill_target', 'riskmap._drill_district(drill_id)'),
        ('drill_material', 'riskmap._drill_district(drill_id)'),
        ('improvement_action', 'riskmap._drill_district(drill_id)')
    LOOP
        EXECUTE format('ALTER TABLE riskmap.%I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY %I ON riskmap.%I FOR SELECT USING (true)', t || '_read', t);
        EXECUTE format('CREATE POLICY %I ON riskmap.%I FOR INSERT WITH CHECK (riskmap._may_write_district(%s))',
                       t || '_insert', t, expr);
        -- UPDATE and DELETE reach every row, so that the guard trigger can
        -- answer a foreign row with an explicit 42501 instead of silently
        -- skipping it; the trigger checks the old row, WITH CHECK the new one.
        EXECUTE format('CREATE POLICY %I ON riskmap.%I FOR UPDATE USING (true) WITH CHECK (riskmap._may_write_district(%s))',
                       t || '_update', t, expr);
        EXECUTE format('CREATE POLICY %I ON riskmap.%I FOR DELETE USING (true)', t || '_delete', t);
        EXECUTE format('CREATE TRIGGER %I BEFORE INSERT OR UPDATE OR DELETE ON riskmap.%I FOR EACH ROW EXECUTE FUNCTION riskmap._guard_district_write()',
                       t || '_guard_district', t);
    END LOOP;
END $$;

ALTER TABLE drill_scenario ENABLE ROW LEVEL SECURITY;
CREATE POLICY drill_scenario_office ON drill_scenario USING (riskmap._is_office()) WITH CHECK (riskmap._is_office());
CREATE POLICY drill_scenario_unsealed ON drill_scenario FOR SELECT USING (riskmap._scenario_unsealed(drill_id));

-- Privileges.
GRANT USAGE ON SCHEMA riskmap TO riskmap_reader;
GRANT SELECT ON ALL TABLES IN SCHEMA riskmap TO riskmap_reader;
GRANT INSERT, UPDATE, DELETE ON plan, plan_link, drill, drill_target, drill_material, improvement_action
    TO riskmap_district;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA riskmap TO riskmap_district;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA riskmap TO riskmap_office;
GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA riskmap TO riskmap_office;

-- ===== 50_geo_coverage.sql =====
-- Ground buffers, undrilled areas and coverage gaps (C: plugin/core/rm_metric.c,
-- rm_coverage.c; glue: plugin/pg/coverage_fmgr.c). See docs/geo.md.
--
-- Functions that name PostGIS objects carry SET search_path FROM CURRENT: the
-- search path of CREATE EXTENSION (riskmap, then PostGIS's schema), so that they
-- work whatever the caller's search_path is.

CREATE FUNCTION _ground_buffer(ewkb bytea, radius_m double precision, what text DEFAULT NULL)
RETURNS bytea
AS 'MODULE_PATHNAME', 'riskmap_ground_buffer'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION _ground_area(ewkb bytea)
RETURNS double precision
AS 'MODULE_PATHNAME', 'riskmap_ground_area'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION ground_buffer(g geometry, radius_m double precision)
RETURNS geometry
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path FROM CURRENT
AS $$ SELECT riskmap._ground_buffer(ST_AsEWKB(g), radius_m)::geometry $$;
COMMENT ON FUNCTION ground_buffer(geometry, double precision) IS
'g (EPSG:4326) buffered by radius_m metres on the ground, as a MultiPolygon: geodesic circles around points '
'(64 vertices, within 0.12 % of the radius), a local transverse Mercator projection (PROJ) for lines and polygons. '
'Radius 0 keeps the polygonal parts only (the buffer of a point or line by 0 is empty).';

CREATE FUNCTION ground_area(g geometry)
RETURNS double precision
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path FROM CURRENT
AS $$ SELECT riskmap._ground_area(ST_AsEWKB(g)) $$;
COMMENT ON FUNCTION ground_area(geometry) IS
'Ellipsoidal (WGS 84) area in m² of the polygonal parts of g (EPSG:4326), as ST_Area(g::geography).';

CREATE FUNCTION undrilled_areas(p_year integer DEFAULT extract(year FROM current_date)::integer,
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
       AND NOT EXISTS (SELECT 1
                         FROM riskmap.drill_target t
                         JOIN riskmap.drill dr ON dr.id = t.drill_id
                        WHERE t.source_id = s.id
                          AND dr.year = p_year
                          AND dr.status IN ('planned', 'completed'))
       AND NOT EXISTS (SELECT 1
                         FROM riskmap.drill dr
                        WHERE dr.year = p_year
                          AND dr.status IN ('planned', 'completed')
                          AND dr.area IS NOT NULL
                          AND ST_Intersects(dr.area, s.geom))
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
SET search_path FROM CURRENT
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

-- ===== 55_evacuation.sql =====
-- Evacuation: assignment of population cells to shelters, and catchments.
-- C implementation in plugin/pg/evacuation_fmgr.c over plugin/core/rm_evacuation.c.

-- Road data version. Statement triggers on road set it from a sequence, so
-- every change gets a value never used before (sequences ignore rollback)
-- while the row itself is transactional: after a ROLLBACK the committed old
-- value is visible again. The backend's cached road graph is keyed on
-- (road's oid, v), read in the same snapshot as the edges.
CREATE SEQUENCE road_version_seq;
CREATE TABLE road_version (
    v bigint NOT NULL
);
INSERT INTO road_version VALUES (nextval('riskmap.road_version_seq'));
COMMENT ON TABLE road_version IS 'Data version of riskmap.road (one row), bumped by statement triggers; keys the cached road graph.';

CREATE FUNCTION _road_version_bump() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = riskmap, pg_catalog, pg_temp AS $$
BEGIN
    UPDATE riskmap.road_version SET v = nextval('riskmap.road_version_seq');
    RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION _road_version_bump() FROM PUBLIC;

CREATE TRIGGER road_version_bump
    AFTER INSERT OR UPDATE OR DELETE ON road
    FOR EACH STATEMENT EXECUTE FUNCTION _road_version_bump();
CREATE TRIGGER road_version_bump_truncate
    AFTER TRUNCATE ON road
    FOR EACH STATEMENT EXECUTE FUNCTION _road_version_bump();

CREATE FUNCTION evacuation_assignment(
    p_max_time_s double precision DEFAULT 3600,
    p_speed_mps double precision DEFAULT 1.2,
    p_capacitated boolean DEFAULT true,
    p_district text DEFAULT NULL)
RETURNS TABLE(population_id bigint, shelter_id bigint, people double precision, time_s double precision)
AS 'MODULE_PATHNAME', 'riskmap_evacuation_assignment'
LANGUAGE C VOLATILE PARALLEL UNSAFE
SET jit = off;
COMMENT ON FUNCTION evacuation_assignment(double precision, double precision, boolean, text) IS
'Assigns population cells to shelters (kind ''shelter'') within p_max_time_s: over the road graph (cached per backend) or straight line; capacitated = exact min-cost flow. Rows ordered by population_id, shelter_id (NULL = unserved) last.';

CREATE FUNCTION _evacuation_catchments(
    p_max_time_s double precision, p_speed_mps double precision,
    p_capacitated boolean, p_district text)
RETURNS TABLE(shelter_id bigint, catchment bytea, people double precision, capacity integer, max_time_s double precision)
AS 'MODULE_PATHNAME', 'riskmap_evacuation_catchments'
LANGUAGE C VOLATILE PARALLEL UNSAFE
SET jit = off;

CREATE FUNCTION evacuation_catchments(
    p_max_time_s double precision DEFAULT 3600,
    p_speed_mps double precision DEFAULT 1.2,
    p_capacitated boolean DEFAULT true,
    p_district text DEFAULT NULL)
RETURNS TABLE(shelter_id bigint, catchment geometry(MultiPolygon, 4326), people double precision, capacity integer, max_time_s double precision)
LANGUAGE sql VOLATILE PARALLEL UNSAFE
AS $$
    SELECT c.shelter_id, c.catchment::geometry::geometry(MultiPolygon, 4326), c.people, c.capacity, c.max_time_s
    FROM riskmap._evacuation_catchments(p_max_time_s, p_speed_mps, p_capacitated, p_district) AS c
    ORDER BY c.shelter_id
$$;
COMMENT ON FUNCTION evacuation_catchments(double precision, double precision, boolean, text) IS
'One row per shelter that serves anyone: the area of the cells whose largest share goes to it, the people it serves, its capacity and its longest travel time.';

CREATE FUNCTION _evacuation_cache_info()
RETURNS TABLE(builds bigint, version bigint, nodes bigint, arcs bigint, bytes bigint)
AS 'MODULE_PATHNAME', 'riskmap_evacuation_cache_info'
LANGUAGE C VOLATILE;

-- The C functions query PostGIS functions by name: pin the search path to
-- riskmap and the schema PostGIS lives in.
DO $$
DECLARE
    s text := (SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
               WHERE e.extname = 'postgis');
BEGIN
    EXECUTE format('ALTER FUNCTION riskmap.evacuation_assignment(double precision, double precision, boolean, text) SET search_path = riskmap, %I, pg_catalog, pg_temp', s);
    EXECUTE format('ALTER FUNCTION riskmap._evacuation_catchments(double precision, double precision, boolean, text) SET search_path = riskmap, %I, pg_catalog, pg_temp', s);
    EXECUTE format('ALTER FUNCTION riskmap.evacuation_catchments(double precision, double precision, boolean, text) SET search_path = riskmap, %I, pg_catalog, pg_temp', s);
END
$$;

GRANT SELECT ON road_version TO riskmap_reader;
GRANT EXECUTE ON FUNCTION evacuation_assignment(double precision, double precision, boolean, text),
      _evacuation_catchments(double precision, double precision, boolean, text),
      evacuation_catchments(double precision, double precision, boolean, text) TO riskmap_reader;

-- ===== 60_tiles.sql =====
-- Map tiles: riskmap.tile(z, x, y, style, scale) renders PNG tiles in C
-- (plugin/core/rm_render.c, plugin/pg/tile_fmgr.c); styles live in
-- riskmap.tile_style, validated in C on every INSERT/UPDATE. See docs/tiles.md.

CREATE TABLE tile_style (
    name       text PRIMARY KEY CONSTRAINT tile_style_name_check CHECK (name ~ '^[a-z][a-z0-9_]{0,62}$'),
    spec       jsonb NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE tile_style IS 'Tile styles (layers, colours, widths, fonts, zoom ranges) used by riskmap.tile(); see docs/tiles.md.';

CREATE FUNCTION _tile_style_validate(p_name text, p_spec text) RETURNS void
AS 'MODULE_PATHNAME', 'riskmap_tile_style_validate'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION _tile_style_validate(text, text) IS
    'Internal: ERROR 23514 naming the JSON path when p_spec is not a valid tile style.';

CREATE FUNCTION _tile_style_check() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM riskmap._tile_style_validate(NEW.name, NEW.spec::text);
    NEW.updated_at := now();
    RETURN NEW;
END $$;
CREATE TRIGGER tile_style_check BEFORE INSERT OR UPDATE ON tile_style
    FOR EACH ROW EXECUTE FUNCTION _tile_style_check();

-- The bounding box of a source's impact zone (the geometry grown by its
-- radius, generously: 110 km per degree, the longitude span at the zone's
-- poleward edge), for a GiST index that finds the zones reaching a tile.
-- Built with the PostGIS schema written out, so that the index works
-- whatever the search_path of the session that writes risk_source.
DO $do$
DECLARE
    pg_schema text := (SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
                       WHERE e.extname = 'postgis');
BEGIN
    EXECUTE format($f$
        CREATE FUNCTION _zone_box(g %1$I.geometry, r double precision) RETURNS %1$I.geometry
        LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $body$
            SELECT CASE
                WHEN g IS NULL THEN NULL
                WHEN r IS NULL OR NOT (r > 0) THEN %1$I.ST_Envelope(g)
                ELSE %1$I.ST_Expand(%1$I.ST_Envelope(g),
                        least(360.0, r / (110000.0 * greatest(0.0001, cos(radians(least(89.9,
                            greatest(abs(%1$I.ST_YMin(g)), abs(%1$I.ST_YMax(g))) + r / 110000.0)))))),
                        least(180.0, r / 110000.0))
            END
        $body$ $f$, pg_schema);
END $do$;
COMMENT ON FUNCTION _zone_box(geometry, double precision) IS
    'Internal: a box holding the source geometry buffered by r metres on the ground (index of riskmap.tile).';
CREATE INDEX risk_source_zone_box_idx ON risk_source USING gist (_zone_box(geom, impact_radius_m));

CREATE FUNCTION tile(z integer, x integer, y integer, style text DEFAULT 'risk', scale integer DEFAULT 1)
RETURNS bytea
AS 'MODULE_PATHNAME', 'riskmap_tile'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION tile(integer, integer, integer, text, integer) IS
    'PNG of the XYZ tile z/x/y (Web Mercator, y = 0 at the north), 256*scale px, drawn with a style of riskmap.tile_style.';
-- The tile's queries name PostGIS functions unqualified: pin the search path.
DO $do$
BEGIN
    EXECUTE format('ALTER FUNCTION riskmap.tile(integer, integer, integer, text, integer) SET search_path = riskmap, %I',
                   (SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
                    WHERE e.extname = 'postgis'));
END $do$;

CREATE FUNCTION tile_profile(z integer, x integer, y integer, style text DEFAULT 'risk', scale integer DEFAULT 1)
RETURNS TABLE(stage text, ms double precision, n integer)
AS 'MODULE_PATHNAME', 'riskmap_tile_profile'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION tile_profile(integer, integer, integer, text, integer) IS
    'Renders a tile like riskmap.tile() and tells where the time went: the style read, each layer (query + drawing; n = rows), the PNG (n = bytes), the total.';
DO $do$
BEGIN
    EXECUTE format('ALTER FUNCTION riskmap.tile_profile(integer, integer, integer, text, integer) SET search_path = riskmap, %I',
                   (SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
                    WHERE e.extname = 'postgis'));
END $do$;

GRANT SELECT ON tile_style TO riskmap_reader;
GRANT SELECT, INSERT, UPDATE, DELETE ON tile_style TO riskmap_office;

-- The shipped styles: styles/*.json, embedded here by styles/embed.cmake
-- (CTest 'styles.embedded' fails when they differ).
-- BEGIN STYLES
INSERT INTO tile_style (name, spec) VALUES
('evacuation', $style_evacuation${
  "name": "evacuation",
  "description": "Evacuation: catchments per shelter, shelters, unserved population",
  "font": "Noto Sans CJK SC",
  "layers": [
    {
      "name": "catchments", "type": "catchments", "minzoom": 6, "maxzoom": 22,
      "palette": ["#1B9E7766", "#D95F0266", "#7570B366", "#E7298A66", "#66A61E66", "#E6AB0266",
                  "#A6761D66", "#1F78B466", "#B2DF8A66", "#FB9A9966", "#CAB2D666", "#FFFF9966"],
      "color": "#FFFFFFB3", "width": 0.6
    },
    {
      "name": "unserved", "type": "unserved", "minzoom": 6, "maxzoom": 22,
      "fill": "#B2182B4D", "color": "#B2182B80", "width": 0.5, "size": 6, "halo": "#FFFFFF"
    },
    {
      "name": "district_borders", "type": "district_borders", "minzoom": 0, "maxzoom": 22,
      "color": "#4A3F6B", "width": 1.2
    },
    {
      "name": "shelters", "type": "shelters", "minzoom": 9, "maxzoom": 22,
      "size": 10, "width": 1.4, "halo": "#FFFFFF", "fill": "#1A9850",
      "default_shape": "square",
      "symbols": {
        "shelter": "square",
        "hospital": {"shape": "cross", "fill": "#0072B2"},
        "fire_station": {"shape": "diamond", "fill": "#D95F02"},
        "warehouse": {"shape": "hexagon", "fill": "#6A51A3"}
      }
    },
    {
      "name": "district_labels", "type": "district_labels", "minzoom": 7, "maxzoom": 22,
      "size": 13, "bold": true, "color": "#2B2140", "halo": "#FFFFFFD9", "halo_width": 2.5
    }
  ]
}$style_evacuation$),
('risk', $style_risk${
  "name": "risk",
  "description": "Risk map: impact zones by level, undrilled high-risk zones hatched, districts, sources, shelters",
  "font": "Noto Sans CJK SC",
  "layers": [
    {
      "name": "impact_zones", "type": "impact_zones", "minzoom": 6, "maxzoom": 22,
      "fill_by_level": ["#E6000055", "#FF8C0055", "#FFD7005C", "#2E7DFF40"],
      "stroke_by_level": ["#C00000CC", "#E07000CC", "#C8A000CC", "#1E50C899"],
      "width": 0.8
    },
    {
      "name": "undrilled", "type": "undrilled", "minzoom": 6, "maxzoom": 22,
      "comment": "undrilled_areas of the current year: high-risk zones with no drill, cross-hatched",
      "max_level": 2, "color": "#7F0000", "spacing": 7, "width": 1.2
    },
    {
      "name": "district_borders", "type": "district_borders", "minzoom": 0, "maxzoom": 22,
      "color": "#4A3F6B", "width": 1.2
    },
    {
      "name": "sources", "type": "sources", "minzoom": 10, "maxzoom": 22,
      "size": 8, "width": 1.2, "halo": "#FFFFFF",
      "stroke_by_level": ["#D00000", "#F07800", "#E8C000", "#2060D0"],
      "default_shape": "circle",
      "symbols": {
        "landslide": "triangle", "flood": "hexagon", "chemical": "diamond", "gas_pipeline": "circle",
        "crowd": "square", "mine": "star", "dam": "hexagon", "fire": "triangle"
      }
    },
    {
      "name": "shelters", "type": "shelters", "minzoom": 11, "maxzoom": 22,
      "size": 10, "width": 1.4, "halo": "#FFFFFF", "fill": "#1A9850",
      "default_shape": "square",
      "symbols": {
        "shelter": "square",
        "hospital": {"shape": "cross", "fill": "#0072B2"},
        "fire_station": {"shape": "diamond", "fill": "#D95F02"},
        "warehouse": {"shape": "hexagon", "fill": "#6A51A3"}
      }
    },
    {
      "name": "district_labels", "type": "district_labels", "minzoom": 7, "maxzoom": 22,
      "size": 13, "bold": true, "color": "#2B2140", "halo": "#FFFFFFD9", "halo_width": 2.5
    }
  ]
}$style_risk$);
-- END STYLES

-- ===== 70_notify.sql =====
-- Tile cache invalidation. After every statement that changes a table the
-- tiles depend on, one NOTIFY riskmap_tiles carries the lon/lat extent that
-- the change may have touched (old and new rows):
--     '<minx> <miny> <maxx> <maxy>[ <style> ...]'
-- Trailing style names mean "and every tile of that style": the evacuation
-- style's catchments depend on shelters, population and roads globally (a
-- capacitated assignment can move people far from the changed row). TRUNCATE
-- sends '*' (everything). riskmap-tiles LISTENs and drops the cached tiles the
-- extent touches, at every zoom, plus a margin of pixels for symbols and labels.
-- Rows without geometry (plan, plan_link, drill_target) notify the zones of the
-- sources they touch; a drill notifies its area, its targets' zones and the
-- zones of the sources its area meets. NOTIFY is delivered at commit, and not
-- at all on rollback.

-- The bounding box of g grown by r metres on the ground, a little generously
-- (1 % and the longitude degree at the box's widest latitude).
CREATE FUNCTION _notify_zone_box(g geometry, r double precision) RETURNS box2d
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
    IF g IS NULL OR ST_IsEmpty(g) THEN
        RETURN NULL;
    ELSIF r IS NULL OR r <= 0 THEN
        RETURN Box2D(g);
    END IF;
    RETURN ST_Expand(Box2D(g),
                     r * 1.01 / (111320.0 * greatest(cos(radians(least(89.0, greatest(abs(ST_YMin(g)), abs(ST_YMax(g)))))), 0.01)),
                     r * 1.01 / 110574.0);
END $$;

CREATE FUNCTION _notify_tiles(b box2d, p_styles text DEFAULT '') RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF b IS NULL THEN
        IF p_styles <> '' THEN
            PERFORM pg_notify('riskmap_tiles', '0 0 0 0' || p_styles);
        END IF;
        RETURN;
    END IF;
    PERFORM pg_notify('riskmap_tiles',
                      format('%s %s %s %s%s', ST_XMin(b), ST_YMin(b), ST_XMax(b), ST_YMax(b), p_styles));
END $$;

-- One statement-level trigger function for all tables. The transition tables
-- are called old_rows / new_rows; %1$I below is one of them.
-- SECURITY DEFINER: the extents come from rows the writer may not see (RLS);
-- 99_finish.sql pins its search_path (riskmap, PostGIS's schema, pg_temp).
CREATE FUNCTION _tiles_changed() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
    q      text;
    styles text := '';
    b      box2d;
    part   box2d;
    t      text;
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        PERFORM pg_notify('riskmap_tiles', '*');
        RETURN NULL;
    END IF;
    CASE TG_TABLE_NAME
    WHEN 'tile_style' THEN
        -- a style changed: every tile of it, at every place
        FOREACH t IN ARRAY CASE TG_OP WHEN 'INSERT' THEN ARRAY['new_rows'] WHEN 'DELETE' THEN ARRAY['old_rows']
                                      ELSE ARRAY['old_rows', 'new_rows'] END LOOP
            EXECUTE format('SELECT string_agg(DISTINCT '' '' || x.name, '''') FROM %I x', t) INTO q;
            styles := styles || coalesce(q, '');
        END LOOP;
        PERFORM riskmap._notify_tiles(NULL, styles);
        RETURN NULL;
    WHEN 'risk_source' THEN
        q := 'SELECT ST_Extent(riskmap._notify_zone_box(x.geom, x.impact_radius_m)) FROM %1$I x';
    WHEN 'district' THEN
        q := 'SELECT ST_Extent(x.geom) FROM %1$I x';
    WHEN 'shelter', 'population', 'road' THEN
        q := 'SELECT ST_Extent(x.geom) FROM %1$I x';
        styles := ' evacuation';
    WHEN 'drill' THEN
        q := 'SELECT ST_Extent(b) FROM ('
             '  SELECT Box2D(x.area) AS b FROM %1$I x WHERE x.area IS NOT NULL'
             '  UNION ALL'
             '  SELECT riskmap._notify_zone_box(rs.geom, rs.impact_radius_m) FROM %1$I x'
             '  JOIN riskmap.drill_target dt ON dt.drill_id = x.id JOIN riskmap.risk_source rs ON rs.id = dt.source_id'
             '  UNION ALL'
             '  SELECT riskmap._notify_zone_box(rs.geom, rs.impact_radius_m) FROM %1$I x'
             '  JOIN riskmap.risk_source rs ON x.area && rs.geom) s';
    WHEN 'drill_target', 'plan_link' THEN
        q := 'SELECT ST_Extent(riskmap._notify_zone_box(rs.geom, rs.impact_radius_m)) FROM %1$I x'
             ' JOIN riskmap.risk_source rs ON rs.id = x.source_id';
    WHEN 'plan' THEN
        q := 'SELECT ST_Extent(riskmap._notify_zone_box(rs.geom, rs.impact_radius_m)) FROM %1$I x'
             ' JOIN riskmap.plan_link l ON l.plan_id = x.id JOIN riskmap.risk_source rs ON rs.id = l.source_id';
    ELSE
        PERFORM pg_notify('riskmap_tiles', '*');
        RETURN NULL;
    END CASE;
    FOREACH t IN ARRAY CASE TG_OP WHEN 'INSERT' THEN ARRAY['new_rows']
                                  WHEN 'DELETE' THEN ARRAY['old_rows']
                                  ELSE ARRAY['old_rows', 'new_rows'] END LOOP
        EXECUTE format(q, t) INTO part;
        IF part IS NOT NULL THEN
            b := CASE WHEN b IS NULL THEN part ELSE Box2D(ST_Collect(b::geometry, part::geometry)) END;
        END IF;
    END LOOP;
    PERFORM riskmap._notify_tiles(b, styles);
    RETURN NULL;
END $$;

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['district', 'risk_source', 'plan', 'plan_link', 'shelter', 'population', 'road',
                             'drill', 'drill_target', 'tile_style'] LOOP
        CONTINUE WHEN to_regclass(format('riskmap.%I', t)) IS NULL;  -- tile_style comes with the tile renderer
        EXECUTE format('CREATE TRIGGER %I AFTER INSERT ON riskmap.%I REFERENCING NEW TABLE AS new_rows '
                       'FOR EACH STATEMENT EXECUTE FUNCTION riskmap._tiles_changed()', t || '_tiles_ins', t);
        EXECUTE format('CREATE TRIGGER %I AFTER UPDATE ON riskmap.%I REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows '
                       'FOR EACH STATEMENT EXECUTE FUNCTION riskmap._tiles_changed()', t || '_tiles_upd', t);
        EXECUTE format('CREATE TRIGGER %I AFTER DELETE ON riskmap.%I REFERENCING OLD TABLE AS old_rows '
                       'FOR EACH STATEMENT EXECUTE FUNCTION riskmap._tiles_changed()', t || '_tiles_del', t);
        EXECUTE format('CREATE TRIGGER %I AFTER TRUNCATE ON riskmap.%I '
                       'FOR EACH STATEMENT EXECUTE FUNCTION riskmap._tiles_changed()', t || '_tiles_trunc', t);
    END LOOP;
END $$;

-- CREATE EXTENSION (also the second half of a DROP/CREATE reload, which fires no
-- row triggers for the rows that went): every cached tile goes, at commit.
SELECT pg_notify('riskmap_tiles', '*');

-- ===== 80_drills.sql =====
-- Drill planning (docs/drills.md): allocate_drills / accept_allocation,
-- sealed blind-drill scenarios, materials, completion, improvement actions.

---------------------------------------------------------------------------
-- Allocation inputs.

-- Every source with its weight for p_year: {1:8,2:4,3:2,4:1}[risk_level] ×
-- min(5, p_year − year of its last completed drill before p_year; 5 if never),
-- where a drill "drills" a source when it targets it (drill_target) or its
-- area intersects it. Weight 0: a planned/completed drill of p_year already
-- covers the source (it is not proposed again). cat_idx numbers the
-- categories 1.. in text order (the same numbering as _allocation_orgs).
CREATE FUNCTION _allocation_sources(p_year integer)
RETURNS TABLE(id bigint, cat_idx integer, category text, district_code text, risk_level smallint,
              weight double precision, geom geometry)
LANGUAGE sql STABLE AS $$
    WITH cats AS (
        SELECT c.category, row_number() OVER (ORDER BY c.category)::integer AS idx
        FROM (SELECT DISTINCT rs.category FROM riskmap.risk_source rs) c
    ), this_year AS (
        SELECT d.id, d.area FROM riskmap.drill d
        WHERE d.year = p_year AND d.status IN ('planned', 'completed')
    ), covered AS (
        SELECT t.source_id FROM riskmap.drill_target t JOIN this_year y ON y.id = t.drill_id
        UNION
        SELECT rs.id FROM riskmap.risk_source rs JOIN this_year y
          ON y.area IS NOT NULL AND y.area && rs.geom AND ST_Intersects(y.area, rs.geom)
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
COMMENT ON FUNCTION _allocation_sources(integer) IS
    'allocate_drills input: each source''s weight for the year (0 when a drill of the year covers it).';

-- Every organisation with the drills it still needs in p_year (quota minimum
-- minus its planned/completed drills of the year as organiser or joint
-- participant, counted as compliance() counts), the months it may not get a
-- proposal (bit m-1: one of its drills of the year is scheduled in month m),
-- the months already past (p_year before or equal to the current year; they
-- are avoided when enough later months are free) and, for departments, the
-- category numbers of its pool.
CREATE FUNCTION _allocation_orgs(p_year integer)
RETURNS TABLE(org_kind text, org_code text, org_name text, need_comp integer, need_spec integer,
              busy_mask integer, past_mask integer, pool_cats integer[])
LANGUAGE sql STABLE AS $$
    WITH cats AS (
        SELECT c.category, row_number() OVER (ORDER BY c.category)::integer AS idx
        FROM (SELECT DISTINCT rs.category FROM riskmap.risk_source rs) c
    ), y AS (
        SELECT d.* FROM riskmap.drill d
        WHERE d.year = p_year AND d.status IN ('planned', 'completed')
    ), part AS (
        SELECT 'district'::text AS kind, y.organizer_district AS code, y.id, y.drill_class, y.scheduled_on
        FROM y WHERE y.organizer_district IS NOT NULL
        UNION
        SELECT 'district', j, y.id, y.drill_class, y.scheduled_on FROM y, unnest(y.joint_districts) AS j
        UNION
        SELECT 'department', y.organizer_department, y.id, y.drill_class, y.scheduled_on
        FROM y WHERE y.organizer_department IS NOT NULL
        UNION
        SELECT 'department', j, y.id, y.drill_class, y.scheduled_on FROM y, unnest(y.joint_departments) AS j
    ), counts AS (
        SELECT part.kind, part.code,
               count(*) FILTER (WHERE part.drill_class = 'comprehensive')::integer AS c,
               count(*) FILTER (WHERE part.drill_class = 'special')::integer AS s,
               coalesce(bit_or(1 << (extract(month FROM part.scheduled_on)::integer - 1))
                        FILTER (WHERE extract(year FROM part.scheduled_on) = p_year), 0) AS busy
        FROM part GROUP BY part.kind, part.code
    ), orgs AS (
        SELECT 'district'::text AS kind, d.code, d.name, NULL::text[] AS categories FROM riskmap.district d
        UNION ALL
        SELECT 'department', dp.code, dp.name, dp.categories FROM riskmap.department dp
    ), q AS (
        SELECT o.kind,
               coalesce((SELECT x.min_per_year FROM riskmap.drill_quota x
                         WHERE x.org_kind = o.kind AND x.drill_class = 'comprehensive'), 0) AS rc,
               coalesce((SELECT x.min_per_year FROM riskmap.drill_quota x
                         WHERE x.org_kind = o.kind AND x.drill_class = 'special'), 0) AS rs
        FROM (VALUES ('district'), ('department')) AS o(kind)
    ), past AS (
        SELECT CASE WHEN p_year = extract(year FROM current_date)::integer
                    THEN (1 << (extract(month FROM current_date)::integer - 1)) - 1
                    WHEN p_year < extract(year FROM current_date)::integer THEN 4095
                    ELSE 0 END AS mask
    )
    SELECT o.kind, o.code, o.name,
           greatest(q.rc - coalesce(c.c, 0), 0), greatest(q.rs - coalesce(c.s, 0), 0),
           coalesce(c.busy, 0), past.mask,
           CASE WHEN o.kind = 'department' THEN
               coalesce((SELECT array_agg(cats.idx ORDER BY cats.idx) FROM cats
                         WHERE cats.category = ANY (o.categories)), '{}')
           END
    FROM orgs o
    JOIN q ON q.kind = o.kind
    CROSS JOIN past
    LEFT JOIN counts c ON c.kind = o.kind AND c.code = o.code
$$;
COMMENT ON FUNCTION _allocation_orgs(integer) IS
    'allocate_drills input: drills each organisation still needs in the year, and its busy months.';

CREATE FUNCTION _allocate(p_year integer)
RETURNS TABLE(org_kind text, org_code text, drill_class text, month integer, source_ids bigint[],
              score double precision)
AS 'MODULE_PATHNAME', 'riskmap_allocate'
LANGUAGE C STABLE STRICT;

CREATE FUNCTION allocation_stats(p_year integer, p_node_limit bigint DEFAULT NULL)
RETURNS TABLE(sources integer, eligible integer, slots integer, filled integer,
              heuristic_score double precision, score double precision, upper_bound double precision,
              optimal boolean, nodes bigint, near_pairs bigint, solve_ms double precision,
              near_ms double precision, heuristic_ms double precision, exact_ms double precision,
              polish_ms double precision)
AS 'MODULE_PATHNAME', 'riskmap_allocate_stats'
LANGUAGE C STABLE;
COMMENT ON FUNCTION allocation_stats(integer, bigint) IS
    'How good allocate_drills(p_year) is: heuristic and final score, an upper bound of the optimum, whether optimality is proven (p_node_limit: branch-and-bound nodes, default bounded by the size).';

-- The drill subject (演练科目) for a risk category: mass-casualty risks are
-- medical rescue, geological and water hazards evacuation, hazardous
-- materials evacuation when high risk (level 1-2) else warning and response,
-- fires and weather warning and response.
CREATE FUNCTION drill_subject(p_category text, p_max_level integer DEFAULT 4) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE
        WHEN p_category IN ('crowd', 'stampede', 'mine', 'traffic', 'building_collapse', 'public_health', 'epidemic')
            THEN 'medical_rescue'
        WHEN p_category IN ('landslide', 'collapse', 'debris_flow', 'geological', 'flood', 'waterlogging', 'dam',
                            'earthquake', 'reservoir')
            THEN 'evacuation'
        WHEN p_category IN ('chemical', 'hazmat', 'gas_pipeline', 'gas', 'oil_pipeline', 'nuclear', 'explosive')
            THEN CASE WHEN p_max_level <= 2 THEN 'evacuation' ELSE 'warning_response' END
        WHEN p_category IN ('fire', 'forest_fire', 'weather', 'storm', 'typhoon', 'drought', 'heat', 'snow')
            THEN 'warning_response'
        ELSE 'other'
    END
$$;
COMMENT ON FUNCTION drill_subject(text, integer) IS
    'Drill subject for a risk category (and the highest risk level among the targets): see docs/drills.md.';

-- A proposal's subject: that of its dominant category (largest summed level
-- weight {8,4,2,1}, ties by category name), at the group's highest level.
CREATE FUNCTION _proposal_subject(p_source_ids bigint[]) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT riskmap.drill_subject(x.category, x.top_level)
    FROM (SELECT rs.category, sum((ARRAY[8, 4, 2, 1])[rs.risk_level]) AS w,
                 min(min(rs.risk_level)) OVER () AS top_level
          FROM riskmap.risk_source rs WHERE rs.id = ANY (p_source_ids)
          GROUP BY rs.category) x
    ORDER BY x.w DESC, x.category
    LIMIT 1
$$;

-- Districts that join a drill on these sources: for every high-risk target
-- (level 1-2) whose impact zone (the source buffered by impact_radius_m on
-- the ground) reaches two or more districts, all the districts it reaches;
-- the organiser itself excluded.
CREATE FUNCTION joint_districts_for(p_source_ids bigint[], p_organizer_district text DEFAULT NULL) RETURNS text[]
LANGUAGE sql STABLE AS $$
    WITH reach AS (
        SELECT rs.id, d.code
        FROM riskmap.risk_source rs
        JOIN riskmap.district d
          ON d.geom IS NOT NULL
         AND d.geom && ST_Expand(rs.geom, rs.impact_radius_m / (100000.0 * greatest(cos(radians(ST_Y(ST_Centroid(rs.geom)))), 0.01)))
         AND ST_DWithin(d.geom::geography, rs.geom::geography, rs.impact_radius_m)
        WHERE rs.id = ANY (p_source_ids) AND rs.risk_level <= 2
    ), crossing AS (
        SELECT r.id FROM reach r GROUP BY r.id HAVING count(*) >= 2
    )
    SELECT coalesce(array_agg(DISTINCT r.code ORDER BY r.code), '{}')
    FROM reach r JOIN crossing c ON c.id = r.id
    WHERE r.code IS DISTINCT FROM p_organizer_district
$$;
COMMENT ON FUNCTION joint_districts_for(bigint[], text) IS
    'Districts reached by the impact zone of a high-risk source among these that crosses a district border (the organiser excluded).';

CREATE FUNCTION _check_year(p_year integer) RETURNS void
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    IF p_year IS NULL THEN
        RAISE EXCEPTION 'p_year must not be NULL' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF p_year NOT BETWEEN 1949 AND 2200 THEN
        RAISE EXCEPTION 'year % is out of range (1949..2200)', p_year USING ERRCODE = 'invalid_parameter_value';
    END IF;
END $$;

CREATE FUNCTION allocate_drills(p_year integer, p_district text DEFAULT NULL)
RETURNS TABLE(org_kind text, org_code text, drill_class text, subject text, month integer,
              source_ids bigint[], score double precision)
LANGUAGE plpgsql STABLE AS $$
BEGIN
    PERFORM riskmap._check_year(p_year);
    PERFORM riskmap._check_district(p_district);
    -- The whole city is allocated (departments and districts compete for
    -- sources); p_district shows that district's share of it.
    RETURN QUERY
    SELECT a.org_kind, a.org_code, a.drill_class, riskmap._proposal_subject(a.source_ids), a.month,
           a.source_ids, a.score
    FROM riskmap._allocate(p_year) a
    WHERE p_district IS NULL OR (a.org_kind = 'district' AND a.org_code = p_district)
    ORDER BY a.org_kind, a.org_code, a.month;
END $$;
COMMENT ON FUNCTION allocate_drills(integer, text) IS
    'Proposed drills that top every organisation up to its drill_quota minimums, aimed at high-risk sources (docs/drills.md).';

-- Inserts the proposal as planned drills with their targets, one transaction.
-- SECURITY INVOKER: row-level security decides (a district lead accepts its
-- own district's drills only; anything else is ERROR 42501 and nothing is
-- written). Returns the new drill ids in the order of allocate_drills.
CREATE FUNCTION accept_allocation(p_year integer, p_district text DEFAULT NULL)
RETURNS SETOF bigint
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    r      record;
    v_id   bigint;
    v_name text;
BEGIN
    PERFORM riskmap._check_year(p_year);
    PERFORM riskmap._check_district(p_district);
    -- Two concurrent acceptances of one year would both top up the quota.
    PERFORM pg_advisory_xact_lock(hashtext('riskmap.accept_allocation'), p_year);
    FOR r IN SELECT * FROM riskmap.allocate_drills(p_year, p_district) LOOP
        IF r.org_kind = 'district' THEN
            SELECT d.name INTO v_name FROM riskmap.district d WHERE d.code = r.org_code;
        ELSE
            SELECT d.name INTO v_name FROM riskmap.department d WHERE d.code = r.org_code;
        END IF;
        INSERT INTO riskmap.drill (year, title, drill_class, subject, form, blind, organizer_district,
                                   organizer_department, joint_districts, key_drill, scheduled_on, status)
        VALUES (p_year,
                format('%s年%s%s演练（%s）', p_year, v_name,
                       CASE r.drill_class WHEN 'comprehensive' THEN '综合' ELSE '专项' END,
                       CASE r.subject WHEN 'evacuation' THEN '疏散撤离' WHEN 'medical_rescue' THEN '医疗救护'
                                      WHEN 'warning_response' THEN '预警响应' ELSE '其他' END),
                r.drill_class, r.subject,
                CASE WHEN r.drill_class = 'comprehensive' THEN 'combined'
                     WHEN r.subject IN ('evacuation', 'medical_rescue') THEN 'live'
                     ELSE 'tabletop' END,
                false,
                CASE WHEN r.org_kind = 'district' THEN r.org_code END,
                CASE WHEN r.org_kind = 'department' THEN r.org_code END,
                riskmap.joint_districts_for(r.source_ids, CASE WHEN r.org_kind = 'district' THEN r.org_code END),
                false,
                make_date(p_year, r.month, 15),
                'planned')
        RETURNING id INTO v_id;
        INSERT INTO riskmap.drill_target (drill_id, source_id)
        SELECT v_id, s FROM unnest(r.source_ids) AS s;
        RETURN NEXT v_id;
    END LOOP;
END $$;
COMMENT ON FUNCTION accept_allocation(integer, text) IS
    'Inserts the allocate_drills proposal as planned drills with their targets and joint districts; returns the new drill ids.';

---------------------------------------------------------------------------
-- Sealed scenarios of 六无 blind drills.

CREATE FUNCTION _rng_pick(p_seed bigint, p_stream integer, p_weights double precision[]) RETURNS integer
AS 'MODULE_PATHNAME', 'riskmap_rng_pick'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION _rng_below(p_seed bigint, p_stream integer, p_n bigint) RETURNS bigint
AS 'MODULE_PATHNAME', 'riskmap_rng_below'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION _scenario_injects(p_seed bigint, p_stream integer, p_within integer[], p_max integer)
RETURNS TABLE(at_minute integer, kind text, step integer, deadline_minute integer)
AS 'MODULE_PATHNAME', 'riskmap_scenario_injects'
LANGUAGE C IMMUTABLE STRICT;

-- Who may draw or read a drill's scenario now: the office (or a superuser)
-- always; anyone else only from the drill's scheduled date on. 42501 otherwise.
CREATE FUNCTION _assert_scenario_access(p_drill riskmap.drill) RETURNS void
LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF riskmap._is_office() THEN
        RETURN;
    END IF;
    IF p_drill.scheduled_on IS NULL OR current_date < p_drill.scheduled_on THEN
        RAISE EXCEPTION 'permission denied: the scenario of drill % ("%") is sealed until its scheduled date %; only riskmap_office may draw or read it before',
                p_drill.id, p_drill.title, coalesce(p_drill.scheduled_on::text, '(not scheduled)')
            USING ERRCODE = 'insufficient_privilege';
    END IF;
END $$;

-- Draws a scenario (does not store it). Stream numbers: 1 target source,
-- 2 event, 3 start time, 4 injects.
CREATE FUNCTION _draw_scenario(p_drill_id bigint, p_seed integer) RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
DECLARE
    d        riskmap.drill;
    v_ids    bigint[];
    v_w      double precision[];
    v_pick   integer;
    s        riskmap.risk_source;
    v_events text[];
    v_event  text;
    pl       record;
    v_start  timestamp;
    v_radius double precision;
    v_zone   geometry;
    v_people double precision;
    v_shel   jsonb;
    v_cap    bigint;
    v_steps  jsonb;
    v_within integer[];
    v_inj    jsonb;
    v_first_shelter text;
BEGIN
    SELECT * INTO d FROM riskmap.drill WHERE id = p_drill_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'drill % does not exist', p_drill_id USING ERRCODE = 'invalid_parameter_value';
    END IF;
    PERFORM riskmap._assert_scenario_access(d);
    IF d.scheduled_on IS NULL THEN
        RAISE EXCEPTION 'drill % ("%") has no scheduled date to set its scenario on', d.id, d.title
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- 1. The target: among the drill's targets, else the sources its area
    -- covers, else the organiser's sources (district, or department's
    -- categories); weighted by risk level {8,4,2,1}.
    SELECT array_agg(x.id ORDER BY x.id), array_agg(x.w ORDER BY x.id) INTO v_ids, v_w
    FROM (SELECT rs.id, (ARRAY[8, 4, 2, 1])[rs.risk_level]::double precision AS w
          FROM riskmap.risk_source rs JOIN riskmap.drill_target t ON t.source_id = rs.id
          WHERE t.drill_id = d.id) x;
    IF v_ids IS NULL AND d.area IS NOT NULL THEN
        SELECT array_agg(rs.id ORDER BY rs.id), array_agg((ARRAY[8, 4, 2, 1])[rs.risk_level]::double precision ORDER BY rs.id)
        INTO v_ids, v_w
        FROM riskmap.risk_source rs WHERE rs.geom && d.area AND ST_Intersects(rs.geom, d.area);
    END IF;
    IF v_ids IS NULL THEN
        SELECT array_agg(rs.id ORDER BY rs.id), array_agg((ARRAY[8, 4, 2, 1])[rs.risk_level]::double precision ORDER BY rs.id)
        INTO v_ids, v_w
        FROM riskmap.risk_source rs
        WHERE rs.district_code = d.organizer_district
           OR rs.category = ANY (coalesce((SELECT dp.categories FROM riskmap.department dp WHERE dp.code = d.organizer_department), '{}'::text[]));
    END IF;
    IF v_ids IS NULL THEN
        RAISE EXCEPTION 'drill % ("%"): no risk source to draw a scenario from (no targets, and none of its organiser''s)', d.id, d.title
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    v_pick := riskmap._rng_pick(p_seed, 1, v_w);
    SELECT * INTO s FROM riskmap.risk_source WHERE id = v_ids[v_pick];

    -- 2. The event: one of the source's event types or linked events (else
    -- its category), uniformly; and the linked plan (一源一事一案).
    SELECT array_agg(e ORDER BY e) INTO v_events
    FROM (SELECT unnest(s.event_types) AS e
          UNION SELECT l.event_type FROM riskmap.plan_link l WHERE l.source_id = s.id) z
    WHERE e IS NOT NULL AND e <> '';
    IF v_events IS NULL THEN
        v_events := ARRAY[s.category];
    END IF;
    v_event := v_events[riskmap._rng_pick(p_seed, 2, array_fill(1::double precision, ARRAY[cardinality(v_events)]))];
    SELECT p.id, p.code, p.title, p.status, p.content INTO pl
    FROM riskmap.plan_link l JOIN riskmap.plan p ON p.id = l.plan_id
    WHERE l.source_id = s.id AND l.event_type = v_event;

    -- 3. The start: a minute between 07:00 and 19:59 of the scheduled day.
    v_start := d.scheduled_on + make_interval(mins => 420 + riskmap._rng_below(p_seed, 3, 780)::integer);

    -- The zone: the source buffered by its impact radius on the ground (at
    -- least 50 m), by the geo engine's ground_buffer, the zones that
    -- undrilled_areas and the tiles show.
    v_radius := greatest(s.impact_radius_m, 50);
    v_zone := riskmap.ground_buffer(s.geom, v_radius);
    SELECT coalesce(sum(p.people), 0) INTO v_people
    FROM riskmap.population p
    WHERE p.geom && v_zone AND ST_Intersects(v_zone, ST_Centroid(p.geom));

    -- The nearest shelters (kind 'shelter', any district), by straight-line
    -- ground distance from the source, walked at 1.2 m/s.
    SELECT coalesce(jsonb_agg(jsonb_build_object(
               'id', z.id, 'name', z.name, 'district_code', z.district_code, 'capacity', z.capacity,
               'distance_m', round(z.dist::numeric, 1), 'walk_s', round((z.dist / 1.2)::numeric),
               'within_1h', z.dist / 1.2 <= 3600) ORDER BY z.dist, z.id), '[]'::jsonb),
           coalesce(sum(z.capacity) FILTER (WHERE z.dist / 1.2 <= 3600), 0),
           (array_agg(z.name ORDER BY z.dist, z.id))[1]
    INTO v_shel, v_cap, v_first_shelter
    FROM (SELECT c.id, c.name, c.district_code, c.capacity, ST_Distance(c.geom::geography, s.geom::geography) AS dist
          FROM (SELECT sh.* FROM riskmap.shelter sh WHERE sh.kind = 'shelter'
                ORDER BY sh.geom <-> s.geom, sh.id LIMIT 50) c
          ORDER BY dist, c.id LIMIT 5) z;

    -- 4. Injects against the linked plan's workflow steps (docs/plan_content.md:
    -- content.workflows[].steps[] with order, action, responsible,
    -- within_minutes), workflows in document order, steps by their order.
    SELECT coalesce(jsonb_agg(x.step ORDER BY x.wi, x.so, x.si), '[]'::jsonb) INTO v_steps
    FROM (SELECT w.ord AS wi, st.ord AS si,
                 CASE WHEN jsonb_typeof(st.step -> 'order') = 'number' THEN (st.step ->> 'order')::numeric END AS so,
                 jsonb_build_object('workflow', coalesce(w.wf ->> 'name', 'workflow ' || w.ord),
                                    'step', coalesce(st.step ->> 'action', 'step ' || st.ord),
                                    'responsible', st.step -> 'responsible',
                                    'within_minutes', CASE WHEN jsonb_typeof(st.step -> 'within_minutes') = 'number'
                                                           THEN (st.step ->> 'within_minutes')::numeric END,
                                    'path', format('content.workflows[%s].steps[%s]', w.ord - 1, st.ord - 1)) AS step
          FROM jsonb_array_elements(CASE WHEN jsonb_typeof(pl.content -> 'workflows') = 'array'
                                         THEN pl.content -> 'workflows' ELSE '[]'::jsonb END) WITH ORDINALITY AS w(wf, ord)
          CROSS JOIN LATERAL jsonb_array_elements(CASE WHEN jsonb_typeof(w.wf -> 'steps') = 'array'
                                                       THEN w.wf -> 'steps' ELSE '[]'::jsonb END) WITH ORDINALITY AS st(step, ord)
          WHERE jsonb_typeof(w.wf) = 'object' AND jsonb_typeof(st.step) = 'object') x;
    -- The shelter that fails: the first shelter the plan relies on, else the nearest.
    SELECT coalesce((SELECT sh.name
                     FROM jsonb_array_elements(CASE WHEN jsonb_typeof(pl.content -> 'resources') = 'array'
                                                    THEN pl.content -> 'resources' ELSE '[]'::jsonb END)
                          WITH ORDINALITY AS r(res, ord)
                     JOIN riskmap.shelter sh ON jsonb_typeof(r.res -> 'shelter_id') = 'number'
                                            AND sh.id = (r.res ->> 'shelter_id')::numeric
                     WHERE r.res ->> 'kind' = 'shelter'
                     ORDER BY r.ord LIMIT 1), v_first_shelter)
    INTO v_first_shelter;
    SELECT coalesce(array_agg(CASE WHEN (e ->> 'within_minutes') IS NULL THEN 0
                                   ELSE least(greatest(ceil((e ->> 'within_minutes')::numeric), 0), 1051200)::integer END
                              ORDER BY o), '{}')
    INTO v_within
    FROM jsonb_array_elements(v_steps) WITH ORDINALITY AS q(e, o);
    SELECT coalesce(jsonb_agg(jsonb_build_object(
               'at_minute', i.at_minute,
               'at', to_char(v_start + make_interval(mins => i.at_minute), 'YYYY-MM-DD"T"HH24:MI:SS') || '+08:00',
               'kind', i.kind,
               'text', CASE i.kind
                   WHEN 'initial_report' THEN format('%s（%s）发生%s，现场报告险情，请按预案处置。', s.name, s.category, v_event)
                   WHEN 'escalation' THEN format('事态升级：%s影响范围扩大，受影响人员增至约 %s 人。', v_event,
                                                  round(greatest(v_people, 1) * 1.5))
                   WHEN 'secondary_event' THEN format('次生事件：%s引发次生灾害，周边道路中断。', v_event)
                   ELSE format('资源失效：%s。', CASE WHEN v_first_shelter IS NOT NULL
                                                      THEN format('避难场所「%s」无法启用', v_first_shelter)
                                                      ELSE '指挥通信中断' END)
               END,
               'tests', CASE WHEN i.step IS NOT NULL THEN (v_steps -> (i.step - 1)) || jsonb_build_object('plan_id', pl.id) END,
               'deadline_minute', i.deadline_minute) ORDER BY i.at_minute, i.step), '[]'::jsonb)
    INTO v_inj
    FROM riskmap._scenario_injects(p_seed, 4, v_within, 6) i;

    RETURN jsonb_build_object(
        'drill_id', d.id,
        'seed', p_seed,
        'source', jsonb_build_object('id', s.id, 'name', s.name, 'kind', s.kind, 'category', s.category,
                                     'risk_level', s.risk_level, 'district_code', s.district_code),
        'event', jsonb_build_object('type', v_event,
                                    'plan', CASE WHEN pl.id IS NOT NULL THEN
                                        jsonb_build_object('id', pl.id, 'code', pl.code, 'title', pl.title, 'status', pl.status) END),
        'start_time', to_char(v_start, 'YYYY-MM-DD"T"HH24:MI:SS') || '+08:00',
        'zone', ST_AsGeoJSON(v_zone, 6)::jsonb,
        'zone_radius_m', v_radius,
        'people_affected', round(v_people::numeric, 1),
        'shelters', v_shel,
        'shelter_capacity_within_1h', v_cap,
        'capacity_suffices', v_cap >= v_people,
        'travel_basis', 'straight-line ground distance from the source at 1.2 m/s',
        'injects', v_inj);
END $$;

CREATE FUNCTION blind_scenario(p_drill_id bigint, p_seed integer DEFAULT NULL) RETURNS jsonb
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    d      riskmap.drill;
    st     riskmap.drill_scenario;
    v_seed integer;
    v_scn  jsonb;
BEGIN
    IF p_drill_id IS NULL THEN
        RAISE EXCEPTION 'p_drill_id must not be NULL' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT * INTO d FROM riskmap.drill WHERE id = p_drill_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'drill % does not exist', p_drill_id USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- Sealed: before the scheduled date only the office (or a superuser).
    PERFORM riskmap._assert_scenario_access(d);
    -- Row-level security shows the stored row only to those allowed.
    IF riskmap._is_office() THEN
        SELECT * INTO st FROM riskmap.drill_scenario WHERE drill_id = p_drill_id FOR UPDATE;
    ELSE
        SELECT * INTO st FROM riskmap.drill_scenario WHERE drill_id = p_drill_id;
    END IF;
    IF FOUND AND (p_seed IS NULL OR p_seed = st.seed) THEN
        RETURN st.scenario;
    END IF;
    IF FOUND AND NOT riskmap._is_office() THEN
        RAISE EXCEPTION 'permission denied: only riskmap_office may draw the scenario of drill % again with another seed', d.id
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    v_seed := coalesce(p_seed, (p_drill_id % 2147483647)::integer);
    v_scn := riskmap._draw_scenario(p_drill_id, v_seed);
    IF riskmap._is_office() THEN
        INSERT INTO riskmap.drill_scenario (drill_id, seed, scenario) VALUES (p_drill_id, v_seed, v_scn)
        ON CONFLICT (drill_id) DO UPDATE SET seed = EXCLUDED.seed, scenario = EXCLUDED.scenario, created_at = now();
    END IF;
    RETURN v_scn;
END $$;
COMMENT ON FUNCTION blind_scenario(bigint, integer) IS
    'Sealed 六无 blind-drill scenario drawn from the data (deterministic per seed; NULL seed = the drill id); stored, and readable before the drill''s date by riskmap_office only.';

---------------------------------------------------------------------------
-- After the drill: completion, materials, improvement actions. All SECURITY
-- INVOKER: row-level security and the district guard decide who may.

CREATE FUNCTION _drill_for_write(p_drill_id bigint) RETURNS riskmap.drill
LANGUAGE plpgsql STABLE AS $$
DECLARE
    d riskmap.drill;
BEGIN
    IF p_drill_id IS NULL THEN
        RAISE EXCEPTION 'p_drill_id must not be NULL' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT * INTO d FROM riskmap.drill WHERE id = p_drill_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'drill % does not exist', p_drill_id USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF d.status = 'cancelled' THEN
        RAISE EXCEPTION 'drill % ("%") is cancelled', d.id, d.title USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN d;
END $$;

CREATE FUNCTION complete_drill(p_drill_id bigint, p_on date DEFAULT current_date) RETURNS riskmap.drill
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    d riskmap.drill;
BEGIN
    d := riskmap._drill_for_write(p_drill_id);
    IF p_on IS NULL THEN
        RAISE EXCEPTION 'p_on must not be NULL' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF p_on > current_date THEN
        RAISE EXCEPTION 'drill % ("%"): cannot be completed on % (in the future)', d.id, d.title, p_on
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF d.status = 'completed' THEN
        IF d.completed_on = p_on THEN
            RETURN d;
        END IF;
        RAISE EXCEPTION 'drill % ("%") was already completed on %', d.id, d.title, d.completed_on
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    UPDATE riskmap.drill SET status = 'completed', completed_on = p_on WHERE id = p_drill_id
    RETURNING * INTO d;
    RETURN d;
END $$;
COMMENT ON FUNCTION complete_drill(bigint, date) IS 'Marks a planned drill completed on a date (not in the future).';

CREATE FUNCTION submit_material(p_drill_id bigint, p_kind text, p_uri text, p_sha256 text) RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    d     riskmap.drill;
    v_sha text := lower(btrim(p_sha256));
    v_id  bigint;
BEGIN
    d := riskmap._drill_for_write(p_drill_id);
    IF p_kind IS NULL OR p_kind NOT IN ('plan', 'script', 'evaluation', 'image', 'video') THEN
        RAISE EXCEPTION 'unknown material kind "%" (expected plan, script, evaluation, image or video)', coalesce(p_kind, 'NULL')
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF p_uri IS NULL OR btrim(p_uri) = '' THEN
        RAISE EXCEPTION 'drill %: the % material needs a uri (got an empty one)', d.id, p_kind
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF v_sha IS NULL OR v_sha !~ '^[0-9a-f]{64}$' THEN
        RAISE EXCEPTION 'drill %: malformed sha256 "%" (64 hexadecimal digits expected)', d.id, coalesce(p_sha256, 'NULL')
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- The plan and script are prepared before the drill; the evaluation,
    -- images and videos come from it.
    IF p_kind IN ('evaluation', 'image', 'video') AND d.status <> 'completed' THEN
        RAISE EXCEPTION 'drill % ("%") is not completed: % material comes after the drill (complete_drill first)', d.id, d.title, p_kind
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- Submitting the same file again is not a new material.
    SELECT m.id INTO v_id FROM riskmap.drill_material m
    WHERE m.drill_id = d.id AND m.kind = p_kind AND m.uri = p_uri AND lower(m.sha256) = v_sha
    ORDER BY m.id LIMIT 1;
    IF FOUND THEN
        RETURN v_id;
    END IF;
    INSERT INTO riskmap.drill_material (drill_id, kind, submitted_on, uri, sha256)
    VALUES (d.id, p_kind, current_date, p_uri, v_sha)
    RETURNING id INTO v_id;
    RETURN v_id;
END $$;
COMMENT ON FUNCTION submit_material(bigint, text, text, text) IS
    'Archives a drill material (submitted today); sha256 is normalised to lower case; evaluation/image/video only after completion.';

CREATE FUNCTION record_action(p_drill_id bigint, p_finding text, p_action text, p_owner text, p_due_on date)
RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    d    riskmap.drill;
    v_id bigint;
BEGIN
    d := riskmap._drill_for_write(p_drill_id);
    IF d.status <> 'completed' THEN
        RAISE EXCEPTION 'drill % ("%") is not completed: improvement actions come from its evaluation', d.id, d.title
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF p_finding IS NULL OR btrim(p_finding) = '' OR p_action IS NULL OR btrim(p_action) = ''
       OR p_owner IS NULL OR btrim(p_owner) = '' THEN
        RAISE EXCEPTION 'drill %: an improvement action needs a finding, an action and an owner', d.id
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF p_due_on IS NOT NULL AND p_due_on < d.completed_on THEN
        RAISE EXCEPTION 'drill %: action due on % is before the drill was completed (%)', d.id, p_due_on, d.completed_on
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    INSERT INTO riskmap.improvement_action (drill_id, finding, action, owner, due_on)
    VALUES (d.id, p_finding, p_action, p_owner, p_due_on)
    RETURNING id INTO v_id;
    RETURN v_id;
END $$;
COMMENT ON FUNCTION record_action(bigint, text, text, text, date) IS
    'Records an improvement action of a completed drill''s evaluation; returns its id.';

CREATE FUNCTION close_action(p_action_id bigint, p_on date DEFAULT current_date) RETURNS void
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    a      riskmap.improvement_action;
    v_done date;
BEGIN
    IF p_action_id IS NULL OR p_on IS NULL THEN
        RAISE EXCEPTION 'p_action_id and p_on must not be NULL' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT * INTO a FROM riskmap.improvement_action WHERE id = p_action_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'improvement action % does not exist', p_action_id USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF a.closed_on IS NOT NULL THEN
        RAISE EXCEPTION 'improvement action % was already closed on %', a.id, a.closed_on
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT d.completed_on INTO v_done FROM riskmap.drill d WHERE d.id = a.drill_id;
    IF p_on < v_done THEN
        RAISE EXCEPTION 'improvement action %: cannot close it on %, before its drill was completed (%)', a.id, p_on, v_done
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    UPDATE riskmap.improvement_action SET closed_on = p_on WHERE id = p_action_id;
END $$;
COMMENT ON FUNCTION close_action(bigint, date) IS 'Closes an improvement action on a date.';

-- ===== 99_finish.sql =====
-- PL/pgSQL functions run with riskmap and PostGIS on their search_path,
-- whatever the caller's (functions that set their own path keep it).
DO $$
DECLARE
    f    regprocedure;
    path text := pg_catalog.current_setting('search_path') || ', pg_temp';
BEGIN
    FOR f IN
        SELECT p.oid::regprocedure
        FROM pg_catalog.pg_proc p
        JOIN pg_catalog.pg_language l ON l.oid = p.prolang
        WHERE p.pronamespace = 'riskmap'::regnamespace AND l.lanname = 'plpgsql' AND p.proconfig IS NULL
    LOOP
        EXECUTE pg_catalog.format('ALTER FUNCTION %s SET search_path = %s', f, path);
    END LOOP;
END $$;
