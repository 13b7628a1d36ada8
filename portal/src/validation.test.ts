import { describe, expect, it } from 'vitest';
import { dobError, emptyReferral, formatDob, npiValid, parseDob, OTHER, referralBody, validatePartner, validateProfile, validateReferral } from './validation';
import type { ReferralValues } from './validation';

const today = new Date(2026, 10, 23); // 2026-11-23
const good = (patch: Partial<ReferralValues> = {}): ReferralValues => ({
  ...emptyReferral(),
  firstName: 'Ana',
  lastName: 'Silva',
  dateOfBirth: '1980-04-02',
  phone: '+1 555 0142',
  consentToContact: true,
  reasonChoice: 'Low back pain',
  ...patch,
});

describe('validateReferral', () => {
  it('accepts the minimum referral', () => {
    expect(validateReferral(good(), today)).toEqual({});
    expect(validateReferral(good({ phone: '', email: 'ana@example.com' }), today)).toEqual({});
  });

  it('reports every missing required field by its body path', () => {
    const e = validateReferral(emptyReferral(), today);
    expect(Object.keys(e).sort()).toEqual(
      ['patient.consentToContact', 'patient.dateOfBirth', 'patient.firstName', 'patient.lastName', 'patient.phone', 'reason'].sort(),
    );
    expect(e['patient.phone']).toMatch(/at least one/);
  });

  it('treats whitespace as empty', () => {
    expect(validateReferral(good({ firstName: '   ' }), today)['patient.firstName']).toBeTruthy();
  });

  it('checks phone and email formats', () => {
    expect(validateReferral(good({ phone: '12' }), today)['patient.phone']).toBeTruthy();
    expect(validateReferral(good({ email: 'nope' }), today)['patient.email']).toBeTruthy();
    expect(validateReferral(good({ phone: '(555) 010-0142' }), today)).toEqual({});
    expect(validateReferral(good({ phone: '555 0142 x12' }), today)['patient.phone']).toBeTruthy();
    expect(validateReferral(good({ phone: '555+0142123' }), today)['patient.phone']).toBeTruthy();
    expect(validateReferral(good({ phone: '1'.repeat(16) }), today)['patient.phone']).toBeTruthy();
  });

  it('needs the free text when "Other" is chosen', () => {
    expect(validateReferral(good({ reasonChoice: OTHER }), today).reason).toMatch(/Describe/);
    expect(validateReferral(good({ reasonChoice: OTHER, otherReason: 'Vertigo' }), today)).toEqual({});
  });

  it('limits the note to 1000 characters', () => {
    expect(validateReferral(good({ note: 'x'.repeat(1000) }), today)).toEqual({});
    expect(validateReferral(good({ note: 'x'.repeat(1001) }), today).note).toBeTruthy();
  });

  it('rejects an unknown urgency', () => {
    expect(validateReferral(good({ urgency: 'asap' as never }), today).urgency).toBeTruthy();
  });
});

describe('date of birth', () => {
  it('formats a typed date of birth: US month first, or year first', () => {
    expect(formatDob('1980')).toBe('1980');
    expect(formatDob('19800')).toBe('1980-0');
    expect(formatDob('19800402')).toBe('1980-04-02');
    expect(formatDob('1980-04-02')).toBe('1980-04-02');
    expect(formatDob('1980/04/02')).toBe('1980-04-02');
    expect(formatDob('1980-04-021')).toBe('1980-04-02');
    expect(formatDob('1980-')).toBe('1980');
    // The US way, month first: digits alone, or with the person's own separators.
    expect(formatDob('04')).toBe('04');
    expect(formatDob('040')).toBe('04/0');
    expect(formatDob('04021980')).toBe('04/02/1980');
    expect(formatDob('04/02/1980')).toBe('04/02/1980');
    expect(formatDob('4/2/1980')).toBe('4/2/1980');
    expect(formatDob('4/2/')).toBe('4/2/');
    expect(formatDob('4-2-1980')).toBe('4/2/1980');
    expect(formatDob('04/02/19801')).toBe('04/02/1980');
    expect(formatDob('12311999')).toBe('12/31/1999');
    // keystroke by keystroke, each value formatted before the next key: no digit is lost
    for (const [typed, want] of [['19751230', '1975-12-30'], ['04021980', '04/02/1980']]) {
      let v = '';
      for (const k of typed) v = formatDob(v + k);
      expect(v).toBe(want);
    }
  });

  it('needs a real, past date', () => {
    expect(dobError('1980-04-02', today)).toBe('');
    expect(dobError('2026-11-23', today)).toBe(''); // born today
    expect(dobError('2026-11-24', today)).toMatch(/past/);
    expect(dobError('1980-02-30', today)).toMatch(/exist/);
    expect(dobError('1980-4-2', today)).toBe('');
    expect(dobError('04/02/1980', today)).toBe('');
    expect(dobError('4/2/1980', today)).toBe('');
    expect(dobError('02/30/1980', today)).toMatch(/exist/);
    expect(dobError('13/01/1980', today)).toMatch(/exist/);
    expect(dobError('04/02', today)).toMatch(/MM\/DD\/YYYY/);
    expect(parseDob('04/02/1980')).toBe('1980-04-02');
    expect(parseDob('4/2/1980')).toBe('1980-04-02');
    expect(parseDob('1980-04-02')).toBe('1980-04-02');
    expect(parseDob('1980')).toBeNull();
    expect(dobError('1850-01-01', today)).toMatch(/year/);
    expect(dobError('1900-01-01', today)).toBe('');
  });
});

describe('referralBody', () => {
  it('builds the submit body, leaving out empty optional fields', () => {
    const body = referralBody(good({ firstName: ' Ana ', note: '  ', insurance: 'Aetna PPO' }), 84000.4);
    expect(body).toEqual({
      patient: { firstName: 'Ana', lastName: 'Silva', dateOfBirth: '1980-04-02', phone: '+1 555 0142', consentToContact: true, consentToShareOutcomes: false },
      reason: 'Low back pain',
      urgency: 'routine',
      insurance: 'Aetna PPO',
      formMillis: 84000,
    });
  });

  it('keeps formMillis within what the server accepts (0 to 24 h)', () => {
    expect(referralBody(good(), -5).formMillis).toBe(0);
    expect(referralBody(good(), 90_000_000).formMillis).toBe(86_400_000);
  });

  it('sends the free-text reason for "Other"', () => {
    expect(referralBody(good({ reasonChoice: OTHER, otherReason: ' Vertigo ' }), 1).reason).toBe('Vertigo');
  });
});

describe('npi and partners', () => {
  it('checks the NPI Luhn digit', () => {
    expect(npiValid('1234567893')).toBe(true);
    expect(npiValid('1234567890')).toBe(false);
    expect(npiValid('123456789')).toBe(false);
    expect(npiValid('12345678a3')).toBe(false);
  });

  it('validates a new partner', () => {
    expect(validatePartner({ name: 'Northside', kind: 'pcp', specialty: '', npi: '', contactEmail: '' })).toEqual({});
    const e = validatePartner({ name: '', kind: 'pcp', specialty: '', npi: '1234567890', contactEmail: 'x' });
    expect(Object.keys(e).sort()).toEqual(['contactEmail', 'name', 'npi']);
  });
});

describe('validateProfile', () => {
  const profile = {
    name: 'Lakeside',
    conditions: ['Low back pain', 'Knee rehab'],
    notAMatch: '',
    insuranceNotes: '',
    intakeContact: { name: 'Maria', phone: '+1 555 0100', email: 'intake@lakeside.example' },
    contactByHours: { default: '48', urgent: '24' },
    patientDisplayName: '',
  };
  it('accepts a good profile', () => {
    expect(validateProfile(profile)).toEqual({});
  });
  it('flags bad hours, emails and duplicate conditions by path', () => {
    const e = validateProfile({
      ...profile,
      conditions: ['A', 'b', 'a'],
      intakeContact: { ...profile.intakeContact, email: 'bad' },
      contactByHours: { default: '1.5', urgent: '0' },
    });
    expect(Object.keys(e).sort()).toEqual(['conditions.2', 'contactByHours.default', 'contactByHours.urgent', 'intakeContact.email']);
  });
  it('keeps hours within 1..336 and urgent no longer than the default', () => {
    expect(validateProfile({ ...profile, contactByHours: { default: '337', urgent: '24' } })['contactByHours.default']).toBeTruthy();
    expect(validateProfile({ ...profile, contactByHours: { default: '24', urgent: '48' } })['contactByHours.urgent']).toMatch(/longer/);
    expect(validateProfile({ ...profile, conditions: ['x'.repeat(81)] })['conditions.0']).toBeTruthy();
  });
  it('keeps the name shown to patients to one short line', () => {
    expect(validateProfile({ ...profile, patientDisplayName: 'Harbor Health' })).toEqual({});
    expect(validateProfile({ ...profile, patientDisplayName: 'x'.repeat(121) }).patientDisplayName).toBeTruthy();
  });
});
