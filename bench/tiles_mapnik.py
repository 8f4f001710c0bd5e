#!/usr/bin/python3
"""Mapnik side of bench/tiles: renders the same layers from the same tables with
an equivalent style (styles/risk.json) and times each tile (render + PNG).

Run only with Debian's /usr/bin/python3 (python3-mapnik). Reads the tile list
"z x y" lines from --tiles, prints one "z x y seconds" line per timed tile.
"""
import argparse
import json
import os
import sys
import tempfile
import time

import mapnik

MERC = '+proj=merc +a=6378137 +b=6378137 +lat_ts=0 +lon_0=0 +x_0=0 +y_0=0 +k=1 +units=m +nadgrids=@null +wktext +no_defs +over'
LONLAT = '+proj=longlat +ellps=WGS84 +datum=WGS84 +no_defs'
HALF = 20037508.342789244


def color(hexs):
    h = hexs.lstrip('#')
    if len(h) == 3:
        h = ''.join(c * 2 for c in h)
    r, g, b = int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)
    a = int(h[6:8], 16) if len(h) == 8 else 255
    return mapnik.Color(r, g, b, a)


def hatch_png(spec, path):
    s = max(3, round(spec.get('spacing', 8)))
    w = max(1, min(s - 1, round(spec.get('width', 1.5))))
    im = mapnik.Image(s, s)
    c = color(spec.get('color', '#7F0000'))
    for j in range(s):
        for i in range(s):
            if (i + j) % s < w or (i - j) % s < w:
                im.set_pixel(i, j, c)
    im.save(path, 'png32')


def datasource(args, sql):
    return mapnik.PostGIS(host=args.host, port=str(args.port), user=args.user, dbname=args.db,
                          table=sql, geometry_field='geom', srid=4326,
                          extent='-180,-85.0511,180,85.0511', estimate_extent=False,
                          persist_connection=True, max_size=1)


# The same bbox-filtered queries as riskmap.tile (plugin/pg/tile_fmgr.c); the
# zones are buffered on the ground by PostGIS geography, 64 segments a circle.
Q_ZONES = ("(SELECT ST_Buffer(geom::geography, impact_radius_m, 'quad_segs=16')::geometry AS geom, risk_level"
           " FROM riskmap.risk_source WHERE impact_radius_m > 0"
           " AND riskmap._zone_box(geom, impact_radius_m) && !bbox! ORDER BY risk_level DESC, id) AS z")
Q_UNDRILLED = ("(SELECT ST_Buffer(s.geom::geography, s.impact_radius_m, 'quad_segs=16')::geometry AS geom"
               " FROM riskmap.risk_source s WHERE s.impact_radius_m > 0 AND s.risk_level <= {lvl}"
               " AND riskmap._zone_box(s.geom, s.impact_radius_m) && !bbox!"
               " AND NOT EXISTS (SELECT 1 FROM riskmap.drill_target t JOIN riskmap.drill d ON d.id = t.drill_id"
               "   WHERE t.source_id = s.id AND d.year = extract(year FROM current_date)::integer"
               "   AND d.status IN ('planned', 'completed'))"
               " AND NOT EXISTS (SELECT 1 FROM riskmap.drill d WHERE d.area && s.geom AND ST_Intersects(d.area, s.geom)"
               "   AND d.year = extract(year FROM current_date)::integer AND d.status IN ('planned', 'completed'))"
               " ORDER BY s.id) AS u")
Q_DISTRICTS = "(SELECT geom FROM riskmap.district WHERE geom && !bbox! ORDER BY code) AS d"
Q_SOURCES = ("(SELECT geom, category, risk_level FROM riskmap.risk_source WHERE geom && !bbox!"
             " ORDER BY risk_level DESC, id) AS s")
Q_SHELTERS = "(SELECT geom, kind FROM riskmap.shelter WHERE geom && !bbox! ORDER BY id) AS h"
Q_LABELS = ("(SELECT name, coalesce(label_point, ST_PointOnSurface(geom)) AS geom, ST_Area(geom) AS area"
            " FROM riskmap.district WHERE geom && !bbox! ORDER BY ST_Area(geom) DESC, code) AS l")


def xml_escape(s):
    return (s.replace('&', '&amp;').replace('<', '&lt;').replace('>', '&gt;').replace('"', '&quot;'))


def rgba(hexs):
    c = color(hexs)
    return 'rgba(%d,%d,%d,%.4f)' % (c.r, c.g, c.b, c.a / 255.0)


def build_map(args, style, z, scale, tmpdir):
    """The Mapnik map for zoom z: the layers of the style visible at z."""
    styles, layers = [], []
    for i, L in enumerate(style['layers']):
        if not (L.get('minzoom', 0) <= z <= L.get('maxzoom', 22)):
            continue
        t = L['type']
        w = L.get('width', 1.0) * scale
        rules = []
        if t == 'impact_zones':
            for lvl in (4, 3, 2, 1):
                rules.append('<Rule><Filter>[risk_level] = %d</Filter>'
                             '<PolygonSymbolizer fill="%s"/>'
                             '<LineSymbolizer stroke="%s" stroke-width="%g" stroke-linejoin="round"/></Rule>'
                             % (lvl, rgba(L['fill_by_level'][lvl - 1]), rgba(L['stroke_by_level'][lvl - 1]), w))
            sql = Q_ZONES
        elif t == 'undrilled':
            path = os.path.join(tmpdir, 'hatch_%d.png' % scale)
            hatch_png(dict(L, spacing=L.get('spacing', 8) * scale, width=L.get('width', 1.5) * scale), path)
            rules.append('<Rule><PolygonPatternSymbolizer file="%s" alignment="global"/>'
                         '<LineSymbolizer stroke="%s" stroke-width="%g"/></Rule>'
                         % (path, rgba(L.get('color', '#7F0000')), w))
            sql = Q_UNDRILLED.format(lvl=int(L.get('max_level', 2)))
        elif t == 'district_borders':
            rules.append('<Rule><LineSymbolizer stroke="%s" stroke-width="%g" stroke-linejoin="round"/></Rule>'
                         % (rgba(L.get('color', '#000000')), w))
            sql = Q_DISTRICTS
        elif t == 'sources':
            size = L.get('size', 8) * scale
            for lvl in (1, 2, 3, 4):
                rules.append('<Rule><Filter>[risk_level] = %d</Filter>'
                             '<MarkersSymbolizer fill="%s" stroke="%s" stroke-width="%g" width="%g" height="%g"'
                             ' allow-overlap="true" ignore-placement="true"/></Rule>'
                             % (lvl, rgba(L['stroke_by_level'][lvl - 1]), rgba(L.get('halo', '#FFFFFF')), w, size, size))
            sql = Q_SOURCES
        elif t == 'shelters':
            size = L.get('size', 8) * scale
            rules.append('<Rule><MarkersSymbolizer fill="%s" stroke="%s" stroke-width="%g" width="%g" height="%g"'
                         ' allow-overlap="true" ignore-placement="true"/></Rule>'
                         % (rgba(L.get('fill', '#1A9850')), rgba(L.get('halo', '#FFFFFF')), w, size, size))
            sql = Q_SHELTERS
        elif t == 'district_labels':
            face = style.get('font', 'Noto Sans CJK SC') + (' Bold' if L.get('bold') else ' Regular')
            rules.append('<Rule><TextSymbolizer face-name="%s" size="%g" fill="%s" halo-fill="%s" halo-radius="%g"'
                         ' placement="point">[name]</TextSymbolizer></Rule>'
                         % (face, L.get('size', 13) * scale, rgba(L.get('color', '#222222')),
                            rgba(L.get('halo', '#FFFFFFCC')), L.get('halo_width', 2) * scale))
            sql = Q_LABELS
        else:
            continue
        name = 'l%d' % i
        styles.append('<Style name="%s">%s</Style>' % (name, ''.join(rules)))
        params = dict(type='postgis', host=args.host, port=str(args.port), user=args.user, dbname=args.db,
                      table=sql, geometry_field='geom', srid='4326', extent='-180,-85.0511,180,85.0511',
                      estimate_extent='false', persist_connection='true', max_size='1')
        ds = ''.join('<Parameter name="%s">%s</Parameter>' % (k, xml_escape(v)) for k, v in params.items())
        layers.append('<Layer name="%s" srs="%s"><StyleName>%s</StyleName><Datasource>%s</Datasource></Layer>'
                      % (name, LONLAT, name, ds))
    xml = ('<?xml version="1.0" encoding="utf-8"?><Map srs="%s" buffer-size="%d">%s%s</Map>'
           % (MERC, 64 * scale, ''.join(styles), ''.join(layers)))
    m = mapnik.Map(256 * scale, 256 * scale)
    mapnik.load_map_from_string(m, xml)
    return m


def tile_box(z, x, y):
    n = 2 ** z
    size = 2 * HALF / n
    return mapnik.Box2d(-HALF + x * size, HALF - (y + 1) * size, -HALF + (x + 1) * size, HALF - y * size)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--host', default=os.environ.get('PGHOST', '/var/run/postgresql'))
    ap.add_argument('--port', type=int, default=int(os.environ.get('PGPORT', '5432')))
    ap.add_argument('--user', default=os.environ.get('PGUSER', 'postgres'))
    ap.add_argument('--db', required=True)
    ap.add_argument('--style', required=True, help='styles/risk.json')
    ap.add_argument('--tiles', required=True)
    ap.add_argument('--scale', type=int, default=1)
    ap.add_argument('--save', default=None, help='folder to save the PNGs in')
    args = ap.parse_args()
    mapnik.register_fonts('/usr/share/fonts/opentype/noto/')
    style = json.load(open(args.style))
    tiles = [tuple(map(int, l.split())) for l in open(args.tiles) if l.strip()]
    with tempfile.TemporaryDirectory() as tmp:
        maps = {z: build_map(args, style, z, args.scale, tmp) for z in sorted({t[0] for t in tiles})}
        for rnd in ('warm', 'timed'):
            for z, x, y in tiles:
                m = maps[z]
                t0 = time.perf_counter()
                m.zoom_to_box(tile_box(z, x, y))
                im = mapnik.Image(m.width, m.height)
                mapnik.render(m, im)
                png = im.tostring('png32')
                dt = time.perf_counter() - t0
                if rnd == 'timed':
                    print('%d %d %d %.6f' % (z, x, y, dt))
                    if args.save:
                        with open(os.path.join(args.save, 'mapnik_%d_%d_%d.png' % (z, x, y)), 'wb') as f:
                            f.write(png)
    sys.stdout.flush()


if __name__ == '__main__':
    main()
