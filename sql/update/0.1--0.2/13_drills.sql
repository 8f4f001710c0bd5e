-- Issue 9 (security and data safety), update part; the fresh install has the same in sql/src/{50_geo_coverage,60_tiles,80_drills}.sql.

-- ground_buffer: coordinates must be longitude/latitude (22023).
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
CREATE OR REPLACE FUNCTION ground_buffer(g geometry, radius_m double precision)
RETURNS geometry
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT riskmap._ground_buffer(ST_AsEWKB(riskmap._check_lonlat(g)), radius_m)::geometry $$;
-- A restored style keeps its time.
CREATE OR REPLACE FUNCTION _tile_style_check() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM riskmap._tile_style_validate(NEW.name, NEW.spec::text);
    IF NOT riskmap._restoring() THEN   -- a restored row keeps its time
        NEW.updated_at := now();
    END IF;
    RETURN NEW;
END $$;

-- accept_allocation at every isolation level.
CREATE TABLE allocation_acceptance (
    year        integer PRIMARY KEY CONSTRAINT allocation_acceptance_year_check CHECK (year BETWEEN 1949 AND 2200),
    accepted    integer NOT NULL DEFAULT 1,
    accepted_at timestamptz NOT NULL DEFAULT now(),
    accepted_by text NOT NULL DEFAULT session_user
);
COMMENT ON TABLE allocation_acceptance IS 'Years whose allocate_drills proposal was accepted (and how often): the row accept_allocation serialises on.';
SELECT pg_catalog.pg_extension_config_dump('riskmap.allocation_acceptance', '');
GRANT SELECT ON allocation_acceptance TO riskmap_reader;
GRANT SELECT, INSERT, UPDATE, DELETE ON allocation_acceptance TO riskmap_office;

-- Writes the year's row for accept_allocation. SECURITY DEFINER: districts
-- write plans, links, drills and materials only, not this table; the
-- function takes nothing but the (checked) year and is pinned to pg_catalog.
CREATE FUNCTION _accept_allocation_lock(p_year integer) RETURNS void
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    INSERT INTO riskmap.allocation_acceptance AS a (year) VALUES (p_year)
    ON CONFLICT (year) DO UPDATE
        SET accepted = a.accepted OPERATOR(pg_catalog.+) 1, accepted_at = pg_catalog.now(), accepted_by = session_user
$$;
REVOKE ALL ON FUNCTION _accept_allocation_lock(integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION _accept_allocation_lock(integer) TO riskmap_district, riskmap_office;
CREATE OR REPLACE FUNCTION accept_allocation(p_year integer, p_district text DEFAULT NULL)
RETURNS SETOF bigint
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    r      record;
    v_id   bigint;
    v_name text;
BEGIN
    PERFORM riskmap._check_year(p_year);
    PERFORM riskmap._check_district(p_district);
    -- Two concurrent acceptances of one year would both top up the quota:
    -- both write this row (see allocation_acceptance).
    PERFORM riskmap._accept_allocation_lock(p_year);
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

-- Sealing and drill rules.
CREATE OR REPLACE FUNCTION _assert_scenario_access(p_drill riskmap.drill) RETURNS void
LANGUAGE plpgsql STABLE AS $$
DECLARE
    v_seal record;
    v_date date;
BEGIN
    IF riskmap._is_office() THEN
        RETURN;
    END IF;
    v_seal := riskmap._scenario_seal_date(p_drill.id);
    v_date := CASE WHEN v_seal.stored THEN v_seal.sealed_until ELSE p_drill.scheduled_on END;
    IF v_date IS NULL OR riskmap._today() < v_date THEN
        RAISE EXCEPTION 'permission denied: the scenario of drill % ("%") is sealed until its scheduled date %; only riskmap_office may draw or read it before',
                p_drill.id, p_drill.title, coalesce(v_date::text, '(not scheduled)')
            USING ERRCODE = 'insufficient_privilege';
    END IF;
END $$;
CREATE OR REPLACE FUNCTION blind_scenario(p_drill_id bigint, p_seed integer DEFAULT NULL) RETURNS jsonb
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
        INSERT INTO riskmap.drill_scenario (drill_id, seed, scenario, sealed_until) VALUES (p_drill_id, v_seed, v_scn, d.scheduled_on)
        ON CONFLICT (drill_id) DO UPDATE SET seed = EXCLUDED.seed, scenario = EXCLUDED.scenario, created_at = now(),
                                             sealed_until = EXCLUDED.sealed_until;
    END IF;
    RETURN v_scn;
END $$;
CREATE OR REPLACE FUNCTION complete_drill(p_drill_id bigint, p_on date DEFAULT current_date) RETURNS riskmap.drill
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    d riskmap.drill;
BEGIN
    d := riskmap._drill_for_write(p_drill_id);
    IF p_on IS NULL THEN
        RAISE EXCEPTION 'p_on must not be NULL' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    PERFORM riskmap._check_finite(p_on, 'p_on');
    IF p_on > least(current_date, riskmap._today()) THEN
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
CREATE FUNCTION _drill_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    v_today date := least(current_date, riskmap._today());
BEGIN
    IF riskmap._restoring() THEN
        RETURN NEW;
    END IF;
    PERFORM riskmap._check_finite(NEW.scheduled_on, format('drill %s: scheduled_on', coalesce(NEW.id::text, '(new)'))),
            riskmap._check_finite(NEW.completed_on, format('drill %s: completed_on', coalesce(NEW.id::text, '(new)')));
    IF riskmap._is_office() THEN
        RETURN NEW;
    END IF;
    IF TG_OP = 'UPDATE' AND OLD.status = 'completed'
       AND (NEW.status IS DISTINCT FROM OLD.status OR NEW.completed_on IS DISTINCT FROM OLD.completed_on) THEN
        RAISE EXCEPTION 'permission denied: drill % ("%") was completed on %; only the office (riskmap_office) changes a completed drill',
                OLD.id, OLD.title, OLD.completed_on
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF (NEW.status = 'completed') <> (NEW.completed_on IS NOT NULL) THEN
        RAISE EXCEPTION 'drill % ("%"): status % with completed_on % (a drill is completed with its date: complete_drill)',
                coalesce(NEW.id::text, '(new)'), NEW.title, NEW.status, coalesce(NEW.completed_on::text, 'NULL')
            USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.completed_on > v_today THEN
        RAISE EXCEPTION 'drill % ("%"): cannot be completed on % (in the future)', coalesce(NEW.id::text, '(new)'), NEW.title, NEW.completed_on
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF TG_OP = 'UPDATE' AND (NEW.scheduled_on IS DISTINCT FROM OLD.scheduled_on OR (OLD.blind AND NOT NEW.blind))
       AND (OLD.blind OR (riskmap._scenario_seal_date(OLD.id)).stored) THEN
        RAISE EXCEPTION 'permission denied: drill % ("%") is a blind drill or has a sealed scenario: only the office (riskmap_office) moves its date or unblinds it',
                OLD.id, OLD.title
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER drill_guard BEFORE INSERT OR UPDATE ON drill
    FOR EACH ROW EXECUTE FUNCTION _drill_guard();

-- The seal of a stored scenario: the drill's scheduled date when it is
-- stored (unless the office gives one), and the new date when the office
-- moves the drill.
CREATE FUNCTION _scenario_seal() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF riskmap._restoring() THEN
        RETURN NEW;
    END IF;
    IF TG_OP = 'INSERT' AND NEW.sealed_until IS NULL THEN
        SELECT d.scheduled_on INTO NEW.sealed_until FROM riskmap.drill d WHERE d.id = NEW.drill_id;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER drill_scenario_seal BEFORE INSERT ON drill_scenario
    FOR EACH ROW EXECUTE FUNCTION _scenario_seal();

CREATE FUNCTION _scenario_follow_drill() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF riskmap._restoring() THEN
        RETURN NULL;
    END IF;
    IF (riskmap._scenario_seal_date(NEW.id)).stored THEN   -- only the office gets here (_drill_guard)
        UPDATE riskmap.drill_scenario SET sealed_until = NEW.scheduled_on WHERE drill_id = NEW.id;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER drill_scenario_follow AFTER UPDATE OF scheduled_on ON drill
    FOR EACH ROW WHEN (OLD.scheduled_on IS DISTINCT FROM NEW.scheduled_on)
    EXECUTE FUNCTION _scenario_follow_drill();

CREATE FUNCTION _material_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF riskmap._restoring() OR riskmap._is_office() THEN
        RETURN NEW;
    END IF;
    IF TG_OP = 'INSERT' AND NEW.submitted_on NOT BETWEEN least(current_date, riskmap._today())
                                                     AND greatest(current_date, riskmap._today()) THEN
        RAISE EXCEPTION 'permission denied: drill % material "%": submitted_on % is not today; a material is submitted on the day it is (submit_material)',
                NEW.drill_id, NEW.kind, NEW.submitted_on
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF TG_OP = 'UPDATE' AND NEW.submitted_on IS DISTINCT FROM OLD.submitted_on THEN
        RAISE EXCEPTION 'permission denied: drill % material %: submitted_on changes only by the office', OLD.drill_id, OLD.id
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF NEW.kind IN ('evaluation', 'image', 'video')
       AND NOT EXISTS (SELECT 1 FROM riskmap.drill d WHERE d.id = NEW.drill_id AND d.status = 'completed') THEN
        RAISE EXCEPTION 'drill % is not completed: % material comes after the drill (complete_drill first)', NEW.drill_id, NEW.kind
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER drill_material_guard BEFORE INSERT OR UPDATE ON drill_material
    FOR EACH ROW EXECUTE FUNCTION _material_guard();
