import { describe, expect, it } from 'vitest';
import { noTextReason, unreachedNote } from './reach';
import { formatBirthDate, formatDate, formatDateTime, formatPhone, initials, KIND_LABEL, setTimeZone, statusLabel, STATUSES, telHref, timeZone } from './format';

describe('format', () => {
  it('labels every status in plain words', () => {
    expect(STATUSES).toHaveLength(11);
    expect(statusLabel('received')).toBe('Received');
    expect(statusLabel('needs-info')).toBe('Needs info');
    expect(statusLabel('mystery')).toBe('mystery');
  });
  it('names every partner kind', () => {
    expect(KIND_LABEL.self).toBe('Self-referral');
    expect(Object.values(KIND_LABEL).every((l) => l.length > 0)).toBe(true);
  });
  it('makes initials', () => {
    expect(initials('Ana', 'Silva')).toBe('A. S.');
    expect(initials('ana', '')).toBe('A.');
  });
});

describe('local time', () => {
  it('shows times in the practice zone with its abbreviation, across a DST change', () => {
    setTimeZone('America/New_York');
    expect(formatDateTime('2026-12-01T16:09:00Z')).toBe('Tue Dec 1, 11:09 AM EST');
    // 2026-11-01: clocks go back at 2:00 EDT (06:00Z).
    expect(formatDateTime('2026-11-01T05:30:00Z')).toBe('Sun Nov 1, 1:30 AM EDT');
    expect(formatDateTime('2026-11-01T06:30:00Z')).toBe('Sun Nov 1, 1:30 AM EST');
    // 2027-03-14: clocks go forward at 2:00 EST (07:00Z).
    expect(formatDateTime('2027-03-14T06:59:00Z')).toBe('Sun Mar 14, 1:59 AM EST');
    expect(formatDateTime('2027-03-14T07:00:00Z')).toBe('Sun Mar 14, 3:00 AM EDT');
    // The day is the practice's: 03:00Z on Dec 2 is still Dec 1 in New York.
    expect(formatDate('2026-12-02T03:00:00Z')).toBe('Dec 1, 2026');
    setTimeZone('America/Los_Angeles');
    expect(formatDateTime('2026-12-01T16:09:00Z')).toBe('Tue Dec 1, 8:09 AM PST');
    setTimeZone('Not/AZone');
    expect(timeZone()).toBeUndefined();
    setTimeZone(undefined);
  });
  it('writes birth dates and phones as US people do', () => {
    expect(formatBirthDate('1980-04-02')).toBe('04/02/1980');
    expect(formatPhone('+12015550123')).toBe('(201) 555-0123');
    expect(formatPhone('+1 415 555 0142')).toBe('(415) 555-0142');
    expect(formatPhone('+442079460958')).toBe('+442079460958');
    expect(telHref('(201) 555-0123')).toBe('tel:2015550123');
  });
});

describe('reach', () => {
  it('says when the patient will get neither a text nor an email', () => {
    expect(unreachedNote('(201) 555-0123', '')).toBe('');
    expect(unreachedNote('(555) 010-2233', '')).toMatch(/neither a text nor an email.*555 is not a real area code/);
    expect(unreachedNote('(555) 010-2233', 'ana@patient.example')).toBe('');
    expect(unreachedNote('555-0100', '')).toMatch(/10 digits/);
    expect(unreachedNote('+44 20 7946 0958', '')).toBe('');
    expect(unreachedNote('+1 415 555 0142', '')).toBe('');
    expect(unreachedNote('', '')).toBe('');
    expect(noTextReason('1 (212) 055-0100')).toMatch(/not one in use/);
  });
});
