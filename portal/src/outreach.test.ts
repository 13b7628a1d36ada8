import { describe, expect, it } from 'vitest';
import { dayLabel, localToday, trend, whoLabel, windowText } from './outreach';

const w = (o: Partial<{ days: number; elapsed: number; complete: boolean; referrals: number; perThirtyDays: number | null }>) => ({
  days: 30, elapsed: 30, complete: true, referrals: 0, perThirtyDays: 0, ...o,
});

describe('outreach helpers', () => {
  it('takes today from the local clock, not UTC', () => {
    expect(localToday(new Date(2026, 0, 5, 23, 30))).toBe('2026-01-05');
    expect(localToday(new Date(2026, 11, 31, 0, 5))).toBe('2026-12-31');
  });
  it('reads a day without shifting it', () => {
    expect(dayLabel('2026-11-23')).toBe('Nov 23, 2026');
    expect(dayLabel('garbage')).toBe('garbage');
  });
  it('names who did a touch', () => {
    const members = [{ id: 'a'.repeat(32), name: 'Maria Lopez' }];
    expect(whoLabel('a'.repeat(32), members)).toBe('Maria Lopez');
    expect(whoLabel('automatic', members)).toBe('Referloop (automatic)');
    expect(whoLabel('b'.repeat(32), members)).toBe('a former team member');
  });
  it.each([
    [w({ referrals: 1, perThirtyDays: 1 }), '1 referral (1 per 30 days)'],
    [w({ days: 90, referrals: 3, perThirtyDays: 1 }), '3 referrals (1 per 30 days)'],
    [w({ days: 60, elapsed: 12, complete: false, referrals: 2, perThirtyDays: 5 }), '2 referrals in 12 of 60 days so far (5 per 30 days)'],
    [w({ elapsed: 0, complete: false, perThirtyDays: null }), 'not started yet'],
  ])('words a window %#', (win, text) => {
    expect(windowText(win)).toBe(text);
  });
  it('compares after with before', () => {
    expect(trend(w({ perThirtyDays: 1 }), w({ perThirtyDays: 2 }))).toBe('up');
    expect(trend(w({ perThirtyDays: 2 }), w({ perThirtyDays: 1 }))).toBe('down');
    expect(trend(w({ perThirtyDays: 1 }), w({ elapsed: 0, perThirtyDays: null }))).toBe('unknown');
  });
});
