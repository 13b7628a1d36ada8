import type { PartnerKind, ReferralStatus, Urgency } from './types';

export const STATUS_LABEL: Record<ReferralStatus, string> = {
  received: 'Received',
  accepted: 'Accepted',
  declined: 'Declined',
  'needs-info': 'Needs info',
  contacted: 'Patient contacted',
  scheduled: 'Scheduled',
  'no-show': 'Missed appointment',
  seen: 'Seen',
  closed: 'Closed',
  unreachable: 'Could not reach patient',
  cancelled: 'Cancelled',
};

export const STATUSES = Object.keys(STATUS_LABEL) as ReferralStatus[];

export const URGENCY_LABEL: Record<Urgency, string> = { routine: 'Routine', soon: 'Soon', urgent: 'Urgent' };

export const KIND_LABEL: Record<PartnerKind, string> = {
  pcp: 'Primary care (PCP)',
  specialist: 'Specialist',
  chiropractor: 'Chiropractor',
  therapist: 'Therapist',
  hospital: 'Hospital',
  employer: 'Employer',
  patient: 'Patient (word of mouth)',
  self: 'Self-referral',
  other: 'Other',
};

export const statusLabel = (s: string) => STATUS_LABEL[s as ReferralStatus] ?? s;

// One date format across the portal, in the practice's time zone (set once from the session or
// the status answer): dates as "Apr 2, 1980", times as "Tue Dec 1, 11:09 AM EST" with the zone's
// abbreviation, as the practice's emails write them.
let zone: string | undefined;

/** setTimeZone makes every time the portal shows read in the practice's IANA zone. */
export function setTimeZone(tz?: string) {
  try {
    zone = tz ? new Intl.DateTimeFormat('en-US', { timeZone: tz }).resolvedOptions().timeZone : undefined;
  } catch {
    zone = undefined; // a zone this browser does not know: its own
  }
  cache.clear();
}

export function timeZone(): string | undefined {
  return zone;
}

const cache = new Map<string, Intl.DateTimeFormat>();
function fmt(key: string, o: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  let f = cache.get(key);
  if (!f) cache.set(key, (f = new Intl.DateTimeFormat('en-US', { ...o, timeZone: zone })));
  return f;
}

function parse(iso?: string): Date | null {
  const d = iso ? new Date(iso) : null;
  return d && !isNaN(d.getTime()) ? d : null;
}

/** A day: "Dec 1, 2026". */
export function formatDate(iso?: string): string {
  const d = parse(iso);
  return d ? fmt('date', { year: 'numeric', month: 'short', day: 'numeric' }).format(d) : '—';
}

/** A time in the practice's zone with its abbreviation: "Tue Dec 1, 11:09 AM EST". */
export function formatDateTime(iso?: string): string {
  const d = parse(iso);
  if (!d) return '—';
  const parts = fmt('datetime', { weekday: 'short', month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit', timeZoneName: 'short' }).formatToParts(d);
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  return `${get('weekday')} ${get('month')} ${get('day')}, ${get('hour')}:${get('minute')} ${get('dayPeriod')} ${get('timeZoneName')}`.trim();
}

/** A birth date (YYYY-MM-DD, no time zone) as US people write it: 04/02/1980. */
export function formatBirthDate(ymd?: string): string {
  const m = ymd ? /^(\d{4})-(\d{2})-(\d{2})$/.exec(ymd) : null;
  return m ? `${m[2]}/${m[3]}/${m[1]}` : (ymd ?? '—');
}

/** A stored phone (E.164) as people read it: (201) 555-0123 for a North American number, else as stored. */
export function formatPhone(e164?: string): string {
  if (!e164) return '';
  const digits = e164.replace(/[^\d+]/g, '');
  const m = /^\+1(\d{3})(\d{3})(\d{4})$/.exec(digits);
  return m ? `(${m[1]}) ${m[2]}-${m[3]}` : e164;
}

/** The tel: link of a stored phone. */
export function telHref(phone: string): string {
  return `tel:${phone.replace(/[^\d+]/g, '')}`;
}

export function initials(first?: string, last?: string): string {
  return [first, last].map((s) => (s?.trim()[0] ?? '').toUpperCase()).filter(Boolean).map((c) => c + '.').join(' ');
}

export function hours(n: number): string {
  return n === 1 ? '1 hour' : `${n} hours`;
}
