// End to end: the referral network's partner list and import wizard (issue 11). A new practice's
// owner signs up, imports a partner CSV through the wizard (a messy file: BOM, Windows line endings,
// header synonyms, a quoted comma, an invalid NPI, a repeated row), reads the dry run row by row,
// confirms, watches the progress to the end, and finds the partners listed, filtered and searched;
// a partner's page opens from the list. Desktop (1280x800) and phone (390x844), each page checked
// with axe-core: no serious or critical violations.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { openBrowser, uniqueEmail, waitForMail, magicLink } from './browser.mjs';

const require = createRequire(import.meta.url);
const axeSource = await readFile(require.resolve('axe-core/axe.min.js'), 'utf8');

/** Runs axe-core in the page; fails on serious or critical violations. */
async function checkA11y(page, where) {
  // Evaluated over the DevTools protocol: the portal's CSP (rightly) refuses an inline script tag.
  if (!(await page.evaluate(() => 'axe' in globalThis))) await page.evaluate(axeSource);
  const res = await page.evaluate(async () => await globalThis.axe.run(document, { resultTypes: ['violations'] }));
  const bad = res.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(bad.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`), [], `axe on ${where}`);
}

const CSV =
  '\ufeffPractice Name,NPI #,E-mail,Phone Number,Type,Zip,Tags\r\n' +
  '"Lakeside Family Medicine, LLC",1234567893,front@lakeside.example,(312) 555-0142,Family Medicine,60614,vip\r\n' +
  'Northside Chiropractic,1245319599,hello@northside.example,312.555.0199,Chiro,60614,east\r\n' +
  'Bad Check Digit Clinic,1234567890,bad@example.com,,PCP,60601,\r\n' +
  '\r\n' +
  '"Lakeside Family Medicine, LLC",1234567893,front@lakeside.example,(312) 555-0142,Family Medicine,60614,vip\r\n' +
  'Riverside Physical Therapy,1000000004,pt@riverside.example,,Physical Therapy,60605,"vip; east"\r\n';

for (const [label, viewport] of [['desktop', { width: 1280, height: 800 }], ['phone', { width: 390, height: 844 }]]) {
  describe(`partners and the import wizard (${label})`, { timeout: 180_000 }, () => {
    let b;
    const owner = uniqueEmail('partners-owner');
    before(async () => {
      b = await openBrowser();
      await b.page.setViewportSize(viewport);
    });
    after(async () => b?.close());

    it('signs up a practice', async () => {
      const { page } = b;
      await page.goto('/signup');
      await page.getByLabel('Practice name').fill(`Import Test ${label} PT`);
      await page.getByLabel('Your work email').fill(owner);
      await page.getByRole('button', { name: 'Email me a sign-in link' }).click();
      await page.getByRole('heading', { name: 'Check your email' }).waitFor();
      await page.goto(magicLink(await waitForMail(owner)));
      await page.getByRole('button', { name: 'Confirm' }).click();
      await page.waitForURL('**/practice/referrals');
    });

    it('imports a CSV through the wizard: dry run, confirm, progress', async () => {
      const { page } = b;
      await page.goto('/practice/partners');
      await page.getByRole('heading', { name: 'Partners', level: 1 }).waitFor();
      await checkA11y(page, 'partners (empty)');
      await page.getByRole('link', { name: 'Import from a spreadsheet (CSV)' }).click();
      await page.getByRole('heading', { name: 'Import partners from a spreadsheet' }).waitFor();
      await page.getByLabel('CSV file').setInputFiles({ name: 'partners.csv', mimeType: 'text/csv', buffer: Buffer.from(CSV) });
      await page.getByRole('button', { name: 'Check the file' }).click();
      await page.getByRole('heading', { name: 'What the import would do' }).waitFor();
      await page.getByText('5 rows: 3 new, 0 updated, 0 unchanged, 2 rejected.').waitFor();
      const rows = page.getByRole('table').locator('tbody tr');
      assert.equal(await rows.count(), 5);
      const text = await rows.allInnerTexts();
      assert.match(text[0], /Lakeside Family Medicine, LLC.*New/s);
      assert.match(text[2], /Rejected.*npi: must be a 10-digit NPI with a valid check digit/s);
      assert.match(text[3], /Rejected.*duplicate of line 2/s);
      await checkA11y(page, 'import dry run');
      // Nothing changed yet.
      assert.equal((await (await page.request.get('/v1/partners')).json()).items.length, 0);
      await page.getByRole('button', { name: 'Import 3 partners' }).click();
      await page.getByRole('heading', { name: 'Import done' }).waitFor({ timeout: 30_000 });
      await page.getByText('3 created, 0 updated, 0 unchanged, 2 rejected.').waitFor();
      await checkA11y(page, 'import done');
    });

    it('lists the partners, filters and searches them, and opens one', async () => {
      const { page } = b;
      await page.getByRole('link', { name: 'See your partners' }).click();
      await page.getByRole('heading', { name: 'Partners', level: 1 }).waitFor();
      const names = async () => (await page.getByRole('list', { name: 'Partners' }).locator('.card-title a').allInnerTexts()).map((s) => s.trim());
      await page.getByText('3 partners').waitFor();
      assert.deepEqual(await names(), ['Lakeside Family Medicine, LLC', 'Northside Chiropractic', 'Riverside Physical Therapy']);
      await page.getByLabel('Filter by type').selectOption('chiropractor');
      await page.getByText('1 partner match').waitFor();
      assert.deepEqual(await names(), ['Northside Chiropractic']);
      await page.getByLabel('Filter by type').selectOption('');
      await page.getByLabel('Filter by tag').fill('vip');
      await page.getByText('2 partners match').waitFor();
      assert.deepEqual(await names(), ['Lakeside Family Medicine, LLC', 'Riverside Physical Therapy']);
      await page.getByLabel('Filter by tag').fill('');
      await page.getByLabel('Filter by stage').selectOption('prospect');
      await page.getByText('3 partners match').waitFor();
      await page.getByLabel('Filter by stage').selectOption('');
      await page.getByLabel('Search partners').fill('river');
      await page.getByText('1 partner match').waitFor();
      await page.getByLabel('Search partners').fill('');
      await page.getByLabel('Sort by').selectOption('-name');
      const want = ['Riverside Physical Therapy', 'Northside Chiropractic', 'Lakeside Family Medicine, LLC'];
      for (let i = 0; i < 300 && JSON.stringify(await names()) !== JSON.stringify(want); i++) await page.waitForTimeout(100);
      assert.deepEqual(await names(), want);
      await checkA11y(page, 'partners (filtered)');
      await page.getByRole('link', { name: 'Northside Chiropractic' }).click();
      await page.getByRole('heading', { name: /Northside Chiropractic/, level: 1 }).waitFor();
      assert.equal(await page.getByLabel('Phone (optional)').inputValue(), '+13125550199');
      await page.getByText('No referrals from this partner yet.').waitFor();
      await checkA11y(page, 'partner page');
    });
  });
}
