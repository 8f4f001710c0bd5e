-- riskmap.tile(): arguments, styles table, errors (22023 naming the value).
BEGIN;
\getenv regress_helpers RISKMAP_REGRESS_HELPERS
\i :regress_helpers
-- The shipped styles are installed, and are what styles/*.json say.
SELECT name, jsonb_array_length(spec -> 'layers') AS layers,
       (SELECT string_agg(l ->> 'type', ',') FROM jsonb_array_elements(spec -> 'layers') l) AS types
FROM riskmap.tile_style ORDER BY name;
-- Arguments out of range.
SELECT q, pg_temp.err(q) FROM (VALUES
    ('SELECT riskmap.tile(-1, 0, 0)'),
    ('SELECT riskmap.tile(23, 0, 0)'),
    ('SELECT riskmap.tile(0, 1, 0)'),
    ('SELECT riskmap.tile(3, 8, 0)'),
    ('SELECT riskmap.tile(3, -1, 0)'),
    ('SELECT riskmap.tile(3, 0, 8)'),
    ('SELECT riskmap.tile(22, 4194304, 0)'),
    ('SELECT riskmap.tile(3, 0, 0, ''risk'', 0)'),
    ('SELECT riskmap.tile(3, 0, 0, ''risk'', 3)'),
    ('SELECT riskmap.tile(3, 0, 0, ''nosuch'')'),
    ('SELECT riskmap.tile(3, 0, 0, '''')'),
    ('SELECT riskmap.tile(NULL, 0, 0)'),
    ('SELECT riskmap.tile(3, 0, 0, NULL)'),
    ('SELECT riskmap.tile(3, 0, 0, ''risk'', NULL)')
) AS t(q);
-- In range: PNG signature, every zoom edge case.
SELECT z, x, y, substr(riskmap.tile(z, x, y), 1, 8) = '\x89504e470d0a1a0a'::bytea AS png
FROM (VALUES (0, 0, 0), (22, 4194303, 4194303), (22, 0, 0), (1, 1, 1)) AS t(z, x, y);
-- Defaults: style 'risk', scale 1.
SELECT riskmap.tile(5, 3, 7) = riskmap.tile(5, 3, 7, 'risk', 1) AS defaults;
ROLLBACK;
