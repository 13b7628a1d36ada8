import { describe, expect, it } from 'vitest';
import { emptyIntake, intakeBody, introEmail, validateIntake } from './intake';

const today = new Date('2026-11-30T12:00:00Z');
const filled = () => ({
  ...emptyIntake(),
  forWhom: 'me' as const,
  sentBy: 'ad' as const,
  firstName: 'Rosa',
  lastName: 'Diaz',
  dateOfBirth: '06/14/1975',
  email: 'rosa@example.com',
  reason: 'Back pain',
  consentToContact: true,
});

describe('intake form', () => {
  it('accepts a complete form for me', () => {
    expect(validateIntake(filled(), today)).toEqual({});
  });
  it.each([
    ['forWhom', { forWhom: '' }],
    ['sentBy', { sentBy: '' }],
    ['patient.email', { email: '' }],
    ['patient.consentToContact', { consentToContact: false }],
    ['patient.dateOfBirth', { dateOfBirth: '13/45/1975' }],
    ['reason', { reason: '  ' }],
    ['yourEmail', { forWhom: 'someone', yourName: 'Luis' }],
    ['patient.phone', { forWhom: 'someone', yourName: 'Luis', yourEmail: 'l@example.com', email: '' }],
  ])('names %s', (field, change) => {
    const errs = validateIntake({ ...filled(), ...(change as object) }, today);
    expect(Object.keys(errs)).toContain(field);
  });
  it('speaks to the person: "your" for me, "their" for someone', () => {
    expect(validateIntake({ ...filled(), firstName: '' }, today)['patient.firstName']).toBe('Enter your first name');
    expect(validateIntake({ ...filled(), forWhom: 'someone', firstName: '' }, today)['patient.firstName']).toBe('Enter their first name');
  });
  it('builds the body: ISO date, doctor only when a doctor sent them, the honeypot as typed', () => {
    const b = intakeBody({ ...filled(), doctorName: 'Dr. Kim', website: 'x' }, 1234.4);
    expect(b.patient.dateOfBirth).toBe('1975-06-14');
    expect(b).not.toHaveProperty('doctorName');
    expect(b).not.toHaveProperty('yourEmail');
    expect(b.website).toBe('x');
    expect(b.formMillis).toBe(1234);
    expect(intakeBody({ ...filled(), sentBy: 'doctor', doctorName: ' Dr. Kim ' }, 0).doctorName).toBe('Dr. Kim');
  });
  it('writes the introduction email from the profile', () => {
    const t = introEmail({ name: 'Lakeside PT', conditions: ['Low back pain', 'Sports injuries'], notAMatch: 'Under 12',
      contactByHours: { default: 48, urgent: 24 }, intakeContact: { name: 'Maria', phone: '(415) 555-0100' } }, 'https://x/p/lakeside');
    expect(t).toContain('We treat: Low back pain, Sports injuries.');
    expect(t).toContain('Not a match for us: Under 12');
    expect(t).toContain('open https://x/p/lakeside');
    expect(t).toContain('within 48 hours (urgent: 24 hours)');
    expect(t).toContain('Our intake contact: Maria · (415) 555-0100');
  });
});
