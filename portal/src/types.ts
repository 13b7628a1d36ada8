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

export interface Partner {
  id: string;
  name: string;
  kind: PartnerKind;
  specialty?: string;
  npi?: string;
  contactEmail?: string;
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

export interface Referral extends ReferralInput {
  id: string;
  status: ReferralStatus;
  referrer: { name?: string; email: string };
  partner: { id: string; name: string };
  createdAt: string;
  updatedAt: string;
  contactBy: string;
  version: number;
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
