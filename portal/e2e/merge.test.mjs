// End to end: merging a new source into a partner the practice knows (issue 10 item 2, issue 11
// item 1). A provider the practice never invited refers from its public page (a new source); staff
// open "Merge into…" beside "Confirm source", find the partner they know, read what will happen and
// merge; the known partner's page then lists the new source's referral, the merged source's page
// says where it went, and the partner page's own "Merge another source into this one" opens the
// same dialog. axe-core runs on the merge dialog (and the pages around it) at desktop (1280x800)
// and phone (390x844) widths: no serious or critical violations.
// Needs the local server (API + built portal on one origin): BASE_URL=http://127.0.0.1:3999 npm run e2e
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { BASE_URL, magicLink, openBrowser, uniqueEmail, waitForMail } from './browser.mjs';

const require = createRequire(import.meta.url);
const axeSource = await readFile(require.resolve('axe-core/axe.min.js'), 'utf8');

const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };

const ownerEmail = uniqueEmail('owner-mg');
const newcomerEmail = uniqueEmail('dr-merge');
const practiceName = `Bayside Ortho ${Date.now().toString(36)}`;
const knownName = 'Westside Family Practice';
const sourceName = 'Nguyen Spine Clinic';

const axeLog = [];

/** Runs axe on the page at both widths; fails on any serious or critical violation. */
async function axeCheck(page, label) {
  const back = page.viewportSize();
  for (const [name, size] of [['desktop', DESKTOP], ['phone', PHONE]]) {
    await page.setViewportSize(size);
    await page.waitForTimeout(100);
    if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(axeSource);
    const result = await page.evaluate(async () => {
      const r = await window.axe.run(document, { resultTypes: ['violations'] });
      return r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(' ')).slice(0, 3) }));
    });
    const bad = result.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    axeLog.push(`${label} (${name}): ${bad.length} serious/critical${result.length ? `, ${result.length} in all` : ''}`);
    assert.deepEqual(bad, [], `axe on ${label} at ${name} width`);
    if (name === 'phone') {
      // Nothing wider than the phone: the dialog and the page fit 390 px.
      const wide = await page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(wide <= PHONE.width, `${label}: the page is ${wide}px wide on a 390px phone`);
    }
  }
  await page.setViewportSize(back ?? DESKTOP);
}

describe(`merging a new source into a known partner against ${BASE_URL}`, { timeout: 240_000 }, () => {
  let owner;
  let slug;
  let knownId;

  before(async () => {
    owner = await openBrowser();
    await owner.page.setViewportSize(DESKTOP);
  });

  after(async () => {
    await owner?.close();
    if (axeLog.length) console.log(`axe results:\n  ${axeLog.join('\n  ')}`);
  });

  it('the owner signs up and adds the partner the practice knows', async () => {
    const { page } = owner;
    await page.goto('/signup');
    await page.getByLabel('Practice name').fill(practiceName);
    await page.getByLabel('Your work email').fill(ownerEmail);
    await page.getByRole('button', { name: 'Email me a sign-in link' }).click();
    await page.getByRole('heading', { name: 'Check your email' }).waitFor();
    await page.goto(magicLink(await waitForMail(ownerEmail)));
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.waitForURL('**/practice/referrals');
    slug = (await (await page.request.get('/v1/me')).json()).practice.slug;

    await page.getByRole('navigation').getByRole('link', { name: 'Partners' }).click();
    await page.getByLabel('Practice or person name').fill(knownName);
    await page.getByLabel('Kind').selectOption({ label: 'Primary care (PCP)' });
    await page.getByRole('button', { name: 'Add partner' }).click();
    await page.getByRole('region', { name: knownName }).waitFor();
    const list = await (await page.request.get('/v1/partners')).json();
    knownId = list.items.find((p) => p.name === knownName).id;
  });

  it('a provider the practice never invited joins from its public page and refers', async () => {
    const newcomer = await openBrowser();
    try {
      const { page } = newcomer;
      await page.goto(`/p/${slug}`);
      await page.getByLabel('Your work email').fill(newcomerEmail);
      await page.getByRole('button', { name: 'Email me a link to refer' }).click();
      await page.getByRole('heading', { name: 'Check your email' }).waitFor();
      await page.goto(magicLink(await waitForMail(newcomerEmail)));
      await page.getByRole('button', { name: 'Continue to refer' }).click();
      await page.getByText('Enter your name').waitFor();
      await page.getByLabel('Your name').fill('Dr. An Nguyen');
      await page.getByLabel('Your practice or organization').fill(sourceName);
      await page.getByLabel('Kind of practice').selectOption({ label: 'Chiropractor' });
      await page.getByLabel('NPI (optional)').fill('1245319599');
      await page.getByRole('button', { name: 'Continue to refer' }).click();
      await page.waitForURL('**/refer');
      await page.getByLabel('First name').fill('Cara');
      await page.getByLabel('Last name').fill('Merged');
      await page.getByLabel('Date of birth').fill('1975-09-14');
      await page.getByLabel('Phone').fill('(201) 555-0177');
      await page.getByLabel(/agrees to be contacted/).check();
      await page.getByRole('radio', { name: 'Other' }).check();
      await page.getByLabel('Other reason').fill('Neck pain after a fall');
      await page.getByRole('button', { name: 'Send referral' }).click();
      await page.getByRole('heading', { name: 'Referral sent' }).waitFor();
    } finally {
      await newcomer.close();
    }
  });

  it('staff merge the new source into the partner they know; its page shows the referral', async () => {
    const { page } = owner;
    await page.goto('/practice/partners');
    await page.getByText(/1 new source signed up from your public page/).waitFor();
    await page.getByLabel('Show only new sources').check();
    const card = page.getByRole('region', { name: new RegExp(sourceName) });
    await card.getByText('NPI 1245319599').waitFor();
    await axeCheck(page, 'new sources with Merge into…');
    await card.getByRole('button', { name: `Merge into… another partner: source ${sourceName}` }).click();

    const dialog = page.getByRole('dialog', { name: `Merge ${sourceName} into another partner` });
    await dialog.waitFor();
    // The search has the focus; the list offers the known partner, not the source itself.
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('type')), 'search');
    await dialog.getByRole('radio', { name: new RegExp(knownName) }).waitFor();
    assert.equal(await dialog.getByRole('radio', { name: new RegExp(sourceName) }).count(), 0);
    await axeCheck(page, 'merge dialog (pick)');
    await dialog.getByLabel('Find a partner').fill('Westside');
    await dialog.getByRole('radio', { name: new RegExp(knownName) }).check();
    const what = dialog.getByRole('region', { name: 'What will happen' });
    await what.getByText(`${sourceName} is archived and marked "merged into ${knownName}"`, { exact: false }).waitFor();
    await what.getByText(/takes what it lacks .*NPI 1245319599/).waitFor();
    await axeCheck(page, 'merge dialog (what will happen)');
    await dialog.getByRole('button', { name: `Merge ${sourceName} into ${knownName}` }).click();
    await page.getByText(`Merged ${sourceName} into ${knownName}`, { exact: false }).waitFor();
    await dialog.waitFor({ state: 'hidden' });
    await page.getByText('No new sources to confirm.').waitFor();

    // The known partner's page lists the new source's referral; it took the NPI and is confirmed.
    await page.goto(`/practice/partners/${knownId}`);
    await page.getByRole('heading', { name: new RegExp(knownName), level: 1 }).waitFor();
    assert.equal(await page.getByLabel('NPI (optional)').inputValue(), '1245319599');
    const referrals = page.getByRole('list', { name: `Referrals from ${knownName}` });
    await referrals.getByRole('link', { name: /Received/ }).first().waitFor();
    assert.equal(await referrals.getByRole('listitem').count(), 1);
    await referrals.getByText(/Dr\. An Nguyen/).waitFor();
    await axeCheck(page, '/practice/partners/{id} (merged into)');

    // The partner page's own control opens the same dialog, with this partner as the target.
    await page.getByRole('button', { name: 'Merge another source into this one' }).click();
    const own = page.getByRole('dialog', { name: `Merge another source into ${knownName}` });
    await own.waitFor();
    await axeCheck(page, 'merge dialog (from the partner page)');
    await own.getByRole('button', { name: 'Cancel' }).click();
    await own.waitFor({ state: 'hidden' });

    // The merged source's page says where it went.
    const list = await (await page.request.get('/v1/partners?stage=archived')).json();
    const merged = list.items.find((p) => p.name === sourceName);
    assert.equal(merged.mergedInto, knownId);
    await page.goto(`/practice/partners/${merged.id}`);
    const notice = page.getByRole('status').filter({ hasText: 'Merged into' });
    await notice.getByRole('link', { name: knownName }).waitFor();
    await axeCheck(page, '/practice/partners/{id} (merged)');
    await notice.getByRole('link', { name: knownName }).click();
    await page.waitForURL(`**/practice/partners/${knownId}`);
  });
});
