#!/usr/bin/python3
"""The anchor of bench/server's vector-tile runs: the pg_tileserv approach, a
minimal pass-through that answers GET /{z}/{x}/{y}.mvt with the result of one
PostGIS ST_AsMVT query, no cache. The query builds the same five layers as
riskmap.tile_mvt the way a PostGIS user would write them: impact zones with
ST_Buffer(geom::geography, impact_radius_m) (sources prefiltered by a bbox
grown by the largest radius, so the GiST index on geom serves), undrilled
zones with the same NOT EXISTS rules, ST_AsMVTGeom over ST_TileEnvelope.

usage: mvt_passthrough.py PORT CONNINFO [THREADS]
Threads share a fixed pool of THREADS connections (default 4, as many as the
riskmap-tiles it is compared with); jit = off on every connection.
"""
import queue
import re
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import psycopg2

SQL = """
WITH b AS (SELECT ST_TileEnvelope(%(z)s, %(x)s, %(y)s) AS t,
                  ST_Transform(ST_TileEnvelope(%(z)s, %(x)s, %(y)s, margin => 64.0 / 4096), 4326) AS e),
dist AS (
  SELECT d.code::bigint AS id, d.code, d.name, d.parent_code,
         ST_AsMVTGeom(ST_Transform(d.geom, 3857), b.t, 4096, 64, true) AS geom
  FROM riskmap.district d, b WHERE d.geom && b.e),
src AS (
  SELECT s.id, s.name, s.kind, s.category, s.risk_level AS level, s.district_code, dd.name AS district_name,
         s.impact_radius_m, s.population_exposed,
         ST_AsMVTGeom(ST_Transform(s.geom, 3857), b.t, 4096, 64, true) AS geom
  FROM riskmap.risk_source s LEFT JOIN riskmap.district dd ON dd.code = s.district_code, b
  WHERE s.geom && b.e),
zone AS (
  SELECT s.id, s.name, s.kind, s.category, s.risk_level AS level, s.district_code, s.impact_radius_m,
         ST_Buffer(s.geom::geography, s.impact_radius_m)::geometry AS z
  FROM riskmap.risk_source s, b
  WHERE s.geom && ST_Expand(b.e, 0.06) AND s.impact_radius_m > 0),
zones AS (
  SELECT zone.id, zone.name, zone.kind, zone.category, zone.level, zone.district_code, zone.impact_radius_m,
         ST_AsMVTGeom(ST_Transform(zone.z, 3857), b.t, 4096, 64, true) AS geom
  FROM zone, b WHERE zone.z && b.e),
undrilled AS (
  SELECT z.* FROM zones z
  WHERE z.level <= 2
    AND NOT EXISTS (SELECT 1 FROM riskmap.drill_target t JOIN riskmap.drill d ON d.id = t.drill_id
                    WHERE t.source_id = z.id AND d.year = extract(year FROM current_date)::int
                      AND d.status IN ('planned', 'completed'))
    AND NOT EXISTS (SELECT 1 FROM riskmap.drill d JOIN riskmap.risk_source s ON s.id = z.id
                    WHERE d.area && s.geom AND ST_Intersects(d.area, s.geom)
                      AND d.year = extract(year FROM current_date)::int AND d.status IN ('planned', 'completed'))),
shel AS (
  SELECT h.id, h.name, h.kind, h.capacity, h.district_code, dd.name AS district_name,
         ST_AsMVTGeom(ST_Transform(h.geom, 3857), b.t, 4096, 64, true) AS geom
  FROM riskmap.shelter h LEFT JOIN riskmap.district dd ON dd.code = h.district_code, b WHERE h.geom && b.e)
SELECT coalesce((SELECT ST_AsMVT(q, 'districts', 4096, 'geom', 'id') FROM (SELECT * FROM dist WHERE geom IS NOT NULL) q), '')
    || coalesce((SELECT ST_AsMVT(q, 'zones', 4096, 'geom', 'id') FROM (SELECT * FROM zones WHERE geom IS NOT NULL) q), '')
    || coalesce((SELECT ST_AsMVT(q, 'undrilled', 4096, 'geom', 'id') FROM (SELECT * FROM undrilled WHERE geom IS NOT NULL) q), '')
    || coalesce((SELECT ST_AsMVT(q, 'sources', 4096, 'geom', 'id') FROM (SELECT * FROM src WHERE geom IS NOT NULL) q), '')
    || coalesce((SELECT ST_AsMVT(q, 'shelters', 4096, 'geom', 'id') FROM (SELECT * FROM shel WHERE geom IS NOT NULL) q), '')
"""
PATH = re.compile(r'^/(\d{1,2})/(\d{1,7})/(\d{1,7})\.mvt$')


def main():
    port, conninfo = int(sys.argv[1]), sys.argv[2]
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 4
    pool = queue.Queue()
    for _ in range(n):
        c = psycopg2.connect(conninfo)
        c.autocommit = True
        c.cursor().execute("SET jit = off; SET application_name = 'mvt-passthrough'")
        pool.put(c)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = 'HTTP/1.1'

        def log_message(self, *a):
            pass

        def reply(self, status, body, ctype):
            self.send_response(status)
            self.send_header('Content-Type', ctype)
            self.send_header('Content-Length', str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            m = PATH.match(self.path)
            if not m:
                return self.reply(404, b'not found', 'text/plain')
            z, x, y = (int(v) for v in m.groups())
            c = pool.get()
            try:
                with c.cursor() as cur:
                    cur.execute(SQL, {'z': z, 'x': x, 'y': y})
                    body = bytes(cur.fetchone()[0])
            except psycopg2.Error as e:
                return self.reply(400, str(e).encode(), 'text/plain')
            finally:
                pool.put(c)
            self.reply(200, body, 'application/vnd.mapbox-vector-tile')

    ThreadingHTTPServer.daemon_threads = True
    ThreadingHTTPServer(('127.0.0.1', port), Handler).serve_forever()


if __name__ == '__main__':
    main()
