// Helpers of the riskmap-tiles tests: raw HTTP (paths sent exactly as given),
// psql, the private cluster's pg_ctl, a small GeoJSON validator.
import http from 'node:http';
import { execFileSync } from 'node:child_process';

export const BASE = process.env.RISKMAP_BASE_URL;
const base = new URL(BASE);

export function request(path, { method = 'GET', headers = {} } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: base.hostname, port: base.port, path, method, headers, agent: false }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.setTimeout(30000, () => req.destroy(new Error(`timeout: ${method} ${path}`)));
    req.on('error', reject);
    req.end();
  });
}

export async function json(path, opts) {
  const r = await request(path, opts);
  let body;
  try { body = JSON.parse(r.body.toString('utf8')); } catch (e) {
    throw new Error(`${path}: not JSON (${r.status}): ${r.body.toString('utf8').slice(0, 200)}`);
  }
  return { ...r, json: body };
}

export function psql(sql) {
  return execFileSync('psql', ['-X', '-q', '-At', '-v', 'ON_ERROR_STOP=1', '-d', process.env.RISKMAP_TEST_DB, '-c', sql],
    { encoding: 'utf8' }).trim();
}

export function pgCtl(action) {
  const bin = `${process.env.PG_BIN || '/usr/lib/postgresql/15/bin'}/pg_ctl`;
  const args = ['-D', process.env.RISKMAP_PGDATA, '-w', '-t', '60'];
  if (action === 'stop') args.push('-m', 'fast', 'stop');
  else args.push('-l', `${process.env.RISKMAP_PGDATA}/../postgresql.log`, 'start');
  const asRoot = process.getuid && process.getuid() === 0;
  execFileSync(asRoot ? 'runuser' : bin, asRoot ? ['-u', 'postgres', '--', bin, ...args] : args, { stdio: 'inherit' });
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function lonLatToTile(lon, lat, z) {
  const n = 2 ** z;
  const r = (lat * Math.PI) / 180;
  return [Math.floor(((lon + 180) / 360) * n), Math.floor(((1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2) * n)];
}

// RFC 7946 structure: types, coordinate nesting, numbers, closed rings.
export function checkGeometry(g, where) {
  const pos = (p) => Array.isArray(p) && p.length >= 2 && p.every((v) => typeof v === 'number' && Number.isFinite(v))
    && p[0] >= -180 && p[0] <= 180 && p[1] >= -90 && p[1] <= 90;
  const line = (l, min) => Array.isArray(l) && l.length >= min && l.every(pos);
  const ring = (r) => line(r, 4) && r[0][0] === r[r.length - 1][0] && r[0][1] === r[r.length - 1][1];
  const poly = (p) => Array.isArray(p) && p.length >= 1 && p.every(ring);
  const ok = {
    Point: () => pos(g.coordinates),
    MultiPoint: () => Array.isArray(g.coordinates) && g.coordinates.every(pos),
    LineString: () => line(g.coordinates, 2),
    MultiLineString: () => Array.isArray(g.coordinates) && g.coordinates.every((l) => line(l, 2)),
    Polygon: () => poly(g.coordinates),
    MultiPolygon: () => Array.isArray(g.coordinates) && g.coordinates.every(poly),
    GeometryCollection: () => Array.isArray(g.geometries) && g.geometries.every((x) => checkGeometry(x, where) || true),
  }[g && g.type];
  if (!ok || !ok()) throw new Error(`${where}: invalid GeoJSON geometry ${JSON.stringify(g).slice(0, 200)}`);
  return true;
}

export function checkFeatureCollection(fc, where) {
  if (fc.type !== 'FeatureCollection' || !Array.isArray(fc.features)) throw new Error(`${where}: not a FeatureCollection`);
  fc.features.forEach((f, i) => {
    if (f.type !== 'Feature' || typeof f.properties !== 'object' || !('geometry' in f)) throw new Error(`${where}: feature ${i} malformed`);
    if (f.geometry !== null) checkGeometry(f.geometry, `${where} feature ${i}`);
  });
}

let failures = 0, passes = 0;
export function check(cond, what) {
  if (cond) { passes++; console.log(`ok - ${what}`); } else { failures++; console.log(`not ok - ${what}`); }
}
export function done() {
  console.log(`# ${passes} passed, ${failures} failed`);
  process.exit(failures ? 1 : 0);
}
