// Small pure helpers of the public pages: the patient's status code (/status) and the rating
// link's fragment (/rate). Kept tiny: both pages are public and budgeted.

/** A status code has 12 letters and digits, shown in groups of four: K7Q2-M9XD-4TRA. */
export const CODE_LENGTH = 12;

/**
 * The status code as the server expects it ("K7Q2-M9XD-4TRA"), from what a patient typed:
 * any case, with or without dashes or spaces. Returns '' unless it has exactly 12 letters and digits.
 */
export function normalizeCode(input: string): string {
  const raw = input.toUpperCase().replace(/[\s\-–—_.]/g, '');
  if (!/^[0-9A-Z]+$/.test(raw) || raw.length !== CODE_LENGTH) return '';
  return `${raw.slice(0, 4)}-${raw.slice(4, 8)}-${raw.slice(8)}`;
}

/** The rating link's fragment, "#token=…&score=N": the token, and the score if it is 1 to 5. */
export function parseRateFragment(hash: string): { token: string; score: number | null } | null {
  const q = new URLSearchParams(hash.replace(/^#/, ''));
  const token = (q.get('token') ?? '').trim();
  if (!token) return null;
  const s = (q.get('score') ?? '').trim();
  const n = /^[1-5]$/.test(s) ? Number(s) : null;
  return { token, score: n };
}
