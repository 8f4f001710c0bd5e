-- The plan and drill ledger: lifecycle, 一源一事一案 coverage, filing, quotas,
-- improvement actions. Exactly the semantics of docs/reference.md.

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
-- in plan_event. The lifecycle dates follow the same rules whichever way a
-- row is written: a date column changes only with the move that sets it
-- (approved_on with → approved, published_on with → published, revised_on
-- with → revising, filed_on with → filed, which only the office makes; a
-- move into published clears filed_on); a direct UPDATE of the status sets
-- the date of the move (riskmap.transition_on, else today in Asia/Shanghai).
-- Only the office corrects a date without a move, or dates a move in the
-- future. Dates are finite. Rows
-- being restored (riskmap._restoring()) are taken as they were dumped.
CREATE FUNCTION _plan_status_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    v_office boolean;
    v_col    text;
    v_on     date;
    v_old    jsonb;
    v_new    jsonb;
    c        text;
BEGIN
    IF riskmap._restoring() THEN
        RETURN NEW;
    END IF;
    PERFORM riskmap._check_finite(NEW.approved_on, format('plan "%s": approved_on', NEW.code)),
            riskmap._check_finite(NEW.published_on, format('plan "%s": published_on', NEW.code)),
            riskmap._check_finite(NEW.filed_on, format('plan "%s": filed_on', NEW.code)),
            riskmap._check_finite(NEW.revised_on, format('plan "%s": revised_on', NEW.code));
    v_office := riskmap._is_office();
    IF TG_OP = 'INSERT' THEN
        IF (NEW.status = 'filed' OR NEW.filed_on IS NOT NULL) AND NOT v_office THEN
            RAISE EXCEPTION 'plan "%": only the emergency office (riskmap_office) files plans (备案)', NEW.code
                USING ERRCODE = 'insufficient_privilege';
        END IF;
        IF NOT v_office AND greatest(NEW.approved_on, NEW.published_on, NEW.revised_on) > least(current_date, riskmap._today()) THEN
            RAISE EXCEPTION 'plan "%": lifecycle dates in the future (approved_on %, published_on %, revised_on %)', NEW.code,
                    NEW.approved_on, NEW.published_on, NEW.revised_on
                USING ERRCODE = 'invalid_parameter_value';
        END IF;
        RETURN NEW;
    END IF;
    IF NEW.status IS DISTINCT FROM OLD.status THEN
        IF NOT riskmap._plan_move_allowed(OLD.status, NEW.status) THEN
            RAISE EXCEPTION 'plan "%" (id %): cannot move from "%" to "%"', OLD.code, OLD.id, OLD.status, NEW.status
                USING ERRCODE = 'invalid_parameter_value',
                      HINT = 'Lifecycle: drafting → reviewing → approved → published → filed; published/filed → revising → reviewing; any → retired.';
        END IF;
        IF NEW.status = 'filed' AND NOT v_office THEN
            RAISE EXCEPTION 'plan "%" (id %): only the emergency office (riskmap_office) files plans (备案)', OLD.code, OLD.id
                USING ERRCODE = 'insufficient_privilege';
        END IF;
        v_col := riskmap._plan_date_column(NEW.status);
        v_on := coalesce(nullif(current_setting('riskmap.transition_on', true), '')::date, current_date);
        PERFORM riskmap._check_finite(v_on, 'riskmap.transition_on');
        -- The move's own date: set by plan_transition, else the day of the move.
        IF v_col = 'approved_on' AND NEW.approved_on IS NOT DISTINCT FROM OLD.approved_on THEN NEW.approved_on := v_on;
        ELSIF v_col = 'published_on' AND NEW.published_on IS NOT DISTINCT FROM OLD.published_on THEN NEW.published_on := v_on;
        ELSIF v_col = 'revised_on' AND NEW.revised_on IS NOT DISTINCT FROM OLD.revised_on THEN NEW.revised_on := v_on;
        ELSIF v_col = 'filed_on' AND NEW.filed_on IS NOT DISTINCT FROM OLD.filed_on THEN NEW.filed_on := v_on;
        END IF;
        IF NEW.status = 'published' AND NEW.filed_on IS NOT DISTINCT FROM OLD.filed_on THEN
            NEW.filed_on := NULL;   -- a (re)published version is filed anew
        END IF;
    END IF;
    IF v_office THEN
        RETURN NEW;
    END IF;
    -- A move is not dated in the future (it would hide revision_overdue for years).
    IF NEW.status IS DISTINCT FROM OLD.status AND v_col IS NOT NULL THEN
        v_on := CASE v_col WHEN 'approved_on' THEN NEW.approved_on WHEN 'published_on' THEN NEW.published_on
                           WHEN 'revised_on' THEN NEW.revised_on ELSE NEW.filed_on END;
        IF v_on > least(current_date, riskmap._today()) THEN
            RAISE EXCEPTION 'plan "%" (id %): cannot move to "%" on % (in the future)', OLD.code, OLD.id, NEW.status, v_on
                USING ERRCODE = 'invalid_parameter_value';
        END IF;
    END IF;
    v_old := jsonb_build_object('approved_on', OLD.approved_on, 'published_on', OLD.published_on,
                                'filed_on', OLD.filed_on, 'revised_on', OLD.revised_on);
    v_new := jsonb_build_object('approved_on', NEW.approved_on, 'published_on', NEW.published_on,
                                'filed_on', NEW.filed_on, 'revised_on', NEW.revised_on);
    FOR c IN SELECT k FROM jsonb_object_keys(v_new) AS k ORDER BY k LOOP
        CONTINUE WHEN v_old -> c = v_new -> c;
        CONTINUE WHEN NEW.status IS DISTINCT FROM OLD.status
                      AND (c = v_col OR (c = 'filed_on' AND NEW.status = 'published' AND NEW.filed_on IS NULL));
        RAISE EXCEPTION 'permission denied: plan "%" (id %): % changes only with the lifecycle move that sets it (plan_transition); only the office (riskmap_office) corrects it',
                OLD.code, OLD.id, c
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = format('%s: %s -> %s, status %s -> %s', c, v_old ->> c, v_new ->> c, OLD.status, NEW.status);
    END LOOP;
    RETURN NEW;
END $$;
CREATE TRIGGER plan_status_guard BEFORE INSERT OR UPDATE OF status, approved_on, published_on, filed_on, revised_on ON plan
    FOR EACH ROW EXECUTE FUNCTION _plan_status_guard();

-- The history. SECURITY DEFINER: plan_event is written by this trigger only
-- (districts cannot insert into it); search_path is pg_catalog and pg_temp,
-- every name is qualified. Rows being restored carry their history with them.
CREATE FUNCTION _plan_history() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_on   date;
    v_note text := nullif(pg_catalog.current_setting('riskmap.transition_note', true), '');
BEGIN
    IF riskmap._restoring() THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'INSERT' THEN
        INSERT INTO riskmap.plan_event (plan_id, from_status, to_status, on_date, actor, note)
        VALUES (NEW.id, NULL, NEW.status,
                current_date,  -- the day the row was recorded
                session_user, coalesce(v_note, 'created'));
    ELSIF NEW.status IS DISTINCT FROM OLD.status THEN
        -- the date of the move, as _plan_status_guard set it
        v_on := CASE riskmap._plan_date_column(NEW.status)
                    WHEN 'approved_on' THEN NEW.approved_on WHEN 'published_on' THEN NEW.published_on
                    WHEN 'revised_on' THEN NEW.revised_on WHEN 'filed_on' THEN NEW.filed_on END;
        v_on := coalesce(v_on, nullif(pg_catalog.current_setting('riskmap.transition_on', true), '')::date,
                         current_date);
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
    PERFORM riskmap._check_finite(p_on, 'p_on');
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
    PERFORM riskmap._check_finite(p_as_of, 'p_as_of');
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
    PERFORM riskmap._check_year(p_year);
    PERFORM riskmap._check_not_null(p_as_of, 'p_as_of');
    PERFORM riskmap._check_finite(p_as_of, 'p_as_of');
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
    PERFORM riskmap._check_finite(p_as_of, 'p_as_of');
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
