-- Integrity triggers: geometry guard, identity sequences, 一源一事一案,
-- the plan lifecycle and its history.

-- After an insert with explicit ids, move the identity sequence past them so
-- that later inserts relying on the default do not collide. SECURITY DEFINER
-- (districts have USAGE, not UPDATE, on the sequences): search_path is
-- pg_catalog and pg_temp only and every name is qualified. How far a district
-- may push a sequence is bounded by _guard_district_write (docs/security.md).
CREATE FUNCTION _sync_identity() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    seq    text := pg_catalog.pg_get_serial_sequence(pg_catalog.format('%I.%I', TG_TABLE_SCHEMA::text, TG_TABLE_NAME::text), 'id');
    top    bigint;
    last   bigint;
    called boolean;
BEGIN
    EXECUTE pg_catalog.format('SELECT pg_catalog.max(id) FROM %I.%I', TG_TABLE_SCHEMA::text, TG_TABLE_NAME::text) INTO top;
    EXECUTE pg_catalog.format('SELECT last_value, is_called FROM %s', seq) INTO last, called;
    IF top IS NOT NULL AND (top OPERATOR(pg_catalog.>) last OR (top OPERATOR(pg_catalog.=) last AND NOT called)) THEN
        PERFORM pg_catalog.setval(seq::pg_catalog.regclass, top, true);
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
    BEGIN
        problem := riskmap.geometry_problem(g);
    EXCEPTION WHEN invalid_parameter_value THEN   -- GEOS cannot even read it (a ring of NaN)
        problem := SQLERRM;
    END;
    IF problem IS NOT NULL THEN
        BEGIN
            r := to_jsonb(NEW) - TG_ARGV[0];
        EXCEPTION WHEN OTHERS THEN   -- curves and NaN have no GeoJSON: name the key only
            EXECUTE format('SELECT jsonb_build_object(%L, ($1).%I)', TG_ARGV[1], TG_ARGV[1]) USING NEW INTO r;
        END;
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
-- Correct at every isolation level. Under READ COMMITTED a row lock on the
-- plan suffices: a concurrent link or plan_type change waits for it, then
-- reads with a new snapshot (plpgsql takes one per statement) and sees this
-- link. Under REPEATABLE READ and SERIALIZABLE the snapshot is the
-- transaction's, and a locked but unchanged row raises no conflict: there both
-- this check and a change of plan_type write the plan row (here a no-op UPDATE
-- of plan_type), so the second of two transactions fails with 40001 and is
-- retried. SECURITY INVOKER: the caller's rights on the plan row (its own
-- plan, or the office) apply.
CREATE FUNCTION _check_one_to_one_link() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    p     record;
    other record;
BEGIN
    IF riskmap._restoring() THEN
        RETURN NEW;
    END IF;
    IF current_setting('transaction_isolation') = 'read committed' THEN
        SELECT id, code, plan_type INTO p FROM riskmap.plan WHERE id = NEW.plan_id FOR NO KEY UPDATE;
    ELSE
        UPDATE riskmap.plan SET plan_type = plan_type WHERE id = NEW.plan_id
        RETURNING id, code, plan_type INTO p;
    END IF;
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

-- A plan that becomes one_to_one must not already serve several pairs (the
-- UPDATE itself holds the plan row: see _check_one_to_one_link).
CREATE FUNCTION _check_one_to_one_plan() RETURNS trigger
LANGUAGE plpgsql AS $$
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
