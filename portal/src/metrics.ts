// The metrics pages' pure logic: ranges (UTC days, like the API's buckets), periods, formatting of
// hours, percentages and dormancy, the per-source rows and their sorting, and CSV.
// Imported by staff and referrer pages only (never by /refer or /status).
import type { Accuracy, MetricsGroup, MetricsView, ReferrerScorecard, SourceHealth, Summary } from './types';

// ---- ranges -------------------------------------------------------------------------------------

export type RangePreset = '30d' | '90d' | '12m' | 'custom';

export const RANGE_PRESETS: [RangePreset, string][] = [
  ['30d', 'Last 30 days'],
  ['90d', 'Last 90 days'],
  ['12m', 'Last 12 months'],
  ['custom', 'Custom'],
];

/** The longest range the API answers (3 × 366 days). */
export const MAX_RANGE_DAYS = 3 * 366;

const DAY_MS = 86_400_000;
const DAY_RE = /^\d{4}-\d{2}-\d{2}$/;

/** The UTC day of a time, YYYY-MM-DD. The API's buckets are UTC days. */
export const utcDay = (d: Date): string => d.toISOString().slice(0, 10);

/** Parses YYYY-MM-DD as a UTC midnight; null for anything else (also 2026-02-30). */
export function parseDay(s: string | null | undefined): Date | null {
  if (!s || !DAY_RE.test(s)) return null;
  const d = new Date(`${s}T00:00:00Z`);
  return isNaN(d.getTime()) || utcDay(d) !== s ? null : d;
}

export function addDays(day: string, n: number): string {
  const d = parseDay(day);
  if (!d) throw new Error(`not a day: ${day}`);
  return utcDay(new Date(d.getTime() + n * DAY_MS));
}

/** Whole days from `from` to `to` (0 for the same day). */
export const daysBetween = (from: string, to: string): number =>
  Math.round(((parseDay(to)?.getTime() ?? 0) - (parseDay(from)?.getTime() ?? 0)) / DAY_MS);

export interface Range {
  from: string;
  to: string;
}

/** The from/to of a preset, ending today (UTC). Last 12 months starts on the 1st of the month 11 months back. */
export function rangeFor(preset: Exclude<RangePreset, 'custom'>, now: Date = new Date()): Range {
  const to = utcDay(now);
  if (preset === '30d') return { from: addDays(to, -29), to };
  if (preset === '90d') return { from: addDays(to, -89), to };
  return { from: utcDay(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 11, 1))), to };
}

/** Field errors of a custom range (empty when it is fine). */
export function checkRange(from: string, to: string): { from?: string; to?: string } {
  const f = parseDay(from);
  const t = parseDay(to);
  const errors: { from?: string; to?: string } = {};
  if (!f) errors.from = 'Enter a start date';
  if (!t) errors.to = 'Enter an end date';
  if (f && t && f > t) errors.from = 'The start must not be after the end';
  else if (f && t && daysBetween(from, to) > MAX_RANGE_DAYS) errors.from = `The range may span at most ${MAX_RANGE_DAYS} days (3 years)`;
  return errors;
}

/** The range a page address asks for (?range=30d|90d|12m, or ?range=custom&from=&to=); 90 days by default. */
export function rangeFromQuery(q: URLSearchParams, now: Date = new Date()): { preset: RangePreset } & Range {
  const preset = q.get('range') as RangePreset | null;
  if (preset === 'custom') {
    const from = q.get('from') ?? '';
    const to = q.get('to') ?? '';
    if (!Object.keys(checkRange(from, to)).length) return { preset, from, to };
  }
  const p = preset === '30d' || preset === '12m' ? preset : '90d';
  return { preset: p, ...rangeFor(p, now) };
}

/**
 * The trend's periods: weeks up to 92 days (where the API answers from day buckets too), months
 * beyond (where it uses whole months anyway).
 */
export const trendGroupBy = (from: string, to: string): 'week' | 'month' => (daysBetween(from, to) > 92 ? 'month' : 'week');

/** The ISO week of a day, "2026-W47" (as the API keys weeks). */
export function isoWeek(day: string): string {
  const d = parseDay(day);
  if (!d) throw new Error(`not a day: ${day}`);
  const wd = d.getUTCDay() || 7;
  const thursday = new Date(d.getTime() + (4 - wd) * DAY_MS);
  const year = thursday.getUTCFullYear();
  const week = Math.floor((thursday.getTime() - Date.UTC(year, 0, 1)) / DAY_MS / 7) + 1;
  return `${year}-W${String(week).padStart(2, '0')}`;
}

/** The Monday (YYYY-MM-DD) of an ISO week key such as "2026-W47"; null when it is not one. */
export function weekStart(key: string): string | null {
  const m = /^(\d{4})-W(\d{2})$/.exec(key);
  if (!m) return null;
  const jan4 = Date.UTC(Number(m[1]), 0, 4);
  const wd = new Date(jan4).getUTCDay() || 7;
  return utcDay(new Date(jan4 + (1 - wd) * DAY_MS + (Number(m[2]) - 1) * 7 * DAY_MS));
}

/** Every period key from `from` to `to`: ISO weeks ("2026-W47") or months ("2026-11"). */
export function periodKeys(from: string, to: string, by: 'week' | 'month'): string[] {
  const keys: string[] = [];
  if (!parseDay(from) || !parseDay(to) || from > to) return keys;
  if (by === 'week') {
    const last = isoWeek(to);
    let day = weekStart(isoWeek(from))!;
    for (let i = 0; i < 400; i++, day = addDays(day, 7)) {
      const k = isoWeek(day);
      keys.push(k);
      if (k === last) break;
    }
    return keys;
  }
  let y = Number(from.slice(0, 4));
  let m = Number(from.slice(5, 7));
  const end = to.slice(0, 7);
  for (let i = 0; i < 400; i++) {
    const k = `${y}-${String(m).padStart(2, '0')}`;
    keys.push(k);
    if (k >= end) break;
    if (++m > 12) {
      m = 1;
      y++;
    }
  }
  return keys;
}

export interface TrendPoint {
  key: string;
  label: string;
  received: number;
  scheduled: number;
  seen: number;
}

/** The trend with a point for every period, zero where the rollup has no bucket. */
export function trendPoints(groups: MetricsGroup[], from: string, to: string, by: 'week' | 'month'): TrendPoint[] {
  const byKey = new Map(groups.map((g) => [g.key, g]));
  const keys = periodKeys(from, to, by);
  for (const g of groups) if (!keys.includes(g.key)) keys.push(g.key);
  keys.sort();
  return keys.map((key) => {
    const g = byKey.get(key);
    return { key, label: periodLabel(key), received: g?.received ?? 0, scheduled: g?.scheduled ?? 0, seen: g?.seen ?? 0 };
  });
}

/** The last 12 months to now's (a scorecard's), oldest first, zero where there is no bucket. */
export function lastMonths(months: Pick<MetricsGroup, 'key' | 'received'>[], now: Date = new Date()): { key: string; label: string; received: number }[] {
  const from = utcDay(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 11, 1)));
  const byKey = new Map(months.map((m) => [m.key, m.received]));
  return periodKeys(from, utcDay(now), 'month').map((key) => ({ key, label: periodLabel(key), received: byKey.get(key) ?? 0 }));
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "2026-W47" → "Nov 16" (its Monday); "2026-11" → "Nov 2026"; anything else as it is. */
export function periodLabel(key: string): string {
  const monday = weekStart(key);
  if (monday) return `${MONTHS[Number(monday.slice(5, 7)) - 1]} ${Number(monday.slice(8, 10))}`;
  const m = /^(\d{4})-(\d{2})$/.exec(key);
  if (m && Number(m[2]) >= 1 && Number(m[2]) <= 12) return `${MONTHS[Number(m[2]) - 1]} ${m[1]}`;
  return key;
}

/** "Aug 26 – Nov 23, 2026" (UTC days). */
export function rangeLabel(from: string, to: string): string {
  const f = parseDay(from);
  const t = parseDay(to);
  if (!f || !t) return `${from} – ${to}`;
  const d = (x: Date, year: boolean) => `${MONTHS[x.getUTCMonth()]} ${x.getUTCDate()}${year ? `, ${x.getUTCFullYear()}` : ''}`;
  return `${d(f, f.getUTCFullYear() !== t.getUTCFullYear())} – ${d(t, true)}`;
}

// ---- formatting ---------------------------------------------------------------------------------

const trim1 = (x: number) => String(Math.round(x * 10) / 10);
const count = new Intl.NumberFormat('en-US');

export const fmtCount = (n: number | null | undefined): string => (n == null ? '—' : count.format(n));

/** 0.667 → "67%"; null → "—". */
export const fmtPercent = (x: number | null | undefined): string => (x == null || !isFinite(x) ? '—' : `${Math.round(x * 100)}%`);

/** A share as a number of percent with one decimal (0.667 → 66.7), for CSV; null stays null. */
export const percentNumber = (x: number | null | undefined): number | null => (x == null || !isFinite(x) ? null : Math.round(x * 1000) / 10);

/** Hours, readable: "45 min", "1.5 h", "12 h", "2.1 days"; null → "—". */
export function fmtHours(h: number | null | undefined): string {
  if (h == null || !isFinite(h)) return '—';
  if (h < 1) return `${Math.round(h * 60)} min`;
  if (h < 10) return `${trim1(h)} h`;
  if (h < 48) return `${Math.round(h)} h`;
  return `${trim1(h / 24)} days`;
}

/** Seconds, readable: "45 s", "1 min 39 s", "2 min"; null → "—". */
export function fmtSeconds(s: number | null | undefined): string {
  if (s == null || !isFinite(s)) return '—';
  const total = Math.round(s);
  if (total < 60) return `${total} s`;
  const m = Math.floor(total / 60);
  const rest = total % 60;
  return rest ? `${m} min ${rest} s` : `${m} min`;
}

/**
 * An estimate, marked: "≈ 12 h" when the figure is one (the API's medians and 90th percentiles come
 * from quantile sketches, within 1%); counts and missing values ("—") are shown as they are.
 */
export const approx = (text: string, estimate: boolean | null | undefined): string => (estimate && text !== '—' ? `≈ ${text}` : text);

/** "≈ marks estimates, within 1% of the exact value" from an answer's accuracy; "" when nothing is estimated. */
export function accuracyNote(a: Pick<Accuracy, 'relativeError' | 'estimates'> | null | undefined): string {
  if (!a || !a.estimates.length || !(a.relativeError > 0)) return '';
  return `≈ marks estimates (medians, 90th percentiles, days between referrals), within ${+(a.relativeError * 100).toFixed(2)}% of the exact value; counts are exact.`;
}

/** Days: "1 day", "1.6 days", "14 days"; null → "—". */
export function fmtDays(d: number | null | undefined): string {
  if (d == null || !isFinite(d)) return '—';
  const v = d >= 10 ? Math.round(d) : Math.round(d * 10) / 10;
  return v === 1 ? '1 day' : `${v} days`;
}

const plural = (n: number, one: string, many = `${one}s`) => `${fmtCount(n)} ${n === 1 ? one : many}`;

/** "numbers as of 10:42", or with the day when it is not today ("numbers as of Nov 22, 10:42"). */
export function asOfText(asOf: string | null | undefined, now: Date = new Date(), timeZone?: string): string {
  const t = asOf ? new Date(asOf) : null;
  if (!t || isNaN(t.getTime())) return 'no numbers yet';
  const time = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone }).format(t);
  const day = (x: Date) => new Intl.DateTimeFormat('en-US', { month: 'short', day: 'numeric', timeZone }).format(x);
  return day(t) === day(now) ? `numbers as of ${time}` : `numbers as of ${day(t)}, ${time}`;
}

/** Whether the source sent anything in the last 12 months (the API's lastReferral is null when not). */
export const hasLastReferral = (h: Pick<SourceHealth, 'lastReferral'>): h is { lastReferral: string } =>
  h.lastReferral != null && !isNaN(Date.parse(h.lastReferral));

/**
 * Why a source counts as dormant, in plain words: "quiet for 70 days (usual rhythm: every 14 days)",
 * "no referrals in the last 12 months". "" when it is not dormant.
 */
export function dormancyText(h: SourceHealth): string {
  if (!h.dormant) return '';
  if (!h.referrals || !hasLastReferral(h)) return 'no referrals in the last 12 months';
  const quiet = `quiet for ${plural(Math.floor(h.daysSinceLast), 'day')}`;
  if (h.medianDaysBetweenReferrals == null) return `${quiet} (only 1 referral in 12 months)`;
  return `${quiet} (usual rhythm: every ${fmtDays(h.medianDaysBetweenReferrals).replace(/^1 day$/, 'day')})`;
}

/** A source's health in one line, dormant or not. */
export function healthText(h: SourceHealth): string {
  if (h.dormant) return dormancyText(h);
  if (!h.referrals || !hasLastReferral(h)) return 'no referrals yet';
  const since = h.daysSinceLast < 1 ? 'less than a day ago' : `${plural(Math.floor(h.daysSinceLast), 'day')} ago`;
  const rhythm = h.medianDaysBetweenReferrals == null ? '' : ` (usual rhythm: every ${fmtDays(h.medianDaysBetweenReferrals).replace(/^1 day$/, 'day')})`;
  return `active: last referral ${since}${rhythm}`;
}

/** "You sent 12 referrals · 5 seen · usually contacted within 1.2 days". */
export function referrerScorecardText(sc: ReferrerScorecard): string {
  const parts = [`You sent ${plural(sc.sent, 'referral')}`, `${fmtCount(sc.seen)} seen`];
  const d = sc.medianDaysToContact;
  if (d != null && isFinite(d)) {
    const hours = Math.round(d * 24);
    parts.push(`usually contacted within ${d < 1 ? plural(Math.max(hours, 1), 'hour') : fmtDays(d)}`);
  }
  return parts.join(' · ');
}

// ---- funnel, kinds, decline reasons ---------------------------------------------------------------

export interface Bar {
  key: string;
  label: string;
  n: number;
  /** share of the base (0-1), null when the base is 0 */
  share: number | null;
}

const share = (n: number, of: number) => (of > 0 ? n / of : null);

/** received → scheduled → seen, each as a share of received. */
export function funnel(s: Pick<Summary, 'received' | 'scheduled' | 'seen'>): Bar[] {
  return [
    { key: 'received', label: 'Received', n: s.received, share: share(s.received, s.received) },
    { key: 'scheduled', label: 'Scheduled', n: s.scheduled, share: share(s.scheduled, s.received) },
    { key: 'seen', label: 'Seen', n: s.seen, share: share(s.seen, s.received) },
  ];
}

export const DECLINE_LABEL: Record<string, string> = {
  'not-a-match': 'Not a match',
  insurance: 'Insurance not accepted',
  'no-capacity': 'No capacity',
  'referred-elsewhere': 'Going elsewhere',
  'patient-declined': 'Patient declined',
  other: 'Other',
};

/** The decline reasons, most first, each as a share of all declines. */
export function declineBars(declinedBy: Record<string, number> | null | undefined): Bar[] {
  const entries = Object.entries(declinedBy ?? {}).filter(([, n]) => n > 0);
  const total = entries.reduce((a, [, n]) => a + n, 0);
  return entries
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([key, n]) => ({ key, label: DECLINE_LABEL[key] ?? (key || 'No reason given'), n, share: share(n, total) }));
}

export const KIND_SOURCE_LABEL: Record<string, string> = {
  provider: 'Providers',
  patient: 'Patients referring others',
  self: 'Self-referrals',
};

/** provider, patient and self, always in that order (zeros where there is no group), then any other kind. */
export function kindRows(groups: MetricsGroup[]): { key: string; label: string; summary: Summary | null }[] {
  const keys = ['provider', 'patient', 'self', ...groups.map((g) => g.key).filter((k) => !(k in KIND_SOURCE_LABEL))];
  return keys.map((key) => ({ key, label: KIND_SOURCE_LABEL[key] ?? key, summary: groups.find((g) => g.key === key) ?? null }));
}

/** Whether the practice has no numbers at all yet (not merely none in this range). */
export function noNumbersYet(view: Pick<MetricsView, 'asOf' | 'total' | 'sources'>): boolean {
  return !view.asOf || (view.total.received === 0 && view.sources.every((s) => !s.referrals));
}

// ---- the per-source table -------------------------------------------------------------------------

export interface SourceRow {
  id: string;
  name: string;
  received: number;
  scheduled: number;
  seen: number;
  showRate: number | null;
  hoursToContact: number | null;
  /** whether hoursToContact is an estimate (a sketch's median) */
  hoursToContactEstimate: boolean;
  contactCompliance: number | null;
  /** referrals received in the range whose contact-by time passed with nobody reaching the patient yet */
  overdue: number;
  /** an estimate whenever there is one */
  daysBetween: number | null;
  dormant: boolean;
  /** "quiet for … (usual rhythm: …)" or "" */
  dormancy: string;
}

/**
 * One row per source: the partners that referred in the range (groupBy=source), then the partners
 * of `sources` that did not (zeros), so that quiet and never-referring sources show too.
 */
export function sourceRows(view: Pick<MetricsView, 'groups' | 'sources'>): SourceRow[] {
  const health = new Map(view.sources.map((s) => [s.id, s]));
  const rows: SourceRow[] = view.groups.map((g) => {
    const h = health.get(g.key);
    return {
      id: g.key, name: g.label || h?.name || g.key, received: g.received, scheduled: g.scheduled, seen: g.seen,
      showRate: g.showRate, hoursToContact: g.hoursToContact?.median ?? null, hoursToContactEstimate: !!g.hoursToContact?.estimate,
      contactCompliance: g.contactCompliance, overdue: g.overdue ?? 0,
      daysBetween: g.medianDaysBetweenReferrals, dormant: !!h?.dormant, dormancy: h ? dormancyText(h) : '',
    };
  });
  const listed = new Set(rows.map((r) => r.id));
  for (const h of view.sources) {
    if (listed.has(h.id)) continue;
    rows.push({ id: h.id, name: h.name, received: 0, scheduled: 0, seen: 0, showRate: null, hoursToContact: null,
      hoursToContactEstimate: false, contactCompliance: null, overdue: 0, daysBetween: null, dormant: h.dormant, dormancy: dormancyText(h) });
  }
  return rows;
}

export type SortKey = 'name' | 'received' | 'scheduled' | 'seen' | 'showRate' | 'hoursToContact' | 'contactCompliance' | 'overdue' | 'daysBetween';
export type SortDir = 'asc' | 'desc';

export interface Column {
  key: SortKey | 'status';
  /** the table's header */
  label: string;
  /** the CSV header adds it: "Show rate (%)" */
  unit?: string;
  /** the direction of a first click: most first for counts and rates, fastest first for times */
  first?: SortDir;
  show: (r: SourceRow) => string;
  csv: (r: SourceRow) => string | number | null;
  numeric?: boolean;
}

export const SOURCE_COLUMNS: Column[] = [
  { key: 'name', label: 'Source', first: 'asc', show: (r) => r.name, csv: (r) => r.name },
  { key: 'received', label: 'Received', first: 'desc', numeric: true, show: (r) => fmtCount(r.received), csv: (r) => r.received },
  { key: 'scheduled', label: 'Scheduled', first: 'desc', numeric: true, show: (r) => fmtCount(r.scheduled), csv: (r) => r.scheduled },
  { key: 'seen', label: 'Seen', first: 'desc', numeric: true, show: (r) => fmtCount(r.seen), csv: (r) => r.seen },
  { key: 'showRate', label: 'Show rate', unit: '%', first: 'desc', numeric: true, show: (r) => fmtPercent(r.showRate), csv: (r) => percentNumber(r.showRate) },
  { key: 'hoursToContact', label: 'Median time to contact', unit: 'hours', first: 'asc', numeric: true, show: (r) => approx(fmtHours(r.hoursToContact), r.hoursToContactEstimate), csv: (r) => r.hoursToContact },
  { key: 'contactCompliance', label: 'Contacted on time', unit: '%', first: 'desc', numeric: true, show: (r) => fmtPercent(r.contactCompliance), csv: (r) => percentNumber(r.contactCompliance) },
  { key: 'overdue', label: 'Overdue', first: 'desc', numeric: true, show: (r) => fmtCount(r.overdue), csv: (r) => r.overdue },
  { key: 'daysBetween', label: 'Median days between referrals', first: 'asc', numeric: true, show: (r) => approx(fmtDays(r.daysBetween), r.daysBetween != null), csv: (r) => r.daysBetween },
  { key: 'status', label: 'Status', show: (r) => (r.dormant ? cap(r.dormancy || 'quiet') : 'Active'), csv: (r) => (r.dormant ? cap(r.dormancy || 'quiet') : 'Active') },
];

const cap = (s: string) => (s ? s[0].toUpperCase() + s.slice(1) : s);

/**
 * Sorts rows by a column; missing values (null) always last, whatever the direction; ties by name,
 * so the order is stable and the same for the table and its CSV.
 */
export function sortRows(rows: SourceRow[], key: SortKey, dir: SortDir): SourceRow[] {
  const sign = dir === 'asc' ? 1 : -1;
  const byName = (a: SourceRow, b: SourceRow) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id);
  return [...rows].sort((a, b) => {
    if (key === 'name') return sign * byName(a, b);
    const x = a[key];
    const y = b[key];
    if (x == null || y == null) return x == null && y == null ? byName(a, b) : x == null ? 1 : -1;
    return sign * (x - y) || byName(a, b);
  });
}

export const sortLabel = (dir: SortDir, numeric?: boolean) =>
  numeric ? (dir === 'desc' ? 'highest first' : 'lowest first') : dir === 'asc' ? 'A to Z' : 'Z to A';

// ---- CSV ----------------------------------------------------------------------------------------

export type Cell = string | number | null | undefined;

/**
 * One CSV field (RFC 4180): quoted when it holds a comma, quote, CR or LF (quotes doubled), and
 * also a semicolon or a tab, which spreadsheets in semicolon locales (and tab-separated pastes)
 * split fields on: unquoted, `North; =HYPERLINK(…)` would start a new cell with a formula. Text that
 * a spreadsheet would run as a formula (OWASP CSV injection: =, +, -, @, tab, CR, LF first, and the
 * full-width ＝＋－＠ some spreadsheets read the same) gets a leading apostrophe. Numbers stay numbers.
 */
export function csvField(v: Cell): string {
  if (v == null) return '';
  if (typeof v === 'number') return isFinite(v) ? String(v) : '';
  let s = String(v);
  if (/^[=+\-@\t\r\n\uFF1D\uFF0B\uFF0D\uFF20]/.test(s)) s = `'${s}`;
  return /[",;\t\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Rows to CSV text: CRLF line ends, a final CRLF. */
export const toCsv = (rows: Cell[][]): string => rows.map((r) => r.map(csvField).join(',')).join('\r\n') + '\r\n';

export const csvHeader = (c: Pick<Column, 'label' | 'unit'>) => (c.unit ? `${c.label} (${c.unit})` : c.label);

/** The per-source table as shown (its columns, its order). */
export function sourcesCsv(rows: SourceRow[]): string {
  return toCsv([SOURCE_COLUMNS.map(csvHeader), ...rows.map((r) => SOURCE_COLUMNS.map((c) => c.csv(r)))]);
}

/** The trend series: one row per period. */
export function trendCsv(points: TrendPoint[], by: 'week' | 'month'): string {
  const head = by === 'week' ? ['Week', 'Week starting'] : ['Month', 'Month starting'];
  return toCsv([
    [...head, 'Received', 'Scheduled', 'Seen'],
    ...points.map((p) => [p.key, by === 'week' ? weekStart(p.key) ?? '' : `${p.key}-01`, p.received, p.scheduled, p.seen]),
  ]);
}

/** A file name like "referloop-sources-2026-08-26-to-2026-11-23.csv". */
export const csvName = (what: string, r: Range) => `referloop-${what}-${r.from}-to-${r.to}.csv`;

// ---- chart scales -----------------------------------------------------------------------------------

/** Round y-axis ticks from 0 to at least max: 0, 5, 10 …; at least [0, 1]. */
export function niceTicks(max: number, most = 5): number[] {
  if (!(max > 0)) return [0, 1];
  const raw = max / most;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const unit = Math.max(1, step);
  const top = Math.ceil(max / unit) * unit;
  const ticks: number[] = [];
  for (let v = 0; v <= top + 1e-9; v += unit) ticks.push(Math.round(v * 1e6) / 1e6);
  return ticks;
}

/** Every n-th label is shown so at most `most` fit. */
export const labelEvery = (n: number, most = 8): number => Math.max(1, Math.ceil(n / most));
