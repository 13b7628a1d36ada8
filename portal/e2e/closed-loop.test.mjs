// End to end: the closed loop. A practice signs up and invites a referrer; the referrer sends a
// referral (patient email, consent to share outcomes); staff accept it and ask a question; the
// referrer answers from the question email's link (signing in again on the way); staff log a
// contact and schedule it; the patient checks the status with the code from their email; staff
// mark it seen and close the loop; the referrer rates the handoff from the closing email; staff
// see the rating. No email may hold the patient's name, birth date, phone or reason.
// Needs the local server (API + built portal on one origin): BASE_URL=http://127.0.0.1:3999 npm run e2e
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { BASE_URL, magicLink, openBrowser, uniqueEmail, waitForMail } from './browser.mjs';

const run = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
const ownerEmail = uniqueEmail('loop-owner');
const intakeEmail = uniqueEmail('loop-intake');
const referrerEmail = uniqueEmail('loop-referrer');
const patientEmail = uniqueEmail('loop-patient');
const practiceName = `Harbor Rehab ${run}`;
const patientName = `Harbor Health ${run}`; // the practice's name for its patients
const partnerName = `Eastside Clinic ${run}`;
// PHI: unique, so that finding it in an email means it leaked
const patient = {
  first: `Zuleika${run.slice(-4)}`,
  last: `Quennell${run.slice(0, 4)}`,
  dob: '1979-03-14',
  phone: '(201) 555-0199',
  reason: `Ankle instability after sprain ${run}`,
};
const question = 'Which ankle, and has it been imaged?';
const location = `Harbor Rehab, room ${run.slice(-3)}`;
const started = Date.now();

/** Tomorrow at 10:00 in this machine's time zone (the browser's), as a datetime-local value. */
function tomorrowAt10() {
  const d = new Date();
  d.setDate(d.getDate() + 1);
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T10:00`;
}

async function mailbox() {
  const res = await fetch(`${BASE_URL}/_dev/mail.json`);
  assert.ok(res.ok, `GET /_dev/mail.json: ${res.status}`);
  return res.json();
}

/** Polls the dev mailbox (newest first) for a mail to `to` matching `test`, sent after `since`; up to 15 s. */
async function mailWhere(to, test, { since = started, timeoutMs = 15_000 } = {}) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const hit = (await mailbox()).find((m) => String(m.to).toLowerCase() === to.toLowerCase() && Date.parse(m.at) >= since - 1000 && test(m));
    if (hit) return hit;
    if (Date.now() > end) throw new Error(`no matching mail to ${to} within ${timeoutMs} ms`);
    await sleep(300);
  }
}

/** A link from a mail, moved onto BASE_URL's origin. */
const onBase = (link) => {
  const u = new URL(link);
  return `${BASE_URL}${u.pathname}${u.search}${u.hash}`;
};

describe(`the closed loop against ${BASE_URL}`, { timeout: 300_000 }, () => {
  let staff;
  let referrer;
  let patientBrowser;
  let referralPath = '';

  before(async () => {
    staff = await openBrowser();
  });

  after(async () => {
    await patientBrowser?.close();
    await referrer?.close();
    await staff?.close();
  });

  /** Staff: open the referral from the queue's view `view` (a link in "Referral views"). */
  async function openFromQueue(view) {
    const { page } = staff;
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Referrals' }).click();
    await page.getByRole('heading', { name: 'Referrals', level: 1 }).waitFor();
    await page.getByRole('navigation', { name: 'Referral views' }).getByRole('link', { name: new RegExp(`^${view}\\b`) }).click();
    await page.getByRole('heading', { name: view, level: 2 }).waitFor();
    const row = page.getByRole('list', { name: 'Referrals' }).getByRole('link', { name: new RegExp(`${patient.first} ${patient.last}`) });
    await row.waitFor();
    // rows are links; j moves to the first one, Enter opens it
    await page.keyboard.press('j');
    assert.equal(await row.evaluate((el) => el === document.activeElement), true, 'j focuses the first row');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: `${patient.first} ${patient.last}`, level: 1 }).waitFor();
  }

  /** Staff: the status message after an action has focus. */
  async function expectDone(text) {
    const { page } = staff;
    await page.getByRole('status').filter({ hasText: text }).waitFor();
    // focus moves to the status message
    await page.waitForFunction((t) => document.activeElement?.getAttribute('role') === 'status' && document.activeElement.textContent.includes(t), text, { timeout: 5000 });
  }

  it('sets up a practice, a partner and a referrer', async () => {
    const { page } = staff;
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
    await page.getByLabel('Name shown to patients').fill(patientName);
    await page.getByLabel('Condition 1', { exact: true }).fill('Low back pain');
    await page.getByLabel('Intake contact name').fill('Maria (intake)');
    await page.getByLabel('Intake contact phone').fill('(201) 555-0100');
    await page.getByLabel('Intake contact email').fill(intakeEmail);
    await page.getByLabel('Contact within (hours)', { exact: true }).fill('48');
    await page.getByLabel('Urgent: contact within (hours)').fill('24');
    await page.getByRole('button', { name: 'Save profile' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved' }).waitFor();

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Partners' }).click();
    await page.getByLabel('Practice or person name').fill(partnerName);
    await page.getByLabel('Kind').selectOption({ label: 'Primary care (PCP)' });
    await page.getByRole('button', { name: 'Add partner' }).click();
    const card = page.getByRole('region', { name: partnerName });
    await card.waitFor();
    // status updates for each change (the default), saved explicitly
    const updates = card.getByLabel('Status updates');
    assert.equal(await updates.inputValue(), 'each');
    await updates.selectOption({ label: 'Daily digest' });
    await card.getByRole('button', { name: 'Save' }).click();
    await card.getByText('Saved: status updates — daily digest.').waitFor();
    await updates.selectOption({ label: 'Each change' });
    await card.getByRole('button', { name: 'Save' }).click();
    await card.getByText('Saved: status updates — each change.').waitFor();

    if (!(await card.getByLabel('Referrer email').isVisible())) await card.getByText('Invite a referrer').click();
    await card.getByLabel('Referrer email').fill(referrerEmail);
    await card.getByLabel('Referrer name (optional)').fill('Dr. Osei');
    await card.getByRole('button', { name: 'Send invitation' }).click();
    await card.getByText(/Invitation sent/).waitFor();
  });

  it('the referrer sends a referral with a patient email and consent to share outcomes', async () => {
    referrer = await openBrowser();
    const { page } = referrer;
    await page.goto(magicLink(await waitForMail(referrerEmail)));
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.waitForURL('**/refer');
    await page.getByLabel('First name').fill(patient.first);
    await page.getByLabel('Last name').fill(patient.last);
    await page.getByLabel('Date of birth').fill(patient.dob);
    await page.getByLabel('Phone').fill(patient.phone);
    await page.getByLabel('Email').fill(patientEmail);
    await page.getByLabel(/agrees to be contacted/).check();
    await page.getByRole('radio', { name: 'Other' }).check();
    await page.getByLabel('Other reason').fill(patient.reason);
    await page.getByText('More (optional)').click();
    await page.getByLabel(/may share outcomes with me/).check();
    await page.getByRole('button', { name: 'Send referral' }).click();
    await page.getByRole('heading', { name: 'Referral sent' }).waitFor();
  });

  it('staff find it under Received and accept it, then ask the referrer a question', async () => {
    const { page } = staff;
    await openFromQueue('Received');
    referralPath = new URL(page.url()).pathname;
    assert.match(referralPath, /^\/practice\/referrals\/.+/);
    await page.getByRole('heading', { name: 'Timeline' }).waitFor();
    await page.getByText('Referral sent').waitFor();

    // exactly the allowed actions of a received referral
    const actions = page.getByRole('region', { name: 'Next step' });
    const labels = await actions.locator('.action-bar').first().getByRole('button').allTextContents();
    assert.deepEqual(labels, ['Accept', 'Decline', 'Ask the referrer', 'Cancel referral']);

    await actions.getByRole('button', { name: 'Accept', exact: true }).click();
    await expectDone('Accepted. Status: Accepted.');
    await page.getByText('Received → Accepted').waitFor();

    await actions.getByRole('button', { name: 'Ask the referrer' }).click();
    await page.getByLabel('Question for the referrer').fill(question);
    await page.getByRole('button', { name: 'Send question' }).click();
    await expectDone('Question sent to the referrer. Status: Needs info.');
    await page.getByText('Accepted → Needs info').waitFor();
  });

  it('the referrer follows the question email, signs in again and answers', async () => {
    const mail = await mailWhere(referrerEmail, (m) => /has a question/.test(m.subject));
    const link = mail.links.find((l) => l.includes('/referrals/'));
    assert.ok(link, 'the question email links to the referral');
    const id = decodeURIComponent(new URL(link).pathname.split('/').pop());
    assert.equal(id, decodeURIComponent(referralPath.split('/').pop()), 'the link is the referral');

    // signed out, the link leads through sign-in and back to the referral
    const { page } = referrer;
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.waitForURL(`${BASE_URL}/`);
    await page.goto(onBase(link));
    await page.waitForURL('**/signin');
    const asked = Date.now();
    await page.getByLabel('Your email').fill(referrerEmail);
    await page.getByRole('button', { name: 'Email me a sign-in link' }).click();
    await page.getByRole('heading', { name: 'Check your email' }).waitFor();
    const signin = await mailWhere(referrerEmail, (m) => m.links?.some((l) => l.includes('/auth#token=')), { since: asked });
    await page.goto(magicLink(signin));
    await page.getByRole('button', { name: 'Confirm' }).click();
    // back on the referral (the link's ?practice=<slug>, which picked the sign-in, may stay on it)
    await page.waitForURL((u) => u.pathname === new URL(link).pathname);

    await page.getByRole('heading', { name: 'The practice has a question' }).waitFor();
    await page.getByText(question).first().waitFor();
    await page.getByLabel('Your answer').fill('The left ankle; X-ray on Nov 2 was clear.');
    await page.getByRole('button', { name: 'Send answer' }).click();
    await page.getByRole('status').filter({ hasText: 'Thank you — your answer was sent. Status: Accepted.' }).waitFor();
    await page.getByText('Referrer answered: back to Accepted').waitFor();
  });

  it('staff see it back in the queue, log a contact and schedule it', async () => {
    const { page } = staff;
    await openFromQueue('Accepted');
    await page.getByText('The left ankle; X-ray on Nov 2 was clear.').waitFor();

    const actions = page.getByRole('region', { name: 'Next step' });
    await actions.getByRole('button', { name: 'Log contact attempt' }).click();
    await page.getByLabel('Outcome').selectOption({ label: 'Reached the patient' });
    await page.getByLabel('Channel').selectOption({ label: 'Phone' });
    await page.getByRole('button', { name: 'Log attempt' }).click();
    await expectDone('Contact attempt logged. Status: Patient contacted.');
    await page.getByText('Reached the patient (Phone)').waitFor();

    await actions.getByRole('button', { name: 'Schedule', exact: true }).click();
    await page.getByLabel('Date and time').fill(tomorrowAt10());
    await page.getByLabel('Location').fill(location);
    await page.getByRole('button', { name: 'Save appointment' }).click();
    await expectDone('Appointment saved. Status: Scheduled.');
    await page.getByText('Patient contacted → Scheduled').waitFor();
  });

  it('the patient checks the status with the emailed code', async () => {
    const mail = await mailWhere(patientEmail, (m) => /[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}/.test(m.text));
    const code = mail.text.match(/[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}/)[0];

    patientBrowser = await openBrowser();
    const { page } = patientBrowser;
    await page.setViewportSize({ width: 360, height: 740 });
    await page.goto('/status');
    await page.getByRole('heading', { name: 'Check your referral' }).waitFor();
    const codeBox = page.getByLabel('Status code');
    assert.equal(await codeBox.getAttribute('autocomplete'), 'off');
    assert.equal(await codeBox.getAttribute('inputmode'), 'text');
    assert.equal(await codeBox.getAttribute('autocapitalize'), 'characters');

    // a wrong date of birth: the one answer for every mismatch
    await codeBox.fill(code.toLowerCase().replace(/-/g, ''));
    await page.getByLabel('Date of birth').fill('19790315');
    await page.getByRole('button', { name: 'Check status' }).click();
    await page.getByRole('alert').filter({ hasText: "The code and date of birth don't match." }).waitFor();

    // typed the US way, month first, digits alone: the box shows 03/14/1979 and the lookup works
    await page.getByLabel('Date of birth').fill('03141979');
    assert.equal(await page.getByLabel('Date of birth').inputValue(), '03/14/1979');
    await page.getByRole('button', { name: 'Check status' }).click();
    const card = page.getByRole('region', { name: 'Your appointment is booked' });
    await card.waitFor();
    await card.getByText('Your appointment', { exact: true }).waitFor();
    await card.getByText(location).waitFor();
    await card.getByText(patientName).waitFor();
    assert.ok(!(await card.textContent()).includes(practiceName), 'the status page names the practice only by its name for patients');
    assert.equal(await card.getByRole('link', { name: /Call/ }).getAttribute('href'), 'tel:2015550100');
    const noScroll = await page.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth);
    assert.ok(noScroll, 'no sideways scrolling at 360px');
  });

  it('staff mark it seen and close the loop', async () => {
    const { page } = staff;
    await page.goto(referralPath);
    const actions = page.getByRole('region', { name: 'Next step' });
    await actions.getByRole('button', { name: 'Mark seen' }).waitFor();

    // the appointment is tomorrow: nobody is seen before it
    await actions.getByRole('button', { name: 'Mark seen' }).click();
    await page.getByText(/reschedule first/).waitFor();

    // meanwhile someone else reschedules it (the patient came in early, half an hour ago): a
    // conflict, then the latest
    const id = referralPath.split('/').pop();
    const csrf = (await staff.context.cookies()).find((c) => c.name === 'rl_csrf').value;
    const read = await page.request.get(`/v1/referrals/${id}`);
    const current = await read.json();
    const earlier = new Date(Date.now() - 30 * 60_000).toISOString();
    const other = await page.request.post(`/v1/referrals/${id}/transitions`, {
      headers: { 'If-Match': read.headers().etag, 'X-CSRF-Token': csrf },
      data: { to: 'scheduled', appointment: { ...current.appointment, at: earlier } },
    });
    assert.equal(other.status(), 200);
    await actions.getByRole('button', { name: 'Mark seen' }).click();
    await expectDone('Someone else changed this referral — here is the latest.');
    await page.getByText('Rescheduled').waitFor();

    await actions.getByRole('button', { name: 'Mark seen' }).click();
    await expectDone('Marked as seen. Status: Seen.');
    await actions.getByRole('button', { name: 'Close the loop' }).click();
    await page.getByLabel('Outcome for the referrer (optional)').fill('Discharged with a home exercise program.');
    await actions.locator('form').getByRole('button', { name: 'Close the loop' }).click();
    await expectDone('Loop closed. The referrer can now rate the handoff. Status: Closed.');
    await page.getByText('Nothing more to do: this referral is closed.').waitFor();
  });

  it('the referrer sees it closed, got the emails, and rates the handoff in one click', async () => {
    const { page } = referrer;
    await page.goto('/referrals');
    const list = page.getByRole('list', { name: 'My referrals' });
    await list.waitFor();
    await list.getByText('Closed', { exact: true }).waitFor();

    await mailWhere(referrerEmail, (m) => /received by/.test(m.subject));
    for (const s of ['accepted', 'contacted', 'scheduled', 'seen']) await mailWhere(referrerEmail, (m) => m.subject.endsWith(`: ${s}`));
    const closing = await mailWhere(referrerEmail, (m) => /loop is closed/.test(m.subject));
    const rate4 = closing.links.find((l) => l.includes('/rate#') && l.endsWith('score=4'));
    assert.ok(rate4, 'the closing email has one-click rating links');

    await page.goto(onBase(rate4));
    await page.getByRole('heading', { name: 'Rate this referral handoff' }).waitFor();
    await page.getByText('Thanks — you rated 4/5.').waitFor();
    assert.equal(new URL(page.url()).hash, '', 'the fragment is removed');
    assert.equal(await page.getByRole('button', { name: /^4 of 5/ }).getAttribute('aria-pressed'), 'true');
    await page.getByRole('button', { name: /^5 of 5/ }).click();
    await page.getByText('Thanks — you rated 5/5.').waitFor();
  });

  it('staff see the rating on the referral', async () => {
    const { page } = staff;
    await page.goto(referralPath);
    const rating = page.getByRole('region', { name: 'Referrer’s rating of the handoff' });
    await rating.waitFor();
    await rating.getByText('5/5').waitFor();
  });

  it('no email holds the patient’s name, birth date, phone or reason', async () => {
    const ours = new Set([ownerEmail, intakeEmail, referrerEmail, patientEmail].map((e) => e.toLowerCase()));
    const mails = (await mailbox()).filter((m) => ours.has(String(m.to).toLowerCase()) || String(m.text).includes(practiceName));
    assert.ok(mails.length >= 10, `expected this run's emails, got ${mails.length}`);
    const phi = [patient.first, patient.last, patient.dob, '03/14/1979', '14/03/1979', 'Mar 14, 1979', patient.phone, patient.phone.replace(/\D/g, ''), patient.reason];
    for (const m of mails) {
      const text = `${m.subject}\n${m.text}`;
      for (const s of phi) assert.ok(!text.toLowerCase().includes(s.toLowerCase()), `"${s}" appears in the email "${m.subject}" to ${m.to}`);
    }
  });
});
