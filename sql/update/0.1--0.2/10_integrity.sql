-- Issue 9 (security and data safety), update part; the fresh install has the same in sql/src/{20_triggers,40_security,10_tables}.

-- Helpers used by the triggers below (40_security.sql).
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


-- The identity sequences: SECURITY DEFINER, pg_catalog only, qualified names.
CREATE OR REPLACE FUNCTION _sync_identity() RETURNS trigger
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
-- Curves and NaN have no GeoJSON: the error names the key instead of failing.
CREATE OR REPLACE FUNCTION _check_geometry() RETURNS trigger
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
-- 一源一事一案 at every isolation level; SECURITY INVOKER now.
CREATE OR REPLACE FUNCTION _check_one_to_one_link() RETURNS trigger
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
CREATE OR REPLACE FUNCTION _check_one_to_one_plan() RETURNS trigger
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
-- What readers can draw: radius bound and extent limit (23514 on write).
ALTER TABLE risk_source DROP CONSTRAINT risk_source_impact_radius_check;
ALTER TABLE risk_source ADD CONSTRAINT risk_source_impact_radius_check
    CHECK (impact_radius_m >= 0 AND impact_radius_m <= 200000);
ALTER TABLE risk_source ADD CONSTRAINT risk_source_extent_check
    CHECK (ST_XMax(geom) - ST_XMin(geom) <= 5 AND ST_YMax(geom) - ST_YMin(geom) <= 5);
