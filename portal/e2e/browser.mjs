// Shared helpers for the end-to-end tests: Debian's Chromium through playwright-core (no
// browser downloads), the dev mailbox, and unique addresses.
import { chromium } from 'playwright-core';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export const BASE_URL = (process.env.BASE_URL ?? 'http://127.0.0.1:3000').replace(/\/+$/, '');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/** Waits for Chromium to be installed (apt may still be installing it). */
export async function waitForChromium(timeoutMs = 10 * 60_000) {
  const end = Date.now() + timeoutMs;
  while (!existsSync(CHROMIUM)) {
    if (Date.now() > end) throw new Error(`${CHROMIUM} not found`);
    await sleep(2000);
  }
}

/**
 * A browser with its own fresh profile (so its own cookies). The profile dir is the first
 * argument of launchPersistentContext, never a flag: with a flag Chromium hangs on a closed network.
 */
export async function openBrowser() {
  await waitForChromium();
  const dir = await mkdtemp(join(tmpdir(), 'referloop-e2e-'));
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    baseURL: BASE_URL,
    viewport: { width: 390, height: 844 },
  });
  context.setDefaultTimeout(15_000);
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    async close() {
      await context.close().catch(() => {});
      await rm(dir, { recursive: true, force: true }).catch(() => {});
    },
  };
}

export function uniqueEmail(prefix) {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}@e2e.example`;
}

/** Polls GET /_dev/mail.json (newest first) for a message to `to`; returns it. */
export async function waitForMail(to, { timeoutMs = 20_000, subject } = {}) {
  const end = Date.now() + timeoutMs;
  const want = to.toLowerCase();
  for (;;) {
    const res = await fetch(`${BASE_URL}/_dev/mail.json`).catch(() => null);
    if (res?.ok) {
      const mails = await res.json();
      const hit = mails.find((m) => String(m.to).toLowerCase().includes(want) && (!subject || subject.test(m.subject)));
      if (hit) return hit;
    }
    if (Date.now() > end) throw new Error(`no mail to ${to} within ${timeoutMs} ms`);
    await sleep(250);
  }
}

/** The magic link of a mail, on BASE_URL's origin (the server may know itself by another name). */
export function magicLink(mail) {
  const link = mail.links?.find((l) => l.includes('/auth#token=')) ?? mail.links?.[0];
  if (!link) throw new Error(`mail "${mail.subject}" has no link`);
  const u = new URL(link);
  return `${BASE_URL}${u.pathname}${u.search}${u.hash}`;
}

/**
 * Presses Tab until `check` — [fn, arg], run in the page as fn(arg) — is true; at most `max` times.
 */
export async function tabUntil(page, [fn, arg], max = 40) {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    if (await page.evaluate(fn, arg)) return;
  }
  throw new Error(`focus never reached the target (${JSON.stringify(arg)})`);
}
