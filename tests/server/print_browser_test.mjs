// Browser test of the viewer's 打印地图 / 导出台账 buttons (web/print.js):
// Debian's chromium driven by playwright-core. The links follow the district
// picker, the paper and the view; clicking them downloads a real PDF sheet and
// a real workbook, read back with pdfinfo/pdftotext and openpyxl.
import { createRequire } from 'node:module';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { check, done } from './lib.mjs';

const require = createRequire(path.join(process.env.RISKMAP_SRC, 'web', 'package.json'));
const { chromium } = require('playwright-core');
const BASE = process.env.RISKMAP_BASE_URL;
const OUT = process.env.RISKMAP_OUT_DIR;
const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'riskmap-chromium-'));

const browser = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.RISKMAP_CHROMIUM || '/usr/bin/chromium',
  headless: true,
  acceptDownloads: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  viewport: { width: 1280, height: 800 },
});
let status = 0;
try {
  const page = browser.pages()[0] || await browser.newPage();
  const consoleErrors = [];
  page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
  await page.goto(`${BASE}/`, { waitUntil: 'load' });
  await page.waitForFunction(() => window.__riskmap && window.__riskmap.ready, null, { timeout: 20000 });
  const printBtn = page.locator('#print-map'), exportBtn = page.locator('#export-ledger');
  check(await printBtn.isVisible() && (await printBtn.innerText()).trim() === '打印地图', '打印地图 button shown');
  check(await exportBtn.isVisible() && (await exportBtn.innerText()).trim() === '导出台账', '导出台账 button shown');

  // a picked district and a paper size
  await page.selectOption('#district', '500103');
  await page.selectOption('#print-paper', 'A4');
  const href = await printBtn.getAttribute('href');
  check(href === 'print/risk.pdf?district=500103&paper=A4&landscape=true', `print link follows picker and paper (${href})`);
  check(await exportBtn.getAttribute('href') === 'export/ledger.xlsx?district=500103', 'export link follows the picker');

  const [pdfDl] = await Promise.all([page.waitForEvent('download'), printBtn.click()]);
  const pdf = path.join(OUT, 'print-browser.pdf');
  await pdfDl.saveAs(pdf);
  const info = execFileSync('pdfinfo', [pdf]).toString();
  check(/Page size:\s+841\.89 x 595\.276 pts \(A4\)/.test(info), `clicking 打印地图 downloads an A4 landscape sheet (${(info.match(/Page size:.*/) || [''])[0]})`);
  check(execFileSync('pdftotext', [pdf, '-']).toString().includes('渝中区风险源与演练覆盖图'), 'the sheet is 渝中区\'s');
  check(pdfDl.suggestedFilename().endsWith('.pdf'), `download file name ${pdfDl.suggestedFilename()}`);

  const [xlDl] = await Promise.all([page.waitForEvent('download'), exportBtn.click()]);
  const xlsx = path.join(OUT, 'print-browser.xlsx');
  await xlDl.saveAs(xlsx);
  const sheets = execFileSync('/usr/bin/python3', ['-c',
    'import sys, openpyxl; print(",".join(openpyxl.load_workbook(sys.argv[1]).sheetnames))', xlsx]).toString().trim();
  check(sheets === '风险源,应急预案,年度演练,未覆盖风险源,备案逾期,演练达标,整改事项', `clicking 导出台账 downloads the ledger workbook (${sheets})`);
  check(xlDl.suggestedFilename().includes('500103') && xlDl.suggestedFilename().endsWith('.xlsx'),
    `ledger file name names the district (${xlDl.suggestedFilename()})`);

  // no district picked, the view zoomed out: the whole city
  await page.selectOption('#district', '');
  await page.evaluate(() => window.__riskmap.map.setZoom(6, { animate: false }));
  await page.waitForTimeout(300);
  const cityHref = await printBtn.getAttribute('href');
  check(!cityHref.includes('district='), `zoomed out: the city sheet (${cityHref})`);
  // the evacuation style
  await page.locator('.leaflet-control-layers-base label', { hasText: 'Evacuation' }).click();
  check((await printBtn.getAttribute('href')).startsWith('print/evacuation.pdf'), 'print link follows the base layer');
  await page.screenshot({ path: path.join(OUT, 'viewer-print.png') });
  check(consoleErrors.length === 0, `no console errors (${consoleErrors.slice(0, 3).join(' | ')})`);
} catch (e) {
  console.log(`not ok - print browser test threw: ${e.stack || e}`);
  status = 1;
} finally {
  await browser.close();
  fs.rmSync(profile, { recursive: true, force: true });
}
if (status) process.exit(status);
done();
