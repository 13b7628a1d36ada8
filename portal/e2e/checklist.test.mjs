// End to end: a new practice's onboarding checklist on the staff home. A practice signs up and
// sees four steps left; copying its public link ticks that step (and the link is what was copied);
// adding a partner ticks another; hiding the checklist keeps it hidden on the next visit.
// Needs the local server: BASE_URL=http://127.0.0.1:3999 npm run e2e
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BASE_URL, magicLink, openBrowser, uniqueEmail, waitForMail } from './browser.mjs';

const ownerEmail = uniqueEmail('checklist-owner');
const practiceName = `Checklist Physio ${Date.now().toString(36)}`;

describe(`onboarding checklist against ${BASE_URL}`, { timeout: 120_000 }, () => {
  let b;
  before(async () => {
    b = await openBrowser();
    await b.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: BASE_URL });
  });
  after(async () => b?.close());

  const checklist = () => b.page.getByRole('region', { name: /^Get started/ });

  it('a new practice sees its four first steps, and each ticks itself', async () => {
    const { page } = b;
    await page.goto('/signup');
    await page.getByLabel('Practice name').fill(practiceName);
    await page.locator('form input[type=email]').first().fill(ownerEmail);
    await page.locator('form button[type=submit]').first().click();
    await page.getByRole('heading', { name: /check your email/i }).waitFor();
    await page.goto(magicLink(await waitForMail(ownerEmail)));
    await page.getByRole('button', { name: /^confirm/i }).click();
    await page.waitForURL('**/practice/referrals');

    await checklist().waitFor();
    assert.equal(await checklist().getByRole('heading').textContent(), 'Get started: 4 steps left');
    // Copying the public link is the step "shared".
    await checklist().getByRole('button', { name: 'Copy link' }).click();
    await checklist().getByText(/^Copied /).waitFor();
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    assert.match(copied, new RegExp(`^${BASE_URL.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/p/[a-z0-9-]+$`));
    assert.equal((await fetch(copied)).status, 200, 'the copied link is the practice page');
    await checklist().getByRole('heading', { name: 'Get started: 3 steps left' }).waitFor();

    // A partner added (through the API, as the Partners page does) ticks its step on the next visit.
    const csrf = (await b.context.cookies()).find((c) => c.name === 'rl_csrf')?.value;
    const res = await page.request.post('/v1/partners', { data: { name: 'Northside FM', kind: 'pcp' }, headers: { 'X-CSRF-Token': csrf } });
    assert.equal(res.status(), 201, await res.text());
    await page.reload();
    await checklist().getByRole('heading', { name: 'Get started: 2 steps left' }).waitFor();
    assert.ok(await checklist().getByText('Add your first referral partner (done)').count());
    assert.ok(await checklist().getByRole('link', { name: 'Complete your intake profile' }).isVisible());

    // Hidden, it stays hidden.
    await checklist().getByRole('button', { name: 'Hide this checklist' }).click();
    await checklist().waitFor({ state: 'detached' });
    await page.reload();
    await page.getByRole('heading', { name: 'Referrals', level: 1 }).waitFor();
    await page.waitForLoadState('networkidle');
    assert.equal(await checklist().count(), 0);
  });
});
