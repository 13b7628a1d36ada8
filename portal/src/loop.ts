// The closed loop (docs/api.md "The closed loop"): plain words for statuses and reasons, the staff
// actions for a referral's `allowed` statuses, transition bodies and their checks, and times.
// Pure functions only; imported by the staff and referrer pages, never by /refer or /status.
import type { Appointment, ContactChannel, ContactOutcome, DeclineReason, Partner, PartnerInput, Referral, ReferralStatus, StatusUpdates, TimelineEntry, TransitionInput } from './types';
import { formatDate, statusLabel } from './format';

/** Statuses in lifecycle order: the order of the staff queue's views. */
export const QUEUE_ORDER: ReferralStatus[] = [
  'received',
  'needs-info',
  'accepted',
  'contacted',
  'scheduled',
  'no-show',
  'seen',
  'closed',
  'declined',
  'unreachable',
  'cancelled',
];

/** What a status means, in plain words, for the referrer who sent the referral. */
export const REFERRER_STATUS_TEXT: Record<ReferralStatus, string> = {
  received: 'The practice has your referral and will review it.',
  accepted: 'The practice accepted the referral and will contact the patient.',
  'needs-info': 'The practice has a question for you before it can go on.',
  contacted: 'The practice is in touch with the patient.',
  scheduled: 'The patient has an appointment.',
  'no-show': 'The patient missed the appointment; the practice will try to rebook.',
  seen: 'The patient was seen.',
  closed: 'Done: the practice has closed this referral.',
  declined: 'The practice declined this referral.',
  unreachable: 'The practice could not reach the patient.',
  cancelled: 'This referral was cancelled.',
};

export const referrerStatusText = (s: string) => REFERRER_STATUS_TEXT[s as ReferralStatus] ?? '';

/** How late, in whole days (or hours, or minutes under an hour): "17 days", "5 hours"; '' when not late. */
export function lateBy(iso: string, now: Date = new Date()): string {
  const ms = now.getTime() - Date.parse(iso);
  if (!(ms > 0)) return '';
  const n = (x: number, one: string) => `${x} ${one}${x === 1 ? '' : 's'}`;
  const min = Math.floor(ms / 60_000);
  if (min < 60) return n(Math.max(1, min), 'minute');
  const h = Math.floor(min / 60);
  return h < 48 ? n(h, 'hour') : n(Math.floor(h / 24), 'day');
}

/**
 * Where a referral stands for its referrer, in plain words: an overdue one (nobody has reached the
 * patient by the contact-by time) says so and by how much, instead of its status's usual words.
 */
export function referrerWords(r: { status: string; overdue?: boolean; contactBy?: string }, now: Date = new Date()): { text: string; late: boolean } {
  if (r.overdue && r.contactBy) {
    const late = lateBy(r.contactBy, now);
    if (late) return { text: `Overdue by ${late}: the practice was to contact the patient by ${formatDate(r.contactBy)} and has not reached them yet.`, late: true };
  }
  return { text: referrerStatusText(r.status), late: false };
}

/** Whether a referral matches a search of "My referrals": every word in the patient's name or the reference. */
export function matchesSearch(r: { ref?: string; patient?: { firstName?: string; lastName?: string } }, query: string): boolean {
  const fold = (x: string) => x.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase();
  const words = fold(query).split(/[\s,]+/).filter(Boolean);
  if (!words.length) return true;
  const hay = fold(`${r.patient?.firstName ?? ''} ${r.patient?.lastName ?? ''} ${r.ref ?? ''}`);
  const ref = fold(r.ref ?? '').replace(/[^a-z0-9]/g, '');
  return words.every((w) => hay.includes(w) || (w.replace(/[^a-z0-9]/g, '').length >= 3 && ref.includes(w.replace(/[^a-z0-9]/g, ''))));
}

export const DECLINE_REASONS: [DeclineReason, string][] = [
  ['not-a-match', 'Not a match for our practice'],
  ['insurance', 'Insurance not accepted'],
  ['no-capacity', 'No capacity right now'],
  ['referred-elsewhere', 'Patient is going elsewhere'],
  ['patient-declined', 'Patient declined'],
  ['other', 'Other reason (say where to send the patient)'],
];

export const CONTACT_OUTCOMES: [ContactOutcome, string][] = [
  ['reached', 'Reached the patient'],
  ['no-answer', 'No answer'],
  ['voicemail', 'Left a voicemail'],
  ['wrong-number', 'Wrong number'],
];

export const CONTACT_CHANNELS: [ContactChannel, string][] = [
  ['phone', 'Phone'],
  ['email', 'Email'],
  ['sms', 'Text message (SMS)'],
];

const lookup = (list: [string, string][], key?: string) => list.find(([k]) => k === key)?.[1] ?? key ?? '';
export const declineReasonLabel = (r?: string) => lookup(DECLINE_REASONS, r);
export const outcomeLabel = (o?: string) => lookup(CONTACT_OUTCOMES, o);
export const channelLabel = (c?: string) => lookup(CONTACT_CHANNELS, c);

export const ROLE_LABEL: Record<string, string> = { owner: 'Owner', staff: 'Staff', referrer: 'Referrer', system: 'Referloop' };
export const roleLabel = (r?: string) => (r ? ROLE_LABEL[r] ?? r : '');

/**
 * How an action's form looks:
 * - `button`: a form that is only its submit button (one click)
 * - `decline`, `ask`, `contact`, `schedule`: a form with fields, opened by the action's button
 * - `note`: an optional note and a submit button
 * - `confirm`: like `note`, but worded as a confirmation (cancelling)
 */
export type ActionKind = 'button' | 'decline' | 'ask' | 'contact' | 'schedule' | 'note' | 'confirm';

export interface Action {
  to: ReferralStatus;
  kind: ActionKind;
  /** the button that opens (or, for `button`, submits) the action */
  label: string;
  /** the form's submit button */
  submit: string;
  /** said after it worked */
  done: string;
}

/** The action for moving a referral in status `from` to status `to`, or null for an unknown status. */
export function actionFor(from: string, to: string): Action | null {
  switch (to) {
    case 'accepted':
      return { to, kind: 'button', label: 'Accept', submit: 'Accept', done: 'Accepted.' };
    case 'declined':
      return { to, kind: 'decline', label: 'Decline', submit: 'Decline referral', done: 'Declined. The referrer will be told why.' };
    case 'needs-info':
      return { to, kind: 'ask', label: 'Ask the referrer', submit: 'Send question', done: 'Question sent to the referrer.' };
    case 'contacted':
      return { to, kind: 'contact', label: 'Log contact attempt', submit: 'Log attempt', done: 'Contact attempt logged.' };
    case 'scheduled':
      return from === 'scheduled' || from === 'no-show'
        ? { to, kind: 'schedule', label: 'Reschedule', submit: 'Save new appointment', done: 'Appointment changed.' }
        : { to, kind: 'schedule', label: 'Schedule', submit: 'Save appointment', done: 'Appointment saved.' };
    case 'seen':
      return { to, kind: 'button', label: 'Mark seen', submit: 'Mark seen', done: 'Marked as seen.' };
    case 'no-show':
      return { to, kind: 'button', label: 'No-show', submit: 'No-show', done: 'Marked as a missed appointment.' };
    case 'closed':
      return { to, kind: 'note', label: 'Close the loop', submit: 'Close the loop', done: 'Loop closed. The referrer can now rate the handoff.' };
    case 'unreachable':
      return { to, kind: 'note', label: 'Mark unreachable', submit: 'Mark unreachable', done: 'Marked as unreachable.' };
    case 'cancelled':
      return { to, kind: 'confirm', label: 'Cancel referral', submit: 'Yes, cancel this referral', done: 'Referral cancelled.' };
  }
  return null;
}

/** The actions staff may take now: exactly the referral's `allowed` statuses, in that order. */
export function actionsFor(r: Pick<Referral, 'status' | 'allowed'>): Action[] {
  const out: Action[] = [];
  for (const to of r.allowed ?? []) {
    const a = actionFor(r.status, to);
    if (a && !out.some((x) => x.to === a.to)) out.push(a);
  }
  return out;
}

/** What staff type into an action's form. */
export interface ActionValues {
  reason: string;
  note: string;
  outcome: string;
  channel: string;
  /** a datetime-local value: YYYY-MM-DDTHH:mm in the browser's time zone */
  at: string;
  location: string;
}

export const emptyAction = (): ActionValues => ({ reason: '', note: '', outcome: '', channel: 'phone', at: '', location: '' });

const NOTE_MAX = 1000;
const LOCATION_MAX = 200;

/** A datetime-local value ("2026-11-30T10:00", the browser's time zone) → RFC 3339 UTC, or null. */
export function localToUtc(local: string): string | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}))?$/.exec(local.trim());
  if (!m) return null;
  const [y, mo, d, h, mi, s] = [m[1], m[2], m[3], m[4], m[5], m[6] ?? '0'].map(Number);
  if (mo < 1 || mo > 12 || h > 23 || mi > 59 || s > 59) return null;
  const date = new Date(y, mo - 1, d, h, mi, s);
  if (isNaN(date.getTime()) || date.getDate() !== d || date.getMonth() !== mo - 1) return null;
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

const pad = (n: number) => String(n).padStart(2, '0');

/** An RFC 3339 time → a datetime-local value in the browser's time zone ('' if invalid). */
export function utcToLocalInput(iso?: string): string {
  const d = iso ? new Date(iso) : null;
  if (!d || isNaN(d.getTime())) return '';
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** Checks an action's form and builds the transition body; errors are keyed by body path. */
export function transitionBody(to: ReferralStatus, v: ActionValues, now: Date = new Date()): { body?: TransitionInput; errors: Record<string, string> } {
  const e: Record<string, string> = {};
  const note = v.note.trim();
  const body: TransitionInput = { to };
  if (note.length > NOTE_MAX) e.note = `Use at most ${NOTE_MAX} characters`;
  switch (to) {
    case 'declined':
      if (!DECLINE_REASONS.some(([k]) => k === v.reason)) e.reason = 'Choose a reason';
      else if (v.reason === 'other' && !note) e.note = 'Say why, and where the patient can go instead';
      body.reason = v.reason as DeclineReason;
      break;
    case 'needs-info':
      if (!note) e.note = 'Write the question for the referrer';
      break;
    case 'contacted':
      if (!CONTACT_OUTCOMES.some(([k]) => k === v.outcome)) e['contact.outcome'] = 'Choose how the attempt went';
      if (!CONTACT_CHANNELS.some(([k]) => k === v.channel)) e['contact.channel'] = 'Choose how you tried';
      body.contact = { outcome: v.outcome as ContactOutcome, channel: v.channel as ContactChannel };
      break;
    case 'scheduled': {
      const at = localToUtc(v.at);
      const location = v.location.trim();
      if (!v.at.trim()) e['appointment.at'] = 'Enter the date and time of the appointment';
      else if (!at) e['appointment.at'] = 'Enter a date and time like 2026-11-30 10:00';
      else if (Date.parse(at) <= now.getTime()) e['appointment.at'] = 'The appointment must be in the future';
      else if (Date.parse(at) > now.getTime() + 366 * 86_400_000) e['appointment.at'] = 'The appointment must be within a year';
      if (!location) e['appointment.location'] = 'Say where the appointment is';
      else if (location.length > LOCATION_MAX) e['appointment.location'] = `Use at most ${LOCATION_MAX} characters`;
      if (at) body.appointment = { at, location } as Appointment;
      break;
    }
  }
  if (note) body.note = note;
  return Object.keys(e).length ? { errors: e } : { body, errors: {} };
}

/** "5 h", "40 min", "2 d 3 h": how long ago `iso` was (for "overdue by …"). */
export function overdueBy(iso: string, now: Date = new Date()): string {
  const ms = now.getTime() - Date.parse(iso);
  if (!(ms > 0)) return '';
  const min = Math.floor(ms / 60_000);
  if (min < 60) return `${Math.max(1, min)} min`;
  const h = Math.floor(min / 60);
  if (h < 24) return `${h} h`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d} d ${h % 24} h` : `${d} d`;
}

/** The If-Match value for a change: the ETag of the last read, else the body's version, quoted. */
export function ifMatch(etag: string | null | undefined, version: number | undefined): string {
  if (etag && etag.trim()) return etag.trim();
  return `"${version ?? 0}"`;
}

/** A timeline entry's headline: "Received → Accepted", "Contact attempt", "Referrer answered"… */
export function entryTitle(e: TimelineEntry): string {
  if (!e.from) return e.to === 'received' ? 'Referral sent' : statusLabel(e.to);
  if (e.from === 'needs-info' && e.answer !== undefined) return `Referrer answered: back to ${statusLabel(e.to)}`;
  if (e.contact && e.contact.outcome !== 'reached') return `Contact attempt: ${outcomeLabel(e.contact.outcome).toLowerCase()}`;
  if (e.from === e.to && e.to === 'contacted') return 'Another contact attempt';
  if (e.from === e.to && e.to === 'scheduled') return 'Rescheduled';
  return `${statusLabel(e.from)} → ${statusLabel(e.to)}`;
}

/** A rating as text: "4/5". */
export const scoreText = (n: number) => `${n}/5`;

/** The partner's fields as PUT /v1/partners/{id} wants them (PartnerInput), with a new statusUpdates. */
export function partnerInput(p: Partner, statusUpdates: StatusUpdates): PartnerInput {
  const body: PartnerInput = { name: p.name, kind: p.kind };
  if (p.specialty) body.specialty = p.specialty;
  if (p.npi) body.npi = p.npi;
  if (p.contactEmail) body.contactEmail = p.contactEmail;
  body.statusUpdates = statusUpdates;
  // The full record (issue 11): a PUT replaces it, so what is set is sent back.
  for (const k of ['organization', 'address', 'zip', 'phone', 'fax', 'liaison'] as const) if (p[k]) body[k] = p[k];
  if (p.tags?.length) body.tags = p.tags;
  return body;
}

/**
 * The short reference emails use for a referral ("R-" and the last 8 characters of its ULID,
 * which ends the id), so staff can match an email to a page. '' for ids of another shape.
 */
export function refOf(id: string): string {
  const ulid = id.split('.').pop() ?? '';
  return /^[0-9A-HJKMNP-TV-Z]{26}$/i.test(ulid) ? `R-${ulid.slice(-8).toUpperCase()}` : '';
}
