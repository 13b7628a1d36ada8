// End to end: one sign-in for everyone, invitations as their own links, providers the practice
// never invited, and a team.
//  - A referrer whose invitation expired gets back in from /signin (the expired page leads there)
//    and sends a referral.
//  - A provider the practice never invited refers from the practice's public page: the emailed
//    link asks who they are, they refer, and staff see and confirm the new source.
//  - The owner adds a staff member, who accepts the invitation, works a referral and appears in
//    the audit trail under their own address.
// Every page visited is checked with axe-core at desktop (1280x800) and phone (390x844) widths:
// no serious or critical violations.
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

const ownerEmail = uniqueEmail('owner-si');
const referrerEmail = uniqueEmail('dr-late');
const staffEmail = uniqueEmail('jo-staff');
const newcomerEmail = uniqueEmail('dr-new');
const practiceName = `Harborview Rehab ${Date.now().toString(36)}`;
const partnerName = 'Eastside Family Practice';

/** Results per page and viewport, for the closing log. */
const axeLog = [];

/** Runs axe on the page at both widths; fails on any serious or critical violation. */
async function axeCheck(page, label) {
  const back = page.viewportSize();
  for (const [name, size] of [['desktop', DESKTOP], ['phone', PHONE]]) {
    await page.setViewportSize(size);
    await page.waitForTimeout(100);
    // Evaluated over the DevTools protocol, which the portal's CSP (no inline scripts) does not govern.
    if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(axeSource);
    const result = await page.evaluate(async () => {
      const r = await window.axe.run(document, { resultTypes: ['violations'] });
      return r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(' ')).slice(0, 3) }));
    });
    const bad = result.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    axeLog.push(`${label} (${name}): ${bad.length} serious/critical${result.length ? `, ${result.length} in all` : ''}`);
    assert.deepEqual(bad, [], `axe on ${label} at ${name} width`);
  }
  await page.setViewportSize(back ?? PHONE);
}

/** The newest mail to `to` sent at or after `since` (ms) whose subject matches. */
async function mailSince(to, since, subject) {
  for (const end = Date.now() + 20_000; ; ) {
    const mails = await (await fetch(`${BASE_URL}/_dev/mail.json`)).json();
    const m = mails.find((x) => x.to === to && Date.parse(x.at) >= since - 1000 && subject.test(x.subject));
    if (m) return m;
    if (Date.now() > end) throw new Error(`no mail "${subject}" to ${to}`);
    await new Promise((res) => setTimeout(res, 250));
  }
}

/** Fills and sends the two-minute form with the minimum. */
async function sendReferral(page, first, last) {
  await page.getByLabel('First name').fill(first);
  await page.getByLabel('Last name').fill(last);
  await page.getByLabel('Date of birth').fill('1980-04-02');
  await page.getByLabel('Phone').fill('(201) 555-0142');
  await page.getByLabel(/agrees to be contacted/).check();
  await page.getByRole('radio', { name: 'Other' }).check();
  await page.getByLabel('Other reason').fill('Low back pain after lifting');
  await page.getByRole('button', { name: 'Send referral' }).click();
  await page.getByRole('heading', { name: 'Referral sent' }).waitFor();
}

describe(`one sign-in, invitations, new sources and a team against ${BASE_URL}`, { timeout: 240_000 }, () => {
  let owner;
  let slug;

  before(async () => {
    owner = await openBrowser();
    await owner.page.setViewportSize(DESKTOP);
  });

  after(async () => {
    await owner?.close();
    if (axeLog.length) console.log(`axe results:\n  ${axeLog.join('\n  ')}`);
  });

  it('the owner signs up and invites a referrer', async () => {
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
    await page.getByLabel('Practice or person name').fill(partnerName);
    await page.getByLabel('Kind').selectOption({ label: 'Primary care (PCP)' });
    await page.getByRole('button', { name: 'Add partner' }).click();
    const card = page.getByRole('region', { name: partnerName });
    await card.waitFor();
    if (!(await card.getByLabel('Referrer email').isVisible())) await card.getByText('Invite a referrer').click();
    await card.getByLabel('Referrer email').fill(referrerEmail);
    await card.getByLabel('Referrer name (optional)').fill('Dr. Late');
    await card.getByRole('button', { name: 'Send invitation' }).click();
    await card.getByText(/Invitation sent/).waitFor();
    await card.getByText('Referrers', { exact: true }).click();
    const list = card.getByRole('list', { name: `Referrers of ${partnerName}` });
    await list.getByText(/invited .*not signed in yet/).waitFor();
    await list.getByRole('button', { name: 'Resend the invitation of Dr. Late' }).waitFor();
    await axeCheck(page, '/practice/partners');
  });

  it('a referrer whose invitation expired signs in again from /signin and submits', async () => {
    const invitation = await waitForMail(referrerEmail, { subject: /invited to send referrals/ });
    assert.match(invitation.text, /works once, for 7 days/);
    // Age the invitation past its 7 days (the local stack's dev tool).
    const aged = await fetch(`${BASE_URL}/_dev/expire-link`, { method: 'POST', body: JSON.stringify({ link: magicLink(invitation) }) });
    assert.equal(aged.status, 204);

    const ref = await openBrowser();
    try {
      const { page } = ref;
      await page.goto(magicLink(invitation));
      await page.getByText(/This link does not work/).waitFor();
      await axeCheck(page, '/auth (expired)');
      await page.getByRole('link', { name: 'Get a new sign-in link' }).click();
      await page.waitForURL('**/signin');
      await page.getByRole('heading', { name: 'Sign in', exact: true }).waitFor();
      await axeCheck(page, '/signin');
      const since = Date.now();
      await page.getByLabel('Your email').fill(referrerEmail);
      await page.getByRole('button', { name: 'Email me a sign-in link' }).click();
      await page.getByRole('heading', { name: 'Check your email' }).waitFor();
      await axeCheck(page, '/signin (sent)');
      const mail = await mailSince(referrerEmail, since, /sign-in link/);
      assert.match(mail.text, new RegExp(`${practiceName} \\(to refer patients\\):`));
      await page.goto(magicLink(mail));
      await page.getByText(`Sign in as ${referrerEmail} to ${practiceName} (referring for ${partnerName}).`).waitFor();
      await axeCheck(page, '/auth (sign in)');
      await page.getByRole('button', { name: 'Confirm' }).click();
      await page.waitForURL('**/refer');
      await axeCheck(page, '/refer');
      await sendReferral(page, 'Ana', 'Late');
      await axeCheck(page, '/refer (sent)');
    } finally {
      await ref.close();
    }
    // Signing in made the referrer active.
    const { page } = owner;
    await page.reload();
    const card = page.getByRole('region', { name: partnerName });
    await card.getByText('Referrers', { exact: true }).click();
    await card.getByRole('button', { name: 'Deactivate Dr. Late' }).waitFor();
  });

  it('a provider the practice never invited refers from its public page; staff confirm the new source', async () => {
    const newcomer = await openBrowser();
    try {
      const { page } = newcomer;
      await page.goto(`/p/${slug}`);
      await page.getByRole('heading', { name: practiceName, level: 1 }).waitFor();
      await axeCheck(page, '/p/{slug}');
      await page.getByLabel('Your work email').fill(newcomerEmail);
      await page.getByRole('button', { name: 'Email me a link to refer' }).click();
      await page.getByRole('heading', { name: 'Check your email' }).waitFor();
      const mail = await waitForMail(newcomerEmail);
      assert.match(mail.text, /to refer patients as a new referring provider/);
      await page.goto(magicLink(mail));
      await page.getByText(new RegExp(`Refer patients to ${practiceName}`)).waitFor();
      await axeCheck(page, '/auth (join)');
      await page.getByRole('button', { name: 'Continue to refer' }).click();
      await page.getByText('Enter your name').waitFor();
      await page.getByLabel('Your name').fill('Dr. Maria Lopez');
      await page.getByLabel('Your practice or organization').fill('Lopez Spine Clinic');
      await page.getByLabel('Kind of practice').selectOption({ label: 'Chiropractor' });
      await page.getByLabel('NPI (optional)').fill('1234567893');
      await page.getByRole('button', { name: 'Continue to refer' }).click();
      await page.waitForURL('**/refer');
      await page.getByText(/Lopez Spine Clinic/).first().waitFor();
      await sendReferral(page, 'Ben', 'New');
    } finally {
      await newcomer.close();
    }

    const { page } = owner;
    await page.goto('/practice/partners');
    await page.getByText(/1 new source signed up from your public page/).waitFor();
    await page.getByLabel('Show only new sources').check();
    const card = page.getByRole('region', { name: /Lopez Spine Clinic/ });
    await card.getByText('NPI 1234567893').waitFor();
    await axeCheck(page, '/practice/partners (new sources)');
    await card.getByRole('button', { name: 'Confirm source Lopez Spine Clinic' }).click();
    await page.getByText('No new sources to confirm.').waitFor();

    await page.getByRole('navigation').getByRole('link', { name: 'Referrals' }).click();
    const list = page.getByRole('list', { name: 'Referrals' });
    await list.getByText('Ben New').waitFor();
    await list.getByText(/From Lopez Spine Clinic/).waitFor();
  });

  it('the owner adds a staff member who works a referral and appears in the audit trail', async () => {
    const { page } = owner;
    await page.getByRole('navigation').getByRole('link', { name: 'Team' }).click();
    await page.getByRole('heading', { name: 'Team', level: 1 }).waitFor();
    await page.getByLabel('Name', { exact: true }).fill('Jo Park');
    await page.getByLabel('Work email').fill(staffEmail);
    await page.getByRole('button', { name: 'Send invitation' }).click();
    await page.getByText(`Invitation on its way to ${staffEmail}. The link works once, for 7 days.`).waitFor();
    const team = page.getByRole('list', { name: 'Team' });
    await team.getByText(/Staff, invited .*not signed in yet/).waitFor();
    await axeCheck(page, '/practice/team');

    const staff = await openBrowser();
    try {
      const s = staff.page;
      const invitation = await waitForMail(staffEmail, { subject: /team/ });
      await s.goto(magicLink(invitation));
      await s.getByText(`Accept the invitation: sign in as ${staffEmail} to ${practiceName} (staff).`).waitFor();
      await axeCheck(s, '/auth (invitation)');
      await s.getByRole('button', { name: 'Confirm' }).click();
      await s.waitForURL('**/practice/referrals');
      // Staff do not manage the team.
      assert.equal(await s.getByRole('navigation').getByRole('link', { name: 'Team' }).count(), 0);
      const list = s.getByRole('list', { name: 'Referrals' });
      await list.getByRole('link', { name: /Ana Late/ }).click();
      await s.getByRole('heading', { name: 'Ana Late' }).waitFor();
      await axeCheck(s, '/practice/referrals/{id}');
      await s.getByRole('button', { name: 'Accept', exact: true }).click();
      await s.getByText('Accepted.').waitFor();
    } finally {
      await staff.close();
    }

    await page.reload();
    await team.getByRole('button', { name: 'Deactivate Jo Park' }).waitFor();
    await page.getByRole('navigation').getByRole('link', { name: 'Audit' }).click();
    const table = page.getByRole('table');
    await table.waitFor();
    await table.getByRole('cell', { name: staffEmail }).first().waitFor();
    await axeCheck(page, '/practice/audit');
    const rows = await table.getByRole('row').allTextContents();
    assert.ok(rows.some((r) => r.includes(staffEmail) && /staff/.test(r)), 'the staff member is in the audit trail as themselves');
    assert.ok(rows.some((r) => r.includes(ownerEmail) && /invited staff member/.test(r)), 'the invitation is the owner’s');
  });
});
