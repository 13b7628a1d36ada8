// End to end: past referrals (issue 11). A new practice's owner adds a partner, opens "Import past
// referrals" from Partners, checks a history spreadsheet (patient columns, a source that is not a
// partner), reads the dry run (the patient columns left out, the rejected row's reason), confirms,
// watches it to the end, and checking the same file again finds every row already here. Desktop
// (1280x800) and phone (390x844), each page checked with axe-core: no serious or critical violations.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { openBrowser, uniqueEmail, waitForMail, magicLink } from './browser.mjs';

const require = createRequire(import.meta.url);
const axeSource = await readFile(require.resolve('axe-core/axe.min.js'), 'utf8');

/** Runs axe-core in the page; fails on serious or critical violations. */
async function checkA11y(page, where) {
  if (!(await page.evaluate(() => 'axe' in globalThis))) await page.evaluate(axeSource);
  const res = await page.evaluate(async () => await globalThis.axe.run(document, { resultTypes: ['violations'] }));
  const bad = res.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(bad.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`), [], `axe on ${where}`);
}

/** The US date days ago (M/D/YYYY). */
function daysAgo(days) {
  const d = new Date(Date.now() - days * 86_400_000);
  return `${d.getUTCMonth() + 1}/${d.getUTCDate()}/${d.getUTCFullYear()}`;
}

const CSV =
  '\ufeffPatient Name,DOB,Referral Date,Referred By,Status,Appointment Date\r\n' +
  `"Doe, Jane",1/2/1960,${daysAgo(40)},Lakeside Family Medicine,Seen,${daysAgo(30)}\r\n` +
  `Roe,2/3/1970,${daysAgo(20)},lakeside  family medicine,no show,\r\n` +
  `Poe,,${daysAgo(10)},Nobody Practice,seen,\r\n`;

for (const [label, viewport] of [['desktop', { width: 1280, height: 800 }], ['phone', { width: 390, height: 844 }]]) {
  describe(`past referrals import (${label})`, { timeout: 180_000 }, () => {
    let b;
    const owner = uniqueEmail('history-owner');
    before(async () => {
      b = await openBrowser();
      await b.page.setViewportSize(viewport);
    });
    after(async () => b?.close());

    it('signs up a practice with one partner', async () => {
      const { page } = b;
      await page.goto('/signup');
      await page.getByLabel('Practice name').fill(`History Test ${label} PT`);
      await page.getByLabel('Your work email').fill(owner);
      await page.getByRole('button', { name: 'Email me a sign-in link' }).click();
      await page.getByRole('heading', { name: 'Check your email' }).waitFor();
      await page.goto(magicLink(await waitForMail(owner)));
      await page.getByRole('button', { name: 'Confirm' }).click();
      await page.waitForURL('**/practice/referrals');
      const csrf = (await page.context().cookies()).find((c) => c.name === 'rl_csrf')?.value ?? '';
      const r = await page.request.post('/v1/partners', {
        data: { name: 'Lakeside Family Medicine', kind: 'pcp', npi: '1234567893' },
        headers: { 'X-CSRF-Token': csrf },
      });
      assert.equal(r.status(), 201, await r.text());
    });

    it('imports past referrals: dry run, confirm, progress; the same file again adds nothing', async () => {
      const { page } = b;
      await page.goto('/practice/partners');
      await page.getByRole('heading', { name: 'Partners', level: 1 }).waitFor();
      await page.getByRole('link', { name: 'Import past referrals (CSV)' }).click();
      await page.getByRole('heading', { name: 'Import past referrals' }).waitFor();
      await checkA11y(page, 'past referrals');
      const file = { name: 'history.csv', mimeType: 'text/csv', buffer: Buffer.from(CSV) };
      await page.getByLabel('CSV file of past referrals').setInputFiles(file);
      await page.getByRole('button', { name: 'Check the file' }).click();
      await page.getByRole('heading', { name: 'What the import would do' }).waitFor();
      await page.getByText('3 rows: 2 new, 0 already here, 1 rejected.').waitFor();
      await page.getByText('Patient details not imported: Patient Name, DOB.').waitFor();
      const rows = page.getByRole('table').locator('tbody tr');
      assert.equal(await rows.count(), 3);
      const text = await rows.allInnerTexts();
      assert.match(text[0], /Lakeside Family Medicine.*Seen.*New/s);
      assert.match(text[2], /Rejected.*import partners first/s);
      assert.doesNotMatch(text.join(' '), /Doe|1960/);
      await checkA11y(page, 'past referrals dry run');
      await page.getByRole('button', { name: 'Import 2 past referrals' }).click();
      await page.getByRole('heading', { name: 'Import done' }).waitFor({ timeout: 30_000 });
      await page.getByText('2 added, 0 already here, 1 rejected.').waitFor();
      await checkA11y(page, 'past referrals done');
      // The partner carries its history; no referral was made.
      const partners = (await (await page.request.get('/v1/partners')).json()).items;
      assert.equal(partners[0].referralCount, 2);
      assert.equal((await (await page.request.get('/v1/referrals')).json()).items.length, 0);
      // The same file again: every row already here, nothing to import.
      await page.getByLabel('CSV file of past referrals').setInputFiles(file);
      await page.getByRole('button', { name: 'Check the file' }).click();
      await page.getByText('3 rows: 0 new, 2 already here, 1 rejected.').waitFor();
      assert.equal(await page.getByRole('button', { name: 'Nothing to import' }).isDisabled(), true);
    });
  });
}
