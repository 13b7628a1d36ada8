// End to end: a US practice's local details (issue 10, items 4 and 5). The owner sets the practice
// in New York; a referrer, on a phone and on a desktop, types the patient's phone and birth date
// as US people do ("(201) 555-0123", "04/02/1980"); the form says before sending when the patient
// would get neither a text nor an email; the patient gets their code by text (the dev mailbox
// records texts), checks their status with the US-format birth date; staff see the referral in
// the practice's local time with its abbreviation and send the code again; the emails tell local
// time too. axe-core runs on every page visited: 0 serious or critical violations.
// Needs the local server (API + built portal on one origin): BASE_URL=http://127.0.0.1:3999 npm run e2e
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { setTimeout as sleep } from 'node:timers/promises';
import { BASE_URL, magicLink, openBrowser, uniqueEmail, waitForMail } from './browser.mjs';

const require = createRequire(import.meta.url);
// Evaluated through the DevTools protocol: the portal's CSP (rightly) refuses injected script tags.
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

const run = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
const ownerEmail = uniqueEmail('local-owner');
const intakeEmail = uniqueEmail('local-intake');
const referrerEmail = uniqueEmail('local-referrer');
const practiceName = `Hudson Physio ${run}`;
const partnerName = `Riverside Family ${run}`;
const started = Date.now();
// A number libphonenumber knows as a valid US number (555-01xx in a real area code), unique per run.
const digits = () => String(Math.floor(Math.random() * 100)).padStart(2, '0');
const VIEWPORTS = [
  { name: 'phone', width: 390, height: 844 },
  { name: 'desktop', width: 1280, height: 800 },
];
const axeResults = [];

/** Runs axe-core on the page: no serious or critical violation. */
async function axe(page, where) {
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(AXE);
  const out = await page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length, target: v.nodes[0]?.target?.join(' ') }));
  });
  const bad = out.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  axeResults.push({ where, violations: out.length, serious: bad.length });
  assert.deepEqual(bad, [], `axe on ${where}: ${JSON.stringify(bad)}`);
}

async function mailbox() {
  const res = await fetch(`${BASE_URL}/_dev/mail.json`);
  assert.ok(res.ok, `GET /_dev/mail.json: ${res.status}`);
  return res.json();
}

/** Every mail to `to` matching `test` sent after `since`, newest first; waits up to 20 s for `count`. */
async function mailsWhere(to, test, { since = started, count = 1, timeoutMs = 20_000 } = {}) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const hits = (await mailbox()).filter((m) => String(m.to).toLowerCase() === to.toLowerCase() && Date.parse(m.at) >= since - 1000 && test(m));
    if (hits.length >= count) return hits;
    if (Date.now() > end) throw new Error(`${hits.length} of ${count} matching mails to ${to} within ${timeoutMs} ms`);
    await sleep(300);
  }
}

const codeOf = (text) => /[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}/.exec(text)?.[0];
const LOCAL_TIME = /(Mon|Tue|Wed|Thu|Fri|Sat|Sun) [A-Z][a-z]{2} \d{1,2}, \d{1,2}:\d{2} [AP]M E[SD]T/;

describe(`local phones, dates and times against ${BASE_URL}`, { timeout: 300_000 }, () => {
  let staff;
  let referrer;

  before(async () => {
    staff = await openBrowser();
    referrer = await openBrowser();
  });

  after(async () => {
    await referrer?.close();
    await staff?.close();
    console.log(`axe-core per page and viewport: ${JSON.stringify(axeResults)}`);
  });

  it('the owner puts the practice in New York, in the US', async () => {
    const { page } = staff;
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.goto('/signup');
    await page.getByLabel('Practice name').fill(practiceName);
    await page.getByLabel('Your work email').fill(ownerEmail);
    await page.getByRole('button', { name: 'Email me a sign-in link' }).click();
    await page.getByRole('heading', { name: 'Check your email' }).waitFor();
    await page.goto(magicLink(await waitForMail(ownerEmail)));
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.waitForURL('**/practice/referrals');

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('heading', { name: 'Intake profile' }).waitFor();
    await page.getByLabel('Condition 1', { exact: true }).fill('Low back pain');
    await page.getByLabel('Intake contact phone').fill('(201) 555-0100');
    await page.getByLabel('Intake contact email').fill(intakeEmail);
    await page.getByLabel('Soon: contact within (hours)').fill('36');
    await page.getByLabel('Country').fill('US');
    await page.getByLabel('Time zone').selectOption('America/New_York');
    await axe(page, 'settings (desktop)');
    await page.getByRole('button', { name: 'Save profile' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved' }).waitFor();
    // The phone is stored in E.164 and shown as US people write it.
    assert.equal(await page.getByLabel('Intake contact phone').inputValue(), '(201) 555-0100');

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Partners' }).click();
    await page.getByLabel('Practice or person name').fill(partnerName);
    await page.getByLabel('Kind').selectOption({ label: 'Primary care (PCP)' });
    await page.getByRole('button', { name: 'Add partner' }).click();
    const card = page.getByRole('region', { name: partnerName });
    await card.waitFor();
    if (!(await card.getByLabel('Referrer email').isVisible())) await card.getByText('Invite a referrer').click();
    await card.getByLabel('Referrer email').fill(referrerEmail);
    await card.getByLabel('Referrer name (optional)').fill('Dr. Ames');
    await card.getByRole('button', { name: 'Send invitation' }).click();
    await card.getByText(/Invitation sent/).waitFor();

    const { page: rp } = referrer;
    await rp.goto(magicLink(await waitForMail(referrerEmail)));
    await rp.getByRole('button', { name: 'Confirm' }).click();
    await rp.waitForURL('**/refer');
  });

  for (const vp of VIEWPORTS) {
    const phone = `(201) 555-01${digits()}`;
    const e164 = `+1${phone.replace(/\D/g, '')}`;
    const first = `Ana${vp.name}${run.slice(-3)}`;
    let sentAt = 0;
    let referralId = '';

    it(`${vp.name}: the form takes a US phone and birth date, and says when the patient would get no message`, async () => {
      const { page } = referrer;
      await page.setViewportSize({ width: vp.width, height: vp.height });
      await page.goto('/refer');
      const fillStart = Date.now();
      await page.getByLabel('First name').fill(first);
      await page.getByLabel('Last name').fill('Silva');
      await page.getByLabel('Date of birth').pressSequentially('04/02/1980');
      assert.equal(await page.getByLabel('Date of birth').inputValue(), '04/02/1980', 'the US date stays as typed');
      // A fictional 555 area code and no email: the form says so before sending.
      await page.getByLabel('Phone').fill('(555) 010-2233');
      const note = page.locator('#reach-note');
      await note.filter({ hasText: 'neither a text nor an email' }).waitFor();
      await axe(page, `refer form with the no-message note (${vp.name})`);
      // A real US number: the note goes.
      await page.getByLabel('Phone').fill(phone);
      await page.waitForFunction(() => !document.getElementById('reach-note')?.textContent?.trim());
      await page.getByLabel(/agrees to be contacted/).check();
      await page.getByRole('radio', { name: 'Low back pain' }).check();
      sentAt = Date.now();
      await page.getByRole('button', { name: 'Send referral' }).click();
      await page.getByRole('heading', { name: 'Referral sent' }).waitFor();
      console.log(`scripted form fill and send on ${vp.name} (${vp.width}x${vp.height}): ${Date.now() - fillStart} ms`);
      // The deadline in the practice's time, with its abbreviation.
      assert.match(await page.locator('.sent').textContent(), LOCAL_TIME);
      await axe(page, `referral sent (${vp.name})`);
    });

    it(`${vp.name}: the patient gets their code by text and checks the status with the US birth date`, async () => {
      const [sms] = await mailsWhere(e164, (m) => m.subject === 'SMS', { since: sentAt });
      const code = codeOf(sms.text);
      assert.ok(code, `a code in the text: ${sms.text}`);
      assert.ok(!sms.text.includes(first), 'the text holds no patient name');

      const patient = await openBrowser();
      try {
        const { page } = patient;
        await page.setViewportSize({ width: vp.width, height: vp.height });
        await page.goto('/status');
        await page.getByLabel('Status code').fill(code);
        await page.getByLabel('Date of birth').pressSequentially('04/02/1980');
        await axe(page, `status lookup (${vp.name})`);
        await page.getByRole('button', { name: 'Check status' }).click();
        await page.getByText('Your referral', { exact: true }).waitFor();
        await page.getByRole('link', { name: /Call \(201\) 555-0100/ }).waitFor();
        await axe(page, `status result (${vp.name})`);
      } finally {
        await patient.close();
      }
    });

    it(`${vp.name}: staff see local time with its abbreviation and send the code again; emails tell local time`, async () => {
      const [ack] = await mailsWhere(referrerEmail, (m) => /received/.test(m.subject), { since: sentAt });
      assert.match(ack.text, LOCAL_TIME, `the referrer's email tells New York time: ${ack.text}`);
      assert.ok(!/UTC/.test(ack.text), 'no UTC time in the email');
      const [intake] = await mailsWhere(intakeEmail, (m) => /^New referral/.test(m.subject), { since: sentAt });
      assert.match(intake.text, LOCAL_TIME, `the intake email tells New York time: ${intake.text}`);
      const link = ack.links.find((l) => l.includes('/referrals/'));
      referralId = decodeURIComponent(new URL(link).pathname.split('/').pop());

      const { page } = staff;
      await page.setViewportSize({ width: vp.width, height: vp.height });
      await page.goto(`/practice/referrals/${encodeURIComponent(referralId)}`);
      await page.getByRole('heading', { name: `${first} Silva`, level: 1 }).waitFor();
      const facts = page.locator('dl.facts');
      const text = await facts.textContent();
      assert.match(text, LOCAL_TIME, 'the contact-by time in New York time');
      assert.ok(text.includes('04/02/1980'), 'the birth date as US people write it');
      assert.ok(text.includes(phone), `the phone as US people write it (${phone})`);
      await axe(page, `staff referral (${vp.name})`);

      const before = (await mailsWhere(e164, (m) => m.subject === 'SMS', { since: sentAt })).length;
      await page.getByRole('button', { name: 'Send the status code again' }).click();
      await page.getByRole('status').filter({ hasText: 'on its way by text message' }).waitFor();
      const texts = await mailsWhere(e164, (m) => m.subject === 'SMS', { since: sentAt, count: before + 1 });
      assert.equal(codeOf(texts[0].text), codeOf(texts[texts.length - 1].text), 'the same code again');
      assert.ok(!(await page.content()).includes(codeOf(texts[0].text)), 'staff never see the code');
      await axe(page, `staff referral after the resend (${vp.name})`);
    });
  }
});
