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

-- Restore mode: pg_restore (and pg_dump's scripts) run with row_security =
-- off, which only a role that RLS does not apply to (superuser, BYPASSRLS)
-- can write with; logical replication applies rows with session_replication_role
-- = replica. Rows written then are restored as they were dumped: the history
-- and guard triggers stand aside (docs/security.md, "Backup and restore").
CREATE FUNCTION _restoring() RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT pg_catalog.current_setting('session_replication_role') = 'replica'
        OR (pg_catalog.current_setting('row_security') = 'off'
            AND coalesce((SELECT r.rolsuper OR r.rolbypassrls FROM pg_catalog.pg_roles r
                          WHERE r.rolname = current_user), false))
$$;

-- "Today" for every rule that depends on the date (sealing, completion,
-- lifecycle dates): the city's calendar day, whatever the session's TimeZone.
CREATE FUNCTION _today() RETURNS date
LANGUAGE sql STABLE AS $$ SELECT (pg_catalog.now() AT TIME ZONE 'Asia/Shanghai')::date $$;

-- ERROR 22023 unless d is a finite date (NULL passes; callers check NULL).
CREATE FUNCTION _check_finite(p_value date, p_name text) RETURNS void
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    IF p_value IS NOT NULL AND NOT pg_catalog.isfinite(p_value) THEN
        RAISE EXCEPTION '% must be a finite date (got %)', p_name, p_value USING ERRCODE = 'invalid_parameter_value';
    END IF;
END $$;

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
-- district, nor rows owned by a city department. A link needs both its source
-- and its plan to be the caller's (a district links its own sources to its
-- own plans). An explicit id that a district chooses must stay within
-- _max_id_jump() of its identity sequence: the sequence is moved past explicit
-- ids (_sync_identity), and nobody but the office may push a shared sequence
-- towards its end (docs/security.md).
CREATE FUNCTION _max_id_jump() RETURNS bigint
LANGUAGE sql IMMUTABLE AS $$ SELECT 1000000::bigint $$;

CREATE FUNCTION _guard_district_write() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    v_row  jsonb;
    r      record;
    v_plan text;
    v_id   bigint;
    v_last bigint;
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
        IF TG_TABLE_NAME = 'plan_link' THEN
            v_plan := riskmap._plan_district((v_row ->> 'plan_id')::bigint);
            IF NOT riskmap._may_write_district(v_plan) THEN
                RAISE EXCEPTION 'permission denied: % links to plan % of %; a district links its own sources to its own plans only',
                        r.label, v_row ->> 'plan_id', coalesce('district ' || v_plan, 'no district (a city plan: only the office links it)')
                    USING ERRCODE = 'insufficient_privilege';
            END IF;
        END IF;
    END LOOP;
    IF TG_OP = 'INSERT' AND TG_TABLE_NAME IN ('plan', 'drill', 'drill_material', 'improvement_action') THEN
        EXECUTE 'SELECT ($1).id' USING NEW INTO v_id;
        v_last := coalesce(pg_sequence_last_value(pg_get_serial_sequence(format('riskmap.%I', TG_TABLE_NAME), 'id')::regclass), 0);
        IF v_id > greatest(v_last, 0) + riskmap._max_id_jump() OR v_id < 1 THEN
            RAISE EXCEPTION 'permission denied: % id % is out of range for %: a district chooses ids from 1 to % (the sequence is at %); leave id to its default',
                    TG_TABLE_NAME, v_id, current_user, greatest(v_last, 0) + riskmap._max_id_jump(), v_last
                USING ERRCODE = 'insufficient_privilege';
        END IF;
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END $$;

-- Sealed scenarios of 六无 blind drills (written by blind_scenario()). The
-- seal date is frozen in the row when it is stored (the drill's scheduled
-- date then; it follows the drill only when the office moves it), so nothing
-- a reader can change, even in a transaction it rolls back, unseals it; the
-- day is the city's (Asia/Shanghai), not the session's time zone.
CREATE TABLE drill_scenario (
    drill_id     bigint PRIMARY KEY REFERENCES drill (id) ON DELETE CASCADE,
    seed         integer NOT NULL,
    scenario     jsonb NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    sealed_until date NULL
);
COMMENT ON TABLE drill_scenario IS 'Sealed 六无 blind-drill scenarios: only riskmap_office reads one before its sealed_until date (the drill''s scheduled date when sealed).';
COMMENT ON COLUMN drill_scenario.sealed_until IS 'First day (Asia/Shanghai) on which others than riskmap_office may read the row; NULL = sealed.';
SELECT pg_catalog.pg_extension_config_dump('riskmap.drill_scenario', '');

-- The seal date of a drill's stored scenario, whether or not the caller may
-- read the row (NULL when none is stored). SECURITY DEFINER so that the seal
-- can be enforced against those who cannot see it; pinned to pg_catalog.
CREATE FUNCTION _scenario_seal_date(p_drill_id bigint, OUT stored boolean, OUT sealed_until date)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT EXISTS (SELECT 1 FROM riskmap.drill_scenario s WHERE s.drill_id = p_drill_id),
           (SELECT s.sealed_until FROM riskmap.drill_scenario s WHERE s.drill_id = p_drill_id)
$$;
REVOKE ALL ON FUNCTION _scenario_seal_date(bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION _scenario_seal_date(bigint) TO riskmap_reader;

CREATE FUNCTION _source_district(p_source_id bigint) RETURNS text
LANGUAGE sql STABLE AS $$ SELECT district_code FROM riskmap.risk_source WHERE id = p_source_id $$;
CREATE FUNCTION _drill_district(p_drill_id bigint) RETURNS text
LANGUAGE sql STABLE AS $$ SELECT organizer_district FROM riskmap.drill WHERE id = p_drill_id $$;
CREATE FUNCTION _plan_district(p_plan_id bigint) RETURNS text
LANGUAGE sql STABLE AS $$ SELECT owner_district FROM riskmap.plan WHERE id = p_plan_id $$;

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
        ('plan_link', 'riskmap._source_district(source_id)) AND riskmap._may_write_district(riskmap._plan_district(plan_id)'),
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
CREATE POLICY drill_scenario_unsealed ON drill_scenario FOR SELECT USING (sealed_until <= riskmap._today());

-- Privileges.
GRANT USAGE ON SCHEMA riskmap TO riskmap_reader;
GRANT SELECT ON ALL TABLES IN SCHEMA riskmap TO riskmap_reader;
GRANT INSERT, UPDATE, DELETE ON plan, plan_link, drill, drill_target, drill_material, improvement_action
    TO riskmap_district;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA riskmap TO riskmap_district;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA riskmap TO riskmap_office;
GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA riskmap TO riskmap_office;
