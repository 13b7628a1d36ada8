// End to end: outreach. The demo practice's owner turns on the automatic thank-you for a first
// referral, adds a partner and invites its referrer, logs a touch (two days ago, with a follow-up
// today) and finds it on the due list; the referrer sends their office's first referral; the touch
// then shows the referral that followed it, the thank-you reaches the referrer's mailbox (without the
// patient's details) and is logged as an automatic touch. Follow-ups, Templates and the partner's
// Outreach panel pass axe-core (0 serious or critical) at 1280x800 and 390x844.
// (A new partner, not the demo one: the demo partner has sent referrals already, so its next one
// is not a first. The demo practice and owner are the seed's.)
// Needs the local server with the demo seed: BASE_URL=http://127.0.0.1:3999 npm run e2e
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { setTimeout as sleep } from 'node:timers/promises';
import { BASE_URL, magicLink, openBrowser, uniqueEmail, waitForMail } from './browser.mjs';

const require = createRequire(import.meta.url);
const AXE = await readFile(require.resolve('axe-core/axe.min.js'), 'utf8');
const SLUG = 'lakeside-physical-therapy';
const OWNER = 'owner@lakeside.example';
const seeded = await fetch(`${BASE_URL}/v1/practices/${SLUG}/profile`).then((r) => r.ok, () => false);

const run = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
const partnerName = `Bayview Family Practice ${run}`;
const referrerEmail = uniqueEmail('outreach-referrer');
const patient = { first: `Ottoline${run.slice(-4)}`, last: `Farquhar${run.slice(0, 4)}`, dob: '1968-07-21', phone: '(201) 555-0142', reason: `Shoulder pain ${run}` };
const summary = `Lunch with Dr. Amari's team ${run}; left the one-pager.`;

const p2 = (n) => String(n).padStart(2, '0');
const localDay = (d) => `${d.getFullYear()}-${p2(d.getMonth() + 1)}-${p2(d.getDate())}`;
const daysAgo = (n) => {
  const d = new Date();
  d.setDate(d.getDate() - n);
  return d;
};
const dayLabel = (d) => d.toLocaleDateString('en-US', { month: 'short', day: 'numeric', year: 'numeric' });

async function signinLink(to, since, timeoutMs = 15_000) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const res = await fetch(`${BASE_URL}/_dev/mail.json`);
    const hit = (await res.json()).find((m) => String(m.to).toLowerCase() === to && Date.parse(m.at) >= since - 1000 && m.links?.some((l) => l.includes('/auth#token=')));
    if (hit) return magicLink(hit);
    if (Date.now() > end) throw new Error(`no sign-in link to ${to} within ${timeoutMs} ms`);
    await sleep(250);
  }
}

/** Runs axe on the page as it is; returns the serious and critical violations. */
async function axeSerious(page) {
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(`${AXE}\n;true`);
  const result = await page.evaluate(() =>
    window.axe.run(document, { resultTypes: ['violations'], runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] } }),
  );
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

describe(`outreach against ${BASE_URL}`, { timeout: 240_000, skip: seeded ? false : `the demo practice ${SLUG} is not seeded on this server` }, () => {
  let staff;
  let referrer;
  let partnerCard;

  before(async () => {
    staff = await openBrowser();
    await staff.page.setViewportSize({ width: 1280, height: 800 });
  });

  after(async () => {
    await referrer?.close();
    await staff?.close();
  });

  /** The partner's Outreach panel, opened (and reloaded when asked). */
  async function outreachPanel({ reload = false } = {}) {
    const { page } = staff;
    if (reload) {
      await page.goto('/practice/partners');
    }
    partnerCard = page.getByRole('region', { name: partnerName });
    await partnerCard.waitFor();
    const details = partnerCard.locator('details.outreach');
    if (!(await details.evaluate((el) => el.open))) await details.locator('summary').click();
    await partnerCard.getByRole('heading', { name: 'Log a touch' }).waitFor();
    return partnerCard;
  }

  it('the owner turns on the first-referral thank-you, imports a partner from a CSV and invites its referrer', async () => {
    const { page } = staff;
    await page.goto('/signin');
    await page.getByLabel('Your email').fill(OWNER);
    const since = Date.now();
    await page.getByRole('button', { name: 'Email me a sign-in link' }).click();
    await page.getByRole('heading', { name: 'Check your email' }).waitFor();
    await page.goto(await signinLink(OWNER, since));
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.waitForURL('**/practice/referrals');

    // Follow-ups is in the staff navigation; Templates is linked from it.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Follow-ups' }).click();
    await page.getByRole('heading', { name: 'Follow-ups', level: 1 }).waitFor();
    await page.getByRole('link', { name: 'Templates' }).first().click();
    await page.getByRole('heading', { name: 'Templates', level: 1 }).waitFor();
    const first = page.getByLabel(/after an office’s first referral/);
    if (!(await first.isChecked())) await first.check();
    await page.getByRole('region', { name: 'Automatic thank-yous' }).getByRole('button', { name: 'Save' }).click();
    await page.getByRole('region', { name: 'Automatic thank-yous' }).getByRole('status').filter({ hasText: 'Saved.' }).waitFor();

    // The partner arrives as a practice's spreadsheet does: a CSV through the import wizard.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Partners' }).click();
    await page.getByRole('link', { name: 'Import from a spreadsheet (CSV)' }).click();
    await page.getByRole('heading', { name: 'Import partners from a spreadsheet' }).waitFor();
    const csv = `Practice Name,E-mail,Type\r\n"${partnerName}",${uniqueEmail('outreach-office')},Family Medicine\r\n`;
    await page.getByLabel('CSV file').setInputFiles({ name: 'sources.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await page.getByRole('button', { name: 'Check the file' }).click();
    await page.getByText('1 row: 1 new, 0 updated, 0 unchanged, 0 rejected.').waitFor();
    await page.getByRole('button', { name: 'Import 1 partner' }).click();
    await page.getByRole('heading', { name: 'Import done' }).waitFor({ timeout: 60_000 });
    await page.getByRole('link', { name: 'See your partners' }).click();
    await page.getByRole('heading', { name: 'Partners', level: 1 }).waitFor();
    const card = page.getByRole('region', { name: partnerName });
    await card.waitFor();
    if (!(await card.getByLabel('Referrer email').isVisible())) await card.getByText('Invite a referrer').click();
    await card.getByLabel('Referrer email').fill(referrerEmail);
    await card.getByLabel('Referrer name (optional)').fill('Dr. Amari Okoye');
    await card.getByRole('button', { name: 'Send invitation' }).click();
    await card.getByText(/Invitation sent/).waitFor();
  });

  it('logs a touch two days ago with a follow-up today, and finds it on the due list', async () => {
    const { page } = staff;
    const card = await outreachPanel();
    await card.getByText('No touches yet.').waitFor();
    const date = card.getByLabel('Date', { exact: true });
    assert.equal(await date.inputValue(), localDay(new Date()), 'the date defaults to today, local time');
    await date.fill(localDay(daysAgo(2)));
    await card.getByLabel('Channel').selectOption({ label: 'Lunch' });
    await card.getByLabel('Response').selectOption({ label: 'Positive' });
    await card.getByLabel('What happened (optional)').fill(summary);
    await card.getByLabel('Follow up on (optional)').fill(localDay(new Date()));
    await card.getByRole('button', { name: 'Log touch' }).click();
    await card.getByRole('status').filter({ hasText: 'Touch logged; the follow-up is on the due list' }).waitFor();
    const touches = card.getByRole('list', { name: `Touches with ${partnerName}` });
    await touches.getByText(summary).waitFor();
    await touches.getByText(/30 days after/).first().waitFor();

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Follow-ups' }).click();
    const mine = page.getByRole('list', { name: 'Today: Sam Rivera' });
    await mine.waitFor();
    await mine.getByRole('link', { name: partnerName }).waitFor();
    await mine.getByText(summary).waitFor();
  });

  it('the referrer sends their office’s first referral', async () => {
    referrer = await openBrowser();
    const { page } = referrer;
    await page.goto(magicLink(await waitForMail(referrerEmail)));
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.waitForURL('**/refer');
    await page.getByLabel('First name').fill(patient.first);
    await page.getByLabel('Last name').fill(patient.last);
    await page.getByLabel('Date of birth').fill(patient.dob);
    await page.getByLabel('Phone').fill(patient.phone);
    await page.getByLabel(/agrees to be contacted/).check();
    await page.getByRole('radio', { name: 'Other' }).check();
    await page.getByLabel('Other reason').fill(patient.reason);
    await page.getByRole('button', { name: 'Send referral' }).click();
    await page.getByRole('heading', { name: 'Referral sent' }).waitFor();
  });

  it('the thank-you reaches the referrer, without the patient, and is logged as a touch', async () => {
    const mail = await waitForMail(referrerEmail, { subject: /^Thank you for your first referral$/, timeoutMs: 30_000 });
    assert.match(mail.text, /Hello Dr\. Okoye,/);
    assert.match(mail.text, /Lakeside Physical Therapy/);
    for (const s of [patient.first, patient.last, patient.dob, '07/21/1968', patient.phone, patient.phone.replace(/\D/g, ''), patient.reason]) {
      assert.ok(!`${mail.subject}\n${mail.text}`.toLowerCase().includes(s.toLowerCase()), `the thank-you holds "${s}"`);
    }
    // once, whatever the stream redelivers
    await sleep(1500);
    const all = await (await fetch(`${BASE_URL}/_dev/mail.json`)).json();
    assert.equal(all.filter((m) => String(m.to).toLowerCase() === referrerEmail && /^Thank you/.test(m.subject)).length, 1, 'one thank-you');
  });

  it('the touch shows the referral that followed it, and the automatic thank-you is a touch', async () => {
    // The stream consumer counts the referral on its partner's day: reload until the panel shows it.
    let card;
    const end = Date.now() + 30_000;
    for (;;) {
      card = await outreachPanel({ reload: true });
      const touches = card.getByRole('list', { name: `Touches with ${partnerName}` });
      await touches.waitFor();
      const text = await touches.textContent();
      if (text.includes('Referloop (automatic)') && /30 days after\s*1 referral/.test(text)) break;
      if (Date.now() > end) assert.fail(`the panel never showed the referral that followed and the automatic touch:\n${text}`);
      await sleep(1000);
    }
    const touches = card.getByRole('list', { name: `Touches with ${partnerName}` });
    const lunch = touches.getByRole('listitem').filter({ hasText: summary });
    const text = (await lunch.textContent()).replace(/\s+/g, ' ');
    assert.ok(text.includes(dayLabel(daysAgo(2))), `the touch's day: ${text}`);
    assert.match(text, /90 days before\s*0 referrals \(0 per 30 days\)/);
    assert.match(text, /30 days after\s*1 referral in \d+ of 30 days so far/);
    assert.match(text, /90 days after\s*1 referral in \d+ of 90 days so far/);
    assert.match(text, /more than before \(per 30 days\)/);
    const auto = touches.getByRole('listitem').filter({ hasText: 'Referloop (automatic)' });
    await auto.getByText('Automatic thank-you for the first referral').waitFor();
    await auto.getByText(/Email/).first().waitFor();
  });

  it('marks the follow-up done from the due list', async () => {
    const { page } = staff;
    await page.goto('/practice/follow-ups');
    const mine = page.getByRole('list', { name: 'Today: Sam Rivera' });
    await mine.getByRole('button', { name: `Mark the follow-up with ${partnerName} done` }).click();
    await mine.getByText(summary).waitFor({ state: 'detached' });
  });

  for (const [label, viewport] of [['desktop', { width: 1280, height: 800 }], ['phone', { width: 390, height: 844 }]]) {
    it(`Follow-ups, Templates and the Outreach panel pass axe on a ${label} (${viewport.width}x${viewport.height})`, async () => {
      const { page } = staff;
      await page.setViewportSize(viewport);
      const bad = [];
      await page.goto('/practice/follow-ups');
      await page.getByRole('heading', { name: 'Which touches were followed by referrals' }).waitFor();
      bad.push(...(await axeSerious(page)).map((v) => `follow-ups: ${v}`));
      await page.goto('/practice/templates');
      await page.getByRole('heading', { name: 'Automatic thank-yous' }).waitFor();
      bad.push(...(await axeSerious(page)).map((v) => `templates: ${v}`));
      await outreachPanel({ reload: true });
      bad.push(...(await axeSerious(page)).map((v) => `partners (outreach open): ${v}`));
      assert.deepEqual(bad, [], 'serious or critical axe violations');
      const noScroll = await page.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth);
      assert.ok(noScroll, `no sideways scrolling at ${viewport.width}px`);
    });
  }
});
