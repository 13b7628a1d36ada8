// Client-side validation. It mirrors the server's rules so people see mistakes early, but the
// server is the authority: its 422 field errors are shown the same way.
import type { ReferralInput, Urgency } from './types';
import { dobError, parseDob } from './dob';

export { dobError, formatDob, parseDob } from './dob';

export type Errors = Record<string, string>;

// The server's limits (pkg/referral, pkg/practice).
export const NOTE_MAX = 1000;
const SHORT_MAX = 120;
const REASON_MAX = 200;
const CONDITION_MAX = 80;
const CONDITIONS_MAX = 40;
const HOURS_MAX = 336;
const FORM_MILLIS_MAX = 86_400_000;

export const OTHER = '\u0000other';

export interface ReferralValues {
  firstName: string;
  lastName: string;
  dateOfBirth: string;
  phone: string;
  email: string;
  consentToContact: boolean;
  /** one of the practice's conditions, OTHER, or '' (nothing chosen) */
  reasonChoice: string;
  otherReason: string;
  urgency: Urgency;
  note: string;
  insurance: string;
  consentToShareOutcomes: boolean;
}

export const emptyReferral = (): ReferralValues => ({
  firstName: '',
  lastName: '',
  dateOfBirth: '',
  phone: '',
  email: '',
  consentToContact: false,
  reasonChoice: '',
  otherReason: '',
  urgency: 'routine',
  note: '',
  insurance: '',
  consentToShareOutcomes: false,
});

export function isEmail(s: string): boolean {
  return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(s) && s.length <= 254;
}

/** Digits with spaces and - ( ) . (and + first), 7 to 15 digits. */
export function isPhone(s: string): boolean {
  const digits = s.replace(/\D/g, '');
  return /^\+?[\d ().-]+$/.test(s) && digits.length >= 7 && digits.length <= 15;
}

export function reasonOf(v: ReferralValues): string {
  return (v.reasonChoice === OTHER ? v.otherReason : v.reasonChoice).trim();
}

/** Errors keyed by the request body's paths, as the server's 422 errors are. */
export function validateReferral(v: ReferralValues, today: Date = new Date()): Errors {
  const e: Errors = {};
  const first = v.firstName.trim();
  const last = v.lastName.trim();
  if (!first) e['patient.firstName'] = "Enter the patient's first name";
  else if (first.length > SHORT_MAX) e['patient.firstName'] = `Use at most ${SHORT_MAX} characters`;
  if (!last) e['patient.lastName'] = "Enter the patient's last name";
  else if (last.length > SHORT_MAX) e['patient.lastName'] = `Use at most ${SHORT_MAX} characters`;
  const dob = v.dateOfBirth.trim();
  if (!dob) e['patient.dateOfBirth'] = "Enter the patient's date of birth";
  else {
    const msg = dobError(dob, today);
    if (msg) e['patient.dateOfBirth'] = msg;
  }
  const phone = v.phone.trim();
  const email = v.email.trim();
  if (!phone && !email) e['patient.phone'] = 'Give a phone number or an email address (at least one)';
  if (phone && !isPhone(phone)) e['patient.phone'] = 'Enter a phone number: 7 to 15 digits, with spaces and + - ( ) . if you like';
  if (email && !isEmail(email)) e['patient.email'] = 'Enter an email address like name@example.com';
  if (!v.consentToContact) e['patient.consentToContact'] = 'The patient must agree to be contacted';
  const reason = reasonOf(v);
  if (!v.reasonChoice) e.reason = 'Choose a reason for the referral';
  else if (!reason) e.reason = 'Describe the reason for the referral';
  else if (reason.length > REASON_MAX) e.reason = `Use at most ${REASON_MAX} characters`;
  if (!['routine', 'soon', 'urgent'].includes(v.urgency)) e.urgency = 'Choose how urgent this is';
  if (v.note.trim().length > NOTE_MAX) e.note = `Use at most ${NOTE_MAX} characters`;
  if (v.insurance.trim().length > SHORT_MAX) e.insurance = `Use at most ${SHORT_MAX} characters`;
  return e;
}

/** The POST /v1/referrals body. Empty optional fields are left out. */
export function referralBody(v: ReferralValues, formMillis: number): ReferralInput {
  // validateReferral asks for the consent first; the API takes no referral without it
  if (!v.consentToContact) throw new Error('the patient has not agreed to be contacted');
  const phone = v.phone.trim();
  const email = v.email.trim();
  const note = v.note.trim();
  const insurance = v.insurance.trim();
  return {
    patient: {
      firstName: v.firstName.trim(),
      lastName: v.lastName.trim(),
      dateOfBirth: parseDob(v.dateOfBirth) ?? v.dateOfBirth.trim(),
      ...(phone ? { phone } : {}),
      ...(email ? { email } : {}),
      consentToContact: v.consentToContact,
      consentToShareOutcomes: v.consentToShareOutcomes,
    },
    reason: reasonOf(v),
    urgency: v.urgency,
    ...(note ? { note } : {}),
    ...(insurance ? { insurance } : {}),
    formMillis: Math.min(FORM_MILLIS_MAX, Math.max(0, Math.round(formMillis))),
  };
}

/** NPI: 10 digits whose last is a Luhn check digit over "80840" + the first nine. */
export function npiValid(npi: string): boolean {
  if (!/^\d{10}$/.test(npi)) return false;
  const digits = ('80840' + npi).split('').map(Number);
  let sum = 0;
  for (let i = digits.length - 1, dbl = false; i >= 0; i--, dbl = !dbl) {
    let d = digits[i];
    if (dbl) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

export interface PartnerValues {
  name: string;
  kind: string;
  specialty: string;
  npi: string;
  contactEmail: string;
}

export function validatePartner(v: PartnerValues): Errors {
  const e: Errors = {};
  if (!v.name.trim()) e.name = 'Enter the partner’s name';
  else if (v.name.trim().length > SHORT_MAX) e.name = `Use at most ${SHORT_MAX} characters`;
  if (v.specialty.trim().length > SHORT_MAX) e.specialty = `Use at most ${SHORT_MAX} characters`;
  if (!v.kind) e.kind = 'Choose a kind';
  const npi = v.npi.replace(/\s/g, '');
  if (npi && !npiValid(npi)) e.npi = 'An NPI is 10 digits with a valid check digit';
  if (v.contactEmail.trim() && !isEmail(v.contactEmail.trim())) e.contactEmail = 'Enter an email address like name@example.com';
  return e;
}

export interface ProfileValues {
  name: string;
  conditions: string[];
  notAMatch: string;
  insuranceNotes: string;
  intakeContact: { name: string; phone: string; email: string };
  contactByHours: { default: string; urgent: string; soon?: string };
  patientDisplayName: string;
  /** ISO 3166-1 alpha-2: where phone numbers are read. */
  country?: string;
  /** IANA time zone: where times are shown and days end. */
  timeZone?: string;
}

/** Client checks for the intake profile; keys are body paths, conditions by their index in the form. */
export function validateProfile(v: ProfileValues): Errors {
  const e: Errors = {};
  if (!v.name.trim()) e.name = 'Enter the practice name';
  else if (v.name.trim().length > SHORT_MAX) e.name = `Use at most ${SHORT_MAX} characters`;
  const seen = new Set<string>();
  v.conditions.forEach((c, i) => {
    const k = c.trim().toLowerCase();
    if (k && seen.has(k)) e[`conditions.${i}`] = 'This condition is listed twice';
    else if (k.length > CONDITION_MAX) e[`conditions.${i}`] = `Use at most ${CONDITION_MAX} characters`;
    seen.add(k);
  });
  if (v.conditions.filter((c) => c.trim()).length > CONDITIONS_MAX) e.conditions = `List at most ${CONDITIONS_MAX} conditions`;
  if (v.notAMatch.trim().length > NOTE_MAX) e.notAMatch = `Use at most ${NOTE_MAX} characters`;
  if (v.insuranceNotes.trim().length > NOTE_MAX) e.insuranceNotes = `Use at most ${NOTE_MAX} characters`;
  if (v.intakeContact.name.trim().length > SHORT_MAX) e['intakeContact.name'] = `Use at most ${SHORT_MAX} characters`;
  if (v.patientDisplayName.trim().length > SHORT_MAX) e.patientDisplayName = `Use at most ${SHORT_MAX} characters`;
  const email = v.intakeContact.email.trim();
  if (email && !isEmail(email)) e['intakeContact.email'] = 'Enter an email address like name@example.com';
  const phone = v.intakeContact.phone.trim();
  if (phone && !isPhone(phone)) e['intakeContact.phone'] = 'Enter a phone number: 7 to 15 digits, with spaces and + - ( ) . if you like';
  for (const k of ['default', 'urgent'] as const) {
    const n = Number(v.contactByHours[k]);
    if (!/^\d+$/.test(v.contactByHours[k].trim()) || n < 1 || n > HOURS_MAX) e[`contactByHours.${k}`] = `Enter a whole number of hours from 1 to ${HOURS_MAX}`;
  }
  if (!e['contactByHours.default'] && !e['contactByHours.urgent'] && Number(v.contactByHours.urgent) > Number(v.contactByHours.default))
    e['contactByHours.urgent'] = 'Urgent referrals cannot wait longer than others';
  const soon = v.contactByHours.soon?.trim() ?? '';
  if (soon) {
    const n = Number(soon);
    if (!/^\d+$/.test(soon) || n < 1 || n > HOURS_MAX) e['contactByHours.soon'] = `Enter a whole number of hours from 1 to ${HOURS_MAX}`;
    else if (!e['contactByHours.default'] && !e['contactByHours.urgent'] && (n > Number(v.contactByHours.default) || n < Number(v.contactByHours.urgent)))
      e['contactByHours.soon'] = 'Between the urgent and the usual hours';
  }
  if (v.country !== undefined && !/^[A-Za-z]{2}$/.test(v.country.trim())) e.country = 'Enter a two-letter country code, like US';
  return e;
}
