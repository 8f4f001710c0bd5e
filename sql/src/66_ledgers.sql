-- Ledgers (台账) for riskmap-export and riskmap-tiles' /export/ledger.xlsx
-- (export/rm_ledger.c): one function per sheet that the existing ledger
-- functions do not already give, so that SQL, the program and the server
-- agree on every row. See docs/print.md.

-- Sources with their linked plans' status and their last drill.
CREATE FUNCTION ledger_sources(p_as_of date DEFAULT current_date, p_district text DEFAULT NULL)
RETURNS TABLE(source_id bigint, kind text, name text, category text, risk_level smallint, district_code text,
              district_name text, impact_radius_m double precision, population_exposed integer,
              plans text, plans_in_force integer, last_drill_on date, drilled_this_year boolean)
LANGUAGE plpgsql STABLE AS $$
#variable_conflict use_column
BEGIN
    PERFORM riskmap._check_district(p_district);
    PERFORM riskmap._check_not_null(p_as_of, 'p_as_of');
    RETURN QUERY
    SELECT s.id, s.kind, s.name, s.category, s.risk_level, s.district_code, d.name, s.impact_radius_m,
           s.population_exposed, pl.plans, coalesce(pl.in_force, 0), dr.last_on, coalesce(dr.this_year, false)
      FROM riskmap.risk_source s
      LEFT JOIN riskmap.district d ON d.code = s.district_code
      LEFT JOIN LATERAL (
          SELECT string_agg(p.code || '（' || l.event_type || '，' || p.status || '）', '；' ORDER BY p.code, l.event_type) AS plans,
                 count(*) FILTER (WHERE p.status IN ('published', 'filed'))::integer AS in_force
            FROM riskmap.plan_link l JOIN riskmap.plan p ON p.id = l.plan_id
           WHERE l.source_id = s.id) pl ON true
      LEFT JOIN LATERAL (
          SELECT max(x.completed_on) FILTER (WHERE x.status = 'completed' AND x.completed_on <= p_as_of) AS last_on,
                 bool_or(x.year = extract(year FROM p_as_of)::integer AND x.status IN ('planned', 'completed')) AS this_year
            FROM (SELECT dd.* FROM riskmap.drill_target t JOIN riskmap.drill dd ON dd.id = t.drill_id
                   WHERE t.source_id = s.id
                  UNION
                  SELECT dd.* FROM riskmap.drill dd
                   WHERE dd.area && s.geom AND ST_Intersects(dd.area, s.geom)) x) dr ON true
     WHERE p_district IS NULL OR s.district_code = p_district
     ORDER BY s.risk_level, s.id;
END $$;
COMMENT ON FUNCTION ledger_sources(date, text) IS
    'Ledger of risk sources: linked plans (code, event, status), plans in force, last completed drill (targeting it or whose area covers it), drilled this year.';

-- Plans: lifecycle dates, the filing due date (20th working day after
-- publication) and the working days late (as filing_overdue counts them, up
-- to the filing date when filed late).
CREATE FUNCTION ledger_plans(p_as_of date DEFAULT current_date, p_district text DEFAULT NULL)
RETURNS TABLE(plan_id bigint, code text, title text, plan_type text, owner_district text, owner_department text,
              status text, approved_on date, published_on date, filed_on date, revised_on date,
              filing_due_on date, working_days_late integer, linked_sources integer)
LANGUAGE plpgsql STABLE AS $$
#variable_conflict use_column
BEGIN
    PERFORM riskmap._check_district(p_district);
    PERFORM riskmap._check_not_null(p_as_of, 'p_as_of');
    RETURN QUERY
    SELECT p.id, p.code, p.title, p.plan_type, p.owner_district, p.owner_department, p.status,
           p.approved_on, p.published_on, p.filed_on, p.revised_on, f.due,
           CASE WHEN f.due IS NULL OR p.status = 'retired' THEN NULL
                ELSE greatest(0, riskmap.working_days_between(f.due, least(p_as_of, coalesce(p.filed_on, p_as_of)))) END,
           (SELECT count(*)::integer FROM riskmap.plan_link l WHERE l.plan_id = p.id)
      FROM riskmap.plan p
     CROSS JOIN LATERAL (SELECT riskmap.add_working_days(p.published_on, 20) AS due) f
     WHERE p_district IS NULL OR p.owner_district = p_district
     ORDER BY p.code, p.id;
END $$;
COMMENT ON FUNCTION ledger_plans(date, text) IS
    'Ledger of plans (应急预案登记台账): lifecycle dates, filing due date (20th working day after publication), working days late.';

-- Drills of p_as_of's year organised by the district or joined by it.
CREATE FUNCTION ledger_drills(p_as_of date DEFAULT current_date, p_district text DEFAULT NULL)
RETURNS TABLE(drill_id bigint, year integer, title text, drill_class text, subject text, form text, blind boolean,
              key_drill boolean, organizer text, joint_districts text, joint_departments text,
              scheduled_on date, completed_on date, status text, targets integer, materials text,
              materials_count integer)
LANGUAGE plpgsql STABLE AS $$
#variable_conflict use_column
BEGIN
    PERFORM riskmap._check_district(p_district);
    PERFORM riskmap._check_not_null(p_as_of, 'p_as_of');
    RETURN QUERY
    SELECT d.id, d.year, d.title, d.drill_class, d.subject, d.form, d.blind, d.key_drill,
           coalesce(d.organizer_district, d.organizer_department),
           nullif(array_to_string(d.joint_districts, '，'), ''), nullif(array_to_string(d.joint_departments, '，'), ''),
           d.scheduled_on, d.completed_on, d.status,
           (SELECT count(*)::integer FROM riskmap.drill_target t WHERE t.drill_id = d.id),
           (SELECT string_agg(DISTINCT m.kind, '，') FROM riskmap.drill_material m WHERE m.drill_id = d.id),
           (SELECT count(*)::integer FROM riskmap.drill_material m WHERE m.drill_id = d.id)
      FROM riskmap.drill d
     WHERE d.year = extract(year FROM p_as_of)::integer
       AND (p_district IS NULL OR d.organizer_district = p_district OR p_district = ANY (d.joint_districts))
     ORDER BY d.scheduled_on NULLS LAST, d.id;
END $$;
COMMENT ON FUNCTION ledger_drills(date, text) IS
    'Ledger of the drills of p_as_of''s year (organised or joined by the district): class, form, blind, joint, status, materials.';

-- The ledgers also read tables the tiles do not draw: a change there sends a
-- NOTIFY riskmap_tiles with an empty box ('0 0 0 0': no tile is dropped), so
-- that riskmap-tiles drops its cached sheets and ledgers (rm_print_routes.c).
CREATE FUNCTION _ledger_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('riskmap_tiles', '0 0 0 0');
    RETURN NULL;
END $$;
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['drill_material', 'improvement_action', 'workday_override', 'drill_quota',
                             'department', 'plan_event'] LOOP
        EXECUTE format('CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON riskmap.%I '
                       'FOR EACH STATEMENT EXECUTE FUNCTION riskmap._ledger_changed()', t || '_ledger_notify', t);
    END LOOP;
END $$;
