// Dates of birth as people type them. Shared by the referral form and the patient status page
// (kept apart from validation.ts so the public /status page stays small). US practices: people
// type month first (04/02/1980); a date that begins with its year (1980-04-02) works too, since no
// month is above 12. The API takes ISO dates (YYYY-MM-DD): parseDob converts.

/**
 * Formats what is typed into the date-of-birth box. Digits alone group as MM/DD/YYYY
 * ("04021980" → "04/02/1980"), or as YYYY-MM-DD when they begin with a year ("19800402": no month
 * is above 12); typed separators keep the person's grouping ("4/2/1980", "1980-4-2").
 */
export function formatDob(input: string): string {
  const t = input.replace(/[^\d/.\- ]/g, '').replace(/^\D+/, '');
  const parts = t.split(/\D+/);
  const lead = parts[0].slice(0, 2);
  const yearFirst = (parts.length > 1 && parts[0].length > 2) || (lead.length === 2 && Number(lead) > 12);
  const lens = yearFirst ? [4, 2, 2] : [2, 2, 4];
  // Separators in the canonical places (ours, from earlier keystrokes) are regrouped from the
  // digits; a short group ("4/2/…") is the person's own grouping and is kept.
  if (parts.length > 1 && parts.slice(0, -1).some((p, i) => p.length !== lens[i])) {
    return parts.slice(0, 3).map((p, i) => p.slice(0, lens[i])).join(yearFirst ? '-' : '/');
  }
  const d = t.replace(/\D/g, '').slice(0, 8);
  if (yearFirst) {
    if (d.length <= 4) return d;
    if (d.length <= 6) return `${d.slice(0, 4)}-${d.slice(4)}`;
    return `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6)}`;
  }
  if (d.length <= 2) return d;
  if (d.length <= 4) return `${d.slice(0, 2)}/${d.slice(2)}`;
  return `${d.slice(0, 2)}/${d.slice(2, 4)}/${d.slice(4)}`;
}

/** The ISO date (YYYY-MM-DD) of a date of birth typed as MM/DD/YYYY or YYYY-MM-DD, or null. */
export function parseDob(s: string): string | null {
  const t = s.trim();
  let y: string, m: string, d: string;
  let g = /^(\d{4})[-/. ](\d{1,2})[-/. ](\d{1,2})$/.exec(t);
  if (g) [y, m, d] = [g[1], g[2], g[3]];
  else if ((g = /^(\d{1,2})[-/. ](\d{1,2})[-/. ](\d{4})$/.exec(t))) [m, d, y] = [g[1], g[2], g[3]];
  else return null;
  return `${y}-${m.padStart(2, '0')}-${d.padStart(2, '0')}`;
}

/** An error message for a date of birth, or '' if it is a real date, not in the future, within 130 years. */
export function dobError(s: string, today: Date): string {
  const iso = parseDob(s);
  const m = iso && /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  if (!m) return 'Enter the date of birth as MM/DD/YYYY, e.g. 04/02/1980';
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d) return 'That date does not exist';
  const todayUtc = Date.UTC(today.getFullYear(), today.getMonth(), today.getDate());
  if (date.getTime() >= todayUtc + 86_400_000) return 'The date of birth must be in the past';
  if (y < today.getFullYear() - 130) return 'Check the year';
  return '';
}
