-- Tile cache invalidation. After every statement that changes a table the
-- tiles depend on, the trigger below writes one row to riskmap.tile_change
-- with the lon/lat extent that the change may have touched (old and new rows):
--     '<minx> <miny> <maxx> <maxy>[ <style> ...]'
-- Trailing style names mean "and every tile of that style": the evacuation
-- style's catchments depend on shelters, population and roads globally (a
-- capacitated assignment can move people far from the changed row). TRUNCATE
-- writes '*' (everything). Rows without geometry (plan, plan_link,
-- drill_target) mark the zones of the sources they touch; a drill marks its
-- area, its targets' zones and the zones of the sources its area meets.
--
-- Only these triggers may write tile_change (their function is SECURITY
-- DEFINER; nobody else holds INSERT/UPDATE/DELETE on it). NOTIFY riskmap_tiles
-- is only a wake-up: its payload is empty and riskmap-tiles ignores whatever
-- payload arrives, so anybody's `NOTIFY riskmap_tiles, '*'` costs one cheap
-- read and drops nothing. riskmap-tiles LISTENs, and on each wake-up reads the
-- rows committed since its previous read (rows whose transaction was not yet
-- visible in the snapshot of that read: commit order, not insert order), then
-- drops the cached tiles each extent touches, at every zoom, plus a margin of
-- pixels for symbols and labels. A rolled-back change leaves no visible row
-- (and sends no NOTIFY). _tile_changes_prune() deletes rows committed at least
-- a minute ago (riskmap-tiles calls it now and then; a feed that was down for
-- longer starts with an empty cache anyway).
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

-- The bounding box of g grown by r metres on the ground, a little generously
-- (1 % and the longitude degree at the box's widest latitude).
CREATE FUNCTION _notify_zone_box(g geometry, r double precision) RETURNS box2d
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
    IF g IS NULL OR ST_IsEmpty(g) THEN
        RETURN NULL;
    ELSIF r IS NULL OR r <= 0 THEN
        RETURN Box2D(g);
    END IF;
    RETURN ST_Expand(Box2D(g),
                     r * 1.01 / (111320.0 * greatest(cos(radians(least(89.0, greatest(abs(ST_YMin(g)), abs(ST_YMax(g)))))), 0.01)),
                     r * 1.01 / 110574.0);
END $$;

-- One change row plus the wake-up. Runs inside _tiles_changed (as its owner);
-- called by anyone else it fails on tile_change's rights.
CREATE FUNCTION _notify_tiles(b box2d, p_styles text DEFAULT '') RETURNS void
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
    INSERT INTO riskmap.tile_change (payload) VALUES (p);
    PERFORM pg_notify('riskmap_tiles', '');
END $$;

-- One statement-level trigger function for all tables. The transition tables
-- are called old_rows / new_rows; %1$I below is one of them.
-- SECURITY DEFINER: the extents come from rows the writer may not see (RLS),
-- and only it may write tile_change; its search_path is pinned below
-- (pg_catalog first, then riskmap, PostGIS's schema, pg_temp).
CREATE FUNCTION _tiles_changed() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
    q      text;
    styles text := '';
    b      box2d;
    part   box2d;
    t      text;
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        INSERT INTO riskmap.tile_change (payload) VALUES ('*');
        PERFORM pg_notify('riskmap_tiles', '');
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
        INSERT INTO riskmap.tile_change (payload) VALUES ('*');
        PERFORM pg_notify('riskmap_tiles', '');
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
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
    m record;
    n bigint;
BEGIN
    SELECT snap, taken INTO m FROM riskmap.tile_change_mark FOR UPDATE;
    IF NOT FOUND THEN
        INSERT INTO riskmap.tile_change_mark (snap, taken) VALUES (pg_current_snapshot(), now())
        ON CONFLICT DO NOTHING;
        RETURN 0;
    ELSIF m.taken > now() - interval '1 minute' THEN
        RETURN 0;
    END IF;
    DELETE FROM riskmap.tile_change WHERE xid < pg_snapshot_xmin(m.snap);
    GET DIAGNOSTICS n = ROW_COUNT;
    UPDATE riskmap.tile_change_mark SET snap = pg_current_snapshot(), taken = now();
    RETURN n;
END $$;
REVOKE ALL ON FUNCTION _tiles_changed(), _tile_changes_prune() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION _tile_changes_prune() TO riskmap_reader;

-- The two SECURITY DEFINER functions: pg_catalog first, no writable schema.
DO $$
DECLARE
    path text;
BEGIN
    SELECT 'pg_catalog, riskmap, ' || quote_ident(n.nspname) || ', pg_temp' INTO path
    FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'postgis';
    EXECUTE format('ALTER FUNCTION riskmap._tiles_changed() SET search_path = %s', path);
    EXECUTE format('ALTER FUNCTION riskmap._tile_changes_prune() SET search_path = %s', path);
END $$;

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['district', 'risk_source', 'plan', 'plan_link', 'shelter', 'population', 'road',
                             'drill', 'drill_target', 'tile_style'] LOOP
        CONTINUE WHEN to_regclass(format('riskmap.%I', t)) IS NULL;  -- tile_style comes with the tile renderer
        EXECUTE format('CREATE TRIGGER %I AFTER INSERT ON riskmap.%I REFERENCING NEW TABLE AS new_rows '
                       'FOR EACH STATEMENT EXECUTE FUNCTION riskmap._tiles_changed()', t || '_tiles_ins', t);
        EXECUTE format('CREATE TRIGGER %I AFTER UPDATE ON riskmap.%I REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows '
                       'FOR EACH STATEMENT EXECUTE FUNCTION riskmap._tiles_changed()', t || '_tiles_upd', t);
        EXECUTE format('CREATE TRIGGER %I AFTER DELETE ON riskmap.%I REFERENCING OLD TABLE AS old_rows '
                       'FOR EACH STATEMENT EXECUTE FUNCTION riskmap._tiles_changed()', t || '_tiles_del', t);
        EXECUTE format('CREATE TRIGGER %I AFTER TRUNCATE ON riskmap.%I '
                       'FOR EACH STATEMENT EXECUTE FUNCTION riskmap._tiles_changed()', t || '_tiles_trunc', t);
    END LOOP;
END $$;

-- CREATE EXTENSION (also the second half of a DROP/CREATE reload, which fires no
-- row triggers for the rows that went): every cached tile goes, at commit.
INSERT INTO tile_change (payload) VALUES ('*');
SELECT pg_notify('riskmap_tiles', '');
