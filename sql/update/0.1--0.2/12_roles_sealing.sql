-- Issue 9 (security and data safety), update part; the fresh install has the same in sql/src/40_security.sql.

-- Cross-district links refused; explicit ids bounded for districts.
CREATE FUNCTION _max_id_jump() RETURNS bigint
LANGUAGE sql IMMUTABLE AS $$ SELECT 1000000::bigint $$;
CREATE OR REPLACE FUNCTION _guard_district_write() RETURNS trigger
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
CREATE FUNCTION _plan_district(p_plan_id bigint) RETURNS text
LANGUAGE sql STABLE AS $$ SELECT owner_district FROM riskmap.plan WHERE id = p_plan_id $$;
DROP POLICY plan_link_insert ON plan_link;
DROP POLICY plan_link_update ON plan_link;
CREATE POLICY plan_link_insert ON plan_link FOR INSERT
    WITH CHECK (riskmap._may_write_district(riskmap._source_district(source_id)) AND riskmap._may_write_district(riskmap._plan_district(plan_id)));
CREATE POLICY plan_link_update ON plan_link FOR UPDATE USING (true)
    WITH CHECK (riskmap._may_write_district(riskmap._source_district(source_id)) AND riskmap._may_write_district(riskmap._plan_district(plan_id)));

-- Sealed scenarios: the seal date is frozen in the row (backfilled from the
-- drill's scheduled date), the day is Asia/Shanghai's.
ALTER TABLE drill_scenario ADD COLUMN sealed_until date NULL;
UPDATE drill_scenario s SET sealed_until = d.scheduled_on FROM drill d WHERE d.id = s.drill_id;
COMMENT ON TABLE drill_scenario IS 'Sealed 六无 blind-drill scenarios: only riskmap_office reads one before its sealed_until date (the drill''s scheduled date when sealed).';
COMMENT ON COLUMN drill_scenario.sealed_until IS 'First day (Asia/Shanghai) on which others than riskmap_office may read the row; NULL = sealed.';
CREATE FUNCTION _scenario_seal_date(p_drill_id bigint, OUT stored boolean, OUT sealed_until date)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT EXISTS (SELECT 1 FROM riskmap.drill_scenario s WHERE s.drill_id = p_drill_id),
           (SELECT s.sealed_until FROM riskmap.drill_scenario s WHERE s.drill_id = p_drill_id)
$$;
REVOKE ALL ON FUNCTION _scenario_seal_date(bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION _scenario_seal_date(bigint) TO riskmap_reader;
DROP POLICY drill_scenario_unsealed ON drill_scenario;
CREATE POLICY drill_scenario_unsealed ON drill_scenario FOR SELECT USING (sealed_until <= riskmap._today());
DROP FUNCTION _scenario_unsealed(bigint);
