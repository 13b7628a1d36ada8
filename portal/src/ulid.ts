// ULID: 48-bit millisecond time + 80 random bits, as 26 Crockford base32 characters.
// Used as the Idempotency-Key of a referral form (docs/api.md).

export const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const TIME_LEN = 10;
const RAND_LEN = 16;
const MAX_TIME = 2 ** 48 - 1;

/** Fills the array with random bytes, as crypto.getRandomValues does. */
export type RandomFill = (a: Uint8Array<ArrayBuffer>) => unknown;
const defaultRandom: RandomFill = (a) => crypto.getRandomValues(a);

export function encodeTime(ms: number): string {
  if (!Number.isInteger(ms) || ms < 0 || ms > MAX_TIME) throw new RangeError('ULID time out of range');
  let out = '';
  for (let i = 0; i < TIME_LEN; i++) {
    out = CROCKFORD[ms % 32] + out;
    ms = Math.floor(ms / 32);
  }
  return out;
}

export function decodeTime(id: string): number {
  let ms = 0;
  for (const ch of id.slice(0, TIME_LEN).toUpperCase()) {
    const v = CROCKFORD.indexOf(ch);
    if (v < 0) throw new RangeError('not a ULID');
    ms = ms * 32 + v;
  }
  return ms;
}

/** 16 base32 digits = 80 random bits (each byte masked to 5 bits). */
function randomDigits(random: RandomFill): number[] {
  const bytes = new Uint8Array(RAND_LEN);
  random(bytes);
  return Array.from(bytes, (b) => b & 31);
}

/**
 * Makes a ULID generator that is monotonic: two ids made within the same millisecond (or with a
 * clock that stepped back) still sort in the order they were made.
 */
export function monotonicFactory(random: RandomFill = defaultRandom, now: () => number = Date.now) {
  let lastTime = -1;
  let lastRand: number[] = [];
  return function ulid(): string {
    let t = now();
    if (t <= lastTime) {
      t = lastTime;
      // increment the 80-bit random part as a base32 number
      let i = RAND_LEN - 1;
      while (i >= 0 && lastRand[i] === 31) lastRand[i--] = 0;
      if (i < 0) throw new Error('ULID random part overflow');
      lastRand[i]++;
    } else {
      lastTime = t;
      lastRand = randomDigits(random);
    }
    return encodeTime(t) + lastRand.map((d) => CROCKFORD[d]).join('');
  };
}

export const ulid = monotonicFactory();

export const ULID_RE = /^[0-7][0-9A-HJKMNP-TV-Z]{25}$/;
