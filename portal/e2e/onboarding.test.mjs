// End to end: a practice signs up, sets up its intake profile, adds a partner and invites a
// referrer; the referrer signs in by magic link and sends referrals with the two-minute form. Then
// the owner sees the team (its page), deactivates the referrer (signed out at once), signs in on another
// device with the email's code and signs out everywhere.
// Needs the local server (API + built portal on one origin): BASE_URL=http://127.0.0.1:3999 npm run e2e
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BASE_URL, magicLink, openBrowser, tabUntil, uniqueEmail, waitForMail } from './browser.mjs';

const ownerEmail = uniqueEmail('owner');
const referrerEmail = uniqueEmail('dr-chen');
const practiceName = `Lakeside Physical Therapy ${Date.now().toString(36)}`;
const partnerName = 'Northside Family Medicine';

/** In the page: is the focused element the input whose label reads `label` (a string, or [regexp source])? */
const focusedLabel = (label) => [
  (want) => {
    const el = document.activeElement;
    const text = el?.labels?.[0]?.textContent?.trim() ?? '';
    return Array.isArray(want) ? new RegExp(want[0]).test(text) : text === want;
  },
  label instanceof RegExp ? [label.source] : label,
];

describe(`onboarding against ${BASE_URL}`, { timeout: 180_000 }, () => {
  let staff;
  let referrer;
  const referralPosts = [];

  before(async () => {
    staff = await openBrowser();
  });

  after(async () => {
    await referrer?.close();
    await staff?.close();
  });

  it('signs up a practice and signs in by magic link', async () => {
    const { page } = staff;
    await page.goto('/');
    await page.getByRole('link', { name: 'Sign up your practice' }).click();
    await page.getByLabel('Practice name').fill(practiceName);
    await page.getByLabel('Your work email').fill(ownerEmail);
    await page.getByRole('button', { name: 'Email me a sign-in link' }).click();
    await page.getByRole('heading', { name: 'Check your email' }).waitFor();

    const mail = await waitForMail(ownerEmail);
    await page.goto(magicLink(mail));
    await page.getByRole('heading', { name: 'Sign in to Referloop' }).waitFor();
    // The landing page says what the link does before it is confirmed.
    await page.getByText(`Create ${practiceName} on Referloop as ${ownerEmail}.`).waitFor();
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.waitForURL('**/practice/referrals');
    await page.getByRole('heading', { name: 'Referrals', level: 1 }).waitFor();
    assert.equal(new URL(page.url()).hash, '', 'the token fragment is removed');
  });

  it('fills the intake profile', async () => {
    const { page } = staff;
    await page.getByRole('navigation').getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('heading', { name: 'Intake profile' }).waitFor();
    await page.getByLabel('Condition 1', { exact: true }).fill('Low back pain');
    await page.getByRole('button', { name: 'Add condition' }).click();
    await page.getByLabel('Condition 2', { exact: true }).fill('Post-surgical knee rehab');
    await page.getByLabel('Who is not a match').fill('Patients under 16; acute fractures');
    await page.getByLabel('Insurance notes').fill('In network with Aetna, BCBS; no Medicaid');
    await page.getByLabel('Intake contact name').fill('Maria (intake)');
    await page.getByLabel('Intake contact phone').fill('(201) 555-0100');
    await page.getByLabel('Intake contact email').fill('intake@lakeside.example');
    await page.getByLabel('Contact within (hours)', { exact: true }).fill('48');
    await page.getByLabel('Urgent: contact within (hours)').fill('24');
    await page.getByRole('button', { name: 'Save profile' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved' }).waitFor();
    const link = await page.getByRole('link', { name: /\/p\// }).textContent();
    assert.match(link, /\/p\/[a-z0-9-]+$/);
  });

  it('adds a partner and invites a referrer', async () => {
    const { page } = staff;
    await page.getByRole('navigation').getByRole('link', { name: 'Partners' }).click();
    await page.getByRole('heading', { name: 'Partners', level: 1 }).waitFor();
    await page.getByLabel('Practice or person name').fill(partnerName);
    await page.getByLabel('Kind').selectOption({ label: 'Primary care (PCP)' });
    await page.getByLabel('Specialty (optional)').fill('Family medicine');
    await page.getByRole('button', { name: 'Add partner' }).click();

    const card = page.getByRole('region', { name: partnerName });
    await card.waitFor();
    const invite = card.getByText('Invite a referrer');
    if (!(await card.getByLabel('Referrer email').isVisible())) await invite.click();
    await card.getByLabel('Referrer email').fill(referrerEmail);
    await card.getByLabel('Referrer name (optional)').fill('Dr. Chen');
    await card.getByRole('button', { name: 'Send invitation' }).click();
    await card.getByText(/Invitation sent/).waitFor();
  });

  it('the referrer signs in from the invitation in a separate browser', async () => {
    referrer = await openBrowser();
    const { page } = referrer;
    page.on('request', (req) => {
      if (req.method() === 'POST' && new URL(req.url()).pathname === '/v1/referrals') referralPosts.push(req.headers()['idempotency-key']);
    });
    const mail = await waitForMail(referrerEmail);
    await page.goto(magicLink(mail));
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.waitForURL('**/refer');
    await page.getByRole('heading', { name: /Refer a patient/ }).waitFor();
    await page.getByText(`Referring as Dr. Chen, ${partnerName}`).waitFor();
    await page.getByText('Patients under 16; acute fractures').waitFor();
  });

  it('sends the minimum referral once, even on a double click', async () => {
    const { page } = referrer;
    await page.getByLabel('First name').fill('Ana');
    await page.getByLabel('Last name').fill('Silva');
    await page.getByLabel('Date of birth').fill('04/02/1980'); // US format, as people type it
    await page.getByLabel('Phone').fill('(201) 555-0142');
    await page.getByLabel(/agrees to be contacted/).check();
    await page.getByRole('radio', { name: 'Low back pain' }).check();
    await page.getByRole('button', { name: 'Send referral' }).dblclick();
    await page.getByRole('heading', { name: 'Referral sent' }).waitFor();
    await page.getByText('Received', { exact: true }).waitFor();
    assert.equal(referralPosts.length, 1, 'the double click sent one request');
    assert.match(referralPosts[0], /^[0-7][0-9A-HJKMNP-TV-Z]{25}$/);

    await page.getByRole('navigation').getByRole('link', { name: 'My referrals' }).click();
    const list = page.getByRole('list', { name: 'My referrals' });
    await list.waitFor();
    assert.equal(await list.getByRole('listitem').count(), 1);
    await list.getByText('Received', { exact: true }).waitFor();
    await list.getByText('A. S. · Low back pain').waitFor();
  });

  it('sends a second referral with the keyboard only', async () => {
    const { page } = referrer;
    await page.goto('/refer');
    await page.getByRole('heading', { name: /Refer a patient/ }).waitFor();
    await tabUntil(page, focusedLabel('First name'));
    await page.keyboard.type('Bea');
    await tabUntil(page, focusedLabel('Last name'));
    await page.keyboard.type('Lopes');
    await tabUntil(page, focusedLabel('Date of birth'));
    await page.keyboard.type('19751230');
    await tabUntil(page, focusedLabel('Phone'));
    await tabUntil(page, focusedLabel('Email'));
    await page.keyboard.type('bea@example.com');
    await tabUntil(page, focusedLabel(/agrees to be contacted/));
    await page.keyboard.press('Space');
    await tabUntil(page, focusedLabel('Low back pain'));
    await page.keyboard.press('Space');
    await tabUntil(page, focusedLabel('Routine'));
    await tabUntil(page, [() => document.activeElement?.textContent?.trim() === 'Send referral']);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Referral sent' }).waitFor();
    assert.equal(await page.getByLabel('Date of birth').count(), 0);

    await page.goto('/referrals');
    const list = page.getByRole('list', { name: 'My referrals' });
    await list.waitFor();
    assert.equal(await list.getByRole('listitem').count(), 2);
    // newest first
    assert.match(await list.getByRole('listitem').first().textContent(), /B\. L\./);
  });

  it('the staff list shows both referrals', async () => {
    const { page } = staff;
    await page.getByRole('navigation').getByRole('link', { name: 'Referrals' }).click();
    const list = page.getByRole('list', { name: 'Referrals' });
    await list.waitFor();
    assert.equal(await list.getByRole('listitem').count(), 2);
    await list.getByText('Ana Silva').waitFor();
    await list.getByText('Bea Lopes').waitFor();
    await list.getByText(`From ${partnerName} (Dr. Chen)`).first().waitFor();

    await list.getByRole('link', { name: /Ana Silva/ }).click();
    await page.getByRole('heading', { name: 'Ana Silva' }).waitFor();
    await page.getByText('04/02/1980').waitFor(); // birth dates as US people write them (local10)
  });

  it('the owner sees the team', async () => {
    const { page } = staff;
    await page.getByRole('navigation').getByRole('link', { name: 'Team' }).click();
    const team = page.getByRole('list', { name: 'Team' });
    await team.waitFor();
    await team.getByText(ownerEmail).waitFor();
    assert.equal(await team.getByRole('button', { name: /Deactivate/ }).count(), 0, 'the owner cannot be deactivated');
  });

  it('staff deactivate the referrer, who is signed out at once', async () => {
    const { page } = staff;
    await page.getByRole('navigation').getByRole('link', { name: 'Partners' }).click();
    const card = page.getByRole('region', { name: partnerName });
    await card.getByText('Referrers', { exact: true }).click();
    const list = card.getByRole('list', { name: `Referrers of ${partnerName}` });
    await list.getByText(referrerEmail).waitFor();
    page.once('dialog', (d) => d.accept());
    await list.getByRole('button', { name: 'Deactivate Dr. Chen' }).click();
    await card.getByText('Dr. Chen is deactivated and signed out.').waitFor();
    await list.getByText('· deactivated').waitFor();

    const r = referrer.page;
    await r.goto('/referrals');
    await r.getByRole('heading', { name: 'Sign in', exact: true }).waitFor();
  });

  it('a link opened on another device asks for the email\'s code; sign out everywhere ends every session', async () => {
    const asker = await openBrowser();
    const other = await openBrowser();
    try {
      await asker.page.goto('/signin');
      await asker.page.getByLabel('Your email').fill(ownerEmail);
      const since = Date.now();
      await asker.page.getByRole('button', { name: 'Email me a sign-in link' }).click();
      await asker.page.getByRole('heading', { name: 'Check your email' }).waitFor();
      let mail;
      for (const end = Date.now() + 20_000; ; ) {
        const mails = await (await fetch(`${BASE_URL}/_dev/mail.json`)).json();
        mail = mails.find((m) => m.to === ownerEmail && Date.parse(m.at) >= since - 1000 && /sign-in link/.test(m.subject));
        if (mail || Date.now() > end) break;
        await new Promise((res) => setTimeout(res, 250));
      }
      assert.ok(mail, 'the sign-in email');
      const code = mail.text.match(/code when asked: ([0-9A-Z]{4}-[0-9A-Z]{4})/)[1];

      const { page } = other;
      await page.goto(magicLink(mail));
      await page.getByText(`Sign in as ${ownerEmail} to ${practiceName} (owner).`).waitFor();
      await page.getByLabel('Code from the email').fill(code === '0000-0000' ? '1111-1111' : '0000-0000');
      await page.getByRole('button', { name: 'Confirm' }).click();
      await page.getByText(/That code is not right \(4 tries left\)/).waitFor();
      await page.getByLabel('Code from the email').fill(code.toLowerCase());
      await page.getByRole('button', { name: 'Confirm' }).click();
      await page.waitForURL('**/practice/referrals');

      await page.getByRole('button', { name: 'Sign out everywhere' }).click();
      await page.waitForURL(`${BASE_URL}/`);
      await staff.page.goto('/practice/partners');
      await staff.page.getByRole('heading', { name: 'Sign in', exact: true }).waitFor();
    } finally {
      await asker.close();
      await other.close();
    }
  });
});
