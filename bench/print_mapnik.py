#!/usr/bin/python3
"""Mapnik side of bench/print: the same layers of styles/risk.json from the same
tables (the queries of bench/tiles_mapnik.py) drawn into the map frame of an A3
sheet on cairo's PDF surface, the frame's extent taken from
riskmap.map_sheet_frame so both draw the same area at the same size.

Run only with Debian's /usr/bin/python3 (python3-mapnik, python3-cairo).
Prints one "seconds bytes" line per timed run (render + PDF written).
"""
import argparse
import io
import json
import math
import os
import sys
import tempfile
import time

import cairo
import mapnik

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tiles_mapnik  # noqa: E402  (build_map: the same layers and queries)

R = 6378137.0


def merc(lon, lat):
    return R * math.radians(lon), R * math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--host', default=os.environ.get('PGHOST', '/var/run/postgresql'))
    ap.add_argument('--port', type=int, default=int(os.environ.get('PGPORT', '5432')))
    ap.add_argument('--user', default=os.environ.get('PGUSER', 'postgres'))
    ap.add_argument('--db', required=True)
    ap.add_argument('--style', required=True)
    ap.add_argument('--frame', required=True, help='minlon minlat maxlon maxlat width_pt height_pt')
    ap.add_argument('--runs', type=int, default=5)
    ap.add_argument('--save', default=None)
    args = ap.parse_args()
    mapnik.register_fonts('/usr/share/fonts/opentype/noto/')
    style = json.load(open(args.style))
    x0, y0, x1, y1, w, h = map(float, args.frame.split())
    lo, hi = merc(x0, y0), merc(x1, y1)
    with tempfile.TemporaryDirectory() as tmp:
        # every layer (a sheet ignores the zoom ranges), widths at 0.75 pt per px as the sheet draws them
        m = tiles_mapnik.build_map(args, style, 22, 1, tmp)
        m.resize(int(round(w)), int(round(h)))
        for rnd in range(args.runs + 1):
            t0 = time.perf_counter()
            buf = io.BytesIO()
            surface = cairo.PDFSurface(buf, w, h)
            m.zoom_to_box(mapnik.Box2d(lo[0], lo[1], hi[0], hi[1]))
            mapnik.render(m, surface)
            surface.finish()
            dt = time.perf_counter() - t0
            if rnd > 0:  # the first run warms the connections and fonts
                print('%.6f %d' % (dt, len(buf.getvalue())))
            if args.save and rnd == args.runs:
                open(args.save, 'wb').write(buf.getvalue())
    sys.stdout.flush()


if __name__ == '__main__':
    main()
