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

-- One row per year whose allocation was accepted: accept_allocation writes
-- it first, so that two acceptances of one year conflict on that row at any
-- isolation level (READ COMMITTED: the second waits, then sees the first's
-- drills and proposes only what is still missing; REPEATABLE READ and
-- SERIALIZABLE: the second fails with 40001 and is retried).
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
-- always; anyone else only from the seal date on, in the city's calendar
-- (Asia/Shanghai): the frozen sealed_until of the stored scenario when there
-- is one, else the drill's scheduled date (which, for a blind drill, only the
-- office may move; see _drill_guard). 42501 otherwise.
CREATE FUNCTION _assert_scenario_access(p_drill riskmap.drill) RETURNS void
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

    -- The nearest shelters (kind 'shelter', any district) by travel time from
    -- the source (a point on its surface) at 1.2 m/s, measured as
    -- evacuation_assignment does: over road when it has rows, else straight
    -- line (riskmap._shelter_travel_times). distance_m is the straight-line
    -- ground distance, travel_s the travel time, within_1h travel_s <= 3600.
    SELECT coalesce(jsonb_agg(jsonb_build_object(
               'id', z.id, 'name', z.name, 'district_code', z.district_code, 'capacity', z.capacity,
               'distance_m', round(z.dist::numeric, 1), 'walk_s', round((z.dist / 1.2)::numeric),
               'travel_s', round(z.travel_s::numeric), 'travel', CASE WHEN z.by_road THEN 'road' ELSE 'straight_line' END,
               'within_1h', z.travel_s <= 3600) ORDER BY z.travel_s, z.id), '[]'::jsonb),
           coalesce(sum(z.capacity) FILTER (WHERE z.travel_s <= 3600), 0),
           (array_agg(z.name ORDER BY z.travel_s, z.id))[1]
    INTO v_shel, v_cap, v_first_shelter
    FROM (SELECT c.id, c.name, c.district_code, c.capacity, t.by_road, t.time_s AS travel_s,
                 ST_Distance(c.geom::geography, s.geom::geography) AS dist
          FROM riskmap._shelter_travel_times(ST_X(ST_PointOnSurface(s.geom)), ST_Y(ST_PointOnSurface(s.geom)), 1.2) t
          JOIN riskmap.shelter c ON c.id = t.shelter_id
          ORDER BY t.time_s, c.id LIMIT 5) z;

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
        'travel_basis', CASE WHEN EXISTS (SELECT 1 FROM riskmap.road)
                             THEN 'road travel time from the source as in evacuation_assignment (walking legs at 1.2 m/s)'
                             ELSE 'straight-line ground distance from the source at 1.2 m/s' END,
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
        INSERT INTO riskmap.drill_scenario (drill_id, seed, scenario, sealed_until) VALUES (p_drill_id, v_seed, v_scn, d.scheduled_on)
        ON CONFLICT (drill_id) DO UPDATE SET seed = EXCLUDED.seed, scenario = EXCLUDED.scenario, created_at = now(),
                                             sealed_until = EXCLUDED.sealed_until;
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

---------------------------------------------------------------------------
-- Direct writes of a drill follow the rules of the functions above
-- (complete_drill, the seal of blind_scenario), whoever writes them:
--  * scheduled_on and completed_on are finite dates;
--  * for anyone but the office: a completed drill stays completed on its date
--    (complete_drill refuses to complete it again on another day); a drill is
--    completed only with a completed_on that is not in the future; status
--    'completed' and completed_on go together; only the office moves the date
--    of a blind drill or of a drill whose scenario is stored, or makes a blind
--    drill not blind.
-- When the office moves the date of a drill whose scenario is stored, the seal
-- moves with it (drill_scenario.sealed_until).
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

-- Materials written directly follow submit_material's rules for anyone but
-- the office: a material is submitted today (its date decides whether a key
-- drill's materials were late) and keeps that date; evaluation, image and
-- video come after the drill is completed.
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
