-- Map tiles: riskmap.tile(z, x, y, style, scale, tms) renders PNG tiles in C
-- (plugin/core/rm_render.c, plugin/pg/tile_fmgr.c); styles live in
-- riskmap.tile_style, validated in C on every INSERT/UPDATE. See docs/tiles.md.

CREATE TABLE tile_style (
    name       text PRIMARY KEY CONSTRAINT tile_style_name_check CHECK (name ~ '^[a-z][a-z0-9_]{0,62}$'),
    spec       jsonb NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE tile_style IS 'Tile styles (layers, colours, widths, fonts, zoom ranges) used by riskmap.tile(); see docs/tiles.md.';

CREATE FUNCTION _tile_style_validate(p_name text, p_spec text) RETURNS void
AS 'MODULE_PATHNAME', 'riskmap_tile_style_validate'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION _tile_style_validate(text, text) IS
    'Internal: ERROR 23514 naming the JSON path when p_spec is not a valid tile style.';

CREATE FUNCTION _tile_style_check() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM riskmap._tile_style_validate(NEW.name, NEW.spec::text);
    IF NOT riskmap._restoring() THEN   -- a restored row keeps its time
        NEW.updated_at := now();
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER tile_style_check BEFORE INSERT OR UPDATE ON tile_style
    FOR EACH ROW EXECUTE FUNCTION _tile_style_check();

-- The bounding box of a source's impact zone (the geometry grown by its
-- radius, generously: 110 km per degree, the longitude span at the zone's
-- poleward edge), for a GiST index that finds the zones reaching a tile.
-- Built with the PostGIS schema written out, so that the index works
-- whatever the search_path of the session that writes risk_source.
DO $do$
DECLARE
    pg_schema text := (SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
                       WHERE e.extname = 'postgis');
BEGIN
    EXECUTE format($f$
        CREATE FUNCTION _zone_box(g %1$I.geometry, r double precision) RETURNS %1$I.geometry
        LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $body$
            SELECT CASE
                WHEN g IS NULL THEN NULL
                WHEN r IS NULL OR NOT (r > 0) THEN %1$I.ST_Envelope(g)
                ELSE %1$I.ST_Expand(%1$I.ST_Envelope(g),
                        least(360.0, r / (110000.0 * greatest(0.0001, cos(radians(least(89.9,
                            greatest(abs(%1$I.ST_YMin(g)), abs(%1$I.ST_YMax(g))) + r / 110000.0)))))),
                        least(180.0, r / 110000.0))
            END
        $body$ $f$, pg_schema);
END $do$;
COMMENT ON FUNCTION _zone_box(geometry, double precision) IS
    'Internal: a box holding the source geometry buffered by r metres on the ground (index of riskmap.tile).';
CREATE INDEX risk_source_zone_box_idx ON risk_source USING gist (_zone_box(geom, impact_radius_m));

CREATE FUNCTION tile(z integer, x integer, y integer, style text DEFAULT 'risk', scale integer DEFAULT 1,
                     tms text DEFAULT 'WebMercatorQuad')
RETURNS bytea
AS 'MODULE_PATHNAME', 'riskmap_tile'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION tile(integer, integer, integer, text, integer, text) IS
    'PNG of tile z/x/y, 256*scale px, drawn with a style of riskmap.tile_style, in the tile matrix set tms: '
    '''WebMercatorQuad'' (XYZ, EPSG:3857, y = 0 at the north) or ''CGCS2000Quad'' (EPSG:4490 lon/lat, 天地图 _c: '
    '2^z x 2^(z-1) tiles at level z >= 1, origin (-180, 90)).';
-- The tile's queries name PostGIS functions unqualified: pin the search path.
DO $do$
BEGIN
    EXECUTE format('ALTER FUNCTION riskmap.tile(integer, integer, integer, text, integer, text) SET search_path = riskmap, %I',
                   (SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
                    WHERE e.extname = 'postgis'));
END $do$;

CREATE FUNCTION tile_profile(z integer, x integer, y integer, style text DEFAULT 'risk', scale integer DEFAULT 1)
RETURNS TABLE(stage text, ms double precision, n integer)
AS 'MODULE_PATHNAME', 'riskmap_tile_profile'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION tile_profile(integer, integer, integer, text, integer) IS
    'Renders a tile like riskmap.tile() and tells where the time went: the style read, each layer (query + drawing; n = rows), the PNG (n = bytes), the total.';
DO $do$
BEGIN
    EXECUTE format('ALTER FUNCTION riskmap.tile_profile(integer, integer, integer, text, integer) SET search_path = riskmap, %I',
                   (SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
                    WHERE e.extname = 'postgis'));
END $do$;

GRANT SELECT ON tile_style TO riskmap_reader;
GRANT SELECT, INSERT, UPDATE, DELETE ON tile_style TO riskmap_office;

-- The shipped styles: styles/*.json, embedded here by styles/embed.cmake
-- (CTest 'styles.embedded' fails when they differ).
-- BEGIN STYLES
INSERT INTO tile_style (name, spec) VALUES
('clearance', $style_clearance${
  "name": "clearance",
  "description": "Evacuation clearance: high-risk zones by the check against their plan's promised evacuation time (red fails, grey no time promised, green meets), bottleneck roads, shelters",
  "font": "Noto Sans CJK SC",
  "layers": [
    {
      "name": "clearance_zones", "type": "clearance_zones", "minzoom": 10, "maxzoom": 22,
      "comment": "clearance_report of the sources of level <= max_level whose zone reaches the tile; by level: 1 fails, 2 no time promised, 3 meets",
      "max_level": 2,
      "fill_by_level": ["#D7191C66", "#9E9E9E55", "#1A964166", "#00000000"],
      "stroke_by_level": ["#A50F15", "#616161", "#006D2C", "#00000000"],
      "width": 1.2
    },
    {
      "name": "district_borders", "type": "district_borders", "minzoom": 0, "maxzoom": 22,
      "color": "#4A3F6B", "width": 1.2
    },
    {
      "name": "bottlenecks", "type": "bottlenecks", "minzoom": 10, "maxzoom": 22,
      "comment": "the bottleneck edges of those sources",
      "max_level": 2, "color": "#7B1FA2", "width": 3.5, "halo": "#FFFFFFCC", "halo_width": 1.5
    },
    {
      "name": "shelters", "type": "shelters", "minzoom": 11, "maxzoom": 22,
      "size": 10, "width": 1.4, "halo": "#FFFFFF", "fill": "#1A9850",
      "default_shape": "square",
      "symbols": {
        "shelter": "square",
        "hospital": {"shape": "cross", "fill": "#0072B2"},
        "fire_station": {"shape": "diamond", "fill": "#D95F02"},
        "warehouse": {"shape": "hexagon", "fill": "#6A51A3"}
      }
    },
    {
      "name": "district_labels", "type": "district_labels", "minzoom": 7, "maxzoom": 22,
      "size": 13, "bold": true, "color": "#2B2140", "halo": "#FFFFFFD9", "halo_width": 2.5
    }
  ]
}$style_clearance$),
('evacuation', $style_evacuation${
  "name": "evacuation",
  "description": "Evacuation: catchments per shelter, shelters, unserved population",
  "font": "Noto Sans CJK SC",
  "layers": [
    {
      "name": "catchments", "type": "catchments", "minzoom": 6, "maxzoom": 22,
      "palette": ["#1B9E7766", "#D95F0266", "#7570B366", "#E7298A66", "#66A61E66", "#E6AB0266",
                  "#A6761D66", "#1F78B466", "#B2DF8A66", "#FB9A9966", "#CAB2D666", "#FFFF9966"],
      "color": "#FFFFFFB3", "width": 0.6
    },
    {
      "name": "unserved", "type": "unserved", "minzoom": 6, "maxzoom": 22,
      "fill": "#B2182B4D", "color": "#B2182B80", "width": 0.5, "size": 6, "halo": "#FFFFFF"
    },
    {
      "name": "district_borders", "type": "district_borders", "minzoom": 0, "maxzoom": 22,
      "color": "#4A3F6B", "width": 1.2
    },
    {
      "name": "shelters", "type": "shelters", "minzoom": 9, "maxzoom": 22,
      "size": 10, "width": 1.4, "halo": "#FFFFFF", "fill": "#1A9850",
      "default_shape": "square",
      "symbols": {
        "shelter": "square",
        "hospital": {"shape": "cross", "fill": "#0072B2"},
        "fire_station": {"shape": "diamond", "fill": "#D95F02"},
        "warehouse": {"shape": "hexagon", "fill": "#6A51A3"}
      }
    },
    {
      "name": "district_labels", "type": "district_labels", "minzoom": 7, "maxzoom": 22,
      "size": 13, "bold": true, "color": "#2B2140", "halo": "#FFFFFFD9", "halo_width": 2.5
    }
  ]
}$style_evacuation$),
('risk', $style_risk${
  "name": "risk",
  "description": "Risk map: impact zones by level, undrilled high-risk zones hatched, districts, sources, shelters",
  "font": "Noto Sans CJK SC",
  "layers": [
    {
      "name": "impact_zones", "type": "impact_zones", "minzoom": 6, "maxzoom": 22,
      "fill_by_level": ["#E6000055", "#FF8C0055", "#FFD7005C", "#2E7DFF40"],
      "stroke_by_level": ["#C00000CC", "#E07000CC", "#C8A000CC", "#1E50C899"],
      "width": 0.8
    },
    {
      "name": "undrilled", "type": "undrilled", "minzoom": 6, "maxzoom": 22,
      "comment": "undrilled_areas of the current year: high-risk zones with no drill, cross-hatched",
      "max_level": 2, "color": "#7F0000", "spacing": 7, "width": 1.2
    },
    {
      "name": "district_borders", "type": "district_borders", "minzoom": 0, "maxzoom": 22,
      "color": "#4A3F6B", "width": 1.2
    },
    {
      "name": "sources", "type": "sources", "minzoom": 10, "maxzoom": 22,
      "size": 8, "width": 1.2, "halo": "#FFFFFF",
      "stroke_by_level": ["#D00000", "#F07800", "#E8C000", "#2060D0"],
      "default_shape": "circle",
      "symbols": {
        "landslide": "triangle", "flood": "hexagon", "chemical": "diamond", "gas_pipeline": "circle",
        "crowd": "square", "mine": "star", "dam": "hexagon", "fire": "triangle"
      }
    },
    {
      "name": "shelters", "type": "shelters", "minzoom": 11, "maxzoom": 22,
      "size": 10, "width": 1.4, "halo": "#FFFFFF", "fill": "#1A9850",
      "default_shape": "square",
      "symbols": {
        "shelter": "square",
        "hospital": {"shape": "cross", "fill": "#0072B2"},
        "fire_station": {"shape": "diamond", "fill": "#D95F02"},
        "warehouse": {"shape": "hexagon", "fill": "#6A51A3"}
      }
    },
    {
      "name": "district_labels", "type": "district_labels", "minzoom": 7, "maxzoom": 22,
      "size": 13, "bold": true, "color": "#2B2140", "halo": "#FFFFFFD9", "halo_width": 2.5
    }
  ]
}$style_risk$);
-- END STYLES
