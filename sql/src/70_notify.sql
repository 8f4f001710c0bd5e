-- Tile cache invalidation. After every statement that changes a table the
-- tiles depend on, one NOTIFY riskmap_tiles carries the lon/lat extent that
-- the change may have touched (old and new rows):
--     '<minx> <miny> <maxx> <maxy>[ <style> ...]'
-- Trailing style names mean "and every tile of that style": the evacuation
-- style's catchments depend on shelters, population and roads globally (a
-- capacitated assignment can move people far from the changed row). TRUNCATE
-- sends '*' (everything). riskmap-tiles LISTENs and drops the cached tiles the
-- extent touches, at every zoom, plus a margin of pixels for symbols and labels.
-- Rows without geometry (plan, plan_link, drill_target) notify the zones of the
-- sources they touch; a drill notifies its area, its targets' zones and the
-- zones of the sources its area meets. NOTIFY is delivered at commit, and not
-- at all on rollback.

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

CREATE FUNCTION _notify_tiles(b box2d, p_styles text DEFAULT '') RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF b IS NULL THEN
        IF p_styles <> '' THEN
            PERFORM pg_notify('riskmap_tiles', '0 0 0 0' || p_styles);
        END IF;
        RETURN;
    END IF;
    PERFORM pg_notify('riskmap_tiles',
                      format('%s %s %s %s%s', ST_XMin(b), ST_YMin(b), ST_XMax(b), ST_YMax(b), p_styles));
END $$;

-- One statement-level trigger function for all tables. The transition tables
-- are called old_rows / new_rows; %1$I below is one of them.
-- SECURITY DEFINER: the extents come from rows the writer may not see (RLS);
-- 99_finish.sql pins its search_path (riskmap, PostGIS's schema, pg_temp).
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
        PERFORM pg_notify('riskmap_tiles', '*');
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
        PERFORM pg_notify('riskmap_tiles', '*');
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
SELECT pg_notify('riskmap_tiles', '*');
