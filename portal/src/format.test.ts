import { describe, expect, it } from 'vitest';
import { initials, isOverdue, statusLabel, STATUSES } from './format';

describe('format', () => {
  it('labels every status in plain words', () => {
    expect(STATUSES).toHaveLength(11);
    expect(statusLabel('received')).toBe('Received');
    expect(statusLabel('needs-info')).toBe('Needs info');
    expect(statusLabel('mystery')).toBe('mystery');
  });
  it('flags overdue referrals still waiting for contact', () => {
    const now = new Date('2026-11-23T12:00:00Z');
    expect(isOverdue({ status: 'received', contactBy: '2026-11-23T11:00:00Z' }, now)).toBe(true);
    expect(isOverdue({ status: 'received', contactBy: '2026-11-23T13:00:00Z' }, now)).toBe(false);
    expect(isOverdue({ status: 'contacted', contactBy: '2026-11-23T11:00:00Z' }, now)).toBe(false);
  });
  it('makes initials', () => {
    expect(initials('Ana', 'Silva')).toBe('A. S.');
    expect(initials('ana', '')).toBe('A.');
  });
});
