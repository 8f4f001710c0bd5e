-- 0.1 -> 0.2: the tile style 'clearance' (styles/clearance.json, as embedded in sql/src/60_tiles.sql).
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
}$style_clearance$);
-- A shipped row (sql/src/90_data_safety.sql): pg_dump leaves it to the extension.
INSERT INTO _seed_row SELECT 'tile_style', to_jsonb(t) - 'updated_at' FROM tile_style t WHERE t.name = 'clearance';
