/* riskmap vector view: MapLibre GL JS over GET /mvt.json (riskmap.tile_mvt:
 * layers districts, zones, undrilled, sources, shelters). Colours and the
 * legend come from the renderer's 'risk' style (GET api/styles), so the
 * vector map and the PNG tiles agree; popups as in the raster viewer (the
 * source's plans and this year's drills from GET api/source). Follows
 * changes like the raster viewer: polls /health and reloads the tiles when the
 * cache generation moves (the server has dropped exactly the changed tiles). */
import * as maplibregl from './maplibre/maplibre-gl.mjs';

const LEVEL_NAMES = { 1: 'Ⅰ级 特别重大', 2: 'Ⅱ级 重大', 3: 'Ⅲ级 较大', 4: 'Ⅳ级 一般' };
const SHELTER_KINDS = { shelter: '避难场所', hospital: '医院', fire_station: '消防站', warehouse: '物资仓库' };
// category codes -> Chinese names: the viewer's one dictionary (labels.js)
const categoryName = (c) => ((window.RISKMAP_LABELS || {}).categories || {})[c] || c || '';
const KINDS = { risk_source: '风险源', hazard_point: '隐患点' };
const PLAN_STATUS = { drafting: '起草', reviewing: '审核', approved: '已批准', published: '已发布', filed: '已备案', revising: '修订中', retired: '已废止' };
const REASONS = { no_plan: '无预案', plan_not_in_force: '预案未生效', revision_overdue: '预案逾期未修订', no_drill: '本年度未安排演练' };
// Used when the server has no styles table (the same defaults as viewer.js).
const FALLBACK = {
  impact_zones: { fill_by_level: ['#E6000055', '#FF8C0055', '#FFD7005C', '#2E7DFF40'], stroke_by_level: ['#C00000CC', '#E07000CC', '#C8A000CC', '#1E50C899'] },
  undrilled: { color: '#7F0000', max_level: 2 },
  district_borders: { color: '#4A3F6B' },
  sources: { stroke_by_level: ['#D00000', '#F07800', '#E8C000', '#2060D0'] },
  shelters: { fill: '#1A9850', symbols: { hospital: { fill: '#0072B2' }, fire_station: { fill: '#D95F02' }, warehouse: { fill: '#6A51A3' } } },
};

const state = window.__riskmapVector = { ready: false, tilesLoaded: 0, map: null, popups: 0 };

// "#RGB", "#RRGGBB", "#RRGGBBAA" (the renderer's colours) -> rgba()
function rgba(c) {
  if (!c || c[0] !== '#') return c || '#000';
  let h = c.slice(1);
  if (h.length === 3) h = h.split('').map((x) => x + x).join('');
  const n = (i) => parseInt(h.slice(i, i + 2), 16);
  return `rgba(${n(0)},${n(2)},${n(4)},${h.length === 8 ? (n(6) / 255).toFixed(3) : 1})`;
}
const byLevel = (colours) => ['match', ['get', 'level'], 1, rgba(colours[0]), 2, rgba(colours[1]), 3, rgba(colours[2]), rgba(colours[3])];
function el(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  Object.entries(attrs || {}).forEach(([k, v]) => { if (k === 'text') e.textContent = v; else e.setAttribute(k, v); });
  kids.filter((k) => k != null).forEach((k) => e.appendChild(typeof k === 'string' ? document.createTextNode(k) : k));
  return e;
}
async function getJSON(url) {
  const r = await fetch(url, { headers: { Accept: 'application/json' } });
  if (!r.ok) throw new Error(`HTTP ${r.status}`);
  return r.json();
}
// The renderer's cross-hatch: two diagonal line families, one pixel wide.
function hatchImage(colour, spacing) {
  const s = spacing, data = new Uint8Array(s * s * 4);
  const h = colour.replace('#', '');
  const rgb = [0, 2, 4].map((i) => parseInt(h.slice(i, i + 2), 16));
  for (let j = 0; j < s; j++) for (let i = 0; i < s; i++) {
    if ((i + j) % s === 0 || (i - j + s) % s === 0) data.set([...rgb, 255], (j * s + i) * 4);
  }
  return { width: s, height: s, data };
}

async function main() {
  const [tj, st] = await Promise.all([getJSON('mvt.json'), getJSON('api/styles').catch(() => ({ styles: {} }))]);
  const spec = (st.styles && st.styles.risk) || { layers: [] };
  const L = {};
  for (const k of Object.keys(FALLBACK)) L[k] = Object.assign({}, FALLBACK[k], spec.layers.find((l) => l.type === k) || {});
  const shelterFill = ['match', ['get', 'kind']];
  for (const kind of Object.keys(SHELTER_KINDS)) {
    const s = (L.shelters.symbols || {})[kind];
    shelterFill.push(kind, rgba((s && s.fill) || L.shelters.fill));
  }
  shelterFill.push(rgba(L.shelters.fill));
  const b = tj.bounds;
  const map = state.map = new maplibregl.Map({
    container: 'vmap',
    bounds: [[b[0], b[1]], [b[2], b[3]]],
    attributionControl: { compact: false, customAttribution: tj.attribution },
    style: {
      version: 8,
      sources: { riskmap: { type: 'vector', tiles: tj.tiles, minzoom: tj.minzoom, maxzoom: Math.min(tj.maxzoom, 16), bounds: b } },
      layers: [
        { id: 'background', type: 'background', paint: { 'background-color': '#f4f2ee' } },
        { id: 'zones', type: 'fill', source: 'riskmap', 'source-layer': 'zones', layout: { 'fill-sort-key': ['-', 5, ['get', 'level']] },
          paint: { 'fill-color': byLevel(L.impact_zones.fill_by_level), 'fill-outline-color': byLevel(L.impact_zones.stroke_by_level) } },
        { id: 'undrilled', type: 'fill', source: 'riskmap', 'source-layer': 'undrilled', paint: { 'fill-pattern': 'hatch' } },
        { id: 'undrilled-outline', type: 'line', source: 'riskmap', 'source-layer': 'undrilled', paint: { 'line-color': rgba(L.undrilled.color), 'line-width': 1 } },
        { id: 'districts', type: 'line', source: 'riskmap', 'source-layer': 'districts', paint: { 'line-color': rgba(L.district_borders.color), 'line-width': 1.2 } },
        { id: 'sources', type: 'circle', source: 'riskmap', 'source-layer': 'sources', layout: { 'circle-sort-key': ['-', 5, ['get', 'level']] },
          paint: { 'circle-radius': 5, 'circle-color': byLevel(L.sources.stroke_by_level), 'circle-stroke-color': '#fff', 'circle-stroke-width': 1.5 } },
        { id: 'shelters', type: 'circle', source: 'riskmap', 'source-layer': 'shelters',
          paint: { 'circle-radius': 4.5, 'circle-color': shelterFill, 'circle-stroke-color': '#fff', 'circle-stroke-width': 1.5 } },
      ],
    },
  });
  map.addImage('hatch', hatchImage(L.undrilled.color, 8));
  map.addControl(new maplibregl.NavigationControl(), 'top-left');
  map.addControl(new maplibregl.ScaleControl({ unit: 'metric' }));
  map.on('sourcedata', (e) => { if (e.sourceId === 'riskmap' && e.tile) state.tilesLoaded++; });
  map.on('error', (e) => { state.error = String(e.error && e.error.message); });

  // ---- legend (the same entries as the raster viewer's, from the same style)
  const lg = document.getElementById('vlegend');
  const row = (sw, text) => el('div', { class: 'row' }, sw, el('span', { text }));
  lg.appendChild(el('h3', { text: '风险 · Risk（矢量）' }));
  [1, 2, 3, 4].forEach((lv) => lg.appendChild(row(el('i', { style: `background:${rgba(L.impact_zones.fill_by_level[lv - 1])};border-color:${rgba(L.impact_zones.stroke_by_level[lv - 1])}` }), `${LEVEL_NAMES[lv]} 影响范围`)));
  const c = L.undrilled.color;
  lg.appendChild(row(el('i', { class: 'hatch', style: `background:repeating-linear-gradient(45deg,${c} 0 1.2px,transparent 1.2px 5px),repeating-linear-gradient(-45deg,${c} 0 1.2px,transparent 1.2px 5px);border-color:${c}` }),
    `高风险（${['', 'Ⅰ', 'Ⅰ、Ⅱ', 'Ⅰ～Ⅲ', 'Ⅰ～Ⅳ'][L.undrilled.max_level || 2]}级）本年度未安排演练（${c} 交叉阴影）`));
  lg.appendChild(row(el('i', { class: 'district', style: `border-color:${rgba(L.district_borders.color)}` }), '区县界'));
  [1, 2, 3, 4].forEach((lv) => lg.appendChild(row(el('i', { style: `width:12px;border-radius:50%;background:${rgba(L.sources.stroke_by_level[lv - 1])};border-color:#fff` }), `风险源 / 隐患点 ${LEVEL_NAMES[lv]}`)));
  Object.entries(SHELTER_KINDS).forEach(([kind, name]) => {
    const s = (L.shelters.symbols || {})[kind];
    lg.appendChild(row(el('i', { style: `width:12px;border-radius:50%;background:${rgba((s && s.fill) || L.shelters.fill)};border-color:#fff` }), name));
  });

  // ---- popups: a source (its plans and this year's drills), a zone, a shelter
  function table(rows) {
    return el('table', null, ...rows.filter((r) => r[1] != null).map(([k, v]) => el('tr', null, el('th', { text: k }), el('td', { text: String(v) }))));
  }
  async function sourcePopup(p, lngLat) {
    const box = el('div', { class: 'source-popup', 'data-source-id': String(p.id) },
      el('h3', { text: `${p.name}` }),
      table([['类型', `${KINDS[p.kind] || p.kind || ''} · ${categoryName(p.category)}`], ['等级', LEVEL_NAMES[p.level]],
        ['区县', `${p.district_name || ''} (${p.district_code})`], ['影响半径', p.impact_radius_m != null ? `${p.impact_radius_m} m` : null],
        ['暴露人口', p.population_exposed != null ? `${p.population_exposed} 人` : null], ['编号', `#${p.id}`]]));
    try {
      const f = await getJSON(`api/source?lon=${lngLat.lng.toFixed(7)}&lat=${lngLat.lat.toFixed(7)}`);
      if (f.id === p.id || f.properties.id === p.id) {
        const q = f.properties;
        box.appendChild(el('h4', { text: '应急预案（一源一事一案）' }));
        if (!q.plans.length) box.appendChild(el('div', { class: 'bad', text: '无预案' }));
        q.plans.forEach((pl) => box.appendChild(el('div', { class: pl.in_force ? 'ok' : 'bad', text: `${pl.event_type}：${pl.code} ${pl.title} — ${PLAN_STATUS[pl.status] || pl.status}` })));
        box.appendChild(el('h4', { text: '本年度演练' }));
        if (!q.drills.length) box.appendChild(el('div', { class: p.level <= 2 ? 'bad' : 'muted', text: '未安排' }));
        q.drills.forEach((d) => box.appendChild(el('div', { class: 'ok', text: `${d.title} — ${d.status} ${d.completed_on || d.scheduled_on || ''}` })));
        if (q.reasons.length) box.appendChild(el('div', null, ...q.reasons.map((r) => el('span', { class: `reason reason-${r}`, text: REASONS[r] || r }))));
      }
    } catch (e) { /* the vector tile's attributes are shown */ }
    return box;
  }
  map.on('click', async (e) => {
    const pad = 8, box = [[e.point.x - pad, e.point.y - pad], [e.point.x + pad, e.point.y + pad]];
    const hits = map.queryRenderedFeatures(box, { layers: ['sources', 'shelters'] });
    const zones = hits.length ? [] : map.queryRenderedFeatures(e.point, { layers: ['undrilled', 'zones'] });
    const f = hits[0] || zones[0];
    if (!f) return;
    const p = Object.assign({ id: f.id }, f.properties);
    let content;
    if (f.layer.id === 'sources') {
      const at = f.geometry.type === 'Point' ? { lng: f.geometry.coordinates[0], lat: f.geometry.coordinates[1] } : e.lngLat;
      content = await sourcePopup(p, at);
    } else if (f.layer.id === 'shelters') {
      content = el('div', { class: 'shelter-popup', 'data-shelter-id': String(p.id) }, el('h3', { text: p.name }),
        table([['类型', SHELTER_KINDS[p.kind] || p.kind], ['容量', p.capacity], ['区县', `${p.district_name || ''} (${p.district_code})`], ['编号', `#${p.id}`]]));
    } else {
      content = el('div', { class: 'zone-popup', 'data-source-id': String(p.id) }, el('h3', { text: `${p.name} 影响范围` }),
        table([['等级', LEVEL_NAMES[p.level]], ['半径', `${p.impact_radius_m} m`], ['本年度演练', f.layer.id === 'undrilled' ? '未安排（高风险）' : null], ['编号', `#${p.id}`]]));
    }
    new maplibregl.Popup({ maxWidth: '360px' }).setLngLat(e.lngLat).setDOMContent(content).addTo(map);
    state.popups++;
  });

  // ---- live: reload the tiles when the server's cache generation moves
  let generation = null;
  async function poll() {
    try {
      const h = await getJSON('health');
      const g = h.cache && h.cache.generation;
      if (generation !== null && g !== generation) map.getSource('riskmap').setTiles(tj.tiles.map((t) => `${t}?v=${g}`));
      generation = g;
    } catch (e) { /* database away: keep what is shown */ }
  }
  poll();
  setInterval(() => { if (!document.hidden) poll(); }, 3000);
  map.on('load', () => { state.ready = true; });
}
main().catch((e) => { state.error = String(e); document.getElementById('vmap').textContent = `加载失败：${e.message}`; });
