// Browser test of the viewer: Debian's chromium driven by playwright-core.
// Loads "/", waits for the tiles, checks that none failed, opens the side panel
// of a district and a source popup (from the panel and by clicking the map),
// and saves screenshots under the build folder.
import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { check, done, json, psql, sleep } from './lib.mjs';

const require = createRequire(path.join(process.env.RISKMAP_SRC, 'web', 'package.json'));
const { chromium } = require('playwright-core');
const BASE = process.env.RISKMAP_BASE_URL;
const OUT = process.env.RISKMAP_OUT_DIR;
const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'riskmap-chromium-'));

// A fresh --user-data-dir (playwright passes the folder as that flag).
const browser = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.RISKMAP_CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  viewport: { width: 1280, height: 800 },
  deviceScaleFactor: 2,
});
let status = 0;
try {
  const page = browser.pages()[0] || await browser.newPage();
  const failedTiles = [], external = [], consoleErrors = [];
  let tileResponses = 0;
  page.on('response', (r) => {
    if (!r.url().includes('/tiles/')) return;
    tileResponses++;
    if (r.status() >= 400) failedTiles.push(`${r.status()} ${r.url()}`);
  });
  // Leaflet aborts the tiles of a view it leaves (net::ERR_ABORTED): not a failure.
  page.on('requestfailed', (r) => {
    if (r.url().includes('/tiles/') && !/ERR_ABORTED/.test(r.failure()?.errorText || '')) failedTiles.push(`failed ${r.url()} ${r.failure()?.errorText}`);
  });
  page.on('request', (r) => { if (!r.url().startsWith(BASE) && !r.url().startsWith('data:')) external.push(r.url()); });
  page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
  page.on('pageerror', (e) => consoleErrors.push(String(e)));

  await page.goto(`${BASE}/`, { waitUntil: 'load' });
  await page.waitForFunction(() => window.__riskmap && window.__riskmap.ready, null, { timeout: 20000 });
  // all tiles of the view loaded (Leaflet marks them), none left loading
  await page.waitForFunction(() => {
    const tiles = document.querySelectorAll('.leaflet-tile');
    return tiles.length > 0 && [...tiles].every((t) => t.classList.contains('leaflet-tile-loaded') && t.complete);
  }, null, { timeout: 30000 });
  const info = await page.evaluate(() => ({
    loaded: document.querySelectorAll('.leaflet-tile-loaded').length,
    errors: window.__riskmap.tileErrors,
    srcs: [...document.querySelectorAll('.leaflet-tile')].map((t) => t.src),
    broken: [...document.querySelectorAll('img.leaflet-tile')].filter((t) => t.naturalWidth === 0).length,
  }));
  check(info.loaded > 0, `tiles loaded (${info.loaded})`);
  check(info.errors === 0 && info.broken === 0 && failedTiles.length === 0, `no tile failed (${info.errors} errors, ${info.broken} broken, ${failedTiles.join(' ')})`);
  check(info.srcs.every((s) => /@2x\.png$/.test(s)), `retina tiles ({r} → @2x) at deviceScaleFactor 2 (${info.srcs[0]})`);
  check(await page.locator('#legend').isVisible(), 'legend shown');
  check((await page.locator('#legend').innerText()).includes('#7F0000'), 'legend explains the #7F0000 cross-hatch');
  check(await page.locator('.leaflet-control-layers-base input').count() === 3, 'layer switch with three styles');
  check(await page.locator('.leaflet-control-layers-overlays input').count() === 1, 'a compliance overlay in the layer switch');

  // side panel of a district
  await page.selectOption('#district', '500103');
  await page.waitForFunction(() => window.__riskmap.panelLoaded === '500103', null, { timeout: 10000 });
  const items = page.locator('#uncovered .uncovered-item');
  const n = await items.count();
  check(n >= 2, `panel lists the uncovered sources of 渝中区 (${n})`);
  check((await items.first().innerText()).includes('本年度未安排演练'), 'panel shows the reasons');
  const firstItem = await items.first().innerText();
  check(firstItem.includes('危险化学品') && !firstItem.includes('hazardous_chemicals'),
        `categories by their Chinese names from web/labels.js (${firstItem.replace(/\s+/g, ' ')})`);
  check((await page.title()).startsWith('重庆市') && (await page.locator('#city-title').innerText()).includes('重庆市'),
        `the city's name from the districts' parent_code and the dictionary (${await page.title()})`);
  await page.waitForFunction(() => [...document.querySelectorAll('.leaflet-tile')].every((t) => t.classList.contains('leaflet-tile-loaded')), null, { timeout: 30000 });

  // popup from the panel
  await items.first().click();
  await page.locator('.leaflet-popup .source-popup').last().waitFor({ timeout: 10000 });
  const popupText = await page.locator('.leaflet-popup .source-popup').last().innerText();
  check(popupText.includes('解放碑加油站') && popupText.includes('应急预案') && popupText.includes('本年度演练'), 'popup from the panel with plan and drill status');
  await page.waitForFunction(() => [...document.querySelectorAll('.leaflet-tile')].every((t) => t.classList.contains('leaflet-tile-loaded')), null, { timeout: 30000 });
  await page.waitForTimeout(400); // the popup's fade-in
  await page.screenshot({ path: path.join(OUT, 'viewer.png') });

  // popup by clicking the map on a source
  await page.evaluate(() => window.__riskmap.map.closePopup());
  const pt = await page.evaluate(() => {
    const m = window.__riskmap.map;
    m.setView([29.550, 106.535], 15, { animate: false });
    const p = m.latLngToContainerPoint([29.550, 106.535]);
    const r = m.getContainer().getBoundingClientRect();
    return { x: r.left + p.x + 3, y: r.top + p.y + 2 };
  });
  await page.mouse.click(pt.x, pt.y);
  await page.locator('.leaflet-popup .source-popup[data-source-id="2"]').waitFor({ timeout: 10000 }).catch(() => {});
  const clicked = await page.locator('.leaflet-popup .source-popup').last().getAttribute('data-source-id');
  check(clicked === '2', `click on the map opens the nearest source's popup (${clicked})`);
  await page.waitForFunction(() => [...document.querySelectorAll('.leaflet-tile')].every((t) => t.classList.contains('leaflet-tile-loaded')), null, { timeout: 30000 });
  await page.waitForTimeout(400);
  await page.screenshot({ path: path.join(OUT, 'viewer-click.png') });

  // live map: a committed change makes the viewer reload its tiles by itself
  const before = tileResponses;
  psql('update riskmap.risk_source set risk_level = 1 where id = 2');
  const t0 = Date.now();
  while (tileResponses === before && Date.now() - t0 < 8000) await sleep(100);
  check(tileResponses > before, `the viewer reloads its tiles after a change (${Date.now() - t0} ms)`);
  await page.waitForFunction(() => [...document.querySelectorAll('.leaflet-tile')].every((t) => t.classList.contains('leaflet-tile-loaded')), null, { timeout: 30000 });

  // the compliance overlay (supervision view): district polygons coloured by
  // quota, a popup with the counts, the departments in the side panel
  {
    const api = (await json('/api/compliance')).json;
    const withGeom = api.features.filter((f) => f.geometry);
    await page.evaluate(() => window.__riskmap.map.closePopup());
    await page.locator('.leaflet-control-layers-overlays label', { hasText: 'Compliance' }).click();
    await page.waitForFunction(() => window.__riskmap.complianceLoaded > 0, null, { timeout: 10000 });
    await page.evaluate(() => window.__riskmap.map.setView([29.60, 106.60], 12, { animate: false }));
    const paths = await page.$$eval('.leaflet-overlay-pane svg path.leaflet-interactive', (ps) => ps.map((p) => ({
      d: (p.getAttribute('d') || '').length, stroke: p.getAttribute('stroke'), dash: p.getAttribute('stroke-dasharray') })));
    check(paths.length === withGeom.length && paths.every((p) => p.d > 10), `one SVG path per district (${paths.length}/${withGeom.length})`);
    const colours = new Set(paths.map((p) => p.stroke));
    const anyMet = api.features.some((f) => f.properties.quota_met), anyUnmet = api.features.some((f) => !f.properties.quota_met);
    check((!anyMet || colours.has('#1a7f37')) && (!anyUnmet || colours.has('#d7191c')), `met green, unmet red (${[...colours]})`);
    check((await page.locator('#legend').innerText()).includes('演练达标'), 'legend explains the compliance colours');
    const depts = page.locator('#departments .dept-item');
    check(await page.locator('#compliance-panel').isVisible() && await depts.count() === api.departments.length,
      `side panel lists the departments (${await depts.count()}/${api.departments.length})`);
    const yjj = api.departments.find((d) => d.code === 'yjj');
    if (yjj) {
      const t = await page.locator('#departments .dept-item[data-code="yjj"]').innerText();
      check(t.includes('市应急管理局') && t.includes(yjj.quota_met ? '达标' : '未达标') && t.includes(`专项 ${yjj.special}/${yjj.required_special}`),
        `department entry with status and counts (${t.replace(/\s+/g, ' ')})`);
    }
    // a click inside 渝中区, away from its sources, opens the district's figures
    await page.waitForFunction(() => [...document.querySelectorAll('.leaflet-tile')].every((t) => t.classList.contains('leaflet-tile-loaded')), null, { timeout: 30000 });
    const at = await page.evaluate(() => {
      const m = window.__riskmap.map;
      const p = m.latLngToContainerPoint([29.575, 106.51]);
      const r = m.getContainer().getBoundingClientRect();
      return { x: r.left + p.x, y: r.top + p.y };
    });
    await page.mouse.click(at.x, at.y);
    await page.locator('.leaflet-popup .compliance-popup[data-code="500103"]').waitFor({ timeout: 10000 }).catch(() => {});
    const yz = api.features.find((f) => f.id === '500103').properties;
    const popup = page.locator('.leaflet-popup .compliance-popup[data-code="500103"]');
    const text = (await popup.count()) ? await popup.innerText() : '';
    check(text.includes('渝中区') && text.includes(`${yz.comprehensive} / 应 ≥ ${yz.required_comprehensive}`)
      && text.includes(`${yz.special} / 应 ≥ ${yz.required_special}`) && text.includes(`${yz.materials_overdue} 次重点演练`)
      && text.includes(`未完成 ${yz.open_actions}，其中逾期 ${yz.overdue_actions}`) && text.includes(yz.overall_plan_filed ? '已备案' : '未备案'),
      `district popup with the counts of /api/compliance (${text.replace(/\s+/g, ' ')})`);
    await page.waitForTimeout(400);
    await page.screenshot({ path: path.join(OUT, 'viewer-compliance.png') });
    // off again: polygons and the department list go
    await page.evaluate(() => window.__riskmap.map.closePopup());
    await page.locator('.leaflet-control-layers-overlays label', { hasText: 'Compliance' }).click();
    check(await page.locator('.leaflet-overlay-pane svg path.leaflet-interactive').count() === 0 && !(await page.locator('#compliance-panel').isVisible()),
      'switching the overlay off removes the polygons and the department list');
  }

  // the evacuation style
  await page.locator('.leaflet-control-layers-base label', { hasText: 'Evacuation' }).click();
  await page.waitForFunction(() => {
    const t = [...document.querySelectorAll('.leaflet-tile')];
    return t.length > 0 && t.every((x) => x.classList.contains('leaflet-tile-loaded')) && t.some((x) => x.src.includes('/evacuation/'));
  }, null, { timeout: 30000 });
  check((await page.locator('#legend').innerText()).includes('避难场所服务范围'), 'legend follows the layer switch');
  check(failedTiles.length === 0 && (await page.evaluate(() => window.__riskmap.tileErrors)) === 0, 'still no failed tile');
  // the clearance style: zones by the check against the plan's promise, and
  // the popup's evacuation section (GET api/clearance)
  await page.locator('.leaflet-control-layers-base label', { hasText: 'Clearance' }).click();
  await page.evaluate(() => window.__riskmap.map.setView([29.5577, 106.5700], 14, { animate: false }));
  await page.waitForFunction(() => {
    const t = [...document.querySelectorAll('.leaflet-tile')];
    return t.length > 0 && t.every((x) => x.classList.contains('leaflet-tile-loaded')) && t.some((x) => x.src.includes('/clearance/'));
  }, null, { timeout: 30000 });
  const legendText = await page.locator('#legend').innerText();
  check(legendText.includes('预案承诺时间内无法完成转移') && legendText.includes('瓶颈路段'), 'legend of the clearance style');
  const cl = (await json('/api/clearance?id=1')).json;
  check(cl.properties.meets_plan === false && cl.properties.plan_limit_s === 3600 && Math.round(cl.properties.unserved) === 15000,
    `api/clearance: fails the 60-minute promise, 15000 unserved (${JSON.stringify(cl.properties)})`);
  const zonePx = await page.evaluate(() => {
    const m = window.__riskmap.map, p = m.latLngToContainerPoint([29.5577, 106.5775]), r = m.getContainer().getBoundingClientRect();
    return { x: r.left + p.x + 2, y: r.top + p.y + 2 };
  });
  await page.mouse.click(zonePx.x, zonePx.y);
  await page.locator('.leaflet-popup .source-popup[data-source-id="1"] .clearance-verdict').waitFor({ timeout: 15000 }).catch(() => {});
  const clText = await page.locator('.leaflet-popup .source-popup[data-source-id="1"] .clearance').innerText().catch(() => '');
  check(clText.includes('预案承诺时间内无法完成转移') && clText.includes('60 分钟') && clText.includes('15000 人'),
    `popup with clearance time, promise and people unserved (${clText.replace(/\s+/g, ' ')})`);
  await page.waitForTimeout(400);
  await page.screenshot({ path: path.join(OUT, 'viewer-clearance.png') });
  check(failedTiles.length === 0 && (await page.evaluate(() => window.__riskmap.tileErrors)) === 0, 'no failed clearance tile');

  check(external.length === 0, `nothing fetched from outside the server (${external.slice(0, 3).join(' ')})`);
  check(consoleErrors.length === 0, `no console errors (${consoleErrors.slice(0, 3).join(' | ')})`);
  console.log(`# screenshots: ${path.join(OUT, 'viewer.png')} ${path.join(OUT, 'viewer-click.png')} ${path.join(OUT, 'viewer-compliance.png')} ${path.join(OUT, 'viewer-clearance.png')}`);

  // the vector view: MapLibre GL on /mvt tiles, reached by the header switch
  {
    const mvtFailed = [];
    page.on('response', (r) => { if (r.url().includes('/mvt/') && r.status() >= 400) mvtFailed.push(`${r.status()} ${r.url()}`); });
    await page.locator('#view-switch').click();
    await page.waitForURL(/vector\.html/);
    await page.waitForFunction(() => window.__riskmapVector && (window.__riskmapVector.ready || window.__riskmapVector.error), null, { timeout: 30000 });
    check(!(await page.evaluate(() => window.__riskmapVector.error)), `vector view loaded (${await page.evaluate(() => window.__riskmapVector.error || 'ok')})`);
    // MapLibre has drawn features of every layer it got (queried from the GPU-side index)
    await page.waitForFunction(() => window.__riskmapVector.map.areTilesLoaded() && window.__riskmapVector.map.queryRenderedFeatures({ layers: ['sources'] }).length > 0, null, { timeout: 30000 });
    const drawn = await page.evaluate(() => {
      const m = window.__riskmapVector.map, n = {};
      for (const l of ['districts', 'zones', 'undrilled', 'sources', 'shelters']) n[l] = m.queryRenderedFeatures({ layers: [l] }).map((f) => f.id);
      return n;
    });
    const ids = psql('select id from riskmap.risk_source order by id').trim().split('\n').map(Number);
    check(drawn.sources.length > 0 && drawn.sources.every((id) => ids.includes(id)), `MapLibre draws the sources with their ids (${[...new Set(drawn.sources)].join(',')})`);
    check(drawn.districts.length > 0 && drawn.shelters.length > 0 && drawn.zones.length > 0 && drawn.undrilled.length > 0,
      `and districts, shelters, zones, undrilled zones (${Object.entries(drawn).map(([k, v]) => `${k} ${v.length}`).join(', ')})`);
    check(mvtFailed.length === 0, `no vector tile failed (${mvtFailed.join(' ')})`);
    const legend = await page.locator('#vlegend').innerText();
    check(legend.includes('#7F0000') && legend.includes('Ⅰ级 特别重大') && legend.includes('避难场所'), 'the same legend entries (levels, #7F0000 hatch, shelters)');
    // a click on source 1 opens its popup with plans and drills
    const at = await page.evaluate(() => {
      const m = window.__riskmapVector.map;
      m.jumpTo({ center: [106.5775, 29.5577], zoom: 14 });
      return null;
    });
    await page.waitForFunction(() => window.__riskmapVector.map.areTilesLoaded() && window.__riskmapVector.map.queryRenderedFeatures({ layers: ['sources'] }).some((f) => f.id === 1), null, { timeout: 30000 });
    const pt = await page.evaluate(() => {
      const m = window.__riskmapVector.map, p = m.project([106.5775, 29.5577]), r = m.getContainer().getBoundingClientRect();
      return { x: r.left + p.x, y: r.top + p.y };
    });
    await page.mouse.click(pt.x, pt.y);
    await page.locator('.maplibregl-popup .source-popup[data-source-id="1"]').waitFor({ timeout: 10000 }).catch(() => {});
    const pop = page.locator('.maplibregl-popup .source-popup[data-source-id="1"]');
    const ptext = (await pop.count()) ? await pop.innerText() : '';
    check(ptext.includes('解放碑加油站') && ptext.includes('危险化学品') && !ptext.includes('hazardous_chemicals') && ptext.includes('应急预案') && ptext.includes('本年度演练'), `vector popup of source 1 with its category's Chinese name, plans and drills (${ptext.replace(/\s+/g, ' ').slice(0, 120)})`);
    await page.screenshot({ path: path.join(OUT, 'viewer-vector.png') });
    check(external.length === 0, `vector view: nothing fetched from outside the server (${external.slice(0, 3).join(' ')})`);
    check(consoleErrors.length === 0, `vector view: no console errors (${consoleErrors.slice(0, 3).join(' | ')})`);
    console.log(`# screenshot: ${path.join(OUT, 'viewer-vector.png')}`);
  }
} catch (e) {
  console.log(`not ok - browser test threw: ${e.stack || e}`);
  status = 1;
} finally {
  await browser.close();
  fs.rmSync(profile, { recursive: true, force: true });
}
if (status) process.exit(status);
done();
