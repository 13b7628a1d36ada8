// Dates of birth as people type them. Shared by the referral form and the patient status page
// (kept apart from validation.ts so the public /status page stays small).

/**
 * Formats what is typed into the date-of-birth box as YYYY-MM-DD. Phone keypads often have no
 * "-", so digits alone work: "19800402" → "1980-04-02". Other separators ("/", ".", " ") become "-".
 */
export function formatDob(input: string): string {
  const digits = input.replace(/\D/g, '').slice(0, 8);
  if (digits.length <= 4) return digits;
  if (digits.length <= 6) return `${digits.slice(0, 4)}-${digits.slice(4)}`;
  return `${digits.slice(0, 4)}-${digits.slice(4, 6)}-${digits.slice(6)}`;
}

/** An error message for a date of birth, or '' if it is a real date, not in the future, within 130 years. */
export function dobError(s: string, today: Date): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return 'Enter the date of birth as YYYY-MM-DD, e.g. 1980-04-02';
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d) return 'That date does not exist';
  const todayUtc = Date.UTC(today.getFullYear(), today.getMonth(), today.getDate());
  if (date.getTime() >= todayUtc + 86_400_000) return 'The date of birth must be in the past';
  if (y < today.getFullYear() - 130) return 'Check the year';
  return '';
}
