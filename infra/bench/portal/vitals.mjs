// The portal part of `make bench`, run by infra/bench/portal (Go) against the local server it
// starts: gzipped JS and CSS per route from portal/dist's manifest, then in headless Chromium the
// referral form's LCP and CLS (web-vitals) beside a static floor page, and a scripted fill of the
// form at a human pace beside the same fill of a bare HTML form. Prints one JSON object.
//
// Env: BASE_URL, PORTAL_DIR (absolute), RL_SESSION and RL_CSRF (a referrer's cookies), LOADS.
import { createRequire } from 'node:module';
import { readFileSync, existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const BASE_URL = process.env.BASE_URL.replace(/\/+$/, '');
const PORTAL = process.env.PORTAL_DIR;
const LOADS = Number(process.env.LOADS ?? 5);
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const require = createRequire(join(PORTAL, 'package.json'));
const { chromium } = require('playwright-core');
// The attribution build: the same metrics, plus which element was the LCP and which shifted most.
const webVitals = readFileSync(join(dirname(require.resolve('web-vitals')), 'web-vitals.attribution.iife.js'), 'utf8');

// The human pace of the scripted fill and the fill itself: fill.mjs (the e2e suite's a11y test
// runs the same fill on a phone viewport).
import { fill, KEYSTROKE_MS, FIELD_MS } from './fill.mjs';

const out = { errors: [] };

// ---- sizes ---------------------------------------------------------------------------------
function sizes() {
  const dist = join(PORTAL, 'dist');
  const manifest = JSON.parse(readFileSync(join(dist, '.vite/manifest.json'), 'utf8'));
  const gz = (f) => gzipSync(readFileSync(join(dist, f)), { level: 9 }).length;
  const closure = (keys) => {
    const js = new Set();
    const css = new Set();
    const walk = (k) => {
      const m = manifest[k];
      if (!m || js.has(m.file)) return;
      js.add(m.file);
      for (const c of m.css ?? []) css.add(c);
      for (const i of m.imports ?? []) walk(i);
    };
    keys.forEach(walk);
    const sum = (s) => [...s].reduce((n, f) => n + gz(f), 0);
    return { js: sum(js), css: sum(css), files: [...js, ...css] };
  };
  // Routes and their page modules, from src/routes.ts.
  const src = readFileSync(join(PORTAL, 'src/routes.ts'), 'utf8');
  const vars = Object.fromEntries([...src.matchAll(/const (\w+)\s*(?::\s*\w+)?\s*=\s*\(\)\s*=>\s*import\('\.\/pages\/(\w+)'\)/g)].map((m) => [m[1], m[2]]));
  const routes = [];
  for (const m of src.matchAll(/\{\s*path:\s*'([^']+)'[^}]*?load:\s*(?:\(\)\s*=>\s*import\('\.\/pages\/(\w+)'\)|(\w+))/g)) {
    const page = m[2] ?? vars[m[3]];
    if (page) routes.push({ path: m[1], page: `src/pages/${page}.tsx` });
  }
  const entry = closure(['index.html']);
  out.entry = entry;
  out.sizes = routes
    .filter((r) => manifest[r.page])
    .map((r) => ({ ...r, ...closure(['index.html', r.page]) }));
  // The portal's own budgets: `node scripts/size.mjs <page> <bytes>` in package.json's size script.
  const pkg = JSON.parse(readFileSync(join(PORTAL, 'package.json'), 'utf8'));
  out.budgets = Object.fromEntries([...(pkg.scripts?.size ?? '').matchAll(/size\.mjs\s+(\S+)\s+(\d+)/g)].map((m) => [m[1], Number(m[2])]));
}

// ---- browser ---------------------------------------------------------------------------------
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--no-first-run', '--disable-quic'];

// Collects web-vitals with every change, and when the submit button first appears.
const COLLECT = `${webVitals}
window.__vitals = {};
const keep = (m) => {
  window.__vitals[m.name] = m.value;
  if (m.name === 'LCP') window.__vitals.lcpTarget = m.attribution?.target ?? null;
  if (m.name === 'CLS') window.__vitals.clsTarget = m.attribution?.largestShiftTarget ?? null;
};
webVitals.onLCP(keep, { reportAllChanges: true });
webVitals.onCLS(keep, { reportAllChanges: true });
webVitals.onFCP(keep);
webVitals.onTTFB(keep);
new MutationObserver((_, obs) => {
  if (document.querySelector('form button[type=submit]')) { window.__formReady = performance.now(); obs.disconnect(); }
}).observe(document, { childList: true, subtree: true });`;

// Flushes web-vitals' final values: they report on the page being hidden.
const FLUSH = () => {
  Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
  document.dispatchEvent(new Event('visibilitychange'));
  window.dispatchEvent(new Event('pagehide'));
  return { ...window.__vitals, formReady: window.__formReady ?? null };
};

async function openBrowser() {
  const dir = await mkdtemp(join(tmpdir(), 'referloop-bench-'));
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM, headless: true, args: ARGS, baseURL: BASE_URL, viewport: { width: 390, height: 844 },
  });
  context.setDefaultTimeout(20_000);
  const host = new URL(BASE_URL).hostname;
  await context.addCookies([
    { name: 'rl_session', value: process.env.RL_SESSION, domain: host, path: '/', httpOnly: true, sameSite: 'Lax' },
    { name: 'rl_csrf', value: process.env.RL_CSRF, domain: host, path: '/', sameSite: 'Strict' },
  ]);
  await context.addInitScript(COLLECT);
  out.chromium = context.browser()?.version() ?? null;
  return { context, async close() { await context.close().catch(() => {}); await rm(dir, { recursive: true, force: true }).catch(() => {}); } };
}

// Loads path in a fresh page with a cold cache (and, if given, a throttled phone profile) and
// returns its web-vitals once the form (or the floor's heading) is there and 1.5 s have passed.
async function load(context, path, ready, throttle) {
  const page = await context.newPage();
  try {
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
    if (throttle) {
      await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
      await cdp.send('Network.emulateNetworkConditions', {
        offline: false, latency: 150, downloadThroughput: (1.6 * 1024 * 1024) / 8, uploadThroughput: (750 * 1024) / 8,
      });
    }
    await page.goto(path, { waitUntil: 'load' });
    await page.locator(ready).first().waitFor({ state: 'visible' });
    await sleep(1500);
    return await page.evaluate(FLUSH);
  } finally {
    await page.close();
  }
}

async function vitals(context) {
  const runs = { refer: [], floor: [], referSlow: [], floorSlow: [] };
  for (let i = 0; i < LOADS; i++) {
    // Alternate which goes first, so drift in the machine's load falls on both.
    const pair = [
      async () => runs.refer.push(await load(context, '/refer', 'form button[type=submit]')),
      async () => runs.floor.push(await load(context, '/_bench/page.html', 'h1')),
    ];
    if (i % 2) pair.reverse();
    for (const f of pair) await f();
  }
  for (let i = 0; i < Math.max(2, Math.ceil(LOADS / 2)); i++) {
    runs.referSlow.push(await load(context, '/refer', 'form button[type=submit]', true));
    runs.floorSlow.push(await load(context, '/_bench/page.html', 'h1', true));
  }
  out.vitals = runs;
}

async function main() {
  try {
    sizes();
  } catch (e) {
    out.errors.push(`sizes: ${e.message}`);
  }
  if (!existsSync(CHROMIUM)) {
    out.errors.push(`${CHROMIUM} not found (make system-deps)`);
  } else {
    const b = await openBrowser();
    try {
      try {
        await vitals(b.context);
      } catch (e) {
        out.errors.push(`vitals: ${e.message}`);
      }
      // Both fills at once: they mostly wait, so they do not disturb each other. Each in its own
      // browser, so each page is a foreground tab (a background tab's frames are throttled, which
      // slows every action the script takes in it).
      const b2 = await openBrowser();
      try {
        const [refer, floor] = await Promise.all([fill(b.context, '/refer'), fill(b2.context, '/_bench/form.html')]);
        out.fill = { refer, floor, keystrokeMs: KEYSTROKE_MS, fieldMs: FIELD_MS };
      } catch (e) {
        out.errors.push(`fill: ${e.message}`);
      } finally {
        await b2.close();
      }
    } finally {
      await b.close();
    }
  }
  process.stdout.write(JSON.stringify(out) + '\n');
}

main().catch((e) => {
  out.errors.push(String(e?.stack ?? e));
  process.stdout.write(JSON.stringify(out) + '\n');
});
