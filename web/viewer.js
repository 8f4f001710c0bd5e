/* riskmap viewer: Leaflet over riskmap-tiles, no base map (offline: the
 * district borders come from the tiles). Served by riskmap-tiles at "/". */
(function () {
  'use strict';

  var LEVELS = {
    1: { name: 'Ⅰ级 特别重大', fill: '#E6000055', stroke: '#C00000' },
    2: { name: 'Ⅱ级 重大', fill: '#FF8C0055', stroke: '#E07000' },
    3: { name: 'Ⅲ级 较大', fill: '#FFD7005C', stroke: '#C8A000' },
    4: { name: 'Ⅳ级 一般', fill: '#2E7DFF40', stroke: '#1E50C8' }
  };
  var REASONS = {
    no_plan: '无预案',
    plan_not_in_force: '预案未生效',
    revision_overdue: '预案逾期未修订',
    no_drill: '本年度未安排演练'
  };
  var PLAN_STATUS = {
    drafting: '起草', reviewing: '审核', approved: '已批准', published: '已发布',
    filed: '已备案', revising: '修订中', retired: '已废止'
  };
  var DRILL_STATUS = { planned: '计划', completed: '已完成', cancelled: '已取消' };
  var KINDS = { risk_source: '风险源', hazard_point: '隐患点' };
  // The city's name and the category names come from the data and one
  // dictionary (labels.js), not from this file.
  var LABELS = window.RISKMAP_LABELS || { cities: {}, categories: {} };
  function categoryName(c) { return (c && LABELS.categories && LABELS.categories[c]) || c || ''; }

  // State the browser test reads.
  var state = window.__riskmap = { tileErrors: 0, tilesLoaded: 0, ready: false, map: null };

  function el(tag, attrs) {
    var e = document.createElement(tag);
    if (attrs) Object.keys(attrs).forEach(function (k) {
      if (k === 'text') e.textContent = attrs[k]; else e.setAttribute(k, attrs[k]);
    });
    for (var i = 2; i < arguments.length; i++) {
      var c = arguments[i];
      if (c === null || c === undefined) continue;
      e.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
    }
    return e;
  }
  function getJSON(url) {
    return fetch(url, { headers: { Accept: 'application/json' } }).then(function (r) {
      return r.json().then(function (j) {
        if (!r.ok) throw new Error((j && j.error) || ('HTTP ' + r.status));
        return j;
      });
    });
  }
  function levelBadge(level) {
    return el('span', { class: 'level level-' + level, title: LEVELS[level] ? LEVELS[level].name : '', text: ['', 'Ⅰ', 'Ⅱ', 'Ⅲ', 'Ⅳ'][level] || '?' });
  }
  function reasonChip(r) {
    return el('span', { class: 'reason reason-' + r, title: r, text: REASONS[r] || r });
  }
  // A representative point of a GeoJSON geometry (its bbox centre; points as they are).
  function geomLatLng(g) {
    if (!g) return null;
    if (g.type === 'Point') return L.latLng(g.coordinates[1], g.coordinates[0]);
    var b = L.geoJSON(g).getBounds();
    return b.isValid() ? b.getCenter() : null;
  }

  var map = state.map = L.map('map', { zoomControl: true, attributionControl: true, minZoom: 0 });
  map.setView([29.56, 106.55], 9);  // 重庆 until TileJSON gives the bounds

  function tileLayer(style, tj) {
    var template = 'tiles/' + style + '/{z}/{x}/{y}{r}.png';
    var layer = L.tileLayer(template, {
      template: template,
      minZoom: tj ? tj.minzoom : 0,
      maxZoom: tj ? tj.maxzoom : 20,
      attribution: tj ? tj.attribution : 'riskmap',
      crossOrigin: false
    });
    layer.on('tileerror', function () { state.tileErrors++; });
    layer.on('tileload', function () { state.tilesLoaded++; });
    return layer;
  }

  // ---- legend: drawn from the renderer's style (GET api/styles, the table
  // riskmap.tile_style); DEFAULT_STYLES when the server has none.
  var DEFAULT_STYLES = {
    risk: { layers: [
      { type: 'impact_zones', fill_by_level: ['#E6000055', '#FF8C0055', '#FFD7005C', '#2E7DFF40'], stroke_by_level: ['#C00000CC', '#E07000CC', '#C8A000CC', '#1E50C899'] },
      { type: 'undrilled', max_level: 2, color: '#7F0000' },
      { type: 'district_borders', color: '#4A3F6B' },
      { type: 'sources', stroke_by_level: ['#D00000', '#F07800', '#E8C000', '#2060D0'], default_shape: 'circle', symbols: {} },
      { type: 'shelters', fill: '#1A9850', default_shape: 'square', symbols: { shelter: 'square', hospital: { shape: 'cross', fill: '#0072B2' }, fire_station: { shape: 'diamond', fill: '#D95F02' }, warehouse: { shape: 'hexagon', fill: '#6A51A3' } } }
    ] },
    evacuation: { layers: [
      { type: 'catchments', palette: ['#1B9E7766', '#D95F0266', '#7570B366', '#E7298A66'] },
      { type: 'unserved', fill: '#B2182B80', color: '#B2182B' },
      { type: 'district_borders', color: '#4A3F6B' },
      { type: 'shelters', fill: '#1A9850', default_shape: 'square', symbols: { shelter: 'square', hospital: { shape: 'cross', fill: '#0072B2' }, fire_station: { shape: 'diamond', fill: '#D95F02' }, warehouse: { shape: 'hexagon', fill: '#6A51A3' } } }
    ] },
    clearance: { layers: [
      { type: 'clearance_zones', fill_by_level: ['#D7191C66', '#9E9E9E55', '#1A964166', '#00000000'], stroke_by_level: ['#A50F15', '#616161', '#006D2C', '#00000000'] },
      { type: 'district_borders', color: '#4A3F6B' },
      { type: 'bottlenecks', color: '#7B1FA2' }
    ] }
  };
  var STYLE_TITLES = { risk: '风险 · Risk', evacuation: '疏散 · Evacuation', clearance: '疏散时间 · Clearance' };
  var styles = DEFAULT_STYLES;
  var SHELTER_KINDS = { shelter: '避难场所', hospital: '医院', fire_station: '消防站', warehouse: '物资仓库' };
  var CATEGORIES = { landslide: '滑坡', flood: '洪涝', chemical: '危化品', hazardous_chemicals: '危化品', gas_pipeline: '燃气管线', gas: '燃气', crowd: '人员密集场所', mine: '矿山', dam: '水库大坝', fire: '火灾', geological: '地质灾害', waterway: '水上交通' };
  var SHAPES = {
    circle: null, square: '2,2 12,2 12,12 2,12', triangle: '7,1.5 12.8,12 1.2,12', diamond: '7,0.8 13.2,7 7,13.2 0.8,7',
    hexagon: '3.5,1.5 10.5,1.5 13.5,7 10.5,12.5 3.5,12.5 0.5,7',
    star: '7,0.8 8.7,5.2 13.4,5.3 9.7,8.2 11,12.8 7,10.1 3,12.8 4.3,8.2 0.6,5.3 5.3,5.2',
    cross: '5,1 9,1 9,5 13,5 13,9 9,9 9,13 5,13 5,9 1,9 1,5 5,5'
  };
  function symbol(shape, fill, stroke) {
    var NS = 'http://www.w3.org/2000/svg', svg = document.createElementNS(NS, 'svg'), g;
    svg.setAttribute('width', '14'); svg.setAttribute('height', '14'); svg.setAttribute('viewBox', '0 0 14 14');
    svg.setAttribute('class', 'sym');
    if (SHAPES[shape]) { g = document.createElementNS(NS, 'polygon'); g.setAttribute('points', SHAPES[shape]); }
    else { g = document.createElementNS(NS, 'circle'); g.setAttribute('cx', '7'); g.setAttribute('cy', '7'); g.setAttribute('r', '5'); }
    g.setAttribute('fill', fill || '#fff'); g.setAttribute('stroke', stroke || '#fff'); g.setAttribute('stroke-width', '1.6');
    svg.appendChild(g);
    return svg;
  }
  function swatch(fill, stroke) { return el('i', { style: 'background:' + fill + ';border-color:' + stroke }); }
  var legend = L.control({ position: 'bottomright' });
  var legendBox;
  function row(sw, label) { return el('div', { class: 'row' }, sw, el('span', { text: label })); }
  var LEGEND = {
    impact_zones: function (l) {
      [1, 2, 3, 4].forEach(function (lv) {
        legendBox.appendChild(row(swatch(l.fill_by_level[lv - 1], l.stroke_by_level[lv - 1]), LEVELS[lv].name + ' 影响范围'));
      });
    },
    undrilled: function (l) {
      var c = l.color || '#7F0000';
      var hatch = 'repeating-linear-gradient(45deg,' + c + ' 0 1.2px,transparent 1.2px 5px),repeating-linear-gradient(-45deg,' + c + ' 0 1.2px,transparent 1.2px 5px)';
      legendBox.appendChild(row(el('i', { class: 'hatch', style: 'background:' + hatch + ';border-color:' + c }),
        '高风险（' + ['', 'Ⅰ', 'Ⅰ、Ⅱ', 'Ⅰ～Ⅲ', 'Ⅰ～Ⅳ'][l.max_level || 2] + '级）本年度未安排演练（' + c + ' 交叉阴影）'));
    },
    district_borders: function (l) { legendBox.appendChild(row(el('i', { class: 'district', style: 'border-color:' + l.color }), '区县界')); },
    sources: function (l) {
      var sl = l.stroke_by_level || [];
      var levels = el('span', { class: 'syms' });
      [0, 1, 2, 3].forEach(function (i) { levels.appendChild(symbol(l.default_shape, '#fff', sl[i])); });
      legendBox.appendChild(row(levels, '风险源 / 隐患点（边色为等级）'));
      var byShape = {};
      Object.keys(l.symbols || {}).forEach(function (cat) {
        var sh = typeof l.symbols[cat] === 'string' ? l.symbols[cat] : l.symbols[cat].shape;
        (byShape[sh] = byShape[sh] || []).push(CATEGORIES[cat] || cat);
      });
      Object.keys(byShape).forEach(function (sh) {
        if (sh !== l.default_shape) legendBox.appendChild(row(symbol(sh, '#fff', '#555'), byShape[sh].join('、')));
      });
    },
    shelters: function (l) {
      Object.keys(SHELTER_KINDS).forEach(function (kind) {
        var s = (l.symbols || {})[kind], shape = typeof s === 'string' ? s : (s && s.shape) || l.default_shape;
        legendBox.appendChild(row(symbol(shape, (s && s.fill) || l.fill, '#fff'), SHELTER_KINDS[kind]));
      });
    },
    catchments: function (l) {
      var p = l.palette || [], stops = p.slice(0, 3).map(function (c, i) { return c + ' ' + (i * 33) + '% ' + ((i + 1) * 33) + '%'; });
      legendBox.appendChild(row(el('i', { style: 'border-color:#fff;background:linear-gradient(90deg,' + stops.join(',') + ')' }), '避难场所服务范围（每处一色）'));
    },
    unserved: function (l) { legendBox.appendChild(row(swatch(l.fill, l.color), '未能安置的人口')); },
    clearance_zones: function (l) {
      ['预案承诺时间内无法完成转移', '预案未承诺转移时间', '可在预案承诺时间内完成转移'].forEach(function (label, i) {
        legendBox.appendChild(row(swatch(l.fill_by_level[i], l.stroke_by_level[i]), label));
      });
    },
    bottlenecks: function (l) { legendBox.appendChild(row(el('i', { class: 'line', style: 'background:' + l.color + ';border-color:' + l.color }), '瓶颈路段（限制疏散的道路）')); }
  };
  var currentStyle = 'risk';
  var complianceOn = false, complianceData = null;
  function renderLegend(style) {
    currentStyle = style;
    if (!legendBox) return;
    legendBox.textContent = '';
    legendBox.appendChild(el('h3', { text: STYLE_TITLES[style] || STYLE_TITLES.risk }));
    var spec = styles[style] || DEFAULT_STYLES[style] || DEFAULT_STYLES.risk;
    (spec.layers || []).forEach(function (l) {
      if (LEGEND[l.type]) { try { LEGEND[l.type](l); } catch (e) { /* a style the legend does not know */ } }
    });
    if (complianceOn) {
      legendBox.appendChild(el('h3', { text: '演练达标 · Compliance' + (complianceData ? ' ' + complianceData.year : '') }));
      legendBox.appendChild(row(el('i', { class: 'compliance-met' }), '区县年度演练达标'));
      legendBox.appendChild(row(el('i', { class: 'compliance-unmet' }), '区县未达标（综合 / 专项演练不足）'));
      legendBox.appendChild(row(el('i', { class: 'compliance-nofiled' }), '虚线：总体预案未备案'));
    }
  }
  legend.onAdd = function () {
    legendBox = el('div', { class: 'legend', id: 'legend' });
    L.DomEvent.disableClickPropagation(legendBox);
    L.DomEvent.disableScrollPropagation(legendBox);
    renderLegend(currentStyle);
    return legendBox;
  };
  getJSON('api/styles').then(function (r) {
    if (r && r.styles && Object.keys(r.styles).length) {
      Object.keys(DEFAULT_STYLES).forEach(function (k) { if (!r.styles[k]) r.styles[k] = DEFAULT_STYLES[k]; });
      styles = r.styles;
      renderLegend(currentStyle);
    }
  }).catch(function () { /* built-in legend */ });

  // ---- side panel: uncovered sources of the selected (or central) district
  var districts = [];
  var picker = document.getElementById('district');
  var panel = document.getElementById('panel');
  var list = document.getElementById('uncovered');
  var summary = document.getElementById('panel-summary');
  var title = document.getElementById('panel-title');
  var shownDistrict = null;

  function centralDistrict() {
    var c = map.getCenter(), best = null, bestArea = Infinity;
    districts.forEach(function (d) {
      var b = d.bbox;
      if (!b || c.lng < b[0] || c.lng > b[2] || c.lat < b[1] || c.lat > b[3]) return;
      var a = (b[2] - b[0]) * (b[3] - b[1]);
      if (a < bestArea) { bestArea = a; best = d; }
    });
    return best;
  }
  function districtName(code) {
    for (var i = 0; i < districts.length; i++) if (districts[i].id === code) return districts[i].properties.name;
    return code;
  }

  function loadUncovered(code, force) {
    if (!code || (code === shownDistrict && !force)) return;
    shownDistrict = code;
    title.textContent = '未覆盖风险源 · ' + districtName(code);
    summary.textContent = '加载中…';
    getJSON('api/uncovered?district=' + encodeURIComponent(code)).then(function (fc) {
      if (shownDistrict !== code) return;
      list.textContent = '';
      var counts = {};
      fc.features.forEach(function (f) {
        var p = f.properties;
        p.reasons.forEach(function (r) { counts[r] = (counts[r] || 0) + 1; });
        var item = el('li', { class: 'uncovered-item', tabindex: '0', 'data-source-id': String(p.source_id) },
          el('div', null, levelBadge(p.risk_level), el('span', { class: 'name', text: p.name }),
            el('span', { class: 'muted', text: ' ' + (KINDS[p.kind] || p.kind || '') + ' · ' + categoryName(p.category) })),
          el('div', null));
        p.reasons.forEach(function (r) { item.lastChild.appendChild(reasonChip(r)); });
        function go() {
          var ll = geomLatLng(f.geometry);
          if (!ll) return;
          map.setView(ll, Math.max(map.getZoom(), 14));
          showSource(ll, p.source_id);
        }
        item.addEventListener('click', go);
        item.addEventListener('keydown', function (e) { if (e.key === 'Enter') go(); });
        list.appendChild(item);
      });
      var parts = Object.keys(REASONS).filter(function (r) { return counts[r]; })
        .map(function (r) { return REASONS[r] + ' ' + counts[r]; });
      summary.textContent = fc.features.length + ' 个风险源存在问题' + (parts.length ? '（' + parts.join('，') + '）' : '');
      state.panelLoaded = code;
    }).catch(function (e) { summary.textContent = '加载失败：' + e.message; });
  }

  function refreshPanel() {
    if (picker.value) return loadUncovered(picker.value);
    var d = centralDistrict();
    if (d) loadUncovered(d.id);
    else { title.textContent = '未覆盖风险源'; summary.textContent = '地图中心不在任何区县内'; list.textContent = ''; shownDistrict = null; }
  }

  picker.addEventListener('change', function () {
    var code = picker.value;
    for (var i = 0; i < districts.length; i++) {
      if (districts[i].id === code && districts[i].bbox) {
        var b = districts[i].bbox;
        map.fitBounds([[b[1], b[0]], [b[3], b[2]]]);
      }
    }
    refreshPanel();
  });
  document.getElementById('panel-toggle').addEventListener('click', function (e) {
    var closed = panel.classList.toggle('closed');
    e.target.setAttribute('aria-expanded', String(!closed));
    map.invalidateSize();
  });
  map.on('moveend', function () { if (!picker.value) refreshPanel(); });

  // ---- popup of the nearest source
  function fmt(v, unit) { return v === null || v === undefined ? '—' : String(v) + (unit || ''); }
  function sourcePopup(f, fromMap) {
    var p = f.properties;
    var box = el('div', { class: 'source-popup', 'data-source-id': String(p.id) },
      el('h3', null, levelBadge(p.risk_level), p.name),
      el('table', null,
        el('tr', null, el('th', { text: '类型' }), el('td', { text: (KINDS[p.kind] || p.kind) + ' · ' + categoryName(p.category) })),
        el('tr', null, el('th', { text: '等级' }), el('td', { text: LEVELS[p.risk_level] ? LEVELS[p.risk_level].name : p.risk_level })),
        el('tr', null, el('th', { text: '区县' }), el('td', { text: (p.district_name || '') + ' (' + p.district_code + ')' })),
        el('tr', null, el('th', { text: '影响半径' }), el('td', { text: fmt(p.impact_radius_m, ' m') })),
        el('tr', null, el('th', { text: '暴露人口' }), el('td', { text: fmt(p.population_exposed, ' 人') })),
        el('tr', null, el('th', { text: '编号' }), el('td', { text: '#' + p.id + (fromMap ? ' · 距点击处 ' + fmt(p.distance_m, ' m') : '') }))));
    box.appendChild(el('h4', { text: '应急预案（一源一事一案）' }));
    if (!p.plans.length) box.appendChild(el('div', { class: 'bad', text: '无预案' }));
    p.plans.forEach(function (pl) {
      box.appendChild(el('div', { class: pl.in_force ? 'ok' : 'bad' },
        (pl.event_type + '：' + pl.code + ' ' + pl.title + ' — ' + (PLAN_STATUS[pl.status] || pl.status) +
          (pl.last_revised ? '（' + pl.last_revised + '）' : ''))));
    });
    box.appendChild(el('h4', { text: '本年度演练' }));
    if (!p.drills.length) box.appendChild(el('div', { class: p.risk_level <= 2 ? 'bad' : 'muted', text: '未安排' }));
    p.drills.forEach(function (d) {
      box.appendChild(el('div', { class: d.status === 'cancelled' ? 'muted' : 'ok' },
        d.title + ' — ' + (DRILL_STATUS[d.status] || d.status) + ' ' + (d.completed_on || d.scheduled_on || '') +
          (d.via === 'area' ? '（演练区域覆盖）' : '')));
    });
    if (p.risk_level <= 2) box.appendChild(clearanceSection(p.id));
    if (p.reasons.length) {
      var r = el('div', null);
      p.reasons.forEach(function (x) { r.appendChild(reasonChip(x)); });
      box.appendChild(el('h4', { text: '问题' }));
      box.appendChild(r);
    }
    return box;
  }
  // Evacuation clearance of a high-risk source (GET api/clearance?id=):
  // filled in when it arrives, the rest of the popup does not wait.
  function minutes(s) { return s === null || s === undefined ? '—' : (Math.round(s / 6) / 10) + ' 分钟'; }
  function clearanceSection(id) {
    var sec = el('div', { class: 'clearance', 'data-source-id': String(id) },
      el('h4', { text: '人员疏散（能否及时转移）' }), el('div', { class: 'muted', text: '计算中…' }));
    getJSON('api/clearance?id=' + encodeURIComponent(id)).then(function (f) {
      if (!(f.properties.people > 0)) throw new Error('nobody in the zone');
      var c = f.properties, verdict = c.meets_plan === true ? ['ok', '可在预案承诺时间内完成转移']
        : c.meets_plan === false ? ['bad', '预案承诺时间内无法完成转移'] : ['muted', '预案未承诺转移时间'];
      sec.textContent = '';
      sec.appendChild(el('h4', { text: '人员疏散（能否及时转移）' }));
      sec.appendChild(el('div', { class: verdict[0] + ' clearance-verdict', text: verdict[1] }));
      sec.appendChild(el('table', null,
        el('tr', null, el('th', { text: '疏散完成' }), el('td', { class: 'clearance-time', text: minutes(c.clearance_s) + '（下界 ' + minutes(c.lower_bound_s) + '）' })),
        el('tr', null, el('th', { text: '预案承诺' }), el('td', { class: 'clearance-promise', text: c.plan_limit_s === null ? '—' : minutes(c.plan_limit_s) + (c.plan_code ? '（' + c.plan_code + '）' : '') })),
        el('tr', null, el('th', { text: '区内人口' }), el('td', { text: Math.round(c.people) + ' 人' })),
        el('tr', null, el('th', { text: '未能转移' }), el('td', { class: 'clearance-unserved', text: Math.round(c.unserved) + ' 人' })),
        el('tr', null, el('th', { text: '瓶颈路段' }), el('td', { class: 'clearance-bottlenecks',
          text: c.bottlenecks.length ? c.bottlenecks.map(function (b) { return '#' + b.id + (b.capacity_pph !== null ? '（' + b.capacity_pph + ' 人/时）' : ''); }).join('、') : '无' }))));
    }).catch(function () {
      sec.textContent = '';
      sec.appendChild(el('h4', { text: '人员疏散（能否及时转移）' }));
      sec.appendChild(el('div', { class: 'muted', text: '影响范围内无人口' }));
    });
    return sec;
  }
  var popupSeq = 0;
  // onNone (a click in a district of the compliance overlay): called when no
  // source is that near. Then the nearest source is asked for without max_m
  // and its distance checked here, so an empty spot costs no 404.
  function showSource(latlng, expectId, onNone) {
    var seq = ++popupSeq;
    // Search radius: 24 screen pixels, in metres at this zoom and latitude.
    var mpp = 40075016.686 * Math.cos(latlng.lat * Math.PI / 180) / Math.pow(2, map.getZoom() + 8);
    var radius = Math.max(50, Math.round(24 * mpp));
    var url = 'api/source?lon=' + latlng.lng.toFixed(7) + '&lat=' + latlng.lat.toFixed(7) +
      (expectId || onNone ? '' : '&max_m=' + radius);
    getJSON(url).then(function (f) {
      if (seq !== popupSeq) return;  // a later click won
      if (onNone && !expectId && !(f.properties.distance_m <= radius)) return onNone();
      var at = geomLatLng(f.geometry) || latlng;
      L.popup({ maxWidth: 360 }).setLatLng(at).setContent(sourcePopup(f, !expectId)).openOn(map);
    }).catch(function () { if (onNone && seq === popupSeq) onNone(); /* else nothing near the click */ });
  }
  map.on('click', function (e) { showSource(e.latlng); });


  // ---- supervision: drill compliance of districts and departments
  // (GET api/compliance: riskmap.compliance with open improvement actions).
  // A vector overlay over whichever tiles are shown: districts green when
  // their yearly drill quota is met, red when not, dashed when the overall
  // plan is not filed; a click opens the district's figures (a risk source
  // within 24 px of the click still wins).
  var complianceYear = new URLSearchParams(location.search).get('year');
  var MET = { color: '#1a7f37', weight: 1.5, opacity: 0.9, fillColor: '#2ca25f', fillOpacity: 0.2 };
  var UNMET = { color: '#d7191c', weight: 2.5, opacity: 0.95, fillColor: '#d7191c', fillOpacity: 0.22 };
  function complianceStyle(f) {
    var s = L.extend({}, f.properties.quota_met ? MET : UNMET);
    if (f.properties.overall_plan_filed === false) s.dashArray = '7 5';
    return s;
  }
  function statusChip(met) {
    return el('span', { class: 'status ' + (met ? 'met' : 'unmet'), text: met ? '达标' : '未达标' });
  }
  function vs(n, req) { return n + ' / 应 ≥ ' + req; }
  function compliancePopup(p) {
    var yes = function (ok) { return ok ? 'ok' : 'bad'; };
    return el('div', { class: 'compliance-popup', 'data-code': p.code },
      el('h3', null, statusChip(p.quota_met), p.name + ' (' + p.code + ')'),
      el('div', { class: 'muted', text: (complianceData ? complianceData.year + ' 年度演练，截至 ' + complianceData.as_of : '') }),
      el('table', null,
        el('tr', null, el('th', { text: '综合演练' }), el('td', { class: yes(p.comprehensive >= p.required_comprehensive), text: vs(p.comprehensive, p.required_comprehensive) })),
        el('tr', null, el('th', { text: '专项演练' }), el('td', { class: yes(p.special >= p.required_special), text: vs(p.special, p.required_special) })),
        el('tr', null, el('th', { text: '演练材料逾期' }), el('td', { class: yes(!p.materials_overdue), text: p.materials_overdue + ' 次重点演练' })),
        el('tr', null, el('th', { text: '整改措施' }), el('td', { class: yes(!p.overdue_actions), text: '未完成 ' + p.open_actions + '，其中逾期 ' + p.overdue_actions })),
        el('tr', null, el('th', { text: '总体预案' }), el('td', { class: yes(p.overall_plan_filed), text: p.overall_plan_filed ? '已备案' : '未备案' }))));
  }
  var complianceLayer = L.geoJSON(null, {
    style: complianceStyle,
    bubblingMouseEvents: false,  // the map's own click (nearest source) is called from here
    onEachFeature: function (f, layer) {
      layer.on('click', function (e) {
        showSource(e.latlng, null, function () {
          L.popup({ maxWidth: 360 }).setLatLng(e.latlng).setContent(compliancePopup(f.properties)).openOn(map);
        });
      });
    }
  });
  var compPanel = document.getElementById('compliance-panel');
  function renderDepartments(data) {
    var ul = document.getElementById('departments');
    ul.textContent = '';
    data.departments.forEach(function (d) {
      ul.appendChild(el('li', { class: 'dept-item', 'data-code': d.code },
        el('div', null, statusChip(d.quota_met), el('span', { class: 'name', text: d.name })),
        el('div', { class: 'counts', text: '综合 ' + d.comprehensive + '/' + d.required_comprehensive + ' · 专项 ' +
          d.special + '/' + d.required_special + ' · 材料逾期 ' + d.materials_overdue + ' · 整改 ' + d.open_actions +
          '（逾期 ' + d.overdue_actions + '）' })));
    });
    if (!data.departments.length) ul.appendChild(el('li', { class: 'muted', text: '无部门' }));
    var s = data.summary;
    document.getElementById('compliance-title').textContent = '演练达标情况 · ' + data.year + ' 年';
    document.getElementById('compliance-summary').textContent = '区县达标 ' + s.districts_quota_met + ' / ' + s.districts +
      '，部门达标 ' + s.departments_quota_met + ' / ' + s.departments + '（截至 ' + data.as_of + '）';
  }
  var complianceSeq = 0;
  function loadCompliance() {
    var seq = ++complianceSeq;
    return getJSON('api/compliance' + (complianceYear ? '?year=' + encodeURIComponent(complianceYear) : '')).then(function (data) {
      if (seq !== complianceSeq) return;
      complianceData = data;
      complianceLayer.clearLayers();
      complianceLayer.addData(data.features.filter(function (f) { return f.geometry; }));
      renderDepartments(data);
      renderLegend(currentStyle);
      state.complianceLoaded = (state.complianceLoaded || 0) + 1;
    }).catch(function (e) { document.getElementById('compliance-summary').textContent = '加载失败：' + e.message; });
  }
  map.on('overlayadd', function (e) {
    if (e.layer !== complianceLayer) return;
    complianceOn = true;
    compPanel.hidden = false;
    renderLegend(currentStyle);
    loadCompliance();
  });
  map.on('overlayremove', function (e) {
    if (e.layer !== complianceLayer) return;
    complianceOn = false;
    compPanel.hidden = true;
    renderLegend(currentStyle);
  });

  // ---- start: TileJSON for zooms and bounds, the district list
  Promise.all([
    getJSON('tiles/risk.json').catch(function () { return null; }),
    getJSON('tiles/evacuation.json').catch(function () { return null; }),
    getJSON('api/districts').catch(function () { return { features: [] }; }),
    getJSON('tiles/clearance.json').catch(function () { return null; })
  ]).then(function (res) {
    var parent = (res[2].features || []).map(function (d) { return d.properties.parent_code; }).filter(Boolean)[0];
    var city = parent && LABELS.cities && LABELS.cities[parent];
    if (city) {
      document.title = city + '应急预案与演练 · 风险一张图 (riskmap)';
      document.getElementById('city-title').textContent = 'riskmap · ' + city + '应急预案与演练';
    }
    var b = res[0] && res[0].bounds;
    if (b) map.fitBounds([[b[1], b[0]], [b[3], b[2]]], { animate: false });
    var risk = tileLayer('risk', res[0]), evac = tileLayer('evacuation', res[1] || res[0]);
    var clear = tileLayer('clearance', res[3] || res[0]);
    risk.addTo(map);
    L.control.layers({ '风险 · Risk': risk, '疏散 · Evacuation': evac, '疏散时间 · Clearance': clear }, { '演练达标 · Compliance': complianceLayer },
      { collapsed: false, position: 'topright' }).addTo(map);
    legend.addTo(map);
    L.control.scale({ imperial: false }).addTo(map);
    var active = risk;
    map.on('baselayerchange', function (e) { active = e.layer; renderLegend(e.layer === evac ? 'evacuation' : e.layer === clear ? 'clearance' : 'risk'); });
    // Live map: when the server's cache generation moves (a committed change
    // dropped tiles), reload the visible tiles (unchanged ones answer 304) and
    // the panel.
    var generation = null;
    function poll() {
      getJSON('health').then(function (h) {
        var g = h.cache && h.cache.generation;
        if (generation !== null && g !== generation) {
          // A new URL: the browser's image cache would otherwise reuse the old
          // pictures. The server ignores the query string (its own cache has
          // already dropped exactly the changed tiles).
          [risk, evac, clear].forEach(function (l) { l.setUrl(l.options.template + '?v=' + g, l !== active); });
          if (shownDistrict) loadUncovered(shownDistrict, true);
          if (complianceOn) loadCompliance();
        }
        generation = g;
      }).catch(function () { /* database away: keep what is shown */ });
    }
    poll();
    setInterval(function () { if (!document.hidden) poll(); }, 3000);
    districts = res[2].features || [];
    districts.forEach(function (d) {
      picker.appendChild(el('option', { value: d.id, text: d.properties.name + ' (' + d.id + ')' }));
    });
    if (new URLSearchParams(location.search).get('overlay') === 'compliance') complianceLayer.addTo(map);
    var wanted = new URLSearchParams(location.search).get('district');
    if (wanted && districts.some(function (d) { return d.id === wanted; })) {
      picker.value = wanted;
      picker.dispatchEvent(new Event('change'));
    } else {
      refreshPanel();
    }
    state.ready = true;
  });
})();
