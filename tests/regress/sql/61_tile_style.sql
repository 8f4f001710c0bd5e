-- Tile styles: validated in C on INSERT/UPDATE, errors name the JSON path;
-- read and changed in SQL, and a changed style shows in the next tile.
BEGIN;
\getenv regress_helpers RISKMAP_REGRESS_HELPERS
\i :regress_helpers
SELECT s AS spec, pg_temp.err(format('INSERT INTO riskmap.tile_style VALUES (%L, %L)', 'bad', s)) FROM (VALUES
    ('[]'),
    ('{}'),
    ('{"layers": {}}'),
    ('{"layers": [], "colour": "#fff"}'),
    ('{"layers": [{"name": "x"}]}'),
    ('{"layers": [{"type": "roads"}]}'),
    ('{"layers": [{"type": "district_borders", "color": "red"}]}'),
    ('{"layers": [{"type": "district_borders"}, {"type": "impact_zones", "fill_by_level": ["#f00", "#0f0", "#00f"]}]}'),
    ('{"layers": [{"type": "impact_zones", "fill_by_level": ["#f00", "#0f0", "#00f", "#GG0000"]}]}'),
    ('{"layers": [{"type": "district_borders", "width": -1}]}'),
    ('{"layers": [{"type": "district_borders", "width": "2"}]}'),
    ('{"layers": [{"type": "district_borders", "minzoom": 12, "maxzoom": 3}]}'),
    ('{"layers": [{"type": "district_borders", "maxzoom": 23}]}'),
    ('{"layers": [{"type": "district_borders", "minzoom": 1.5}]}'),
    ('{"layers": [{"type": "sources", "symbols": {"chemical": "blob"}}]}'),
    ('{"layers": [{"type": "shelters", "symbols": {"hospital": {"shape": "cross", "fill": "#12"}}}]}'),
    ('{"layers": [{"type": "district_borders", "dash": [4]}]}'),
    ('{"layers": [{"type": "catchments"}]}'),
    ('{"layers": [{"type": "district_labels", "font": ""}]}'),
    ('{"layers": [{"type": "district_borders", "wdith": 2}]}'),
    ('{"background": "#00000g", "layers": []}')
) AS t(s);
SELECT pg_temp.err($$INSERT INTO riskmap.tile_style VALUES ('Bad Name', '{"layers": []}')$$);
-- UPDATE is checked too, and nothing is written.
SELECT pg_temp.err($$UPDATE riskmap.tile_style SET spec = jsonb_set(spec, '{layers,2,color}', '"#12345"') WHERE name = 'risk'$$);
SELECT spec -> 'layers' -> 2 ->> 'color' AS border_color FROM riskmap.tile_style WHERE name = 'risk';
-- A valid style: an opaque background makes every tile opaque.
INSERT INTO riskmap.tile_style VALUES ('plain', '{"background": "#F0F0F0", "layers": [{"type": "district_borders"}]}');
\pset tuples_only on
\pset format unaligned
SELECT encode(riskmap.tile(4, 1, 1, 'plain'), 'hex') \g |"$RISKMAP_TILE_PNG" size has F0F0F0FF 0 0 256 256 blank
-- Changed in SQL: the next tile uses the new spec (no cache in the backend).
UPDATE riskmap.tile_style SET spec = jsonb_set(spec, '{background}', '"#102030"') WHERE name = 'plain';
SELECT encode(riskmap.tile(4, 1, 1, 'plain'), 'hex') \g |"$RISKMAP_TILE_PNG" has F0F0F0FF 0 0 256 256 has 102030FF 0 0 256 256
\pset tuples_only off
\pset format aligned
SELECT name, updated_at IS NOT NULL AS stamped FROM riskmap.tile_style ORDER BY name;
ROLLBACK;
