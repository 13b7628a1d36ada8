// End to end: the metrics. The seeded demo practice's owner signs in through /signin, the rollup
// runs, and the Metrics page shows the API's numbers: the KPI tiles, the per-source table (with the
// quiet source), sorting by mouse and keyboard, and CSV exports that match the table and the trend.
// The partners page shows a partner's scorecard, and the seeded referrer sees their own scorecard
// on "My referrals". Every number is compared with the API's answer (true by construction); the
// seed's fixed ones (12 referrals, all from Northside Family Medicine) are checked too.
// Needs the local server with the demo seed: go run ./infra/cmd/local -port 3999 -memory, then
// BASE_URL=http://127.0.0.1:3999 npm run e2e. It only reads the seeded practice (no changes).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { BASE_URL, openBrowser } from './browser.mjs';

const SLUG = 'lakeside-physical-therapy';
const OWNER = 'owner@lakeside.example';
const REFERRER = 'dr.chen@northside.example';
const SEED_REFERRALS = 12;

// The seed exists on the local server (go run ./infra/cmd/local); a server started without it
// (-no-seed) has nothing for this test to read.
const seeded = await fetch(`${BASE_URL}/v1/practices/${SLUG}/profile`).then((r) => r.ok, () => false);

/** Polls the dev mailbox for a sign-in link to `to` sent after `since` (ms); returns it on BASE_URL. */
async function signinLink(to, since, timeoutMs = 15_000) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const res = await fetch(`${BASE_URL}/_dev/mail.json`);
    assert.ok(res.ok, `GET /_dev/mail.json: ${res.status}`);
    const hit = (await res.json()).find((m) => String(m.to).toLowerCase() === to && Date.parse(m.at) >= since - 1000 && m.links?.some((l) => l.includes('/auth#token=')));
    if (hit) {
      const u = new URL(hit.links.find((l) => l.includes('/auth#token=')));
      return `${BASE_URL}${u.pathname}${u.search}${u.hash}`;
    }
    if (Date.now() > end) throw new Error(`no sign-in link to ${to} within ${timeoutMs} ms`);
    await sleep(250);
  }
}

/** Signs in through /signin (a referrer with ?practice=) and the emailed link; waits for `home`. */
async function signIn(page, email, { practice, home }) {
  await page.goto(practice ? `/signin?practice=${practice}` : '/signin');
  await page.getByLabel('Your email').fill(email);
  const since = Date.now();
  await page.getByRole('button', { name: 'Email me a sign-in link' }).click();
  await page.getByRole('heading', { name: 'Check your email' }).waitFor();
  await page.goto(await signinLink(email, since));
  await page.getByRole('button', { name: 'Confirm' }).click();
  await page.waitForURL(`**${home}`);
}

/** GET with the page's session cookies. */
async function apiGet(page, path) {
  const res = await page.request.get(path);
  assert.equal(res.status(), 200, `GET ${path}: ${res.status()} ${await res.text()}`);
  return res.json();
}

/** RFC 4180 CSV → rows of fields (quoted fields may hold commas, quotes and line breaks). */
function parseCsv(text) {
  const rows = [];
  let row = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') field += text[i++];
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') row.push(field), (field = '');
    else if (c === '\r' && text[i + 1] === '\n') continue;
    else if (c === '\n') row.push(field), rows.push(row), (row = []), (field = '');
    else field += c;
  }
  if (field || row.length) row.push(field), rows.push(row);
  return rows;
}

const pct = (x) => (x == null ? '—' : `${Math.round(x * 100)}%`);
const utcDay = (d) => d.toISOString().slice(0, 10);

describe(`metrics against ${BASE_URL}`, { timeout: 180_000, skip: seeded ? false : `the demo practice ${SLUG} is not seeded on this server` }, () => {
  let staff;
  let referrer;
  let view; // the API's answer behind the page: GET /v1/metrics?groupBy=source
  let trend; // … and groupBy=week

  before(async () => {
    staff = await openBrowser();
  });

  after(async () => {
    await referrer?.close();
    await staff?.close();
  });

  /** The per-source table: its header labels and its rows' cell texts. */
  async function sourcesTable() {
    const table = staff.page.locator('table.sources-table');
    await table.waitFor();
    return table.evaluate((t) => ({
      headers: [...t.querySelectorAll('thead th')].map((th) => th.querySelector('.th-label').textContent.trim()),
      rows: [...t.querySelectorAll('tbody tr')].map((tr) => ({
        cells: [...tr.querySelectorAll('th, td')].map((c) => c.textContent.trim()),
        dormant: tr.dataset.dormant === 'true',
      })),
    }));
  }

  const columnIndex = (headers, label) => {
    const i = headers.indexOf(label);
    assert.ok(i >= 0, `no column "${label}" in ${headers.join(', ')}`);
    return i;
  };

  /** Cells of a column read as numbers (percentages as such); "—" (no value) as null. */
  const numbers = (rows, i) => rows.map((r) => (r.cells[i] === '—' ? null : Number(r.cells[i].replace(/[%,]/g, ''))));

  /** Sorted in `dir`, with the missing values (null) last. */
  function assertSorted(values, dir, what) {
    const present = values.filter((v) => v != null);
    assert.deepEqual(values.slice(0, present.length), present, `${what}: values without a number come last (${values})`);
    for (let i = 1; i < present.length; i++) {
      assert.ok(dir === 'desc' ? present[i - 1] >= present[i] : present[i - 1] <= present[i], `${what} sorted ${dir}: ${values}`);
    }
  }

  it('the owner signs in through /signin and the rollup runs', async () => {
    await signIn(staff.page, OWNER, { home: '/practice/referrals' });
    const res = await fetch(`${BASE_URL}/_dev/rollup`, { method: 'POST' });
    assert.ok(res.ok, `POST /_dev/rollup: ${res.status} ${await res.text()}`);
  });

  it('shows the last 90 days: KPI tiles from the API, 12 referrals received', async () => {
    const { page } = staff;
    const source = page.waitForResponse((r) => r.url().includes('/v1/metrics?') && r.url().includes('groupBy=source'));
    const week = page.waitForResponse((r) => r.url().includes('/v1/metrics?') && r.url().includes('groupBy=week'));
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Metrics' }).click();
    await page.waitForURL('**/practice/metrics');
    view = await (await source).json();
    trend = await (await week).json();
    await page.getByRole('heading', { name: 'Metrics', level: 1 }).waitFor();
    assert.equal(await page.getByRole('navigation', { name: 'Period' }).getByRole('link', { name: 'Last 90 days' }).getAttribute('aria-current'), 'page');

    // the default range: 90 days to today (UTC days, as the API counts)
    const today = new Date();
    assert.equal(view.to, utcDay(today));
    assert.equal(view.from, utcDay(new Date(today.getTime() - 89 * 86_400_000)));
    assert.ok(view.asOf, 'the rollup ran, so there is an asOf');
    await page.getByText(/^Numbers as of (\w{3} \d{1,2}, )?\d{2}:\d{2}$/).waitFor();

    const tiles = page.getByRole('list', { name: 'Key numbers' });
    const tile = (label) => tiles.getByRole('listitem').filter({ hasText: label }).locator('.kpi-value');
    assert.equal(await tile('Referrals received').textContent(), String(view.total.received));
    assert.equal(await tile('Show rate').textContent(), pct(view.total.showRate));
    assert.equal(await tile('Contacted on time').textContent(), pct(view.total.contactCompliance));

    // The API's count is the referrals received in the range, as the practice's own list says.
    const days = [];
    let cursor = '';
    do {
      const p = await apiGet(page, `/v1/referrals?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      days.push(...p.items.map((r) => utcDay(new Date(r.createdAt))));
      cursor = p.nextCursor ?? '';
    } while (cursor);
    assert.equal(view.total.received, days.filter((d) => d >= view.from && d <= view.to).length, 'received = the referrals created in the range');
    assert.equal(view.total.received, SEED_REFERRALS, 'the seed sent 12 referrals in the last 90 days');

    // the funnel's first bar is everything received
    const funnel = page.getByRole('list', { name: 'Funnel' });
    await funnel.getByRole('listitem').filter({ hasText: 'Received' }).getByText(String(view.total.received), { exact: true }).waitFor();
    await funnel.getByRole('listitem').filter({ hasText: 'Seen' }).getByText(String(view.total.seen), { exact: true }).waitFor();
  });

  it('lists every source: Northside Family Medicine with 12, Harbor Chiropractic quiet with 0', async () => {
    const { headers, rows } = await sourcesTable();
    const received = columnIndex(headers, 'Received');
    const byName = new Map(rows.map((r) => [r.cells[0], r]));
    // one row per partner that referred in the range, plus every other known source
    const names = new Set([...view.groups.map((g) => g.label), ...view.sources.map((s) => s.name)]);
    assert.equal(rows.length, names.size);

    const northside = view.groups.find((g) => g.label === 'Northside Family Medicine');
    assert.ok(northside, 'the API has a Northside Family Medicine group');
    assert.equal(northside.received, SEED_REFERRALS);
    assert.equal(byName.get('Northside Family Medicine')?.cells[received], String(northside.received));

    const harbor = byName.get('Harbor Chiropractic');
    assert.ok(harbor, 'Harbor Chiropractic is listed');
    const harborHealth = view.sources.find((s) => s.name === 'Harbor Chiropractic');
    const harborGroup = view.groups.find((g) => g.label === 'Harbor Chiropractic');
    assert.equal(harbor.cells[received], String(harborGroup?.received ?? 0));
    assert.equal(harbor.dormant, harborHealth.dormant, 'highlighted exactly when the API calls it dormant');
    assert.ok(harbor.dormant || harbor.cells[received] === '0', 'Harbor Chiropractic is highlighted as quiet or shows 0');
    if (harbor.dormant) assert.match(harbor.cells[columnIndex(headers, 'Status')], /^(Quiet for \d+ days? \(|No referrals in the last 12 months)/);
    // the rows of the table are those of the API
    for (const g of view.groups) assert.equal(byName.get(g.label)?.cells[received], String(g.received));
  });

  it('sorts by show rate (and back), and by volume from the keyboard', async () => {
    const { page } = staff;
    const table = page.locator('table.sources-table');
    const header = (label) => table.locator('thead th').filter({ has: page.getByRole('button', { name: label }) });

    await table.getByRole('button', { name: /Show rate/ }).click();
    assert.equal(await header(/Show rate/).getAttribute('aria-sort'), 'descending');
    let { headers, rows } = await sourcesTable();
    assertSorted(numbers(rows, columnIndex(headers, 'Show rate')), 'desc', 'show rate');
    await page.getByRole('status').filter({ hasText: 'Sorted by show rate, highest first.' }).waitFor();

    await table.getByRole('button', { name: /Show rate/ }).click();
    assert.equal(await header(/Show rate/).getAttribute('aria-sort'), 'ascending');
    ({ headers, rows } = await sourcesTable());
    assertSorted(numbers(rows, columnIndex(headers, 'Show rate')), 'asc', 'show rate');

    const receivedButton = table.getByRole('button', { name: /^Received/ });
    await receivedButton.focus();
    await page.keyboard.press('Enter');
    assert.equal(await header(/^Received/).getAttribute('aria-sort'), 'descending');
    assert.equal(await header(/Show rate/).getAttribute('aria-sort'), null);
    ({ headers, rows } = await sourcesTable());
    assertSorted(numbers(rows, columnIndex(headers, 'Received')), 'desc', 'received');
    assert.equal(rows[0].cells[0], 'Northside Family Medicine', 'the busiest source first');

    await page.keyboard.press('Space');
    assert.equal(await header(/^Received/).getAttribute('aria-sort'), 'ascending');
    ({ headers, rows } = await sourcesTable());
    assertSorted(numbers(rows, columnIndex(headers, 'Received')), 'asc', 'received');
    await page.keyboard.press('Enter'); // back to the busiest first
  });

  it('exports the per-source table as CSV: the same header and rows', async () => {
    const { page } = staff;
    const section = page.getByRole('region', { name: 'Referral sources' });
    const [download] = await Promise.all([page.waitForEvent('download'), section.getByRole('button', { name: /^Export CSV/ }).click()]);
    assert.match(download.suggestedFilename(), /^referloop-sources-\d{4}-\d{2}-\d{2}-to-\d{4}-\d{2}-\d{2}\.csv$/);
    const text = await readFile(await download.path(), 'utf8');
    assert.ok(text.startsWith('\uFEFF'), 'a byte order mark, for spreadsheets');
    assert.ok(text.endsWith('\r\n'));
    const [head, ...body] = parseCsv(text.slice(1));

    const { headers, rows } = await sourcesTable();
    assert.equal(head.length, headers.length);
    headers.forEach((h, i) => assert.ok(head[i] === h || head[i].startsWith(`${h} (`), `CSV column ${i}: "${head[i]}" for "${h}"`));
    assert.equal(body.length, rows.length);
    const counts = ['Received', 'Scheduled', 'Seen'].map((l) => columnIndex(headers, l));
    const showRate = columnIndex(headers, 'Show rate');
    const status = columnIndex(headers, 'Status');
    body.forEach((line, r) => {
      assert.equal(line[0], rows[r].cells[0], `row ${r}: the same source in the same order`);
      for (const i of counts) assert.equal(line[i], rows[r].cells[i], `row ${r}, ${headers[i]}`);
      assert.equal(line[showRate] === '' ? '—' : `${Math.round(Number(line[showRate]))}%`, rows[r].cells[showRate]);
      assert.equal(line[status], rows[r].cells[status]);
    });
    await page.getByRole('status').filter({ hasText: `Downloaded ${download.suggestedFilename()}.` }).waitFor();
  });

  it('draws the weekly trend and exports it as CSV', async () => {
    const { page } = staff;
    const section = page.getByRole('region', { name: 'Referrals per week' });
    await section.getByRole('img', { name: new RegExp(`^Referrals per week: ${view.total.received} received`) }).waitFor();
    const [download] = await Promise.all([page.waitForEvent('download'), section.getByRole('button', { name: /^Export CSV/ }).click()]);
    const [head, ...body] = parseCsv((await readFile(await download.path(), 'utf8')).slice(1));
    assert.deepEqual(head, ['Week', 'Week starting', 'Received', 'Scheduled', 'Seen']);
    const byWeek = new Map(trend.groups.map((g) => [g.key, g]));
    for (const [week, , received, scheduled, seen] of body) {
      assert.match(week, /^\d{4}-W\d{2}$/);
      const g = byWeek.get(week);
      assert.deepEqual([received, scheduled, seen].map(Number), [g?.received ?? 0, g?.scheduled ?? 0, g?.seen ?? 0], week);
    }
    assert.ok(trend.groups.every((g) => body.some(([w]) => w === g.key)), 'every week of the API is in the file');
  });

  it('switches to the last 12 months (by month) and back', async () => {
    const { page } = staff;
    const month = page.waitForResponse((r) => r.url().includes('/v1/metrics?') && r.url().includes('groupBy=month'));
    await page.getByRole('navigation', { name: 'Period' }).getByRole('link', { name: 'Last 12 months' }).click();
    const months = await (await month).json();
    await page.getByRole('heading', { name: 'Referrals per month' }).waitFor();
    assert.match(months.from, /-01$/, 'whole months');
    await page.getByRole('navigation', { name: 'Period' }).getByRole('link', { name: 'Last 90 days' }).click();
    await page.getByRole('heading', { name: 'Referrals per week' }).waitFor();
  });

  it('takes a custom range, checked before it is asked for', async () => {
    const { page } = staff;
    await page.getByRole('navigation', { name: 'Period' }).getByRole('link', { name: 'Custom' }).click();
    const form = page.getByRole('form', { name: 'Custom period' });
    // it starts from the range shown
    assert.equal(await form.getByLabel('From').inputValue(), view.from);
    assert.equal(await form.getByLabel('To').inputValue(), view.to);
    await form.getByLabel('From').fill(view.to);
    await form.getByLabel('To').fill(view.from);
    await form.getByRole('link', { name: 'Show' }).click();
    await form.getByText('The start must not be after the end').waitFor();
    assert.equal(await form.getByLabel('From').evaluate((el) => el === document.activeElement), true);

    const from = utcDay(new Date(Date.parse(view.to) - 29 * 86_400_000));
    // This range's answer, not a late one of the period shown before (a slow machine still delivers those).
    const asked = page.waitForResponse((r) => r.url().includes('/v1/metrics?') && r.url().includes('groupBy=source') && r.url().includes(`from=${from}`));
    await form.getByLabel('From').fill(from);
    await form.getByLabel('To').fill(view.to);
    await form.getByLabel('To').press('Enter');
    const custom = await (await asked).json();
    assert.deepEqual([custom.from, custom.to], [from, view.to]);
    await page.waitForURL((u) => u.searchParams.get('range') === 'custom' && u.searchParams.get('from') === from);
    const tile = page.getByRole('list', { name: 'Key numbers' }).getByRole('listitem').filter({ hasText: 'Referrals received' }).locator('.kpi-value');
    await page.waitForFunction(([n]) => document.querySelector('.kpi-value')?.textContent === n, [String(custom.total.received)]);
    assert.equal(await tile.textContent(), String(custom.total.received));
    await page.getByRole('navigation', { name: 'Period' }).getByRole('link', { name: 'Last 90 days' }).click();
  });

  it('shows a partner’s scorecard on the partners page', async () => {
    const { page } = staff;
    const id = view.sources.find((s) => s.name === 'Northside Family Medicine').id;
    const card = await apiGet(page, `/v1/partners/${id}/scorecard`);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Partners' }).click();
    const region = page.getByRole('region', { name: 'Northside Family Medicine' });
    await region.getByText('Scorecard', { exact: true }).click();
    await region.getByText(`Last 12 months: ${card.received} received · ${card.seen} seen · show rate ${pct(card.showRate)}`, { exact: false }).waitFor();
    await region.getByText(card.health.dormant ? /^Quiet for|^No referrals/ : /^Active: last referral/).waitFor();
  });

  it('the referrer sees their scorecard on My referrals: 12 sent', async () => {
    referrer = await openBrowser();
    const { page } = referrer;
    await signIn(page, REFERRER, { practice: SLUG, home: '/refer' });
    const mine = await apiGet(page, '/v1/scorecard');
    assert.equal(mine.sent, SEED_REFERRALS);
    await page.getByRole('navigation').getByRole('link', { name: 'My referrals' }).click();
    const scorecard = page.getByRole('region', { name: 'Your scorecard' });
    await scorecard.getByText(`You sent ${mine.sent} referrals · ${mine.seen} seen`, { exact: false }).waitFor();
    assert.match(await scorecard.textContent(), /You sent 12 referrals/);
  });
});
