// HTTP tests of riskmap-tiles over real HTTP against the fixture database.
import { spawn, spawnSync } from 'node:child_process';
import { request, json, psql, pgCtl, sleep, lonLatToTile, checkFeatureCollection, checkGeometry, check, done } from './lib.mjs';

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const isPng = (b) => b.length >= 8 && b.subarray(0, 8).equals(PNG);
const health = async () => (await json('/health')).json;

// --- health
{
  const r = await json('/health');
  check(r.status === 200 && r.json.db === 'up' && r.json.status === 'ok', `/health 200 db up (${r.status} ${JSON.stringify(r.json)})`);
  check(/application\/json/.test(r.headers['content-type']), '/health is JSON');
}

// --- tiles, ETag, 304
const Z = 14;
const [tx, ty] = lonLatToTile(106.5775, 29.5577, Z); // source 1, level 1, no drill
const tilePath = `/tiles/risk/${Z}/${tx}/${ty}.png`;
// wait until the invalidation feed is live (tiles are cached only then)
for (let i = 0; i < 50 && (await health()).invalidation !== 'live'; i++) await sleep(100);
let first;
{
  const r = await request(tilePath);
  first = r;
  check(r.status === 200, `GET ${tilePath} 200 (${r.status} ${r.body.toString().slice(0, 120)})`);
  check(isPng(r.body), 'tile starts with the PNG magic');
  check(r.headers['content-type'] === 'image/png', 'Content-Type image/png');
  check(/^"[0-9a-f]{32}"$/.test(r.headers.etag || ''), `strong ETag (${r.headers.etag})`);
  check(!!r.headers['cache-control'], `Cache-Control (${r.headers['cache-control']})`);
  const again = await request(tilePath);
  check(again.status === 200 && again.headers.etag === r.headers.etag && again.body.equals(r.body), 'second GET: same bytes and ETag');
  const nm = await request(tilePath, { headers: { 'If-None-Match': r.headers.etag } });
  check(nm.status === 304 && nm.body.length === 0 && nm.headers.etag === r.headers.etag, `If-None-Match → 304 (${nm.status})`);
  const weak = await request(tilePath, { headers: { 'If-None-Match': `"x", W/${r.headers.etag}` } });
  check(weak.status === 304, 'If-None-Match list with a weak tag → 304');
  const other = await request(tilePath, { headers: { 'If-None-Match': '"0123"' } });
  check(other.status === 200 && isPng(other.body), 'other ETag → 200');
  const head = await request(tilePath, { method: 'HEAD' });
  check(head.status === 200 && head.body.length === 0 && head.headers.etag === r.headers.etag, 'HEAD → 200 without body');
  const retina = await request(`/tiles/risk/${Z}/${tx}/${ty}@2x.png`);
  check(retina.status === 200 && isPng(retina.body) && retina.headers.etag !== r.headers.etag, '@2x → 200, its own PNG');
  const evac = await request(`/tiles/evacuation/${Z}/${tx}/${ty}.png`);
  check(evac.status === 200 && isPng(evac.body), 'evacuation style → 200');
  const empty = await request('/tiles/risk/3/0/0.png');
  check(empty.status === 200 && isPng(empty.body), 'a tile with nothing on it is a PNG');
}

// --- malformed and unknown
for (const p of ['/tiles/risk/99/1/1.png', '/tiles/risk/a/b/c.png', '/tiles/risk/1/2/0.png', '/tiles/risk/1/0/5.png',
  '/tiles/risk/0/0/0@3x.png', '/tiles/risk/0/0/0@2.png', '/tiles/risk/-1/0/0.png', '/tiles/risk/23/0/0.png',
  '/tiles/risk/1/0/0@0.5x.png', '/api/uncovered?district=999999', "/api/uncovered?district=500103'%3Bselect%201",
  '/api/uncovered?district=500103&as_of=2026-02-30x', '/api/source?lon=abc&lat=29', '/api/source?lon=200&lat=29',
  '/api/source?lat=29', '/api/source?lon=106.5&lat=29.5&max_m=-1',
  '/api/compliance?year=abc', '/api/compliance?year=20261', '/api/compliance?year=1800', '/api/compliance?year=2026x',
  '/api/compliance?year=-2026', "/api/compliance?year=2026'", '/api/compliance?as_of=2026-13-01',
  '/api/compliance?as_of=2026-02-30', '/api/compliance?year=2026&as_of=tomorrow']) {
  const r = await request(p);
  check(r.status === 400, `${p} → 400 (${r.status})`);
  check(/application\/json/.test(r.headers['content-type'] || '') && JSON.parse(r.body).error, `${p}: JSON error body`);
}
for (const p of ['/tiles/nosuch/1/0/0.png', '/tiles/nosuch.json', '/tiles/risk/1/0/0.jpg', '/tiles/risk/1/0/0',
  '/tiles', '/nope', '/api/nope', '/api', '/health/x', '/tiles/RISK/1/0/0.png']) {
  const r = await request(p);
  check(r.status === 404, `${p} → 404 (${r.status})`);
}
// path traversal: sent byte for byte (node does not normalise request paths)
for (const p of ['/../../etc/passwd', '/%2e%2e/%2e%2e/etc/passwd', '/..%2f..%2fetc%2fpasswd', '/%2e%2e%2f%2e%2e%2fetc%2fpasswd',
  '/leaflet/../../package.json', '/leaflet/%2e%2e/%2e%2e/package.json', '/leaflet/..%2F..%2F..%2F..%2Fetc%2Fpasswd',
  '/node_modules/leaflet/package.json', '/package.json', '/.gitignore', '/./index.html', '/static/../../../etc/passwd',
  '/index.html%00.png', '/%00', '/leaflet/', '//etc/passwd', '/tiles/../../etc/passwd', '/\\..\\..\\etc\\passwd']) {
  const r = await request(p);
  const body = r.body.toString('utf8');
  check(r.status >= 400 && r.status < 500 && !body.includes('root:') && !body.includes('"dependencies"'), `traversal ${p} → ${r.status}`);
}
{
  const r = await request('/health', { method: 'POST' });
  check(r.status === 405, `POST → 405 (${r.status})`);
  const d = await request('/tiles/risk/0/0/0.png', { method: 'DELETE' });
  check(d.status === 405, `DELETE → 405 (${d.status})`);
}
// raw bytes that are not (quite) HTTP: whatever libmicrohttpd answers, never a crash
{
  const net = await import('node:net');
  const raw = (bytes) => new Promise((resolve) => {
    const sock = net.connect(Number(new URL(process.env.RISKMAP_BASE_URL).port), '127.0.0.1');
    let got = '';
    sock.on('data', (d) => { got += d.toString('latin1'); });
    sock.on('error', () => resolve(got));
    sock.on('close', () => resolve(got));
    sock.setTimeout(3000, () => { sock.destroy(); resolve(got); });
    sock.end(bytes);
  });
  const status = (s) => (/^HTTP\/1\.[01] (\d{3})/.exec(s) || [])[1] || 'closed';
  const cases = {
    garbage: Buffer.from([0, 1, 2, 255, 13, 10, 13, 10]),
    'absolute-form': 'GET http://evil/../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n',
    'long URL': `GET /tiles/risk/${'9'.repeat(70000)}.png HTTP/1.1\r\nHost: x\r\n\r\n`,
    'many headers': 'GET /health HTTP/1.1\r\n' + Array.from({ length: 3000 }, (_, i) => `X-H${i}: ${'v'.repeat(20)}\r\n`).join('') + '\r\n',
    'no version': 'GET /health\r\n\r\n',
    'tab and NUL in path': 'GET /tiles/risk/1/0/\t\x000.png HTTP/1.1\r\nHost: x\r\n\r\n',
    'HTTP/1.0 keep-alive': 'GET /tiles/risk/0/0/0.png HTTP/1.0\r\n\r\n',
  };
  for (const [name, bytes] of Object.entries(cases)) {
    const got = await raw(bytes);
    const st = status(got);
    check(!got.includes('root:') && (st === 'closed' || /^[2-5]\d\d$/.test(st)), `raw ${name} → ${st}`);
    check((await request('/health')).status === 200, `alive after raw ${name}`);
  }
}

// the server is still alive after all that
check((await request('/health')).status === 200, 'server alive after malformed requests');

// --- viewer and Leaflet served locally
{
  const r = await request('/');
  check(r.status === 200 && /text\/html/.test(r.headers['content-type']) && r.body.toString().includes('leaflet'), 'GET / → viewer');
  const l = await request('/leaflet/leaflet.js');
  check(l.status === 200 && /javascript/.test(l.headers['content-type']) && l.body.length > 100000, 'GET /leaflet/leaflet.js');
  const css = await request('/leaflet/leaflet.css');
  check(css.status === 200 && /text\/css/.test(css.headers['content-type']), 'GET /leaflet/leaflet.css');
  const v = await request('/viewer.js');
  check(v.status === 200, 'GET /viewer.js');
}

// --- TileJSON
for (const style of ['risk', 'evacuation']) {
  const r = await json(`/tiles/${style}.json`);
  const t = r.json;
  check(r.status === 200 && t.tilejson === '3.0.0', `${style}.json: tilejson 3.0.0`);
  check(Array.isArray(t.tiles) && t.tiles.length === 1 && t.tiles[0] === `${process.env.RISKMAP_BASE_URL}/tiles/${style}/{z}/{x}/{y}.png`, `${style}.json: tiles ${t.tiles}`);
  check(Number.isInteger(t.minzoom) && Number.isInteger(t.maxzoom) && t.minzoom <= t.maxzoom && t.maxzoom <= 22, `${style}.json: zoom range`);
  check(Array.isArray(t.bounds) && t.bounds.length === 4 && Math.abs(t.bounds[0] - 106.45) < 1e-6 && Math.abs(t.bounds[1] - 29.53) < 1e-6
    && Math.abs(t.bounds[2] - 106.90) < 1e-6 && Math.abs(t.bounds[3] - 30.00) < 1e-6, `${style}.json: bounds of the district table ${t.bounds}`);
  check(typeof t.attribution === 'string' && t.attribution.length > 0, `${style}.json: attribution`);
  check(Array.isArray(t.center) && t.center.length === 3, `${style}.json: center`);
}

// --- GeoJSON API
{
  const r = await json('/api/uncovered?district=500103');
  check(r.status === 200, `/api/uncovered?district=500103 → 200 (${r.status})`);
  checkFeatureCollection(r.json, '/api/uncovered');
  const fs = r.json.features;
  const expected = psql("select string_agg(distinct source_id::text, ',' order by source_id::text) from riskmap.uncovered_sources('500103')");
  check(fs.map((f) => String(f.properties.source_id)).sort().join(',') === expected, `uncovered sources ${fs.map((f) => f.properties.source_id)} = ${expected}`);
  const ok = fs.every((f) => typeof f.properties.name === 'string' && f.properties.district_code === '500103'
    && [1, 2, 3, 4].includes(f.properties.risk_level) && Array.isArray(f.properties.reasons) && f.properties.reasons.length > 0);
  check(ok, 'features have source_id, name, district_code, risk_level, reasons');
  const s1 = fs.find((f) => f.properties.source_id === 1);
  check(s1 && s1.properties.reasons.includes('no_drill') && s1.properties.reasons.includes('plan_not_in_force')
    && s1.geometry.type === 'Point' && Math.abs(s1.geometry.coordinates[0] - 106.5775) < 1e-6, `source 1: ${JSON.stringify(s1 && s1.properties)}`);
  const all = await json('/api/uncovered');
  check(all.status === 200 && all.json.features.length >= fs.length, '/api/uncovered without district: the whole city');
}
{
  const r = await json('/api/districts');
  check(r.status === 200, '/api/districts → 200');
  checkFeatureCollection(r.json, '/api/districts');
  const d = r.json.features.find((f) => f.id === '500103');
  check(d && d.properties.name === '渝中区' && Array.isArray(d.bbox) && d.bbox.length === 4, `/api/districts 500103 with bbox (${JSON.stringify(d)})`);
}
{
  const r = await json('/api/styles');
  check(r.status === 200 && typeof r.json.styles === 'object', `/api/styles → 200 (${Object.keys(r.json.styles || {})})`);
}
{
  const r = await json('/api/source?lon=106.578&lat=29.5579');
  check(r.status === 200 && r.json.type === 'Feature' && r.json.id === 1, `/api/source nearest is source 1 (${r.status} ${r.json.id})`);
  checkGeometry(r.json.geometry, '/api/source');
  const p = r.json.properties;
  check(Array.isArray(p.plans) && p.plans.length === 1 && p.plans[0].code === 'YZ-HC-001' && p.plans[0].in_force === false, `source 1 plans ${JSON.stringify(p.plans)}`);
  check(Array.isArray(p.drills) && p.drills.length === 0 && p.reasons.includes('no_drill'), 'source 1: no drill this year');
  check(p.distance_m > 0 && p.distance_m < 100, `distance_m ${p.distance_m}`);
  const far = await request('/api/source?lon=106.0&lat=29.0&max_m=100');
  check(far.status === 404, `/api/source far away with max_m → 404 (${far.status})`);
}

// --- supervision: /api/compliance against riskmap.compliance and riskmap.open_actions
{
  const Y = Number(psql('select extract(year from current_date)::int'));
  const today = psql('select current_date::text');
  const FIELDS = ['code', 'name', 'comprehensive', 'special', 'required_comprehensive', 'required_special', 'quota_met',
    'materials_overdue', 'overall_plan_filed', 'open_actions', 'overdue_actions'];
  // The expected answer straight from the SQL functions, keyed by kind:code.
  const expected = (year, asOf) => {
    const rows = JSON.parse(psql(`select coalesce(json_agg(json_build_object('kind', c.org_kind, 'code', c.org_code,
        'name', c.org_name, 'comprehensive', c.comprehensive, 'special', c.special,
        'required_comprehensive', c.required_comprehensive, 'required_special', c.required_special,
        'quota_met', c.quota_met, 'materials_overdue', c.materials_overdue, 'overall_plan_filed', c.overall_plan_filed,
        'open_actions', (select count(*) from riskmap.open_actions('${asOf}') o join riskmap.drill d on d.id = o.drill_id
                         where o.org_code = c.org_code and (d.organizer_district is not null) = (c.org_kind = 'district')),
        'overdue_actions', (select count(*) from riskmap.open_actions('${asOf}') o join riskmap.drill d on d.id = o.drill_id
                         where o.org_code = c.org_code and (d.organizer_district is not null) = (c.org_kind = 'district')
                           and o.days_overdue > 0)) order by c.org_kind, c.org_code), '[]')
      from riskmap.compliance(${year}, '${asOf}') c`));
    return rows;
  };
  const same = (api, year, asOf, where) => {
    const exp = expected(year, asOf);
    const got = [...api.features.map((f) => ({ kind: 'district', ...f.properties })),
      ...api.departments.map((d) => ({ kind: 'department', ...d }))];
    const pick = (o) => JSON.stringify(['kind', ...FIELDS].map((k) => o[k]));
    const a = got.map(pick).sort(), b = exp.map(pick).sort();
    check(a.length === b.length && a.every((x, i) => x === b[i]), `${where}: rows equal riskmap.compliance(${year}, ${asOf}) + open_actions (${a.length} rows)${a.join() === b.join() ? '' : `\n# got ${a.join(' ')}\n# want ${b.join(' ')}`}`);
  };

  const r = await json('/api/compliance');
  check(r.status === 200 && /application\/json/.test(r.headers['content-type']), `/api/compliance → 200 JSON (${r.status})`);
  checkFeatureCollection(r.json, '/api/compliance');
  check(r.json.year === Y && r.json.as_of === today, `defaults: year ${r.json.year} = ${Y}, as_of ${r.json.as_of} = ${today}`);
  const nd = Number(psql('select count(*) from riskmap.district')), np = Number(psql('select count(*) from riskmap.department'));
  check(r.json.features.length === nd && Array.isArray(r.json.departments) && r.json.departments.length === np,
    `one feature per district (${r.json.features.length}/${nd}), one entry per department (${r.json.departments && r.json.departments.length}/${np})`);
  check(r.json.features.every((f) => f.id === f.properties.code && ['Polygon', 'MultiPolygon'].includes(f.geometry && f.geometry.type)),
    'district features: id = code, polygon geometry');
  const yz = r.json.features.find((f) => f.id === '500103');
  const ring = yz && (yz.geometry.type === 'Polygon' ? yz.geometry.coordinates[0] : yz.geometry.coordinates[0][0]);
  const xs = ring ? ring.map((p) => p[0]) : [], ys = ring ? ring.map((p) => p[1]) : [];
  check(ring && Math.abs(Math.min(...xs) - 106.50) < 1e-4 && Math.abs(Math.max(...xs) - 106.60) < 1e-4
    && Math.abs(Math.min(...ys) - 29.53) < 1e-4 && Math.abs(Math.max(...ys) - 29.58) < 1e-4, '500103 geometry is the district polygon');
  check(r.json.departments.every((d) => FIELDS.every((k) => k in d)) && r.json.features.every((f) => FIELDS.every((k) => k in f.properties)),
    'every entry has code, name, counts, requirements, quota_met, materials_overdue, overall_plan_filed, open/overdue actions');
  same(r.json, Y, today, '/api/compliance');
  check(r.json.summary && r.json.summary.districts === nd
    && r.json.summary.districts_quota_met === r.json.features.filter((f) => f.properties.quota_met).length, `summary ${JSON.stringify(r.json.summary)}`);

  // a date whose answer is known (the fixture's drills, materials and actions)
  const asOf = `${Y}-12-31`;
  const k = await json(`/api/compliance?year=${Y}&as_of=${asOf}`);
  check(k.status === 200 && k.json.year === Y && k.json.as_of === asOf, `/api/compliance?year=${Y}&as_of=${asOf} → 200`);
  same(k.json, Y, asOf, `year=${Y}&as_of=${asOf}`);
  const by = (code) => k.json.features.find((f) => f.id === code)?.properties || k.json.departments.find((d) => d.code === code);
  const want = {
    500103: [1, 2, 1, 2, true, 1, true, 2, 1], 500112: [0, 1, 1, 2, false, 0, false, 0, 0],
    yjj: [1, 1, 0, 1, true, 0, null, 1, 1], slj: [0, 0, 0, 1, false, 0, null, 0, 0],
  };
  for (const [code, w] of Object.entries(want)) {
    const p = by(code) || {};
    const got = ['comprehensive', 'special', 'required_comprehensive', 'required_special', 'quota_met', 'materials_overdue',
      'overall_plan_filed', 'open_actions', 'overdue_actions'].map((f) => p[f]);
    check(JSON.stringify(got) === JSON.stringify(w), `${code} as of ${asOf}: ${JSON.stringify(got)} = ${JSON.stringify(w)}`);
  }
  // last year: nothing planned, nothing met; before the actions were due: none overdue
  const last = await json(`/api/compliance?year=${Y - 1}&as_of=${Y - 1}-12-31`);
  check(last.status === 200 && last.json.features.every((f) => f.properties.comprehensive === 0 && f.properties.special === 0 && !f.properties.quota_met),
    `year=${Y - 1}: no drills, no quota met`);
  same(last.json, Y - 1, `${Y - 1}-12-31`, `year=${Y - 1}`);
  const early = await json(`/api/compliance?year=${Y}&as_of=${Y}-03-20`);
  same(early.json, Y, `${Y}-03-20`, `as_of=${Y}-03-20`);
  const e103 = early.json.features.find((f) => f.id === '500103').properties;
  check(e103.materials_overdue === 0 && e103.overdue_actions === 0 && e103.open_actions === 3,
    `as of ${Y}-03-20 materials not yet due, 3 actions open, none overdue (${e103.materials_overdue}, ${e103.open_actions}, ${e103.overdue_actions})`);
  const onlyAsOf = await json(`/api/compliance?as_of=${Y - 1}-06-30`);
  check(onlyAsOf.status === 200 && onlyAsOf.json.year === Y - 1, `as_of alone: the year of as_of (${onlyAsOf.json.year})`);
  // a change shows at once (computed per request, no cache)
  psql(`insert into riskmap.drill (id, year, title, drill_class, organizer_department, scheduled_on, status) overriding system value
        values (106, ${Y}, '市水利局防汛专项演练', 'special', 'slj', make_date(${Y}, 12, 20), 'planned')`);
  const slj = (await json(`/api/compliance?year=${Y}&as_of=${asOf}`)).json.departments.find((d) => d.code === 'slj');
  check(slj.special === 1 && slj.quota_met === true, `a new drill shows at once (slj special ${slj.special}, quota_met ${slj.quota_met})`);
  psql('delete from riskmap.drill where id = 106');
}

// --- invalidation: a committed change shows in the tiles it touches within a second
{
  const farPath = `/tiles/risk/${Z}/${lonLatToTile(106.85, 29.95, Z).join('/')}.png`; // source 5, far away
  const far1 = await request(farPath);
  const before = await request(tilePath);
  check(before.headers.etag === first.headers.etag, 'tile still cached before the change');
  const h0 = await health();
  const year = new Date().getFullYear();
  const t0 = Date.now();
  psql(`with d as (insert into riskmap.drill (year, title, drill_class, organizer_district, scheduled_on, status)
        values (${year}, '解放碑加油站火灾爆炸专项演练', 'special', '500103', make_date(${year}, 12, 1), 'planned') returning id)
        insert into riskmap.drill_target (drill_id, source_id) select id, 1 from d`);
  const tCommit = Date.now();
  let after, changedAt = null;
  while (Date.now() - tCommit < 1000) {
    after = await request(tilePath);
    if (after.headers.etag !== before.headers.etag) { changedAt = Date.now(); break; }
    await sleep(50);
  }
  check(changedAt !== null, `tile changed within 1 s of the commit (${changedAt ? changedAt - tCommit : '>1000'} ms; insert took ${tCommit - t0} ms)`);
  check(after && after.status === 200 && isPng(after.body) && !after.body.equals(before.body), 'new bytes after the change');
  const h1 = await health();
  check(h1.cache.notifications > h0.cache.notifications, `notification received (${h0.cache.notifications} → ${h1.cache.notifications})`);
  const hitsBefore = (await health()).cache.hits;
  const far2 = await request(farPath);
  const hitsAfter = (await health()).cache.hits;
  check(far2.headers.etag === far1.headers.etag && hitsAfter === hitsBefore + 1, 'a tile far from the change stays cached');
  // the nearest-source popup sees the drill too
  const s = await json('/api/source?lon=106.5775&lat=29.5577');
  check(s.json.properties.drills.length === 1 && !s.json.properties.reasons.includes('no_drill'), 'source 1 now has its drill');
  // one statement, one notification
  const n0 = (await health()).cache.notifications;
  psql("update riskmap.risk_source set population_exposed = coalesce(population_exposed, 0) + 1 where district_code = '500103'");
  await sleep(500);
  const n1 = (await health()).cache.notifications;
  check(n1 === n0 + 1, `an UPDATE of 3 rows sends one notification (${n1 - n0})`);
  // moving a source changes the tiles at its old and at its new place
  const [nx, ny] = lonLatToTile(106.70, 29.80, Z);
  const newPath = `/tiles/risk/${Z}/${nx}/${ny}.png`;
  const old1 = await request(tilePath), new1 = await request(newPath);
  psql('update riskmap.risk_source set geom = ST_SetSRID(ST_MakePoint(106.70, 29.80), 4326) where id = 1');
  await sleep(700);
  const old2 = await request(tilePath), new2 = await request(newPath);
  check(old2.headers.etag !== old1.headers.etag && new2.headers.etag !== new1.headers.etag, 'moving a source changes its old and its new tiles');
  psql('update riskmap.risk_source set geom = ST_SetSRID(ST_MakePoint(106.5775, 29.5577), 4326) where id = 1');
  // a rolled back change notifies nothing
  await sleep(500);
  const n2 = (await health()).cache.notifications;
  psql("begin; update riskmap.risk_source set risk_level = 4 where id = 2; rollback;");
  await sleep(300);
  check((await health()).cache.notifications === n2, 'a rolled-back change sends no notification');
}

// --- nobody but the extension's triggers drives invalidation (issue 9, item 8)
{
  psql(`do $$ begin
          if not exists (select 1 from pg_roles where rolname = 'rm_notify_spammer') then
            create role rm_notify_spammer login in role riskmap_reader;
          end if;
        end $$`);
  const asSpammer = (sql) => spawnSync('psql', ['-X', '-q', '-At', '-U', 'rm_notify_spammer', '-d', process.env.RISKMAP_TEST_DB,
    '-c', '\\set VERBOSITY sqlstate', '-c', sql], { encoding: 'utf8' });
  const farPath = `/tiles/risk/${Z}/${lonLatToTile(106.85, 29.95, Z).join('/')}.png`;
  const near1 = await request(tilePath), far1 = await request(farPath);
  const h0 = await health();
  // a reader login: 200 NOTIFYs with every payload the old feed obeyed, each its own transaction
  const payloads = ["'*'", "'-180 -90 180 90'", "'0 0 0 0 risk evacuation'", "'garbage'", "''"];
  const script = Array.from({ length: 200 }, (_, i) => `NOTIFY riskmap_tiles, ${payloads[i % payloads.length]};`).join('\n');
  const spam = spawnSync('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-U', 'rm_notify_spammer', '-d', process.env.RISKMAP_TEST_DB],
    { input: script, encoding: 'utf8' });
  check(spam.status === 0, `a reader may send 200 NOTIFY riskmap_tiles (exit ${spam.status} ${spam.stderr})`);
  const ins = asSpammer("insert into riskmap.tile_change (payload) values ('*')");
  check(/42501/.test(ins.stderr), `a reader cannot write riskmap.tile_change (${ins.stderr.trim()})`);
  const fn = asSpammer("select riskmap._notify_tiles('BOX(-180 -90,180 90)'::box2d, ' risk')");
  check(/42501/.test(fn.stderr), `a reader cannot write it through _notify_tiles either (${fn.stderr.trim()})`);
  await sleep(500);
  const h1 = await health();
  const near2 = await request(tilePath), far2 = await request(farPath);
  const h2 = await health();
  check(h1.cache.invalidated === h0.cache.invalidated && h1.cache.entries === h0.cache.entries,
    `NOTIFY spam dropped no cached tile (invalidated ${h0.cache.invalidated} → ${h1.cache.invalidated}, entries ${h0.cache.entries} → ${h1.cache.entries})`);
  check(near2.headers.etag === near1.headers.etag && far2.headers.etag === far1.headers.etag && h2.cache.hits === h1.cache.hits + 2
    && h2.cache.misses === h1.cache.misses, `tiles still served from the cache after the spam (hits ${h1.cache.hits} → ${h2.cache.hits}, misses ${h1.cache.misses} → ${h2.cache.misses})`);
  const nm = await request(tilePath, { headers: { 'If-None-Match': near1.headers.etag } });
  check(nm.status === 304, `If-None-Match with the old ETag still 304 after the spam (${nm.status})`);
  // a real change still invalidates exactly its tiles, within a second
  psql('update riskmap.risk_source set risk_level = 3 where id = 1');
  const tCommit = Date.now();
  let changedAt = null;
  while (Date.now() - tCommit < 1000) {
    if ((await request(tilePath)).headers.etag !== near1.headers.etag) { changedAt = Date.now(); break; }
    await sleep(50);
  }
  check(changedAt !== null, `after the spam a real change still shows within 1 s (${changedAt ? changedAt - tCommit : '>1000'} ms)`);
  const hb = (await health()).cache.hits;
  const far3 = await request(farPath);
  check(far3.headers.etag === far1.headers.etag && (await health()).cache.hits === hb + 1, 'and the far tile stays cached');
  psql('update riskmap.risk_source set risk_level = 1 where id = 1');
  // commit order, not insert order: a change written early and committed late
  // (after a later transaction's change was read) is still read
  await sleep(300);
  const farA = await request(farPath);
  const slow = spawn('psql', ['-X', '-q', '-d', process.env.RISKMAP_TEST_DB, '-c',
    'begin; update riskmap.risk_source set risk_level = 3 where id = 5; select pg_sleep(1.5); commit;']);
  const slowDone = new Promise((r) => slow.on('exit', r));
  await sleep(500);
  const nearA = await request(tilePath);
  psql('update riskmap.risk_source set risk_level = 2 where id = 1');
  await sleep(500);
  check((await request(tilePath)).headers.etag !== nearA.headers.etag, 'the later, quicker transaction invalidated its tile');
  check((await request(farPath)).headers.etag === farA.headers.etag, 'the slow transaction\'s tile is unchanged before it commits');
  await slowDone;
  const tSlow = Date.now();
  let slowSeen = null;
  while (Date.now() - tSlow < 1000) {
    if ((await request(farPath)).headers.etag !== farA.headers.etag) { slowSeen = Date.now(); break; }
    await sleep(50);
  }
  check(slowSeen !== null, `the slow transaction's change shows within 1 s of its commit (${slowSeen ? slowSeen - tSlow : '>1000'} ms)`);
  psql('update riskmap.risk_source set risk_level = 1 where id = 1');
  psql('update riskmap.risk_source set risk_level = 4 where id = 5');
}

// --- the database goes away and comes back
{
  const cached = await request(tilePath);
  pgCtl('stop');
  try {
    const h = await json('/health');
    check(h.status === 503 && h.json.db === 'down', `/health → 503 with the database stopped (${h.status})`);
    check(h.headers['retry-after'] === '1', 'Retry-After on 503');
    const t = await request(`/tiles/risk/${Z}/${tx + 1}/${ty + 1}.png`);
    check(t.status === 503, `uncached tile → 503 with the database stopped (${t.status})`);
    const u = await request('/api/uncovered?district=500103');
    check(u.status === 503, `/api/uncovered → 503 with the database stopped (${u.status})`);
    const c = await request(tilePath);
    check(c.status === 200 && c.headers.etag === cached.headers.etag, `a cached tile is still served while the database is down (${c.status})`);
  } finally {
    pgCtl('start');
  }
  const t0 = Date.now();
  let h;
  do { await sleep(100); h = await json('/health'); } while (h.status !== 200 && Date.now() - t0 < 15000);
  check(h.status === 200 && h.json.db === 'up', `recovers by itself after the restart (${Date.now() - t0} ms)`);
  const t = await request(`/tiles/risk/${Z}/${tx + 1}/${ty + 1}.png`);
  check(t.status === 200 && isPng(t.body), 'tiles render again after the restart');
  for (let i = 0; i < 50 && (await health()).invalidation !== 'live'; i++) await sleep(100);
  check((await health()).invalidation === 'live', 'invalidation feed live again');
  const b = await request(tilePath);
  psql('update riskmap.risk_source set risk_level = 2 where id = 1');
  await sleep(700);
  const a = await request(tilePath);
  check(a.headers.etag !== b.headers.etag, 'invalidation works after the restart');
}

done();
