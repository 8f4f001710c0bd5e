#!/usr/bin/python3
"""WMTS, CGCS2000Quad and vector tiles of riskmap-tiles, read by real clients.

Run by run_server_test wmts (RISKMAP_BASE_URL, RISKMAP_TEST_DB, PGHOST/PGPORT):
- OWSLib (python3-owslib) reads the capabilities (RESTful and KVP) and gets
  tiles of both tile matrix sets, RESTful and KVP; they are riskmap.tile()'s
  bytes for that tile and matrix set;
- GDAL's WMTS driver lists both matrix sets of every layer and gdal_translate
  cuts a window around an isolated source from each: the source lands on the
  same ground position in both, within a pixel, at zooms 12, 14 and 17;
- GDAL's MVT driver reads /mvt/{z}/{x}/{y}.mvt: the layers, and feature ids
  equal to the rows' ids that SQL finds in the tile;
- OGC exception reports (400 / 404 / 501 with exceptionCode and locator);
- ETag / 304 for every format; a change to one source drops exactly the
  cached tiles over it, in every format (checked tile by tile against the
  extent the database recorded for the change), and they change within a second.
"""
import json
import math
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET

import numpy
import psycopg2
import psycopg2.extensions
from osgeo import gdal, ogr, osr
from owslib.wmts import WebMapTileService

gdal.UseExceptions()
BASE = os.environ['RISKMAP_BASE_URL']
DB = os.environ['RISKMAP_TEST_DB']
OUT = os.environ.get('RISKMAP_OUT_DIR', '/tmp')
CAPS = BASE + '/wmts/1.0.0/WMTSCapabilities.xml'
OWS = '{http://www.opengis.net/ows/1.1}'
failures = 0


def check(ok, what):
    global failures
    print(('ok    ' if ok else 'FAIL  ') + what, flush=True)
    if not ok:
        failures += 1


def get(path, headers=None):
    req = urllib.request.Request(BASE + path if path.startswith('/') else path, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


conn = psycopg2.connect(dbname=DB)
conn.autocommit = True


def sql(q, *args):
    with conn.cursor() as c:
        c.execute(q, args)
        return c.fetchall() if c.description else None


def health():
    return json.loads(get('/health')[2])['cache']


def merc_tile(lon, lat, z):
    n = 2 ** z
    x = (lon + 180) / 360 * n
    y = (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n
    return int(x), int(y)


def cgcs_tile(lon, lat, z):
    d = 360 / 2 ** z
    return int((lon + 180) / d), int((90 - lat) / d)


# ------------------------------------------------------------ capabilities
for url in (CAPS, BASE + '/wmts?SERVICE=WMTS&REQUEST=GetCapabilities'):
    st, h, body = get(url)
    check(st == 200 and h.get('Content-Type', '').startswith('application/xml'), f'capabilities {url[len(BASE):]}: 200 XML')
    root = ET.fromstring(body)
    check(root.tag == '{http://www.opengis.net/wmts/1.0}Capabilities' and root.get('version') == '1.0.0',
          'a WMTS 1.0.0 Capabilities document')

w = WebMapTileService(CAPS)
check(w.identification.type == 'OGC WMTS' and w.identification.version == '1.0.0', 'OWSLib: service OGC WMTS 1.0.0')
# the server's default --styles: risk, evacuation, clearance
STYLES = ['clearance', 'evacuation', 'risk']
check(sorted(w.contents) == STYLES, f'OWSLib: one layer per style ({sorted(w.contents)})')
check(sorted(w.tilematrixsets) == ['CGCS2000Quad', 'WebMercatorQuad'], 'OWSLib: both tile matrix sets')
check(sorted(w.contents['risk'].tilematrixsetlinks) == ['CGCS2000Quad', 'WebMercatorQuad'],
      'OWSLib: the risk layer links both')
wm, cg = w.tilematrixsets['WebMercatorQuad'], w.tilematrixsets['CGCS2000Quad']
check(wm.crs == 'urn:ogc:def:crs:EPSG::3857' and cg.crs == 'urn:ogc:def:crs:EPSG::4490', 'CRS urns 3857 and 4490')
check(abs(wm.tilematrix['0'].scaledenominator - 559082264.0287178) < 1e-3 and
      abs(wm.tilematrix['14'].scaledenominator - 559082264.0287178 / 2 ** 14) < 1e-6,
      'WebMercatorQuad: GoogleMapsCompatible scale denominators')
m_per_deg = 2 * math.pi * 6378137 / 360
ok = all(abs(cg.tilematrix[str(z)].scaledenominator - 180 / 2 ** (z - 1) / 256 * m_per_deg / 0.00028) < 1e-6 * 2 ** -z + 1e-3
         for z in range(1, 19))
check(ok and '0' not in cg.tilematrix, 'CGCS2000Quad: scale denominators from degrees per pixel, levels from 1')
tm = cg.tilematrix['5']
check(tm.topleftcorner == (90.0, -180.0) and tm.matrixwidth == 32 and tm.matrixheight == 16,
      f'CGCS2000Quad level 5: TopLeftCorner 90 -180 (lat lon), 32 x 16 tiles ({tm.topleftcorner}, {tm.matrixwidth} x {tm.matrixheight})')

# ----------------------------------------------------------- tiles, both sets
z = 14
for tms, (col, row) in (('WebMercatorQuad', merc_tile(106.5775, 29.5577, z)),
                        ('CGCS2000Quad', cgcs_tile(106.5775, 29.5577, z))):
    want = bytes(sql('select riskmap.tile(%s, %s, %s, %s, 1, %s)', z, col, row, 'risk', tms)[0][0])
    kvp = w.gettile(layer='risk', tilematrixset=tms, tilematrix=str(z), row=row, column=col, format='image/png').read()
    rest_url = w.buildTileResource(layer='risk', tilematrixset=tms, tilematrix=str(z), row=row, column=col,
                                   format='image/png')
    st, h, rest = get(rest_url)
    plain = get(f'/tiles/risk/{tms}/{z}/{col}/{row}.png')
    check(kvp == want and rest == want and plain[2] == want and want[:8] == b'\x89PNG\r\n\x1a\n' and len(want) > 1000,
          f'{tms} {z}/{col}/{row}: KVP GetTile, RESTful ResourceURL and /tiles/risk/{tms}/... are riskmap.tile()\'s PNG')
    st2, h2, _ = get(rest_url, {'If-None-Match': h['ETag']})
    check(st2 == 304, f'{tms}: ETag {h["ETag"]} gives 304')
st, _, _ = get('/tiles/risk/CGCS2000Quad/0/0/0.png')
check(st == 400, 'CGCS2000Quad has no level 0: 400')
st, _, _ = get('/tiles/risk/CGCS2000Quad/3/7/4.png')
check(st == 400, 'CGCS2000Quad level 3 has 4 rows: row 4 is 400')
st, _, body = get('/tiles/risk/CGCS2000Quad/3/7/3@2x.png')
check(st == 200 and body[:4] == b'\x89PNG', 'CGCS2000Quad @2x')

# ----------------------------------------------- GDAL WMTS: same ground position
info = gdal.Info('WMTS:' + CAPS, format='json')
subs = sorted(v for k, v in info['metadata']['SUBDATASETS'].items() if k.endswith('_NAME'))
check(len(subs) == 2 * len(STYLES) and any('tilematrixset=CGCS2000Quad' in s for s in subs),
      f'gdalinfo: {2 * len(STYLES)} subdatasets ({len(STYLES)} layers x 2 matrix sets): {len(subs)}')
lon0, lat0 = 106.85, 29.95   # source 5: alone, far from borders and labels
wgs = osr.SpatialReference()
wgs.ImportFromEPSG(4326)
wgs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)


def centre(tms, zoom):
    path = f'{OUT}/wmts-{tms}-{zoom}.tif'
    half = 0.0045 * 2 ** (14 - zoom) if zoom < 14 else 0.0045
    ds = gdal.OpenEx('WMTS:' + CAPS, open_options=[f'LAYER=risk', f'TILEMATRIXSET={tms}', f'ZOOM_LEVEL={zoom}'])
    ds = gdal.Translate(path, ds, options=gdal.TranslateOptions(
        projWin=[lon0 - half, lat0 + half, lon0 + half, lat0 - half], projWinSRS='EPSG:4326'))
    alpha = ds.GetRasterBand(4).ReadAsArray().astype(float)
    gt = ds.GetGeoTransform()
    srs = ds.GetSpatialRef()
    srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    ys, xs = numpy.indices(alpha.shape)
    s = alpha.sum()
    cx, cy = (alpha * (xs + 0.5)).sum() / s, (alpha * (ys + 0.5)).sum() / s
    gx, gy = gt[0] + cx * gt[1], gt[3] + cy * gt[5]
    lon, lat, _ = osr.CoordinateTransformation(srs, wgs).TransformPoint(gx, gy)
    # ground size of one pixel (east-west) at the source
    lon2, lat2, _ = osr.CoordinateTransformation(srs, wgs).TransformPoint(gx + gt[1], gy)
    px_m = abs(lon2 - lon) * m_per_deg * math.cos(math.radians(lat0))
    return lon, lat, px_m, ds.RasterXSize, s > 0


def ground_m(a, b):
    return math.hypot((a[0] - b[0]) * m_per_deg * math.cos(math.radians(lat0)), (a[1] - b[1]) * m_per_deg)


for zoom in (12, 14, 17):
    m = centre('WebMercatorQuad', zoom)
    c = centre('CGCS2000Quad', zoom)
    px = max(m[2], c[2])
    d = ground_m(m, c)
    check(m[4] and c[4] and d < px,
          f'z{zoom}: source 5 drawn at the same ground position in both sets: {d:.2f} m apart, pixel {px:.2f} m')
    check(ground_m(m, (lon0, lat0)) < px and ground_m(c, (lon0, lat0)) < px,
          f'z{zoom}: and where it is ({ground_m(m, (lon0, lat0)):.2f} m, {ground_m(c, (lon0, lat0)):.2f} m off)')

# ------------------------------------------------------------ vector tiles
st, h, tj = get('/mvt.json')
tj = json.loads(tj)
check(st == 200 and tj['tilejson'] == '3.0.0' and tj['tiles'][0].endswith('/mvt/{z}/{x}/{y}.mvt') and
      sorted(l['id'] for l in tj['vector_layers']) == ['districts', 'shelters', 'sources', 'undrilled', 'zones'],
      'TileJSON /mvt.json: 3.0.0, template, the five vector_layers')
z = 12
x, y = merc_tile(106.58, 29.56, z)
st, h, mvt = get(f'/mvt/{z}/{x}/{y}.mvt')
check(st == 200 and h['Content-Type'] == 'application/vnd.mapbox-vector-tile' and
      mvt == bytes(sql('select riskmap.tile_mvt(%s, %s, %s)', z, x, y)[0][0]),
      f'/mvt/{z}/{x}/{y}.mvt: riskmap.tile_mvt()\'s bytes, application/vnd.mapbox-vector-tile')
st2, _, _ = get(f'/mvt/{z}/{x}/{y}.mvt', {'If-None-Match': h['ETag']})
check(st2 == 304, 'MVT: ETag gives 304')
path = f'{OUT}/tile-{z}-{x}-{y}.mvt'
open(path, 'wb').write(mvt)
env = "ST_Transform(ST_TileEnvelope(%s, %s, %s, margin => 64.0 / 4096), 4326)"
expect = {
    'sources': sql(f'select id from riskmap.risk_source where ST_Intersects(geom, {env}) order by id', z, x, y),
    'shelters': sql(f'select id from riskmap.shelter where ST_Intersects(geom, {env}) order by id', z, x, y),
    'zones': sql(f'select id from riskmap.risk_source where ST_Intersects(riskmap.ground_buffer(geom, impact_radius_m), {env}) order by id', z, x, y),
    'districts': sql(f'select code::bigint from riskmap.district where ST_Intersects(geom, {env}) order by 1', z, x, y),
    'undrilled': sql(f'select source_id from riskmap.undrilled_areas() where ST_Intersects(zone, {env}) order by 1', z, x, y),
}
for url in (path, f'/vsicurl/{BASE}/mvt/{z}/{x}/{y}.mvt'):
    ds = ogr.Open(url)
    names = sorted(ds.GetLayer(i).GetName() for i in range(ds.GetLayerCount()))
    check(names == ['districts', 'shelters', 'sources', 'undrilled', 'zones'], f'GDAL MVT driver ({url[:40]}...): the five layers ({names})')
    for lname, rows in expect.items():
        lyr = ds.GetLayerByName(lname)
        ids = sorted(f.GetField('mvt_id') for f in lyr)
        check(ids == [r[0] for r in rows] and ids, f'  {lname}: ids {ids} = SQL {[r[0] for r in rows]}')
    lyr = ds.GetLayerByName('sources')
    f = next(iter(lyr))
    check(f.GetField('name') and f.GetField('level') in (1, 2, 3, 4) and f.GetField('district_name') == '渝中区',
          f'  sources carry name, level, category, district name ({f.GetField("name")}, {f.GetField("district_name")})')
for bad in ('/mvt/23/0/0.mvt', '/mvt/3/8/0.mvt', '/mvt/3/0/8.mvt', '/mvt/a/0/0.mvt'):
    check(get(bad)[0] == 400, f'{bad}: 400')
check(get('/mvt/3/0/0.png')[0] == 404, '/mvt/3/0/0.png: 404')

# ---------------------------------------------------------- exception reports


def exc(path, status, code, locator):
    st, h, body = get(path)
    try:
        e = ET.fromstring(body).find(OWS + 'Exception')
        got = (e.get('exceptionCode'), e.get('locator'))
    except ET.ParseError:
        got = None
    check(st == status and h.get('Content-Type', '').startswith('application/xml') and got == (code, locator),
          f'{path[:90]}: {status} {code} locator={locator} (got {st} {got})')


K = '/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=risk&STYLE=default&FORMAT=image/png'
exc('/wmts?REQUEST=GetCapabilities', 400, 'MissingParameterValue', 'service')
exc('/wmts?SERVICE=WMS&REQUEST=GetCapabilities', 400, 'InvalidParameterValue', 'service')
exc('/wmts?SERVICE=WMTS', 400, 'MissingParameterValue', 'request')
exc('/wmts?SERVICE=WMTS&REQUEST=GetFeatureInfo', 501, 'OperationNotSupported', 'request')
exc(K + '&TILEMATRIXSET=CGCS2000Quad&TILEMATRIX=3&TILEROW=0', 400, 'MissingParameterValue', 'tilecol')
exc(K.replace('LAYER=risk', 'LAYER=nope') + '&TILEMATRIXSET=CGCS2000Quad&TILEMATRIX=3&TILEROW=0&TILECOL=0',
    400, 'InvalidParameterValue', 'layer')
exc(K + '&TILEMATRIXSET=EPSG:4326&TILEMATRIX=3&TILEROW=0&TILECOL=0', 400, 'InvalidParameterValue', 'tilematrixset')
exc(K + '&TILEMATRIXSET=CGCS2000Quad&TILEMATRIX=0&TILEROW=0&TILECOL=0', 400, 'InvalidParameterValue', 'tilematrix')
exc(K + '&TILEMATRIXSET=CGCS2000Quad&TILEMATRIX=3&TILEROW=4&TILECOL=0', 400, 'TileOutOfRange', 'tilerow')
exc(K + '&TILEMATRIXSET=WebMercatorQuad&TILEMATRIX=3&TILEROW=0&TILECOL=8', 400, 'TileOutOfRange', 'tilecol')
exc(K.replace('image/png', 'image/jpeg') + '&TILEMATRIXSET=WebMercatorQuad&TILEMATRIX=3&TILEROW=0&TILECOL=0',
    400, 'InvalidParameterValue', 'format')
exc('/wmts/1.0.0/risk/default/CGCS2000Quad/3/4/0.png', 404, 'TileOutOfRange', 'tilerow')
exc('/wmts/1.0.0/nope/default/CGCS2000Quad/3/0/0.png', 404, 'InvalidParameterValue', 'layer')
exc('/wmts/1.0.0/risk/fancy/CGCS2000Quad/3/0/0.png', 404, 'InvalidParameterValue', 'style')
st, _, body = get('/wmts?service=wmts&request=GetTile&version=1.0.0&layer=risk&style=&format=image/png'
                  '&tilematrixset=CGCS2000Quad&tilematrix=3&tilerow=1&tilecol=6')
check(st == 200 and body[:4] == b'\x89PNG', 'KVP names are case-insensitive, an empty STYLE is the default')

# -------------------------------------- invalidation: exactly the tiles over it
# Warm a 5x5 block of every format around source 4, far from the others.
lon4, lat4 = 106.63, 29.72
z = 14
warm = []
mx, my = merc_tile(lon4, lat4, z)
cx, cy = cgcs_tile(lon4, lat4, z)
for dx in range(-2, 3):
    for dy in range(-2, 3):
        warm.append(('png', 0, z, mx + dx, my + dy, f'/tiles/risk/{z}/{mx + dx}/{my + dy}.png'))
        warm.append(('cgcs', 1, z, cx + dx, cy + dy, f'/tiles/risk/CGCS2000Quad/{z}/{cx + dx}/{cy + dy}.png'))
        warm.append(('mvt', 2, z, mx + dx, my + dy, f'/mvt/{z}/{mx + dx}/{my + dy}.mvt'))
etag = {}
for t in warm:
    etag[t] = get(t[5])[1]['ETag']
listen = psycopg2.connect(dbname=DB)
listen.set_isolation_level(psycopg2.extensions.ISOLATION_LEVEL_AUTOCOMMIT)
listen.cursor().execute('LISTEN riskmap_tiles')
h0 = health()
t_commit = time.time()
sql('update riskmap.risk_source set risk_level = 2 where id = 4')
woke = False
while time.time() - t_commit < 5 and not woke:
    listen.poll()
    woke = bool(listen.notifies)
    if not woke:
        time.sleep(0.01)
# NOTIFY riskmap_tiles is a wake-up; the extent is the statement's row in
# riskmap.tile_change (sql/src/70_notify.sql), the one the server reads
payload = sql('select payload from riskmap.tile_change where xid = (select max(xid) from riskmap.tile_change)')[0][0]
check(woke and payload is not None and len(payload.split()) >= 4, f'NOTIFY riskmap_tiles, extent in tile_change: {payload!r}')
mnx, mny, mxx, mxy = (float(v) for v in payload.split()[:4])


def merc_world(lon, lat):
    lat = max(-85.0511287798066, min(85.0511287798066, lat))
    return (lon + 180) / 360, (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2


def expected_drop(kind, tz, tx, ty):
    if kind == 'cgcs':
        d = 360 / 2 ** tz
        m = 128 / 256 * d
        return (-180 + tx * d - m <= mxx and -180 + (tx + 1) * d + m >= mnx and
                90 - (ty + 1) * d - m <= mxy and 90 - ty * d + m >= mny)
    margin = 128 if kind == 'png' else 5
    n = 2 ** tz
    mm = margin / 256 / n
    wx0, wy0 = merc_world(mnx, mxy)
    wx1, wy1 = merc_world(mxx, mny)
    return tx / n - mm <= wx1 and (tx + 1) / n + mm >= wx0 and ty / n - mm <= wy1 and (ty + 1) / n + mm >= wy0


time.sleep(0.3)  # the server has the same notification by now (checked below through the miss counts)
wrong = []
changed = {'png': 0, 'cgcs': 0, 'mvt': 0}
n_drop = {'png': 0, 'cgcs': 0, 'mvt': 0}
for t in warm:
    kind = t[0]
    before = health()['misses']
    st, h, _ = get(t[5])
    missed = health()['misses'] > before
    want = expected_drop(kind, t[2], t[3], t[4])
    n_drop[kind] += want
    if missed != want:
        wrong.append((t[5], missed, want))
    if h['ETag'] != etag[t]:
        changed[kind] += 1
        if not want:
            wrong.append((t[5], 'changed but not dropped'))
elapsed = time.time() - t_commit
check(not wrong, f'exactly the tiles over the change were dropped, in every format (dropped png {n_drop["png"]}, '
                 f'cgcs {n_drop["cgcs"]}, mvt {n_drop["mvt"]} of 25 each; wrong: {wrong[:5]})')
check(all(0 < n_drop[k] < 25 for k in n_drop), 'some tiles of each format dropped, some kept')
check(all(changed[k] > 0 for k in changed), f'the tiles over the source changed: {changed}')
h1 = health()
check(h1['notifications'] > h0['notifications'], 'the server received the notification')
# within a second, in every format: the level goes back to 1, so each tile over
# the source returns to its first bytes (ETag); a rename shows in the MVT only
p_of = {'png': f'/tiles/risk/{z}/{mx}/{my}.png', 'cgcs': f'/tiles/risk/CGCS2000Quad/{z}/{cx}/{cy}.png',
        'mvt': f'/mvt/{z}/{mx}/{my}.mvt'}
first = {k: etag[[t for t in warm if t[5] == p][0]] for k, p in p_of.items()}
t0 = time.time()
sql('update riskmap.risk_source set risk_level = 1 where id = 4')
seen = {}
while time.time() - t0 < 1.0 and len(seen) < 3:
    for kind, p in p_of.items():
        if kind not in seen and get(p)[1]['ETag'] == first[kind]:
            seen[kind] = round((time.time() - t0) * 1000)
    time.sleep(0.02)
check(len(seen) == 3, f'level back to 1: every format shows its original tile again within 1 s (ms: {seen})')
t0 = time.time()
sql("update riskmap.risk_source set name = name || '′' where id = 4")
seen = None
while time.time() - t0 < 1.0 and seen is None:
    if get(p_of['mvt'])[1]['ETag'] != first['mvt']:
        seen = round((time.time() - t0) * 1000)
    time.sleep(0.02)
check(seen is not None, f'a renamed source shows in its vector tile within 1 s ({seen} ms)')
sql("update riskmap.risk_source set name = rtrim(name, '′') where id = 4")

print(f'{failures} failure(s)')
sys.exit(1 if failures else 0)
