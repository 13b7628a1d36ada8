import { describe, expect, it } from 'vitest';
import { normalizeCode, parseRateFragment } from './lookup';

describe('status code normalization', () => {
  it('accepts any case, with or without dashes and spaces', () => {
    for (const typed of ['K7Q2-M9XD-4TRA', 'k7q2m9xd4tra', ' k7q2 m9xd 4tra ', 'K7Q2–M9XD–4TRA', 'k7q2-m9xd4tra'])
      expect(normalizeCode(typed), typed).toBe('K7Q2-M9XD-4TRA');
  });
  it('refuses codes of the wrong length or with other characters', () => {
    for (const bad of ['', 'K7Q2-M9XD', 'K7Q2-M9XD-4TRA-1', 'K7Q2-M9XD-4TR!', 'K7Q2/M9XD/4TRA']) expect(normalizeCode(bad), bad).toBe('');
  });
});

describe('rating fragment', () => {
  it('reads the token and the score', () => {
    expect(parseRateFragment('#token=abc_DEF-123&score=4')).toEqual({ token: 'abc_DEF-123', score: 4 });
    expect(parseRateFragment('score=5&token=t')).toEqual({ token: 't', score: 5 });
  });
  it('ignores a missing or out-of-range score', () => {
    expect(parseRateFragment('#token=t')).toEqual({ token: 't', score: null });
    for (const s of ['0', '6', '4.5', 'x', '']) expect(parseRateFragment(`#token=t&score=${s}`)?.score, s).toBeNull();
  });
  it('needs a token', () => {
    expect(parseRateFragment('')).toBeNull();
    expect(parseRateFragment('#score=3')).toBeNull();
    expect(parseRateFragment('#token=&score=3')).toBeNull();
  });
});
