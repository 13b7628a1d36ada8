import { describe, expect, it } from 'vitest';
import { CROCKFORD, decodeTime, encodeTime, monotonicFactory, ulid, ULID_RE } from './ulid';

describe('ulid', () => {
  it('is 26 Crockford base32 characters', () => {
    for (let i = 0; i < 200; i++) {
      const id = ulid();
      expect(id).toHaveLength(26);
      expect(id).toMatch(ULID_RE);
      for (const ch of id) expect(CROCKFORD).toContain(ch);
    }
  });

  it('starts with the current time in ms (48 bits)', () => {
    const before = Date.now();
    const id = ulid();
    const after = Date.now();
    const t = decodeTime(id);
    expect(t).toBeGreaterThanOrEqual(before);
    expect(t).toBeLessThanOrEqual(after);
  });

  it('encodes known times like the reference implementation', () => {
    expect(encodeTime(1469918176385)).toBe('01ARYZ6S41');
    expect(encodeTime(0)).toBe('0000000000');
    expect(encodeTime(2 ** 48 - 1)).toBe('7ZZZZZZZZZ');
    expect(() => encodeTime(2 ** 48)).toThrow();
    expect(() => encodeTime(-1)).toThrow();
    expect(decodeTime('01ARYZ6S41' + '0'.repeat(16))).toBe(1469918176385);
  });

  it('uses 80 random bits from the random source', () => {
    const make = monotonicFactory((a) => a.fill(0xff), () => 1469918176385);
    expect(make()).toBe('01ARYZ6S41' + 'Z'.repeat(16));
    const zero = monotonicFactory((a) => a.fill(0), () => 1469918176385);
    expect(zero()).toBe('01ARYZ6S41' + '0'.repeat(16));
  });

  it('has a monotonic time prefix and sorts in creation order', () => {
    let now = 1_700_000_000_000;
    const times = [now, now, now + 5, now + 3 /* clock stepped back */, now + 6];
    let i = 0;
    const make = monotonicFactory(undefined, () => times[i++]);
    const ids = times.map(() => make());
    const prefixes = ids.map(decodeTime);
    for (let k = 1; k < ids.length; k++) {
      expect(prefixes[k]).toBeGreaterThanOrEqual(prefixes[k - 1]);
      expect(ids[k] > ids[k - 1]).toBe(true);
    }
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('increments the random part within one millisecond', () => {
    const make = monotonicFactory((a) => a.fill(0), () => 42);
    const a = make();
    const b = make();
    expect(a.slice(0, 10)).toBe(b.slice(0, 10));
    expect(b.slice(10)).toBe('000000000000000' + '1');
  });

  it('differs between calls', () => {
    const ids = new Set(Array.from({ length: 1000 }, () => ulid()));
    expect(ids.size).toBe(1000);
  });
});
