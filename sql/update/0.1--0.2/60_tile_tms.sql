-- riskmap.tile gains a 6th parameter, tms (tile matrix set), with a default:
-- the 5-argument function goes and the 6-argument one takes its place, on the
-- same C symbol (riskmap_tile reads the 6th argument only when it is given),
-- so tile(z, x, y) and tile(z, x, y, 'risk', 2) resolve as before.
DROP FUNCTION tile(integer, integer, integer, text, integer);
CREATE FUNCTION tile(z integer, x integer, y integer, style text DEFAULT 'risk', scale integer DEFAULT 1,
                     tms text DEFAULT 'WebMercatorQuad')
RETURNS bytea
AS 'MODULE_PATHNAME', 'riskmap_tile'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION tile(integer, integer, integer, text, integer, text) IS
    'PNG of tile z/x/y, 256*scale px, drawn with a style of riskmap.tile_style, in the tile matrix set tms: '
    '''WebMercatorQuad'' (XYZ, EPSG:3857, y = 0 at the north) or ''CGCS2000Quad'' (EPSG:4490 lon/lat, 天地图 _c: '
    '2^z x 2^(z-1) tiles at level z >= 1, origin (-180, 90)).';
DO $do$
BEGIN
    EXECUTE format('ALTER FUNCTION riskmap.tile(integer, integer, integer, text, integer, text) SET search_path = riskmap, %I',
                   (SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
                    WHERE e.extname = 'postgis'));
END $do$;
