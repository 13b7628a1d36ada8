// The patient's own referral form (/r/:slug): its values, its checks in a patient's words, and the
// POST /v1/practices/{slug}/self-referrals body. The checks mirror the server's (pkg/intake), which
// is the authority; its 422 field errors are shown the same way.
import type { components } from './api-schema';
import { dobError, parseDob } from './dob';
import { isEmail, isPhone } from './validation';

type Schemas = components['schemas'];
export type SelfReferralRequest = Schemas['SelfReferralRequest'];
export type SelfReferralAccepted = Schemas['SelfReferralAccepted'];
export type SelfReferralConfirmed = Schemas['SelfReferralConfirmed'];
export type ForWhom = SelfReferralRequest['forWhom'];
export type SentBy = SelfReferralRequest['sentBy'];

export type Errors = Record<string, string>;

const SHORT_MAX = 120;
const REASON_MAX = 200;
const NOTE_MAX = 1000;

export const SENT_BY: [SentBy, string][] = [
  ['doctor', 'A doctor or other health professional'],
  ['friend', 'A friend or family member'],
  ['ad', 'An ad or an internet search'],
  ['other', 'Something else'],
];

export interface IntakeValues {
  forWhom: ForWhom | '';
  sentBy: SentBy | '';
  doctorName: string;
  doctorPractice: string;
  yourName: string;
  yourEmail: string;
  firstName: string;
  lastName: string;
  dateOfBirth: string;
  phone: string;
  email: string;
  reason: string;
  insurance: string;
  note: string;
  consentToContact: boolean;
  /** the honeypot: never shown to people */
  website: string;
}

export const emptyIntake = (): IntakeValues => ({
  forWhom: '',
  sentBy: '',
  doctorName: '',
  doctorPractice: '',
  yourName: '',
  yourEmail: '',
  firstName: '',
  lastName: '',
  dateOfBirth: '',
  phone: '',
  email: '',
  reason: '',
  insurance: '',
  note: '',
  consentToContact: false,
  website: '',
});

const tooLong = (s: string, n: number) => s.trim().length > n;

/** Errors keyed by the request body's paths, in words for the person filling the form in. */
export function validateIntake(v: IntakeValues, today: Date = new Date()): Errors {
  const e: Errors = {};
  const someone = v.forWhom === 'someone';
  const their = someone ? "their" : 'your';
  if (!v.forWhom) e.forWhom = 'Choose who this is for';
  if (!v.sentBy) e.sentBy = 'Tell us who sent you';
  if (tooLong(v.doctorName, SHORT_MAX)) e.doctorName = `Use at most ${SHORT_MAX} characters`;
  if (tooLong(v.doctorPractice, SHORT_MAX)) e.doctorPractice = `Use at most ${SHORT_MAX} characters`;
  if (someone) {
    if (!v.yourName.trim()) e.yourName = 'Enter your name';
    else if (tooLong(v.yourName, SHORT_MAX)) e.yourName = `Use at most ${SHORT_MAX} characters`;
    if (!v.yourEmail.trim()) e.yourEmail = 'Enter your email address: we send you a link to confirm';
    else if (!isEmail(v.yourEmail.trim())) e.yourEmail = 'Enter an email address like name@example.com';
  }
  if (!v.firstName.trim()) e['patient.firstName'] = `Enter ${their} first name`;
  else if (tooLong(v.firstName, SHORT_MAX)) e['patient.firstName'] = `Use at most ${SHORT_MAX} characters`;
  if (!v.lastName.trim()) e['patient.lastName'] = `Enter ${their} last name`;
  else if (tooLong(v.lastName, SHORT_MAX)) e['patient.lastName'] = `Use at most ${SHORT_MAX} characters`;
  const dob = v.dateOfBirth.trim();
  if (!dob) e['patient.dateOfBirth'] = `Enter ${their} date of birth`;
  else {
    const msg = dobError(dob, today);
    if (msg) e['patient.dateOfBirth'] = msg;
  }
  const phone = v.phone.trim();
  const email = v.email.trim();
  if (phone && !isPhone(phone)) e['patient.phone'] = 'Enter a phone number: 7 to 15 digits, with spaces and + - ( ) . if you like';
  if (email && !isEmail(email)) e['patient.email'] = 'Enter an email address like name@example.com';
  if (!someone && !email && !e['patient.email']) e['patient.email'] = 'Enter your email address: we send you a link to confirm';
  if (someone && !phone && !email) e['patient.phone'] = 'Give their phone number or email address (at least one)';
  if (!v.reason.trim()) e.reason = 'Tell us in a few words what you need help with';
  else if (tooLong(v.reason, REASON_MAX)) e.reason = `Use at most ${REASON_MAX} characters`;
  if (tooLong(v.insurance, SHORT_MAX)) e.insurance = `Use at most ${SHORT_MAX} characters`;
  if (tooLong(v.note, NOTE_MAX)) e.note = `Use at most ${NOTE_MAX} characters`;
  if (!v.consentToContact) e['patient.consentToContact'] = someone ? 'Check that they agree to be contacted' : 'Check that you agree to be contacted';
  return e;
}

/** The request body; empty optional fields are left out. */
export function intakeBody(v: IntakeValues, formMillis: number): SelfReferralRequest {
  const opt = (k: string, s: string) => (s.trim() ? { [k]: s.trim() } : {});
  const someone = v.forWhom === 'someone';
  return {
    forWhom: v.forWhom as ForWhom,
    sentBy: v.sentBy as SentBy,
    ...(v.sentBy === 'doctor' ? { ...opt('doctorName', v.doctorName), ...opt('doctorPractice', v.doctorPractice) } : {}),
    ...(someone ? { ...opt('yourName', v.yourName), ...opt('yourEmail', v.yourEmail) } : {}),
    patient: {
      firstName: v.firstName.trim(),
      lastName: v.lastName.trim(),
      dateOfBirth: parseDob(v.dateOfBirth) ?? v.dateOfBirth.trim(),
      ...opt('phone', v.phone),
      ...opt('email', v.email),
      consentToContact: v.consentToContact,
      consentToShareOutcomes: false,
    },
    reason: v.reason.trim(),
    ...opt('insurance', v.insurance),
    ...opt('note', v.note),
    website: v.website,
    formMillis: Math.min(86_400_000, Math.max(0, Math.round(formMillis))),
  } as SelfReferralRequest;
}

/** The introduction email a practice sends a referring office, from its intake profile. */
export function introEmail(p: {
  name: string;
  conditions?: string[];
  notAMatch?: string;
  contactByHours?: { default: number; urgent: number };
  intakeContact?: { name?: string; phone?: string; email?: string };
}, link: string): string {
  const c = p.intakeContact ?? {};
  const lines = [
    `Subject: Referring patients to ${p.name}`,
    '',
    'Hello,',
    '',
    `We would like to make referring to ${p.name} simple for you and your patients.`,
  ];
  if (p.conditions?.length) lines.push('', `We treat: ${p.conditions.join(', ')}.`);
  if (p.notAMatch) lines.push(`Not a match for us: ${p.notAMatch}`);
  lines.push('', `To refer, open ${link} — a two-minute form, no account or password. Or send us the patient's name, date of birth, phone and the reason.`);
  if (p.contactByHours) lines.push(`We contact every referred patient within ${p.contactByHours.default} hours (urgent: ${p.contactByHours.urgent} hours), and you can follow each referral's status.`);
  const contact = [c.name, c.phone, c.email].filter(Boolean).join(' · ');
  if (contact) lines.push('', `Our intake contact: ${contact}`);
  lines.push('', 'Thank you,', p.name);
  return lines.join('\n');
}
