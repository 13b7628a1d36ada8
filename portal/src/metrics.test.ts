import { describe, expect, it } from 'vitest';
import {
  accuracyNote, approx, asOfText, checkRange, csvField, daysBetween, declineBars, dormancyText, fmtDays, fmtHours, fmtPercent, fmtSeconds,
  funnel, healthText, isoWeek, kindRows, lastMonths, niceTicks, noNumbersYet, percentNumber, periodKeys, periodLabel, rangeFor,
  rangeFromQuery, rangeLabel, referrerScorecardText, SOURCE_COLUMNS, sortRows, sourceRows, sourcesCsv, toCsv,
  trendCsv, trendGroupBy, trendPoints, weekStart,
} from './metrics';
import type { SourceRow } from './metrics';
import type { MetricsGroup, SourceHealth, Summary } from './types';

const stat = (median: number | null = null, p90: number | null = null, n = median == null ? 0 : 1) =>
  ({ n, median, p90, estimate: n > 0, relativeError: n > 0 ? 0.01 : 0 });
const accuracy = { counts: 'exact' as const, relativeError: 0.01, estimates: ['medianDaysToContact'] };
const summary = (over: Partial<Summary> = {}): Summary => ({
  received: 0, accepted: 0, declined: 0, declinedBy: {}, contacted: 0, scheduled: 0, seen: 0, noShow: 0, closed: 0,
  cancelled: 0, unreachable: 0, showRate: null, contactCompliance: null, due: 0, overdue: 0, hoursToContact: stat(), hoursToSchedule: stat(),
  hoursToVisit: stat(), formSeconds: stat(), medianDaysBetweenReferrals: null, ...over,
});
const group = (key: string, label: string, over: Partial<Summary> = {}): MetricsGroup => ({ key, label, ...summary(over) });
const health = (over: Partial<SourceHealth> = {}): SourceHealth => ({
  id: 'p_1', name: 'Northside', kind: 'provider', dormant: false, lastReferral: '2026-11-22T01:00:00Z', daysSinceLast: 1.6,
  thresholdDays: 30, referrals: 12, medianDaysBetweenReferrals: 1.6, ...over,
});
const NEVER = null; // lastReferral of a source that sent nothing in 12 months

describe('ranges', () => {
  const now = new Date('2026-11-23T22:30:00Z');
  it('ends presets today (UTC) and counts the days inclusively', () => {
    expect(rangeFor('30d', now)).toEqual({ from: '2026-10-25', to: '2026-11-23' });
    expect(rangeFor('90d', now)).toEqual({ from: '2026-08-26', to: '2026-11-23' });
    expect(daysBetween('2026-08-26', '2026-11-23')).toBe(89);
  });
  it('starts the last 12 months on the first of the month 11 months back, across a year', () => {
    expect(rangeFor('12m', now)).toEqual({ from: '2025-12-01', to: '2026-11-23' });
    expect(rangeFor('12m', new Date('2026-01-15T00:00:00Z'))).toEqual({ from: '2025-02-01', to: '2026-01-15' });
  });
  it('uses UTC days, not the local day', () => {
    // 23:30 UTC on Nov 23 is already Nov 24 in Tokyo and still Nov 23 in Los Angeles: the API counts UTC days.
    expect(rangeFor('30d', new Date('2026-11-23T23:30:00Z')).to).toBe('2026-11-23');
  });
  it('reads the range from the address, 90 days by default, falling back on a bad custom range', () => {
    const q = (s: string) => new URLSearchParams(s);
    expect(rangeFromQuery(q(''), now)).toEqual({ preset: '90d', from: '2026-08-26', to: '2026-11-23' });
    expect(rangeFromQuery(q('range=30d'), now).from).toBe('2026-10-25');
    expect(rangeFromQuery(q('range=custom&from=2026-01-01&to=2026-03-31'), now)).toEqual({ preset: 'custom', from: '2026-01-01', to: '2026-03-31' });
    expect(rangeFromQuery(q('range=custom&from=2026-03-31&to=2026-01-01'), now).preset).toBe('90d');
    expect(rangeFromQuery(q('range=bogus'), now).preset).toBe('90d');
  });
  it('checks custom ranges like the API', () => {
    expect(checkRange('2026-01-01', '2026-03-31')).toEqual({});
    expect(checkRange('', '2026-03-31')).toEqual({ from: 'Enter a start date' });
    expect(checkRange('2026-02-30', '2026-03-31').from).toBe('Enter a start date');
    expect(checkRange('2026-04-01', '2026-03-31').from).toMatch(/not be after/);
    expect(checkRange('2023-01-01', '2026-01-03')).toEqual({}); // 1098 days
    expect(checkRange('2023-01-01', '2026-01-04').from).toMatch(/at most 1098 days/);
  });
  it('trends by week up to 92 days and by month beyond', () => {
    expect(trendGroupBy('2026-08-26', '2026-11-23')).toBe('week');
    expect(trendGroupBy('2026-08-23', '2026-11-23')).toBe('week'); // 92 days
    expect(trendGroupBy('2026-08-22', '2026-11-23')).toBe('month');
  });
  it('labels ranges', () => {
    expect(rangeLabel('2026-08-26', '2026-11-23')).toBe('Aug 26 – Nov 23, 2026');
    expect(rangeLabel('2025-12-01', '2026-11-30')).toBe('Dec 1, 2025 – Nov 30, 2026');
  });
});

describe('periods', () => {
  it('keys ISO weeks like the API, across year ends', () => {
    expect(isoWeek('2026-11-23')).toBe('2026-W48');
    expect(isoWeek('2026-11-22')).toBe('2026-W47');
    expect(isoWeek('2021-01-03')).toBe('2020-W53');
    expect(isoWeek('2024-12-30')).toBe('2025-W01');
    expect(weekStart('2026-W47')).toBe('2026-11-16');
    expect(weekStart('2020-W53')).toBe('2020-12-28');
    expect(weekStart('2026-11')).toBeNull();
  });
  it('lists every week or month of a range', () => {
    expect(periodKeys('2026-11-01', '2026-11-23', 'week')).toEqual(['2026-W44', '2026-W45', '2026-W46', '2026-W47', '2026-W48']);
    expect(periodKeys('2025-11-15', '2026-02-01', 'month')).toEqual(['2025-11', '2025-12', '2026-01', '2026-02']);
    expect(periodKeys('2026-08-26', '2026-11-23', 'week')).toHaveLength(14);
    expect(periodKeys('2026-11-23', '2026-11-01', 'week')).toEqual([]);
  });
  it('fills the periods the rollup has no bucket for with zeros', () => {
    const pts = trendPoints([group('2026-W46', '2026-W46', { received: 5, seen: 1 })], '2026-11-01', '2026-11-23', 'week');
    expect(pts.map((p) => [p.key, p.received, p.seen])).toEqual([
      ['2026-W44', 0, 0], ['2026-W45', 0, 0], ['2026-W46', 5, 1], ['2026-W47', 0, 0], ['2026-W48', 0, 0],
    ]);
    expect(pts[2].label).toBe('Nov 9');
  });
  it('gives a scorecard its last 12 months, with zeros', () => {
    const m = lastMonths([{ key: '2026-11', received: 12 }, { key: '2026-02', received: 1 }], new Date('2026-11-23T10:00:00Z'));
    expect(m).toHaveLength(12);
    expect(m[0]).toEqual({ key: '2025-12', label: 'Dec 2025', received: 0 });
    expect(m.map((x) => x.received).join(',')).toBe('0,0,1,0,0,0,0,0,0,0,0,12');
  });
  it('labels periods', () => {
    expect(periodLabel('2026-W47')).toBe('Nov 16');
    expect(periodLabel('2026-11')).toBe('Nov 2026');
    expect(periodLabel('provider')).toBe('provider');
  });
});

describe('formatting', () => {
  it('formats hours for a glance', () => {
    expect(fmtHours(null)).toBe('—');
    expect(fmtHours(0.5)).toBe('30 min');
    expect(fmtHours(1.25)).toBe('1.3 h');
    expect(fmtHours(2)).toBe('2 h');
    expect(fmtHours(12)).toBe('12 h');
    expect(fmtHours(47.4)).toBe('47 h');
    expect(fmtHours(50.4)).toBe('2.1 days');
  });
  it('formats shares as whole percentages, and as numbers for CSV', () => {
    expect(fmtPercent(0.667)).toBe('67%');
    expect(fmtPercent(1)).toBe('100%');
    expect(fmtPercent(0)).toBe('0%');
    expect(fmtPercent(null)).toBe('—');
    expect(percentNumber(0.667)).toBe(66.7);
    expect(percentNumber(null)).toBeNull();
  });
  it('formats seconds and days', () => {
    expect(fmtSeconds(45)).toBe('45 s');
    expect(fmtSeconds(98.5)).toBe('1 min 39 s');
    expect(fmtSeconds(120)).toBe('2 min');
    expect(fmtSeconds(null)).toBe('—');
    expect(fmtDays(1)).toBe('1 day');
    expect(fmtDays(1.6)).toBe('1.6 days');
    expect(fmtDays(13.7)).toBe('14 days');
  });
  it('says when the numbers are from, in the viewer’s time zone', () => {
    const now = new Date('2026-11-23T12:00:00Z');
    expect(asOfText('2026-11-23T10:42:31Z', now, 'UTC')).toBe('numbers as of 10:42');
    expect(asOfText('2026-11-22T23:05:00Z', now, 'UTC')).toBe('numbers as of Nov 22, 23:05');
    expect(asOfText('2026-11-22T23:05:00Z', now, 'Asia/Tokyo')).toBe('numbers as of 08:05');
    expect(asOfText(null, now)).toBe('no numbers yet');
  });
  it('sums up a referrer’s scorecard in one line', () => {
    expect(referrerScorecardText({ sent: 12, seen: 5, open: 4, medianDaysToContact: 1.2, accuracy })).toBe('You sent 12 referrals · 5 seen · usually contacted within 1.2 days');
    expect(referrerScorecardText({ sent: 12, seen: 1, open: 9, medianDaysToContact: 0.5, accuracy })).toBe('You sent 12 referrals · 1 seen · usually contacted within 12 hours');
    expect(referrerScorecardText({ sent: 1, seen: 0, open: 1, medianDaysToContact: null, accuracy })).toBe('You sent 1 referral · 0 seen');
    expect(referrerScorecardText({ sent: 2, seen: 0, open: 0, medianDaysToContact: 1, accuracy })).toContain('within 1 day');
  });
});

describe('dormancy wording', () => {
  it('says how long a source has been quiet against its own rhythm', () => {
    expect(dormancyText(health({ dormant: true, daysSinceLast: 70.4, medianDaysBetweenReferrals: 14 }))).toBe('quiet for 70 days (usual rhythm: every 14 days)');
    expect(dormancyText(health({ dormant: true, daysSinceLast: 31, medianDaysBetweenReferrals: 1 }))).toBe('quiet for 31 days (usual rhythm: every day)');
    expect(dormancyText(health({ dormant: true, daysSinceLast: 61, referrals: 1, medianDaysBetweenReferrals: null }))).toBe('quiet for 61 days (only 1 referral in 12 months)');
  });
  it('names sources that sent nothing (the API gives them the year-1 time)', () => {
    expect(dormancyText(health({ dormant: true, lastReferral: NEVER, daysSinceLast: 0, referrals: 0, medianDaysBetweenReferrals: null, thresholdDays: 60 })))
      .toBe('no referrals in the last 12 months');
  });
  it('is empty for active sources, whose health says when they last referred', () => {
    expect(dormancyText(health())).toBe('');
    expect(healthText(health())).toBe('active: last referral 1 day ago (usual rhythm: every 1.6 days)');
    expect(healthText(health({ daysSinceLast: 0.2 }))).toMatch(/less than a day ago/);
    expect(healthText(health({ lastReferral: NEVER, referrals: 0, daysSinceLast: 0 }))).toBe('no referrals yet');
  });
});

describe('funnel, reasons, kinds, empty state', () => {
  it('gives the funnel as shares of received', () => {
    expect(funnel({ received: 12, scheduled: 5, seen: 2 }).map((b) => [b.label, b.n, b.share && Math.round(b.share * 100)])).toEqual([
      ['Received', 12, 100], ['Scheduled', 5, 42], ['Seen', 2, 17],
    ]);
    expect(funnel({ received: 0, scheduled: 0, seen: 0 })[1].share).toBeNull();
  });
  it('sorts decline reasons, most first', () => {
    const bars = declineBars({ insurance: 1, 'not-a-match': 3, other: 0 });
    expect(bars.map((b) => [b.label, b.n, b.share])).toEqual([['Not a match', 3, 0.75], ['Insurance not accepted', 1, 0.25]]);
    expect(declineBars(undefined)).toEqual([]);
  });
  it('always lists provider, patient and self', () => {
    const rows = kindRows([group('provider', 'provider', { received: 3 })]);
    expect(rows.map((r) => [r.key, r.summary?.received ?? 0])).toEqual([['provider', 3], ['patient', 0], ['self', 0]]);
  });
  it('tells “no numbers yet” from “none in this range”', () => {
    expect(noNumbersYet({ asOf: null, total: summary(), sources: [] })).toBe(true);
    expect(noNumbersYet({ asOf: '2026-11-23T10:00:00Z', total: summary(), sources: [health({ referrals: 0 })] })).toBe(true);
    expect(noNumbersYet({ asOf: '2026-11-23T10:00:00Z', total: summary(), sources: [health({ referrals: 4 })] })).toBe(false);
    expect(noNumbersYet({ asOf: '2026-11-23T10:00:00Z', total: summary({ received: 1 }), sources: [] })).toBe(false);
  });
});

describe('per-source rows and sorting', () => {
  const view = {
    groups: [
      group('p_a', 'Alpha', { received: 12, scheduled: 5, seen: 2, showRate: 0.667, hoursToContact: stat(12, 12), contactCompliance: 1, medianDaysBetweenReferrals: 1.6 }),
      group('p_b', 'Beta', { received: 3, scheduled: 3, seen: 3, showRate: 1, hoursToContact: stat(30, 40), contactCompliance: 0.5, due: 2, overdue: 1 }),
      group('p_c', 'Gamma', { received: 3, scheduled: 1, seen: 0, showRate: 0, hoursToContact: stat(2, 3), contactCompliance: null }),
    ],
    sources: [
      health({ id: 'p_h', name: 'Harbor', dormant: true, lastReferral: NEVER, referrals: 0, daysSinceLast: 0, medianDaysBetweenReferrals: null }),
      health({ id: 'p_a', name: 'Alpha' }),
      health({ id: 'p_b', name: 'Beta' }),
      health({ id: 'p_c', name: 'Gamma' }),
    ],
  };
  const names = (rows: SourceRow[]) => rows.map((r) => r.name);

  it('lists the sources that did not refer, with zeros and their dormancy', () => {
    const rows = sourceRows(view);
    expect(names(rows)).toEqual(['Alpha', 'Beta', 'Gamma', 'Harbor']);
    expect(rows[3]).toMatchObject({ received: 0, showRate: null, dormant: true, dormancy: 'no referrals in the last 12 months' });
  });
  it('sorts by volume, show rate and time to contact, with missing values last either way', () => {
    const rows = sourceRows(view);
    expect(names(sortRows(rows, 'received', 'desc'))).toEqual(['Alpha', 'Beta', 'Gamma', 'Harbor']); // ties by name
    expect(names(sortRows(rows, 'received', 'asc'))).toEqual(['Harbor', 'Beta', 'Gamma', 'Alpha']);
    expect(names(sortRows(rows, 'showRate', 'desc'))).toEqual(['Beta', 'Alpha', 'Gamma', 'Harbor']);
    expect(names(sortRows(rows, 'showRate', 'asc'))).toEqual(['Gamma', 'Alpha', 'Beta', 'Harbor']);
    expect(names(sortRows(rows, 'hoursToContact', 'asc'))).toEqual(['Gamma', 'Alpha', 'Beta', 'Harbor']);
    expect(names(sortRows(rows, 'contactCompliance', 'desc'))).toEqual(['Alpha', 'Beta', 'Gamma', 'Harbor']);
    expect(names(sortRows(rows, 'overdue', 'desc'))).toEqual(['Beta', 'Alpha', 'Gamma', 'Harbor']); // each source's overdue on its row
    expect(names(sortRows(rows, 'name', 'desc'))).toEqual(['Harbor', 'Gamma', 'Beta', 'Alpha']);
    expect(names(rows)).toEqual(['Alpha', 'Beta', 'Gamma', 'Harbor']); // not sorted in place
  });
  it('marks estimates in the table (medians and days between referrals), never counts or missing values', () => {
    const rows = sourceRows(view);
    const cell = (key: string, r: SourceRow) => SOURCE_COLUMNS.find((c) => c.key === key)!.show(r);
    expect(cell('hoursToContact', rows[0])).toBe('≈ 12 h');
    expect(cell('daysBetween', rows[0])).toBe('≈ 1.6 days');
    expect(cell('daysBetween', rows[1])).toBe('—');
    expect(cell('hoursToContact', rows[3])).toBe('—');
    expect(cell('received', rows[0])).toBe('12');
  });
  it('exports the table as shown: its columns, its order, numbers in the header’s units', () => {
    const csv = sourcesCsv(sortRows(sourceRows(view), 'showRate', 'desc'));
    const lines = csv.split('\r\n');
    expect(lines[0]).toBe('Source,Received,Scheduled,Seen,Show rate (%),Median time to contact (hours),Contacted on time (%),Overdue,Median days between referrals,Status');
    expect(lines[1]).toBe('Beta,3,3,3,100,30,50,1,,Active');
    expect(lines[2]).toBe('Alpha,12,5,2,66.7,12,100,0,1.6,Active');
    expect(lines[4]).toBe('Harbor,0,0,0,,,,0,,No referrals in the last 12 months');
    expect(lines).toHaveLength(6); // header, 4 rows, and the final line end
    expect(SOURCE_COLUMNS[0].label).toBe('Source');
  });
});

describe('estimates', () => {
  it('marks an estimate, and says how close estimates are', () => {
    expect(approx('12 h', true)).toBe('≈ 12 h');
    expect(approx('12 h', false)).toBe('12 h');
    expect(approx('—', true)).toBe('—');
    expect(accuracyNote({ relativeError: 0.01, estimates: ['hoursToContact.median'] })).toContain('within 1% of the exact value; counts are exact');
    expect(accuracyNote({ relativeError: 0, estimates: [] })).toBe('');
    expect(accuracyNote(undefined)).toBe('');
  });
});

describe('CSV', () => {
  it('quotes fields with commas, quotes and line breaks (RFC 4180)', () => {
    expect(csvField('Smith, Jones & Co')).toBe('"Smith, Jones & Co"');
    expect(csvField('The "Best" Clinic')).toBe('"The ""Best"" Clinic"');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField('plain')).toBe('plain');
    expect(csvField(66.7)).toBe('66.7');
    expect(csvField(null)).toBe('');
    expect(csvField(undefined)).toBe('');
    expect(csvField(NaN)).toBe('');
    expect(csvField('Clínica São José')).toBe('Clínica São José');
  });
  it('keeps spreadsheet formulas from running', () => {
    expect(csvField('=HYPERLINK("http://x")')).toBe(`"'=HYPERLINK(""http://x"")"`);
    expect(csvField('+1 555')).toBe("'+1 555");
    expect(csvField('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvField(-3)).toBe('-3'); // numbers are numbers
    expect(csvField('\t=1+1')).toBe(`"'\t=1+1"`);
    expect(csvField('\r=1+1')).toBe(`"'\r=1+1"`);
    expect(csvField('\n=1+1')).toBe(`"'\n=1+1"`);
    expect(csvField('-2+3')).toBe("'-2+3");
    expect(csvField('＝HYPERLINK("http://x")')).toBe(`"'＝HYPERLINK(""http://x"")"`);
  });
  it('quotes a semicolon or a tab, where semicolon-locale spreadsheets split fields', () => {
    expect(csvField('North; =HYPERLINK("http://x")')).toBe('"North; =HYPERLINK(""http://x"")"');
    expect(csvField('North;South')).toBe('"North;South"');
    expect(csvField('North\tSouth')).toBe('"North\tSouth"');
    expect(toCsv([['a;=1+1', 'b']])).toBe('"a;=1+1",b\r\n');
    // Read back the way a semicolon-locale spreadsheet splits an unquoted line: no cell starts a formula.
    const line = toCsv([['Northside; =cmd|\' /C calc\'!A0', '@SUM(A1)', '+1 555', 'Plain']]).trimEnd();
    const cells: string[] = [];
    let cell = '';
    let quoted = false;
    for (const ch of line) {
      if (ch === '"') quoted = !quoted;
      else if ((ch === ';' || ch === ',') && !quoted) (cells.push(cell), (cell = ''));
      else cell += ch;
    }
    cells.push(cell);
    expect(cells).toHaveLength(4);
    for (const c of cells) expect(c).not.toMatch(/^[=+\-@\t\r]/);
  });
  it('ends every line with CRLF', () => {
    expect(toCsv([['a', 1], ['b,c', null]])).toBe('a,1\r\n"b,c",\r\n');
  });
  it('exports the trend series with each period’s first day', () => {
    const pts = trendPoints([group('2026-W47', '2026-W47', { received: 4, scheduled: 2, seen: 1 })], '2026-11-16', '2026-11-22', 'week');
    expect(trendCsv(pts, 'week')).toBe('Week,Week starting,Received,Scheduled,Seen\r\n2026-W47,2026-11-16,4,2,1\r\n');
    const months = trendPoints([group('2026-11', '2026-11', { received: 12 })], '2026-10-01', '2026-11-30', 'month');
    expect(trendCsv(months, 'month')).toBe('Month,Month starting,Received,Scheduled,Seen\r\n2026-10,2026-10-01,0,0,0\r\n2026-11,2026-11-01,12,0,0\r\n');
  });
});

describe('chart scale', () => {
  it('picks round ticks that reach the maximum', () => {
    expect(niceTicks(0)).toEqual([0, 1]);
    expect(niceTicks(1)).toEqual([0, 1]);
    expect(niceTicks(5)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(niceTicks(12)).toEqual([0, 5, 10, 15]);
    expect(niceTicks(87)).toEqual([0, 20, 40, 60, 80, 100]);
  });
});
