import { describe, expect, it } from 'vitest';
import { initials, KIND_LABEL, statusLabel, STATUSES } from './format';

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
