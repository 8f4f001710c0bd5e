-- Roles and row-level security (docs/reference.md, Roles).
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
