// End to end: accessibility. axe-core runs on every route of src/routes.ts (public pages signed
// out, the staff pages as the demo practice's owner, the referrer's pages as its seeded referrer)
// in both viewports, desktop 1280x800 and phone 390x844, and every page must have no serious or
// critical violation. The test prints a table of the results per page and viewport (violations by
// impact) for the merge notes. A route added to src/routes.ts without a way to visit it here fails
// the test. Then the referral form's scripted fill at a human pace (infra/bench/portal/fill.mjs,
// the benchmark's own script) on the phone viewport, its time printed.
// Needs the local server with the demo seed: go run ./infra/cmd/local -port 3999 -memory, then
// BASE_URL=http://127.0.0.1:3999 npm run e2e. It reads the seeded practice and sends one referral.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { setTimeout as sleep } from 'node:timers/promises';
import { BASE_URL, magicLink, openBrowser, uniqueEmail, waitForMail } from './browser.mjs';
import { fill, FIELD_MS, KEYSTROKE_MS } from '../../infra/bench/portal/fill.mjs';

const require = createRequire(import.meta.url);
// Evaluated through the devtools protocol, which the portal's Content-Security-Policy does not
// govern (a <script> tag would be refused, rightly).
const AXE = await readFile(require.resolve('axe-core/axe.min.js'), 'utf8');

const SLUG = 'lakeside-physical-therapy';
const OWNER = 'owner@lakeside.example';
const REFERRER = 'dr.chen@northside.example';
const VIEWPORTS = [
  { name: 'desktop', width: 1280, height: 800 },
  { name: 'phone', width: 390, height: 844 },
];
const IMPACTS = ['critical', 'serious', 'moderate', 'minor'];

const seeded = await fetch(`${BASE_URL}/v1/practices/${SLUG}/profile`).then((r) => r.ok, () => false);

/** The paths and areas of src/routes.ts. */
async function routeTable() {
  const src = await readFile(new URL('../src/routes.ts', import.meta.url), 'utf8');
  return [...src.matchAll(/\{\s*path:\s*'([^']+)',\s*area:\s*'(\w+)'/g)].map((m) => ({ path: m[1], area: m[2] }));
}

/** Polls the dev mailbox for a sign-in link to `to` sent after `since` (ms); returns it on BASE_URL. */
async function signinLink(to, since, timeoutMs = 15_000) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const res = await fetch(`${BASE_URL}/_dev/mail.json`);
    const mails = res.ok ? await res.json() : [];
    const hit = mails.find((m) => String(m.to).toLowerCase() === to && Date.parse(m.at) >= since - 1000 && m.links?.some((l) => l.includes('/auth#token=')));
    if (hit) {
      const u = new URL(hit.links.find((l) => l.includes('/auth#token=')));
      return `${BASE_URL}${u.pathname}${u.search}${u.hash}`;
    }
    if (Date.now() > end) throw new Error(`no sign-in link to ${to} within ${timeoutMs} ms`);
    await sleep(250);
  }
}

/** Signs in through /signin and the emailed link; waits for a page of `area`. */
async function signIn(page, email, { practice, home }) {
  await page.goto(practice ? `/signin?practice=${practice}` : '/signin');
  await page.locator('form input[type=email]').first().fill(email);
  const since = Date.now();
  await page.locator('form button[type=submit]').first().click();
  await page.getByRole('heading', { name: /check your email/i }).waitFor();
  await page.goto(await signinLink(email, since));
  await page.getByRole('button', { name: /^confirm/i }).click();
  await page.waitForURL(home);
}

/** GET with the page's session cookies. */
async function apiGet(page, path) {
  const res = await page.request.get(path);
  assert.equal(res.status(), 200, `GET ${path}: ${res.status()} ${await res.text()}`);
  return res.json();
}

/** Opens `url`, waits for the page to settle, runs axe; returns the violations. */
async function audit(page, url) {
  await page.goto(url, { waitUntil: 'load' });
  await page.waitForLoadState('networkidle').catch(() => {});
  await page.locator('h1').first().waitFor({ state: 'visible', timeout: 10_000 }).catch(() => {});
  await page.locator('[aria-busy=true], .loading').first().waitFor({ state: 'detached', timeout: 5_000 }).catch(() => {});
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(`${AXE}\n;true`);
  const result = await page.evaluate(() =>
    window.axe.run(document, { resultTypes: ['violations'], runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] } }),
  );
  const heading = (await page.locator('h1').first().textContent({ timeout: 1000 }).catch(() => '')) ?? '';
  return {
    heading: heading.trim().replace(/\s+/g, ' ').slice(0, 40),
    path: new URL(page.url()).pathname,
    violations: result.violations.map((v) => ({ id: v.id, impact: v.impact ?? 'minor', nodes: v.nodes.length, help: v.help,
      targets: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) })),
  };
}

describe(`accessibility (axe-core) against ${BASE_URL}`, { timeout: 300_000, skip: seeded ? false : `the demo practice ${SLUG} is not seeded on this server` }, () => {
  let anon;
  let staff;
  let referrer;
  const rows = []; // one per page and viewport

  before(async () => {
    [anon, staff, referrer] = await Promise.all([openBrowser(), openBrowser(), openBrowser()]);
    await signIn(staff.page, OWNER, { home: '**/practice/referrals' });
    await signIn(referrer.page, REFERRER, { practice: SLUG, home: /\/(refer|referrals)$/ });
    // The metrics page shows its tables once the rollup has run (make dev runs it on a timer).
    const res = await fetch(`${BASE_URL}/_dev/rollup`, { method: 'POST' });
    assert.ok(res.ok, `POST /_dev/rollup: ${res.status} ${await res.text()}`);
  });
  after(async () => {
    await Promise.all([anon, staff, referrer].map((b) => b?.close()));
    if (rows.length) {
      const w = Math.max(...rows.map((r) => r.path.length), 4);
      const lines = [
        `axe-core results: violations (affected elements) by impact, per page and viewport`,
        `${'page'.padEnd(w)}  viewport  ${IMPACTS.map((i) => i.padStart(8)).join('  ')}  rules`,
      ];
      for (const r of rows) {
        const by = Object.fromEntries(IMPACTS.map((i) => [i, r.violations.filter((v) => v.impact === i)]));
        const cell = (i) => (by[i].length ? `${by[i].length} (${by[i].reduce((n, v) => n + v.nodes, 0)})` : '0').padStart(8);
        lines.push(`${r.path.padEnd(w)}  ${r.viewport.padEnd(8)}  ${IMPACTS.map(cell).join('  ')}  ${r.violations.map((v) => `${v.id}:${v.impact}`).join(' ') || '—'}  (h1 “${r.heading}”)`);
      }
      console.log(lines.join('\n'));
    }
  });

  it('visits every route of src/routes.ts in both viewports with no serious or critical violation', async () => {
    const table = await routeTable();
    assert.ok(table.length >= 17, `read ${table.length} routes from src/routes.ts`);

    // The seeded practice's ids: a staff referral, the referrer's own referral.
    const staffList = await apiGet(staff.page, '/v1/referrals?limit=5');
    const staffRef = (staffList.items ?? staffList.referrals ?? staffList)[0]?.id;
    const mine = await apiGet(referrer.page, '/v1/referrals?limit=5');
    const mineRef = (mine.items ?? mine.referrals ?? mine)[0]?.id;
    assert.ok(staffRef && mineRef, 'the seed has referrals for staff and for the referrer');
    const partners = await apiGet(staff.page, '/v1/partners');
    const partnerId = (partners.items ?? partners.partners ?? partners)[0]?.id;
    assert.ok(partnerId, 'the seed has partners');

    // How to visit each route: the URL and who.
    const visit = {
      '/': { url: '/', as: anon },
      '/signup': { url: '/signup', as: anon },
      '/signin': { url: '/signin', as: anon },
      '/auth': { url: '/auth', as: anon },
      '/p/:slug': { url: `/p/${SLUG}`, as: anon },
      '/p/:slug/print': { url: `/p/${SLUG}/print`, as: anon },
      '/r/:slug': { url: `/r/${SLUG}`, as: anon },
      '/practice/partners/:id': { url: `/practice/partners/${partnerId}`, as: staff },
      '/status': { url: '/status', as: anon },
      '/rate': { url: '/rate', as: anon },
      '/practice': { url: '/practice', as: staff },
      '/practice/referrals': { url: '/practice/referrals', as: staff },
      '/practice/referrals/:id': { url: `/practice/referrals/${staffRef}`, as: staff },
      '/practice/partners': { url: '/practice/partners', as: staff },
      '/practice/metrics': { url: '/practice/metrics', as: staff },
      '/practice/settings': { url: '/practice/settings', as: staff },
      '/practice/audit': { url: '/practice/audit', as: staff },
      '/refer': { url: '/refer', as: referrer },
      '/referrals': { url: '/referrals', as: referrer },
      '/referrals/:id': { url: `/referrals/${mineRef}`, as: referrer },
    };
    const byArea = { landing: anon, public: anon, staff, referrer };
    const missing = [];
    for (const route of table) {
      let v = visit[route.path];
      if (!v) {
        // A route added since: visit it as its area's person when it has no parameter.
        if (route.path.includes(':')) {
          missing.push(route.path);
          continue;
        }
        v = { url: route.path, as: byArea[route.area] ?? anon };
      }
      for (const vp of VIEWPORTS) {
        await v.as.page.setViewportSize({ width: vp.width, height: vp.height });
        const { violations, heading, path } = await audit(v.as.page, v.url);
        rows.push({ path: route.path, viewport: vp.name, violations, heading, landed: path });
        // Each page is the page asked for (a staff page not bounced to the sign-in), with its heading.
        assert.ok(heading, `${v.url} (${vp.name}) shows no heading`);
        assert.ok(!/^\/signin/.test(path) || route.path === '/signin', `${v.url} (${vp.name}) went to ${path}`);
      }
    }
    // States of pages worth their own look: the queue's search results.
    for (const [label, url, as] of [['/practice/referrals?q=…', '/practice/referrals?q=silva', staff]]) {
      for (const vp of VIEWPORTS) {
        await as.page.setViewportSize({ width: vp.width, height: vp.height });
        const { violations, heading, path } = await audit(as.page, url);
        rows.push({ path: label, viewport: vp.name, violations, heading, landed: path });
      }
    }
    assert.deepEqual(missing, [], 'routes with a parameter this test does not know how to visit (add them to `visit`)');
    const bad = rows.flatMap((r) => r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => ({ page: r.path, viewport: r.viewport, ...v })));
    assert.deepEqual(bad, [], 'serious or critical axe violations');
    assert.equal(rows.length, (table.length + 1) * VIEWPORTS.length);
  });

  it('phone layouts (390x844): a two-row staff header, the views in one scrolling row, the sources table says it scrolls', async () => {
    const page = staff.page;
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto('/practice/referrals');
    await page.locator('.tabs a').first().waitFor();
    const box = async (sel) => (await page.locator(sel).first().boundingBox()) ?? { height: 0, width: 0 };
    const header = await box('header.site-header');
    const tabs = await box('nav.tabs');
    console.log(`phone 390x844: staff header ${Math.round(header.height)} px tall, the queue's views ${Math.round(tabs.height)} px`);
    assert.ok(header.height <= 110, `the staff header is ${header.height} px tall on a phone`);
    assert.ok(tabs.height <= 80, `the queue's views take ${tabs.height} px on a phone`);
    // Every page and both ways of signing out are in the header's two rows (scrolled into view).
    for (const name of ['Referrals', 'Partners', 'Metrics', 'Settings', 'Audit']) {
      assert.ok(await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name, exact: true }).isVisible(), `${name} in the header`);
    }
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Audit' }).click();
    await page.waitForURL('**/practice/audit');
    assert.ok(await page.getByRole('button', { name: 'Sign out everywhere' }).isVisible());
    // Every view is in the row (it scrolls sideways rather than wrapping).
    await page.goto('/practice/referrals');
    const row = await page.locator('nav.tabs').evaluate((n) => ({ scrolls: n.scrollWidth > n.clientWidth, links: n.querySelectorAll('a').length }));
    assert.ok(row.links >= 10 && row.scrolls, `the views: ${JSON.stringify(row)}`);
    // The metrics sources table: a focusable, labelled region that scrolls, with a hint that it does.
    await page.goto('/practice/metrics');
    const region = page.getByRole('region', { name: 'Referral sources (scrolls sideways)' });
    await region.waitFor();
    const r = await region.evaluate((n) => ({ tabIndex: n.tabIndex, scrolls: n.scrollWidth > n.clientWidth }));
    assert.deepEqual(r, { tabIndex: 0, scrolls: true });
    assert.ok(await page.getByText(/Scroll the table sideways/).isVisible(), 'the hint that the table scrolls');
    await region.focus();
    assert.ok(await region.evaluate((n) => n === document.activeElement), 'the table takes the focus');
    for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowRight');
    // Smooth scrolling takes a moment.
    await page.waitForFunction((el) => el.scrollLeft > 0, await region.elementHandle(), { timeout: 3000 }).catch(() => {});
    assert.ok((await region.evaluate((n) => n.scrollLeft)) > 0, 'the arrow keys scroll the focused table');
  });

  it('the staff queue finds a patient by name and birth date; My referrals says what is overdue and searches', async () => {
    const page = staff.page;
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto('/practice/referrals');
    await page.getByRole('searchbox', { name: 'Find a patient' }).fill('silva 04/02/1980');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForURL(/[?&]q=silva/);
    await page.getByRole('heading', { name: 'Search: “silva 04/02/1980”' }).waitFor();
    const found = page.getByRole('list', { name: 'Referrals' }).getByRole('link');
    await found.first().waitFor();
    assert.deepEqual(await found.locator('.card-title').allTextContents().then((l) => l.map((x) => x.trim())), ['Ana Silva']);
    await page.getByRole('searchbox', { name: 'Find a patient' }).fill('nobody-by-this-name');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByText(/No referral matches|No match among/).waitFor();

    // The referrer: an overdue referral says so in plain words, and the list can be searched.
    const r = referrer.page;
    await r.setViewportSize({ width: 390, height: 844 });
    await r.goto('/referrals');
    await r.getByRole('list', { name: 'My referrals' }).waitFor();
    const words = await r.locator('.status-words').allTextContents();
    assert.ok(words.some((w) => /^Overdue by \d+ (days|hours|minutes?): the practice was to contact the patient by .+ and has not reached them yet\.$/.test(w)), words.join(' | '));
    await r.getByRole('searchbox', { name: 'Search by patient name or reference' }).fill('silva');
    const cards = r.getByRole('list', { name: 'My referrals' }).locator('.card-title');
    await r.waitForFunction(() => document.querySelectorAll('ul[aria-label="My referrals"] li').length === 1);
    assert.match((await cards.first().textContent()) ?? '', /^A\.\s?S\./);
    await r.getByText(/^1 of the \d+ referrals loaded match/).waitFor();
  });

  it('axe itself finds what it should (a check of the check)', async () => {
    await anon.page.goto('/');
    await anon.page.evaluate(() => {
      const img = document.createElement('img');
      img.src = '/favicon.ico';
      document.body.append(img, Object.assign(document.createElement('button'), { type: 'button' }));
    });
    await anon.page.evaluate(`${AXE}\n;true`);
    const result = await anon.page.evaluate(async () => (await window.axe.run(document, { resultTypes: ['violations'] })).violations.map((v) => `${v.id}:${v.impact}`));
    assert.ok(result.includes('image-alt:critical') && result.includes('button-name:critical'), `axe found ${result.join(', ')}`);
  });

  it('the referral form: a scripted fill at a human pace on a phone (390x844)', async () => {
    // Its own practice and referrer, so the demo practice's numbers (which metrics.test.mjs checks)
    // stay the seed's.
    const own = await openBrowser();
    const doc = await openBrowser();
    try {
      const ownerEmail = uniqueEmail('fill-owner');
      const drEmail = uniqueEmail('fill-dr');
      let res = await own.page.request.post('/v1/practices', { data: { practiceName: `Fill Physio ${Date.now().toString(36)}`, email: ownerEmail } });
      assert.equal(res.status(), 202, await res.text());
      await own.page.goto(magicLink(await waitForMail(ownerEmail)));
      await own.page.getByRole('button', { name: /^confirm/i }).click();
      await own.page.waitForURL('**/practice/referrals');
      const csrf = (await own.context.cookies()).find((c) => c.name === 'rl_csrf')?.value;
      const call = async (method, path, data) => {
        const r = await own.page.request.fetch(path, { method, data, headers: { 'X-CSRF-Token': csrf } });
        assert.ok(r.ok(), `${method} ${path}: ${r.status()} ${await r.text()}`);
        return r.json().catch(() => ({}));
      };
      const profile = await call('GET', '/v1/practice');
      await call('PUT', '/v1/practice', { ...profile, conditions: ['Low back pain', 'Knee pain'], intakeContact: { name: 'Intake', phone: '+1 415 555 0100', email: '' } });
      const partner = await call('POST', '/v1/partners', { name: 'Fill Family Medicine', kind: 'pcp' });
      await call('POST', `/v1/partners/${partner.id}/invitations`, { email: drEmail, name: 'Dr. Fill' });
      await doc.page.goto(magicLink(await waitForMail(drEmail)));
      await doc.page.getByRole('button', { name: /^confirm/i }).click();
      await doc.page.waitForURL(/\/(refer|referrals)$/);

      await doc.page.setViewportSize({ width: 390, height: 844 }); // fill() uses the context's first page
      const r = await fill(doc.context, '/refer');
      const beyond = r.ms - r.pacingMs;
      console.log(`referral form, phone 390x844: scripted fill ${(r.ms / 1000).toFixed(1)} s from the form shown to "Referral sent" ` +
        `(${r.fields} steps, ${r.keystrokes} keystrokes at ${KEYSTROKE_MS} ms, ${FIELD_MS} ms before each field: pacing ${(r.pacingMs / 1000).toFixed(1)} s; ` +
        `the page's own time ${(beyond / 1000).toFixed(2)} s); ${r.inputs.length} inputs to fill; formMillis ${r.formMillis ?? '—'}`);
      assert.ok(r.ms >= r.pacingMs, 'the fill took at least its pacing');
      assert.ok(r.ms <= 120_000, `the fill took ${r.ms} ms`);
    } finally {
      await Promise.all([own.close(), doc.close()]);
    }
  });
});
