// Shapes from docs/api.md (the API contract). Keep in step with it.

export type Role = 'owner' | 'staff' | 'referrer';

export interface Me {
  user: { email: string; name?: string; role: Role };
  practice: { id: string; name: string; slug: string };
  partner?: { id: string; name: string };
}

export interface IntakeContact {
  name: string;
  phone: string;
  email: string;
}

export interface ContactByHours {
  default: number;
  urgent: number;
}

export interface PublicProfile {
  name: string;
  slug: string;
  conditions: string[];
  notAMatch: string;
  insuranceNotes: string;
  intakeContact: IntakeContact;
  contactByHours: ContactByHours;
}

export interface Profile extends PublicProfile {
  id: string;
  updatedAt: string;
}

export type PartnerKind =
  | 'pcp'
  | 'specialist'
  | 'chiropractor'
  | 'therapist'
  | 'hospital'
  | 'employer'
  | 'patient'
  | 'other';

export type StatusUpdates = 'each' | 'digest' | 'none';

export interface Partner {
  id: string;
  name: string;
  kind: PartnerKind;
  specialty?: string;
  npi?: string;
  contactEmail?: string;
  /** how the partner's referrers hear about status changes (absent on older partners) */
  statusUpdates?: StatusUpdates;
  createdAt: string;
}

export type Urgency = 'routine' | 'soon' | 'urgent';

export type ReferralStatus =
  | 'received'
  | 'accepted'
  | 'declined'
  | 'needs-info'
  | 'contacted'
  | 'scheduled'
  | 'no-show'
  | 'seen'
  | 'closed'
  | 'unreachable'
  | 'cancelled';

export interface Patient {
  firstName: string;
  lastName: string;
  dateOfBirth: string;
  phone?: string;
  email?: string;
  consentToContact: boolean;
  consentToShareOutcomes?: boolean;
}

export interface ReferralInput {
  patient: Patient;
  reason: string;
  urgency: Urgency;
  note?: string;
  insurance?: string;
  formMillis?: number;
}

export interface Appointment {
  /** RFC 3339, UTC */
  at: string;
  location: string;
}

export type DeclineReason = 'not-a-match' | 'insurance' | 'no-capacity' | 'referred-elsewhere' | 'patient-declined' | 'other';
export type ContactOutcome = 'reached' | 'no-answer' | 'voicemail' | 'wrong-number';
export type ContactChannel = 'phone' | 'email' | 'sms';

export interface Contact {
  outcome: ContactOutcome;
  channel: ContactChannel;
}

/** One entry of a referral's timeline (oldest first). */
export interface TimelineEntry {
  at: string;
  by: { name?: string; role?: string };
  from?: string;
  to: string;
  note?: string;
  reason?: string;
  appointment?: Appointment;
  contact?: Contact;
  /** the referrer's answer to a needs-info question */
  answer?: string;
}

export interface Referral extends ReferralInput {
  id: string;
  status: ReferralStatus;
  referrer: { name?: string; email: string };
  partner: { id: string; name: string };
  createdAt: string;
  updatedAt: string;
  contactBy: string;
  version: number;
  // The closed loop (docs/api.md).
  fhirStatus?: string;
  /** the statuses staff may move it to now (staff only) */
  allowed?: string[];
  overdue?: boolean;
  contactAttempts?: number;
  appointment?: Appointment;
  decline?: { reason: string; note?: string };
  /** the open question while needs-info */
  question?: string;
  rating?: { score: number; at: string };
  timeline?: TimelineEntry[];
}

/** The body of POST /v1/referrals/{id}/transitions. */
export interface TransitionInput {
  to: string;
  reason?: string;
  note?: string;
  appointment?: Appointment;
  contact?: Contact;
}

export interface Queue {
  counts: Partial<Record<ReferralStatus, number>>;
  overdue: number;
}

/** The answer of POST /v1/status-lookups. */
export interface StatusLookup {
  status: string;
  statusText: string;
  next: string;
  appointment?: Appointment;
  practice: { name: string; phone?: string };
  updatedAt: string;
}

export interface AuditItem {
  at: string;
  actor: string;
  role: string;
  action: string;
  referral?: string;
  ip?: string;
}

export interface Page<T> {
  items: T[];
  nextCursor?: string;
}

export type Area = 'landing' | 'public' | 'staff' | 'referrer';

/** What every routed page receives. */
export interface PageProps {
  params: Record<string, string>;
  query: URLSearchParams;
  area: Area;
  me: Me | null | undefined;
  setMe: (me: Me | null) => void;
}

// Metrics (docs/api.md, "Metrics"; numbers from the scheduled rollup).

/** A median and a 90th percentile: hours for the times, seconds for the form. */
export interface Stat {
  n: number;
  median: number | null;
  p90: number | null;
}

export interface Summary {
  received: number;
  accepted: number;
  declined: number;
  declinedBy: Record<string, number>;
  contacted: number;
  scheduled: number;
  seen: number;
  noShow: number;
  closed: number;
  cancelled: number;
  unreachable: number;
  /** seen / (seen + no-show), or null */
  showRate: number | null;
  /** share of contacted referrals reached by their contact-by time, or null */
  contactCompliance: number | null;
  hoursToContact: Stat;
  hoursToSchedule: Stat;
  hoursToVisit: Stat;
  formSeconds: Stat;
  medianDaysBetweenReferrals: number | null;
}

/** One row of a metrics answer: a period (2026-W47, 2026-11), a partner (key = id) or a kind. */
export interface MetricsGroup extends Summary {
  key: string;
  label: string;
}

export type SourceKind = 'provider' | 'patient' | 'self';

/** How a referral source is doing: its rhythm and whether it went quiet. */
export interface SourceHealth {
  id: string;
  name: string;
  kind: SourceKind | string;
  dormant: boolean;
  /** RFC 3339; "0001-01-01T00:00:00Z" when the source sent nothing in the last 12 months */
  lastReferral: string;
  daysSinceLast: number;
  thresholdDays: number;
  /** referrals in the last 12 months */
  referrals: number;
  medianDaysBetweenReferrals: number | null;
}

export type MetricsGroupBy = 'source' | 'kind' | 'week' | 'month';

export interface MetricsView {
  from: string;
  to: string;
  groupBy: MetricsGroupBy;
  /** the rollup's watermark: numbers include changes up to then (null before its first run) */
  asOf: string | null;
  total: Summary;
  groups: MetricsGroup[];
  sources: SourceHealth[];
}

/** GET /v1/partners/{id}/scorecard: a partner's last 12 months. */
export interface PartnerScorecard extends Summary {
  partner: Partner;
  health: SourceHealth;
  months: MetricsGroup[];
}

/** GET /v1/scorecard: what a referrer sees of their own referrals. */
export interface ReferrerScorecard {
  sent: number;
  seen: number;
  open: number;
  medianDaysToContact: number | null;
}
