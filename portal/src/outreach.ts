// The outreach workflow's shapes (docs/openapi.yaml, tag outreach) and small helpers the pages share.
import type { components } from './api-schema';

type Schemas = components['schemas'];
export type TouchChannel = Schemas['TouchChannel'];
export type TouchResponse = Schemas['TouchResponse'];
export type TouchInput = Schemas['TouchInput'];
export type Touch = Schemas['Touch'];
export type TouchList = Schemas['TouchList'];
export type TouchCreated = Schemas['TouchCreated'];
export type AttributionWindow = Schemas['AttributionWindow'];
export type FollowUps = Schemas['FollowUps'];
export type DueItem = Schemas['DueItem'];
export type TeamMember = Schemas['TeamMember'];
export type OutreachView = Schemas['OutreachView'];
export type Suggestion = Schemas['Suggestion'];
export type ChannelStats = Schemas['ChannelStats'];
export type Template = Schemas['Template'];
export type Templates = Schemas['Templates'];
export type TemplateKind = Schemas['TemplateKind'];

export const CHANNELS: [TouchChannel, string][] = [
  ['visit', 'Visit'],
  ['call', 'Call'],
  ['email', 'Email'],
  ['lunch', 'Lunch'],
  ['event', 'Event'],
  ['letter', 'Letter'],
  ['other', 'Other'],
];

export const RESPONSES: [TouchResponse, string][] = [
  ['none', 'No response yet'],
  ['positive', 'Positive'],
  ['neutral', 'Neutral'],
  ['declined', 'Declined'],
];

export const channelLabel = (c: string) => CHANNELS.find(([k]) => k === c)?.[1] ?? c;
export const responseLabel = (r: string) => RESPONSES.find(([k]) => k === r)?.[1] ?? r;

export const TEMPLATE_LABEL: Record<TemplateKind, string> = {
  introduction: 'Introduction',
  'thanks-first-referral': 'Thank-you after a first referral',
  'thanks-seen': 'Thank-you after a patient was seen',
  'check-in': 'Periodic check-in',
  'patient-invite': 'For patients: “Know someone who needs us?”',
};

/** Today's date where the browser is (the practice's local time), as YYYY-MM-DD. */
export function localToday(now: Date = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${now.getFullYear()}-${p(now.getMonth() + 1)}-${p(now.getDate())}`;
}

/** "2026-11-23" → "Nov 23, 2026", read as a calendar day (no time zone shift). */
export function dayLabel(day: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) return day;
  const d = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3]));
  return d.toLocaleDateString('en-US', { month: 'short', day: 'numeric', year: 'numeric', timeZone: 'UTC' });
}

/** Who did a touch: a member's name, "Referloop (automatic)", or "a former member". */
export function whoLabel(id: string, members: TeamMember[]): string {
  if (id === 'automatic') return 'Referloop (automatic)';
  return members.find((m) => m.id === id)?.name ?? 'a former team member';
}

/** A window's referrals in words: "2 referrals (20 per 30 days)", "30 of 90 days so far" while it runs. */
export function windowText(w: AttributionWindow): string {
  const n = `${w.referrals} referral${w.referrals === 1 ? '' : 's'}`;
  if (w.elapsed === 0) return 'not started yet';
  const rate = w.perThirtyDays == null ? '' : ` (${fmtRate(w.perThirtyDays)} per 30 days)`;
  return w.complete ? n + rate : `${n} in ${w.elapsed} of ${w.days} days so far${rate}`;
}

export function fmtRate(x: number): string {
  return x >= 10 || Number.isInteger(x) ? String(Math.round(x)) : x.toFixed(1);
}

/** Whether what followed a touch is more than before it (per 30 days, over the 90-day window). */
export function trend(before: AttributionWindow, after: AttributionWindow): 'up' | 'down' | 'same' | 'unknown' {
  if (before.perThirtyDays == null || after.perThirtyDays == null || after.elapsed === 0) return 'unknown';
  if (after.perThirtyDays > before.perThirtyDays) return 'up';
  if (after.perThirtyDays < before.perThirtyDays) return 'down';
  return 'same';
}

export const fmtShare = (x: number | null) => (x == null ? '—' : `${Math.round(x * 100)}%`);
