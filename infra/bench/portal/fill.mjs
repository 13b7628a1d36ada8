// The scripted fill of the referral form at a human pace, shared by the portal benchmark
// (vitals.mjs, `make bench-portal`) and the e2e suite (portal/e2e/a11y.test.mjs, on a phone
// viewport). `fill(context, path)` takes a browser context whose baseURL is the server and whose
// cookies are a signed-in referrer's.
import { setTimeout as sleep } from 'node:timers/promises';

// The human pace of the scripted fill.
export const KEYSTROKE_MS = 280;
export const FIELD_MS = 3000;

// Counts the visible inputs a person must fill: form controls shown (not in a closed <details>),
// radio groups once, none whose label says "optional".
export const COUNT_INPUTS = () => {
  const seen = new Set();
  const names = [];
  for (const el of document.querySelectorAll('form input, form select, form textarea')) {
    if (['hidden', 'submit', 'button'].includes(el.type)) continue;
    if (!el.checkVisibility?.() && el.offsetParent === null) continue;
    if (el.closest('details:not([open])')) continue;
    const label = (el.labels?.[0]?.textContent ?? el.getAttribute('aria-label') ?? '').toLowerCase();
    if (label.includes('optional')) continue;
    const key = el.type === 'radio' ? `radio:${el.name}` : el.id || el.name;
    if (seen.has(key)) continue;
    seen.add(key);
    names.push(el.type === 'radio' ? el.name : el.name || el.id);
  }
  return names;
};

// The scripted fill of the minimum referral at a human pace: a pause per field (reading,
// deciding), then each keystroke; a click for the consent, the reason and the send button.
export const STEPS = [
  { id: 'f-patient-firstName', text: 'Ana' },
  { id: 'f-patient-lastName', text: 'Silva' },
  { id: 'f-patient-dateOfBirth', text: '19800402' },
  { id: 'f-patient-phone', text: '(201) 555-0142' },
  { id: 'f-patient-consentToContact' },
  { id: 'f-reason' },
  { submit: true },
];

export async function fill(context, path) {
  const page = context.pages()[0] ?? (await context.newPage());
  try {
    await page.goto(path, { waitUntil: 'load' });
    await page.locator('form button[type=submit]').waitFor({ state: 'visible' });
    const inputs = await page.evaluate(COUNT_INPUTS);
    let formMillis = null;
    page.on('response', async (r) => {
      if (r.request().method() === 'POST' && new URL(r.url()).pathname === '/v1/referrals') {
        formMillis = (await r.json().catch(() => ({}))).formMillis ?? null;
      }
    });
    const t0 = Date.now();
    let keystrokes = 0;
    const steps = [];
    for (const s of STEPS) {
      await sleep(FIELD_MS);
      const a = Date.now();
      if (s.submit) {
        await page.locator('form button[type=submit]').click();
      } else if (s.text) {
        await page.locator(`#${s.id}`).click();
        await page.locator(`#${s.id}`).pressSequentially(s.text, { delay: KEYSTROKE_MS });
        keystrokes += s.text.length;
      } else {
        await page.locator(`#${s.id}`).check();
      }
      if (s.submit) await page.locator('#sent-h').waitFor({ state: 'visible' });
      // Time of the step beyond its pacing: what the page itself took.
      steps.push({ step: s.id ?? 'send', ms: Date.now() - a - (s.text ? s.text.length * KEYSTROKE_MS : 0) });
    }
    const ms = Date.now() - t0;
    return { ms, inputs, keystrokes, fields: STEPS.length, formMillis, steps, pacingMs: STEPS.length * FIELD_MS + keystrokes * KEYSTROKE_MS };
  } finally {
    await page.close().catch(() => {});
  }
}
