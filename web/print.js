/* 打印地图 / 导出台账 — links to riskmap-tiles' map sheets and ledgers
 * (GET /print/{style}.pdf, GET /export/ledger.xlsx; docs/print.md). The
 * district is the one picked, else the one at the centre of the view; zoomed
 * out beyond one district (zoom < 9) the sheet is the whole city. */
(function () {
  var state = window.__riskmap;
  if (!state || !state.map) return;
  var map = state.map;
  var picker = document.getElementById('district');
  var printLink = document.getElementById('print-map');
  var exportLink = document.getElementById('export-ledger');
  var paper = document.getElementById('print-paper');
  var style = 'risk';
  var districts = [];

  map.on('baselayerchange', function (e) {
    style = /Evacuation|疏散/.test(e.name || '') ? 'evacuation' : 'risk';
    update();
  });

  function centralDistrict() {
    var c = map.getCenter(), best = '', area = Infinity;
    districts.forEach(function (d) {
      var b = d.bbox;
      if (!b || c.lng < b[0] || c.lng > b[2] || c.lat < b[1] || c.lat > b[3]) return;
      var a = (b[2] - b[0]) * (b[3] - b[1]);
      if (a < area) { area = a; best = d.id; }
    });
    return best;
  }

  /* The district of the sheet: '' = the whole city. */
  function district() {
    if (picker && picker.value) return picker.value;
    if (map.getZoom() < 9) return '';
    return centralDistrict();
  }

  function name(code) {
    for (var i = 0; i < districts.length; i++) if (districts[i].id === code) return districts[i].properties.name;
    return '全市';
  }

  function update() {
    var d = district(), q = d ? 'district=' + encodeURIComponent(d) + '&' : '';
    printLink.href = 'print/' + style + '.pdf?' + q + 'paper=' + encodeURIComponent(paper.value) + '&landscape=true';
    printLink.title = '下载 ' + (d ? name(d) : '全市') + ' 的 ' + paper.value + ' 挂图（PDF）';
    exportLink.href = 'export/ledger.xlsx' + (d ? '?district=' + encodeURIComponent(d) : '');
    exportLink.title = '下载 ' + (d ? name(d) : '全市') + ' 的应急台账（Excel）';
    printLink.dataset.district = exportLink.dataset.district = d;
  }

  map.on('moveend', update);
  if (picker) picker.addEventListener('change', update);
  paper.addEventListener('change', update);
  fetch('api/districts', { headers: { Accept: 'application/json' } })
    .then(function (r) { return r.json(); })
    .then(function (fc) { districts = fc.features || []; update(); })
    .catch(function () { update(); });
  update();
})();
