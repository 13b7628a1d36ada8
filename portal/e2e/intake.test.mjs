// End to end: a patient's own referral and the one-pager (issue 11). A practice signs up and fills
// its intake profile; its one-pager (/p/<slug>/print) prints to exactly one page on Letter and on
// A4 (Chromium's printToPDF, pages counted in the PDF) and its QR code, screenshotted and decoded
// with jsQR, is the practice's referral link; a patient finds /r/<slug> from the public page,
// refers themselves (who sent you: a friend), confirms by the link in the dev mailbox, and the
// referral shows in the staff queue tagged with the word-of-mouth source. axe-core finds no serious
// or critical violation on the new pages, desktop 1280x800 and phone 390x844.
// ONE_PAGER_PNG=<path> also saves a screenshot of the printed sheet there (docs/one-pager.png).
// Needs the local server: BASE_URL=http://127.0.0.1:3999 npm run e2e
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import jsQR from 'jsqr';
import { PNG } from 'pngjs';
import { BASE_URL, magicLink, openBrowser, uniqueEmail, waitForMail } from './browser.mjs';

const require = createRequire(import.meta.url);
const AXE = await readFile(require.resolve('axe-core/axe.min.js'), 'utf8');

const ownerEmail = uniqueEmail('intake-owner');
const patientEmail = uniqueEmail('rosa');
const practiceName = `Harbor Spine Care ${Date.now().toString(36)}`;
const VIEWPORTS = [
  { name: 'desktop', width: 1280, height: 800 },
  { name: 'phone', width: 390, height: 844 },
];

/** Runs axe on the page as it is; fails on any serious or critical violation. */
async function axe(page, where) {
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(`${AXE}\n;true`);
  const r = await page.evaluate(() =>
    window.axe.run(document, { resultTypes: ['violations'], runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] } }),
  );
  const bad = r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(bad.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`), [], `axe on ${where}`);
}

/** axe in both viewports, then back to `keep`. */
async function axeBoth(page, where, keep) {
  for (const vp of VIEWPORTS) {
    await page.setViewportSize({ width: vp.width, height: vp.height });
    await axe(page, `${where} (${vp.name})`);
  }
  await page.setViewportSize(keep);
}

/** Pages of a PDF: its page objects (Chromium writes one "/Type /Page" per page). */
const pdfPages = (buf) => (buf.toString('latin1').match(/\/Type\s*\/Page(?![s\w])/g) ?? []).length;

describe(`patient intake and the one-pager against ${BASE_URL}`, { timeout: 180_000 }, () => {
  let staff;
  let patient;
  let slug;

  before(async () => {
    staff = await openBrowser();
    await staff.page.setViewportSize({ width: 1280, height: 800 });
    patient = await openBrowser(); // the phone viewport
  });
  after(async () => {
    await patient?.close();
    await staff?.close();
  });

  it('a practice signs up and fills its intake profile', async () => {
    const { page } = staff;
    await page.goto('/signup');
    await page.getByLabel('Practice name').fill(practiceName);
    await page.getByLabel('Your work email').fill(ownerEmail);
    await page.getByRole('button', { name: 'Email me a sign-in link' }).click();
    await page.getByRole('heading', { name: 'Check your email' }).waitFor();
    await page.goto(magicLink(await waitForMail(ownerEmail)));
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.waitForURL('**/practice/referrals');
    await page.getByRole('navigation').getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('heading', { name: 'Intake profile' }).waitFor();
    await page.getByLabel('Condition 1', { exact: true }).fill('Low back pain');
    for (const [i, c] of [[2, 'Neck pain and whiplash'], [3, 'Sciatica'], [4, 'Post-surgical spine rehab']]) {
      await page.getByRole('button', { name: 'Add condition' }).click();
      await page.getByLabel(`Condition ${i}`, { exact: true }).fill(c);
    }
    await page.getByLabel('Who is not a match').fill('Patients under 16; acute fractures or suspected cord compression (send to the ER)');
    await page.getByLabel('Insurance notes').fill('In network with Aetna, BCBS and Medicare; no Medicaid');
    await page.getByLabel('Intake contact name').fill('Maria Lopez (intake)');
    await page.getByLabel('Intake contact phone').fill('(415) 555-0100');
    await page.getByLabel('Intake contact email').fill('intake@harborspine.example');
    await page.getByLabel('Contact within (hours)', { exact: true }).fill('48');
    await page.getByLabel('Urgent: contact within (hours)').fill('24');
    await page.getByRole('button', { name: 'Save profile' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved' }).waitFor();
    const link = await page.getByRole('link', { name: /\/p\// }).textContent();
    slug = link.trim().split('/p/')[1];
    assert.match(slug, /^[a-z0-9-]+$/);
  });

  it('the one-pager prints to one page on Letter and A4, and its QR code is the referral link', async () => {
    const { page } = staff;
    await page.getByRole('link', { name: /The one-pager/ }).click();
    await page.waitForURL(`**/p/${slug}/print`);
    await page.getByRole('heading', { name: practiceName, level: 1 }).waitFor();
    await page.locator('.op-qr svg').waitFor();
    await page.getByText('Low back pain').waitFor();
    await page.getByText('within 48 hours').first().waitFor();
    await axeBoth(page, '/p/<slug>/print', { width: 1280, height: 800 });

    // The QR code, as pixels, decodes to the practice's referral link.
    const png = PNG.sync.read(await page.locator('.op-qr .qr').screenshot());
    const code = jsQR(new Uint8ClampedArray(png.data), png.width, png.height);
    assert.ok(code, 'the QR code decodes');
    assert.equal(code.data, `${BASE_URL}/p/${slug}`);

    for (const format of ['Letter', 'A4']) {
      const pdf = await page.pdf({ format, printBackground: true });
      assert.equal(pdfPages(pdf), 1, `${format}: one printed page`);
    }
    // A longer profile still fits: the sheet is one page even with the screen-only parts there.
    await page.emulateMedia({ media: 'print' });
    assert.equal(await page.locator('.site-header').isVisible(), false, 'no navigation on paper');
    assert.equal(await page.getByRole('button', { name: 'Print' }).isVisible(), false, 'no Print button on paper');
    if (process.env.ONE_PAGER_PNG) {
      await page.setViewportSize({ width: 794, height: 1123 }); // A4 at 96 dpi, with the sheet's 12 mm margins
      await page.addStyleTag({ content: 'main { padding: 45px !important; }' });
      await writeFile(process.env.ONE_PAGER_PNG, await page.screenshot({ fullPage: false, type: 'png', scale: 'css' }));
      await page.setViewportSize({ width: 1280, height: 800 });
    }
    await page.emulateMedia({ media: 'screen' });

    // The introduction email, ready to copy, says what the sheet says.
    const email = await page.getByRole('textbox', { name: 'Introduction email' }).inputValue();
    assert.match(email, /We treat: Low back pain, Neck pain and whiplash, Sciatica, Post-surgical spine rehab\./);
    assert.ok(email.includes(`${BASE_URL}/p/${slug}`), 'the email carries the referral link');
    await page.getByRole('button', { name: 'Copy the introduction email' }).click();
    await page.getByRole('status').filter({ hasText: /Copied|copy/ }).waitFor();
  });

  it('a patient refers themselves from the public page and confirms by the emailed link', async () => {
    const { page } = patient;
    await page.goto(`/p/${slug}`);
    await page.getByRole('link', { name: 'Refer yourself, or someone you know' }).click();
    await page.waitForURL(`**/r/${slug}`);
    await page.getByRole('heading', { name: `Ask ${practiceName} for an appointment` }).waitFor();
    await axeBoth(page, '/r/<slug>', { width: 390, height: 844 });

    // The honeypot is out of people's way: hidden from screen readers and not in the tab order.
    const hp = await page.evaluate(() => {
      const el = document.getElementById('f-website');
      return { tab: el.tabIndex, hidden: el.closest('[aria-hidden="true"]') !== null, onScreen: el.getBoundingClientRect().right > 0 };
    });
    assert.deepEqual(hp, { tab: -1, hidden: true, onScreen: false });

    // Sending empty names what is missing, in plain words.
    await page.getByRole('button', { name: 'Send' }).click();
    await page.getByRole('heading', { name: /There are \d+ problems/ }).waitFor();
    await page.getByRole('link', { name: 'Who sent you: Tell us who sent you' }).waitFor();

    await page.getByLabel('Me', { exact: true }).check();
    await page.getByLabel('A friend or family member', { exact: true }).check();
    await page.getByLabel('First name').fill('Rosa');
    await page.getByLabel('Last name').fill('Diaz');
    await page.getByLabel('Date of birth').fill('06141975');
    assert.equal(await page.getByLabel('Date of birth').inputValue(), '06/14/1975');
    await page.getByLabel('Email', { exact: true }).fill(patientEmail);
    await page.getByLabel('What do you need help with?').fill('Lower back pain for three weeks');
    await page.getByLabel(`I agree that ${practiceName} may contact me about an appointment`).check();
    await page.getByRole('button', { name: 'Send' }).click();
    await page.getByRole('heading', { name: 'Check your email' }).waitFor();
    await page.getByText(patientEmail).waitFor();

    const mail = await waitForMail(patientEmail, { subject: /confirm your referral request/i });
    assert.ok(!/Rosa|Diaz|1975|back pain/i.test(mail.text), 'the confirmation email holds no PHI');
    const link = mail.links.find((l) => l.includes('/r/confirm#t='));
    assert.ok(link, 'the email has the confirmation link');
    const u = new URL(link);
    await page.goto(`${BASE_URL}${u.pathname}${u.hash}`);
    await page.getByRole('heading', { name: 'Your request was sent' }).waitFor();
    assert.equal(new URL(page.url()).hash, '', 'the token leaves the address bar');
    await page.getByText(/reference R-/).waitFor();
    await axeBoth(page, '/r/confirm', { width: 390, height: 844 });

    // Opening the link again sends nothing new: the same request.
    await page.goto('about:blank');
    await page.goto(`${BASE_URL}${u.pathname}${u.hash}`);
    await page.getByRole('heading', { name: 'Your request was already sent' }).waitFor();
  });

  it('the referral is in the staff queue, tagged as word of mouth', async () => {
    const { page } = staff;
    await page.goto('/practice/referrals');
    const row = page.locator('li, tr').filter({ hasText: 'From Patients sent by a friend or family' });
    await row.first().waitFor();
    assert.equal(await row.count(), 1, 'one referral, however often the link was opened');
    const res = await page.request.get('/v1/referrals?limit=10');
    const { items } = await res.json();
    assert.equal(items.length, 1);
    assert.equal(items[0].partner.id, 'p_intakefriend');
    assert.equal(items[0].status, 'received');
  });
});
