-- Tile-cache invalidation that only the extension's triggers can drive
-- (issue 9, item 8): the statement triggers write changed extents to
-- riskmap.tile_change through _tile_change_add, NOTIFY riskmap_tiles is only a
-- wake-up. See sql/src/70_notify.sql.
CREATE TABLE tile_change (
    xid     xid8 NOT NULL DEFAULT pg_current_xact_id(),
    payload text NOT NULL
);
CREATE INDEX tile_change_xid ON tile_change (xid);
-- One row: the snapshot taken at the previous prune and when.
CREATE TABLE tile_change_mark (
    one   boolean PRIMARY KEY DEFAULT true CHECK (one),
    snap  pg_snapshot NOT NULL,
    taken timestamptz NOT NULL
);
REVOKE ALL ON tile_change, tile_change_mark FROM PUBLIC, riskmap_reader, riskmap_district, riskmap_office;
GRANT SELECT ON tile_change, tile_change_mark TO riskmap_reader;

-- The feed's one writer: one change row and the wake-up. SECURITY DEFINER (the
-- writers hold no rights on tile_change) with pg_catalog, pg_temp as its path
-- and every name qualified, so nothing planted in any schema runs in it. Called
-- by the statement triggers (as the writer); readers may not execute it, and a
-- direct call outside a trigger is refused.
CREATE FUNCTION _tile_change_add(p_payload text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF pg_catalog.pg_trigger_depth() OPERATOR(pg_catalog.<) 1 THEN
        RAISE EXCEPTION 'riskmap.tile_change is written by the extension''s triggers only'
            USING ERRCODE = '42501';
    END IF;
    INSERT INTO riskmap.tile_change (payload) VALUES (p_payload);
    PERFORM pg_catalog.pg_notify('riskmap_tiles', '');
END $$;
REVOKE ALL ON FUNCTION _tile_change_add(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION _tile_change_add(text) TO riskmap_district, riskmap_office;

-- One change row plus the wake-up (through _tile_change_add).
CREATE OR REPLACE FUNCTION _notify_tiles(b box2d, p_styles text DEFAULT '') RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    p text;
BEGIN
    IF b IS NULL THEN
        IF p_styles = '' THEN
            RETURN;
        END IF;
        p := '0 0 0 0' || p_styles;
    ELSE
        p := format('%s %s %s %s%s', ST_XMin(b), ST_YMin(b), ST_XMax(b), ST_YMax(b), p_styles);
    END IF;
    PERFORM riskmap._tile_change_add(p);
END $$;

-- One statement-level trigger function for all tables. The transition tables
-- are called old_rows / new_rows; %1$I below is one of them.
-- SECURITY INVOKER: every writer may read the rows the extents come from
-- (SELECT policies are open); only the write goes through _tile_change_add.
CREATE OR REPLACE FUNCTION _tiles_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    q      text;
    styles text := '';
    b      box2d;
    part   box2d;
    t      text;
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        PERFORM riskmap._tile_change_add('*');
        RETURN NULL;
    END IF;
    CASE TG_TABLE_NAME
    WHEN 'tile_style' THEN
        -- a style changed: every tile of it, at every place
        FOREACH t IN ARRAY CASE TG_OP WHEN 'INSERT' THEN ARRAY['new_rows'] WHEN 'DELETE' THEN ARRAY['old_rows']
                                      ELSE ARRAY['old_rows', 'new_rows'] END LOOP
            EXECUTE format('SELECT string_agg(DISTINCT '' '' || x.name, '''') FROM %I x', t) INTO q;
            styles := styles || coalesce(q, '');
        END LOOP;
        PERFORM riskmap._notify_tiles(NULL, styles);
        RETURN NULL;
    WHEN 'risk_source' THEN
        q := 'SELECT ST_Extent(riskmap._notify_zone_box(x.geom, x.impact_radius_m)) FROM %1$I x';
    WHEN 'district' THEN
        q := 'SELECT ST_Extent(x.geom) FROM %1$I x';
    WHEN 'shelter', 'population', 'road' THEN
        q := 'SELECT ST_Extent(x.geom) FROM %1$I x';
        styles := ' evacuation';
    WHEN 'drill' THEN
        q := 'SELECT ST_Extent(b) FROM ('
             '  SELECT Box2D(x.area) AS b FROM %1$I x WHERE x.area IS NOT NULL'
             '  UNION ALL'
             '  SELECT riskmap._notify_zone_box(rs.geom, rs.impact_radius_m) FROM %1$I x'
             '  JOIN riskmap.drill_target dt ON dt.drill_id = x.id JOIN riskmap.risk_source rs ON rs.id = dt.source_id'
             '  UNION ALL'
             '  SELECT riskmap._notify_zone_box(rs.geom, rs.impact_radius_m) FROM %1$I x'
             '  JOIN riskmap.risk_source rs ON x.area && rs.geom) s';
    WHEN 'drill_target', 'plan_link' THEN
        q := 'SELECT ST_Extent(riskmap._notify_zone_box(rs.geom, rs.impact_radius_m)) FROM %1$I x'
             ' JOIN riskmap.risk_source rs ON rs.id = x.source_id';
    WHEN 'plan' THEN
        q := 'SELECT ST_Extent(riskmap._notify_zone_box(rs.geom, rs.impact_radius_m)) FROM %1$I x'
             ' JOIN riskmap.plan_link l ON l.plan_id = x.id JOIN riskmap.risk_source rs ON rs.id = l.source_id';
    ELSE
        PERFORM riskmap._tile_change_add('*');
        RETURN NULL;
    END CASE;
    FOREACH t IN ARRAY CASE TG_OP WHEN 'INSERT' THEN ARRAY['new_rows']
                                  WHEN 'DELETE' THEN ARRAY['old_rows']
                                  ELSE ARRAY['old_rows', 'new_rows'] END LOOP
        EXECUTE format(q, t) INTO part;
        IF part IS NOT NULL THEN
            b := CASE WHEN b IS NULL THEN part ELSE Box2D(ST_Collect(b::geometry, part::geometry)) END;
        END IF;
    END LOOP;
    PERFORM riskmap._notify_tiles(b, styles);
    RETURN NULL;
END $$;

-- Rows committed before the previous prune's snapshot, taken at least a
-- minute ago, go (every live riskmap-tiles has read them long since). Safe for
-- anyone to call; riskmap-tiles (riskmap_reader) does, now and then.
CREATE FUNCTION _tile_changes_prune() RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    m record;
    n bigint;
BEGIN
    SELECT snap, taken INTO m FROM riskmap.tile_change_mark FOR UPDATE;
    IF NOT FOUND THEN
        INSERT INTO riskmap.tile_change_mark (snap, taken) VALUES (pg_catalog.pg_current_snapshot(), pg_catalog.now())
        ON CONFLICT DO NOTHING;
        RETURN 0;
    ELSIF m.taken OPERATOR(pg_catalog.>) pg_catalog.now() OPERATOR(pg_catalog.-) '1 minute'::pg_catalog.interval THEN
        RETURN 0;
    END IF;
    DELETE FROM riskmap.tile_change WHERE xid OPERATOR(pg_catalog.<) pg_catalog.pg_snapshot_xmin(m.snap);
    GET DIAGNOSTICS n = ROW_COUNT;
    UPDATE riskmap.tile_change_mark SET snap = pg_catalog.pg_current_snapshot(), taken = pg_catalog.now();
    RETURN n;
END $$;
REVOKE ALL ON FUNCTION _tile_changes_prune() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION _tile_changes_prune() TO riskmap_reader;


INSERT INTO tile_change (payload) VALUES ('*');
SELECT pg_notify('riskmap_tiles', '');
