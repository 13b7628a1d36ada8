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

const dateFmt = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'short', day: 'numeric' });
const dateTimeFmt = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit' });

export function formatDate(iso?: string): string {
  const d = iso ? new Date(iso) : null;
  return d && !isNaN(d.getTime()) ? dateFmt.format(d) : '—';
}

export function formatDateTime(iso?: string): string {
  const d = iso ? new Date(iso) : null;
  return d && !isNaN(d.getTime()) ? dateTimeFmt.format(d) : '—';
}

export function initials(first?: string, last?: string): string {
  return [first, last].map((s) => (s?.trim()[0] ?? '').toUpperCase()).filter(Boolean).map((c) => c + '.').join(' ');
}

export function hours(n: number): string {
  return n === 1 ? '1 hour' : `${n} hours`;
}
