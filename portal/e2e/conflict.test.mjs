// End to end: two staff tabs on one referral. While one types a question for the referrer, the
// other accepts the referral; sending the question then meets the change (409/412): the page shows
// what changed (Received → Accepted, the version) and keeps the typed question in its form, and
// sending it again works. Its own practice, so the demo practice stays the seed's.
// Needs the local server: BASE_URL=http://127.0.0.1:3999 npm run e2e
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BASE_URL, magicLink, openBrowser, uniqueEmail, waitForMail } from './browser.mjs';

/** Signs in by the emailed link in browser `b` (the link was just sent to `email`). */
async function confirm(b, email, url) {
  await b.page.goto(magicLink(await waitForMail(email)));
  await b.page.getByRole('button', { name: /^confirm/i }).click();
  await b.page.waitForURL(url);
}

/** A JSON call with the browser's session and CSRF token. */
async function call(b, method, path, data, headers = {}) {
  const csrf = (await b.context.cookies()).find((c) => c.name === 'rl_csrf')?.value;
  const r = await b.page.request.fetch(path, { method, data, headers: { 'X-CSRF-Token': csrf, ...headers } });
  assert.ok(r.ok(), `${method} ${path}: ${r.status()} ${await r.text()}`);
  return r.json().catch(() => ({}));
}

const ulid = () => {
  const A = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
  let t = Date.now();
  let s = '';
  for (let i = 0; i < 10; i++, t = Math.floor(t / 32)) s = A[t % 32] + s;
  for (let i = 0; i < 16; i++) s += A[Math.floor(Math.random() * 32)];
  return s;
};

describe(`a conflict keeps the draft, against ${BASE_URL}`, { timeout: 120_000 }, () => {
  let staff;
  let doc;
  let id;
  before(async () => {
    [staff, doc] = await Promise.all([openBrowser(), openBrowser()]);
    const ownerEmail = uniqueEmail('conflict-owner');
    const drEmail = uniqueEmail('conflict-dr');
    const res = await staff.page.request.post('/v1/practices', { data: { practiceName: `Conflict Physio ${Date.now().toString(36)}`, email: ownerEmail } });
    assert.equal(res.status(), 202, await res.text());
    await confirm(staff, ownerEmail, '**/practice/referrals');
    const profile = await call(staff, 'GET', '/v1/practice');
    await call(staff, 'PUT', '/v1/practice', { ...profile, conditions: ['Knee pain'], intakeContact: { name: 'Intake', phone: '+1 415 555 0100', email: '' } });
    const partner = await call(staff, 'POST', '/v1/partners', { name: 'Conflict FM', kind: 'pcp' });
    await call(staff, 'POST', `/v1/partners/${partner.id}/invitations`, { email: drEmail, name: 'Dr. Conflict' });
    await confirm(doc, drEmail, /\/(refer|referrals)$/);
    const sent = await call(doc, 'POST', '/v1/referrals', {
      patient: { firstName: 'Ana', lastName: 'Silva', dateOfBirth: '1980-04-02', phone: '+1 415 555 0142', consentToContact: true },
      reason: 'Knee pain', urgency: 'routine',
    }, { 'Idempotency-Key': ulid() });
    id = sent.id;
  });
  after(async () => Promise.all([staff?.close(), doc?.close()]));

  it('shows what changed and keeps the typed question', async () => {
    const a = staff.page;
    const b = await staff.context.newPage();
    await a.goto(`/practice/referrals/${encodeURIComponent(id)}`);
    await b.goto(`/practice/referrals/${encodeURIComponent(id)}`);
    await a.getByRole('button', { name: 'Ask the referrer' }).click();
    const question = 'Which knee, and is there an MRI report?';
    await a.getByLabel('Question for the referrer').fill(question);
    // Meanwhile, in the other tab, the referral is accepted.
    await b.getByRole('button', { name: 'Accept' }).click();
    await b.getByText(/Status: Accepted/).waitFor();
    // The accept is stored (read back from the server) before the question meets it.
    for (let i = 0; ; i++) {
      const got = await (await b.request.get(`/v1/referrals/${encodeURIComponent(id)}`)).json();
      if (got.status === 'accepted') break;
      assert.ok(i < 100, `the accept was never stored: ${JSON.stringify(got.status)}`);
      await b.waitForTimeout(100);
    }
    // The question meets the change.
    await a.getByRole('button', { name: 'Send question' }).click();
    const notice = a.locator('.conflict-notice');
    await notice.waitFor();
    const said = (await notice.textContent()) ?? '';
    assert.match(said, /Someone else changed this referral while you were writing\./);
    assert.match(said, /It was “Received” and is now “Accepted” \(version 1 → 2\)/);
    assert.match(said, /Your text is kept in the form below/);
    assert.equal(await a.getByLabel('Question for the referrer').inputValue(), question, 'the typed question is kept');
    // Sent again, it goes through on the new version.
    await a.getByRole('button', { name: 'Send question' }).click();
    await a.getByText(/Question sent to the referrer\./).waitFor();
    assert.equal(await notice.count(), 0, 'the notice goes once the draft is sent');
    const r = await call(staff, 'GET', `/v1/referrals/${encodeURIComponent(id)}`);
    assert.equal(r.status, 'needs-info');
    assert.equal(r.question?.note ?? r.timeline.at(-1)?.note, question);
  });
});
