#!/usr/bin/env python3
"""Writes the seed corpora under fuzz/corpus/<target>/ (run from anywhere).
Seeds are small, hand-made inputs: valid documents and a few broken ones."""
import os, re, struct, math

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

def put(target, name, data):
    d = os.path.join(HERE, 'corpus', target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, name), 'wb') as f:
        f.write(data)

# ---- EWKB ---------------------------------------------------------------
SRID = 0x20000000
def hdr(t, srid=4326, le=True):
    if srid is None:
        return struct.pack('<BI' if le else '>BI', 1 if le else 0, t)
    return struct.pack('<BII' if le else '>BII', 1 if le else 0, t | SRID, srid)
def pts(c):
    return b''.join(struct.pack('<dd', x, y) for x, y in c)
def point(x, y, srid=4326):
    return hdr(1, srid) + pts([(x, y)])
def line(c, srid=4326):
    return hdr(2, srid) + struct.pack('<I', len(c)) + pts(c)
def poly(rings, srid=4326):
    return hdr(3, srid) + struct.pack('<I', len(rings)) + b''.join(struct.pack('<I', len(r)) + pts(r) for r in rings)
def multi(t, parts, srid=4326):
    return hdr(t, srid) + struct.pack('<I', len(parts)) + b''.join(parts)

sq = [(106.5, 29.5), (106.6, 29.5), (106.6, 29.6), (106.5, 29.6), (106.5, 29.5)]
hole = [(106.52, 29.52), (106.52, 29.55), (106.55, 29.55), (106.55, 29.52), (106.52, 29.52)]
bow = [(106.5, 29.5), (106.6, 29.6), (106.6, 29.5), (106.5, 29.6), (106.5, 29.5)]
geoms = {
    'point': point(106.55, 29.56),
    'point_iso': hdr(1, None) + pts([(106.55, 29.56)]),
    'point_be': struct.pack('>BIIdd', 0, 1 | SRID, 4326, 106.55, 29.56),
    'point_3857': point(11863000.0, 3446000.0, 3857),
    'point_nan': point(float('nan'), 29.5),
    'point_empty': hdr(1) + pts([(float('nan'), float('nan'))]),
    'line': line([(106.5, 29.5), (106.6, 29.55), (106.7, 29.5)]),
    'polygon_hole': poly([sq, hole]),
    'bowtie': poly([bow]),
    'multipolygon': multi(6, [poly([sq], None), poly([[(x + 0.2, y) for x, y in sq]], None)]),
    'collection': multi(7, [point(106.5, 29.5, None), line([(106.5, 29.5), (106.6, 29.6)], None)]),
    'nested_gc': multi(7, [multi(7, [multi(7, [point(1, 2, None)], None)], None)]),
    'truncated': poly([sq])[:40],
    'huge_count': hdr(2) + struct.pack('<I', 0x7fffffff) + pts([(1, 2)]),
    'z_point': struct.pack('<BIIddd', 1, 1 | SRID | 0x80000000, 4326, 106.5, 29.5, 300.0),
}
for k, v in geoms.items():
    put('fuzz_geometry_check', k, v)
for i, (k, v) in enumerate(geoms.items()):
    put('fuzz_metric_wkb', k, bytes([i % 8]) + v)

# ---- style JSON -----------------------------------------------------------
for n in ('risk', 'evacuation'):
    with open(os.path.join(ROOT, 'styles', n + '.json'), 'rb') as f:
        put('fuzz_style', n, f.read())
put('fuzz_style', 'minimal', '{"layers":[{"type":"district_borders","color":"#333"}]}')
put('fuzz_style', 'bad_colour', '{"layers":[{"type":"impact_zones","fill_by_level":["#GG0000","#f00","#0f0","#00f"]}]}')
put('fuzz_style', 'symbols', '{"font":"Noto Sans CJK SC","background":"#ffffff80","layers":[{"name":"s","type":"sources",'
    '"minzoom":3,"maxzoom":22,"size":8,"symbols":{"chemical":{"shape":"triangle","fill":"#f00"}},"default_shape":"circle","dash":[2,1]}]}')
put('fuzz_style', 'not_json', '{"layers":[')

# ---- plan content -----------------------------------------------------------
md = open(os.path.join(ROOT, 'docs', 'plan_content.md'), encoding='utf-8').read()
ex = re.search(r'```json\n(.*?)```', md, re.S).group(1)
put('fuzz_plan_content', 'example', ex)
put('fuzz_plan_content', 'minimal', '{"version": 1}')
put('fuzz_plan_content', 'wrong_types', '{"version": "1", "titel": 3, "workflows": [{"steps": [{"order": -1, "within_minutes": 1e999}]}], "resources": null}')
put('fuzz_plan_content', 'deep', '[' * 40 + ']' * 40)
put('fuzz_plan_content', 'bad_utf8', b'{"version":1,"scope":"\xe6\xb8\x9d\xff"}')
put('fuzz_plan_content', 'dup_keys', '{"version":1,"version":2,"contacts":[{"role":"","name":"\\u0000","phone":"x"}]}')

# ---- tile parameters + features ----------------------------------------------
def tile(z, x, y, scale=1, flags=0, feats=()):
    b = struct.pack('<iiiBBH', z, x, y, scale, flags, 0)
    for layer, level, rad, w in feats:
        b += struct.pack('<BBBH', layer, level, rad, len(w)) + w
    return b
# the tile containing Chongqing at z10: x=815, y=422
put('fuzz_tile', 'empty_z0', tile(0, 0, 0))
put('fuzz_tile', 'raw_bad_z', tile(23, 0, 0, 1, 1))
put('fuzz_tile', 'raw_bad_xy', tile(3, 8, -1, 1, 1))
put('fuzz_tile', 'raw_bad_scale', tile(3, 1, 1, 3, 1))
cq = [(2, 2, 3, point(106.55, 29.56)), (3, 1, 2, poly([sq])), (0, 0, 0, multi(6, [poly([sq], None)])),
      (4, 0, 0, point(106.56, 29.55)), (1, 0, 0, b''), (5, 0, 0, point(106.57, 29.57))]
put('fuzz_tile', 'cq_risk', tile(10, 815, 422, 1, 1, cq))
put('fuzz_tile', 'cq_evac_2x', tile(10, 815, 422, 2, 3, cq))
put('fuzz_tile', 'cq_z5_bad_wkb', tile(5, 25, 13, 1, 1, [(2, 1, 3, poly([sq])[:30]), (3, 1, 4, bytes(9))]))

# ---- request paths and friends -------------------------------------------------
routes = {
    'tile': b'\x00/tiles/risk/10/815/422.png',
    'tile2x': b'\x01/tiles/evacuation/22/4194303/0@2x.png',
    'tile_badz': b'\x02/tiles/risk/23/0/0.png',
    'tilejson': b'\x03/tiles/risk.json',
    'static': b'\x00/leaflet/images/marker-icon.png',
    'dotdot': b'\x01/../etc/passwd',
    'api': b'\x02/api/uncovered',
    'double': b'\x04-106.55e0',
    'date': b'\x052026-02-30',
    'code': b'\x06500103',
    'notify': b'\x07106.5 29.5 106.6 29.6 risk evacuation',
    'notify_all': b'\x07 * ',
    'etag': b'\x08W/"abc", "def"|"def"',
}
for k, v in routes.items():
    put('fuzz_route', k, v)
