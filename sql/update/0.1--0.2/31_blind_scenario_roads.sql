-- 0.1 -> 0.2, evacuation (issue 10): blind_scenario's shelters by road travel time
-- (riskmap._shelter_travel_times, created in 30_evacuation_cache.sql).
CREATE OR REPLACE FUNCTION _draw_scenario(p_drill_id bigint, p_seed integer) RETURNS jsonb
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
