// Lighthouse (desktop preset) on the staff app's sign-in page, kitchen board and dashboard,
// in Debian's Chromium, signed in through the app's own form (the refresh cookie carries the
// session into each audited load). Prints the median score of RUNS runs per page and writes
// every report to OUT.
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import lighthouse from 'lighthouse';
import desktop from 'lighthouse/core/config/desktop-config.js';
import * as chromeLauncher from 'chrome-launcher';
import puppeteer from 'puppeteer-core';

const base = process.env.CREMA_URL;
const runs = Number(process.env.RUNS || 3);
const out = process.env.OUT || 'lighthouse-results';
mkdirSync(out, { recursive: true });

const chrome = await chromeLauncher.launch({
  chromePath: process.env.CHROME_PATH || '/usr/bin/chromium',
  chromeFlags: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const browser = await puppeteer.connect({ browserURL: `http://127.0.0.1:${chrome.port}`, defaultViewport: null });
const page = await browser.newPage();

async function signIn(email) {
  await page.goto(base + '/app', { waitUntil: 'networkidle0' });
  const signOut = await page.$('.who button');
  if (signOut) {
    await signOut.click();
    await page.waitForSelector('input[name=email]');
  }
  await page.type('input[name=email]', email);
  await page.type('input[name=password]', 'crema-demo-2026');
  await page.click('button[type=submit]');
  await page.waitForSelector('.topbar nav');
}

async function audit(name, path) {
  const scores = [];
  for (let i = 0; i < runs; i++) {
    const result = await lighthouse(base + path, {
      output: 'json', logLevel: 'error', disableStorageReset: true,
      onlyCategories: ['performance', 'accessibility', 'best-practices'],
    }, desktop, page);
    const lhr = result.lhr;
    writeFileSync(join(out, `${name}-${i + 1}.json`), result.report);
    const s = Object.fromEntries(Object.entries(lhr.categories).map(([k, c]) => [k, Math.round(c.score * 100)]));
    const failing = Object.values(lhr.audits)
      .filter((a) => a.score !== null && a.score < 1 && lhr.categories.accessibility.auditRefs.some((r) => r.id === a.id && r.weight > 0))
      .map((a) => a.id);
    scores.push({ ...s, fcp: lhr.audits['first-contentful-paint'].numericValue, lcp: lhr.audits['largest-contentful-paint'].numericValue, tbt: lhr.audits['total-blocking-time'].numericValue, failing });
  }
  const median = (k) => scores.map((s) => s[k]).sort((a, b) => a - b)[Math.floor(scores.length / 2)];
  const row = { page: name, performance: median('performance'), accessibility: median('accessibility'), 'best-practices': median('best-practices'), fcp_ms: Math.round(median('fcp')), lcp_ms: Math.round(median('lcp')), tbt_ms: Math.round(median('tbt')), accessibility_failing: [...new Set(scores.flatMap((s) => s.failing))] };
  console.log(JSON.stringify(row));
  return row;
}

const rows = [];
try {
  rows.push(await audit('sign-in', '/app'));
  await signIn('manager@crema.demo');
  rows.push(await audit('kitchen', '/app/kitchen'));
  rows.push(await audit('dashboard', '/app/dashboard'));
} finally {
  await browser.disconnect();
  await chrome.kill();
}
let ok = true;
for (const r of rows) {
  const pass = r.performance >= 90 && r.accessibility >= 90;
  ok &&= pass;
  console.log(`${r.page.padEnd(10)} performance ${r.performance}  accessibility ${r.accessibility}  best practices ${r['best-practices']}  FCP ${r.fcp_ms} ms  LCP ${r.lcp_ms} ms  TBT ${r.tbt_ms} ms  ${pass ? 'ok' : 'BELOW 90'}`);
}
process.exit(ok ? 0 : 1);
