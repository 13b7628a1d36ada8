// /practice/metrics: the practice's numbers at a glance — GET /v1/metrics by source (the totals and
// the per-source table), by kind, and by week or month (the trend). Numbers come from the rollup
// (asOf) and belong to the UTC day each referral was received.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError, errorMessage } from '../api';
import {
  accuracyNote, approx, asOfText, checkRange, csvName, declineBars, fmtCount, fmtHours, fmtPercent, fmtSeconds, funnel, kindRows,
  noNumbersYet, RANGE_PRESETS, rangeFromQuery, rangeLabel, SOURCE_COLUMNS, sortLabel, sortRows, sourceRows,
  sourcesCsv, trendCsv, trendGroupBy, trendPoints,
} from '../metrics';
import type { Column, RangePreset, SortDir, SortKey, SourceRow, TrendPoint } from '../metrics';
import type { MetricsView, PageProps, Summary } from '../types';
import { useTitle } from '../ui';
import { HBars, TrendChart } from './charts';
import './metrics.css';
import { timeZone } from '../format'; // the practice's time zone (local10)

interface Loaded {
  key: string;
  source: MetricsView;
  kind: MetricsView;
  trend: MetricsView;
}

const PATH = '/practice/metrics';

function hrefFor(preset: RangePreset, from: string, to: string): string {
  const q = new URLSearchParams({ range: preset });
  if (preset === 'custom') {
    q.set('from', from);
    q.set('to', to);
  }
  return `${PATH}?${q}`;
}

/** Saves text as a file, in the browser (no server round trip). */
function download(name: string, text: string) {
  // The byte order mark makes spreadsheet programs read the file as UTF-8.
  const url = URL.createObjectURL(new Blob(['\uFEFF', text], { type: 'text/csv;charset=utf-8' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.hidden = true;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 30_000);
}

export default function Metrics({ query }: PageProps) {
  useTitle('Metrics');
  const range = rangeFromQuery(query);
  const key = `${range.from}|${range.to}`;
  const trendBy = trendGroupBy(range.from, range.to);
  const [data, setData] = useState<Loaded | null>(null);
  const [error, setError] = useState('');
  const [announce, setAnnounce] = useState('');

  useEffect(() => {
    let live = true;
    setError('');
    const get = (groupBy: string) => api.get<MetricsView>(`/v1/metrics?${new URLSearchParams({ from: range.from, to: range.to, groupBy })}`);
    Promise.all([get('source'), get('kind'), get(trendBy)]).then(
      ([source, kind, trend]) => live && setData({ key, source, kind, trend }),
      (err) => {
        if (!live) return;
        const fields = err instanceof ApiError ? Object.values(err.errors) : [];
        setError(fields.length ? `${errorMessage(err)}: ${fields.join('; ')}` : errorMessage(err));
      },
    );
    return () => {
      live = false;
    };
  }, [key, trendBy]);

  const loading = !error && data?.key !== key;
  const view = data?.source;

  return (
    <div class="metrics-page">
      <div class="metrics-head">
        <h1>Metrics</h1>
        {view && !noNumbersYet(view) && <p class="as-of">{capitalize(asOfText(view.asOf, undefined, timeZone()))}</p>}
      </div>
      <RangePicker preset={range.preset} from={range.from} to={range.to} />
      {view && (
        <p class="range-line">
          {rangeLabel(view.from, view.to)}
          <span class="meta">
            {' '}· by the day each referral was received (UTC)
            {(view.from !== range.from || view.to !== range.to) && ' · long ranges use whole months'}
          </span>
        </p>
      )}
      {error && <p class="notice notice-bad" role="alert">{error}</p>}
      {loading && <p class="loading" aria-live="polite">Loading…</p>}
      {data && view && (
        <div aria-busy={loading ? 'true' : undefined} class={loading ? 'stale' : undefined}>
          {noNumbersYet(view) ? (
            <section class="panel empty-state" aria-labelledby="empty-h">
              <h2 id="empty-h">No numbers yet</h2>
              <p>The first numbers appear a few minutes after the first referral.</p>
              <p class="meta">
                Referrals come from your partners’ referrers: <a href="/practice/partners">invite one from Partners</a>.
              </p>
            </section>
          ) : (
            <Dashboard data={data} trendBy={trendBy} onAnnounce={setAnnounce} />
          )}
        </div>
      )}
      <p class="meta">
        Had referrals before Referloop? <a href="/practice/partners/import/referrals">Import past referrals</a> so your
        metrics start with your history (no patient details).
      </p>
      <p role="status" class="visually-hidden">{announce}</p>
    </div>
  );
}

const capitalize = (s: string) => (s ? s[0].toUpperCase() + s.slice(1) : s);

function RangePicker({ preset, from, to }: { preset: RangePreset; from: string; to: string }) {
  const [f, setF] = useState(from);
  const [t, setT] = useState(to);
  const [errors, setErrors] = useState<{ from?: string; to?: string }>({});
  useEffect(() => {
    setF(from);
    setT(to);
    setErrors({});
  }, [from, to]);

  const show = useRef<HTMLAnchorElement>(null);
  // "Show" is a link to the chosen period (the router follows it); Enter in a date field follows it too.
  const check = (e: Event) => {
    const errs = checkRange(f, t);
    setErrors(errs);
    if (errs.from || errs.to) {
      e.preventDefault();
      document.getElementById(errs.from ? 'range-from' : 'range-to')?.focus();
    }
  };
  const submit = (e: Event) => {
    e.preventDefault();
    show.current?.click();
  };
  // Two date fields and no submit button: Enter would not submit the form by itself.
  const enter = (e: KeyboardEvent) => {
    if (e.key === 'Enter') submit(e);
  };

  return (
    <>
      <nav class="tabs range-tabs" aria-label="Period">
        <ul>
          {RANGE_PRESETS.map(([p, label]) => (
            <li key={p}>
              <a href={hrefFor(p, from, to)} aria-current={p === preset ? 'page' : undefined}>{label}</a>
            </li>
          ))}
        </ul>
      </nav>
      {preset === 'custom' && (
        <form class="range-form" onSubmit={submit} noValidate aria-label="Custom period">
          <div class={`field${errors.from ? ' field-error' : ''}`}>
            <label for="range-from">From</label>
            {errors.from && <p id="range-from-error" class="error-text">{errors.from}</p>}
            <input id="range-from" type="date" value={f} max={t || undefined} onInput={(e) => setF(e.currentTarget.value)} onKeyDown={enter}
              aria-invalid={errors.from ? 'true' : undefined} aria-describedby={errors.from ? 'range-from-error' : undefined} />
          </div>
          <div class={`field${errors.to ? ' field-error' : ''}`}>
            <label for="range-to">To</label>
            {errors.to && <p id="range-to-error" class="error-text">{errors.to}</p>}
            <input id="range-to" type="date" value={t} min={f || undefined} onInput={(e) => setT(e.currentTarget.value)} onKeyDown={enter}
              aria-invalid={errors.to ? 'true' : undefined} aria-describedby={errors.to ? 'range-to-error' : undefined} />
          </div>
          <a class="button secondary" href={hrefFor('custom', f, t)} ref={show} onClick={check}>Show</a>
        </form>
      )}
    </>
  );
}

function Dashboard({ data, trendBy, onAnnounce }: { data: Loaded; trendBy: 'week' | 'month'; onAnnounce: (s: string) => void }) {
  const { source, kind, trend } = data;
  const total = source.total;
  const points = trendPoints(trend.groups, trend.from, trend.to, trendBy);
  const range = { from: source.from, to: source.to };
  const save = (name: string, text: string) => {
    download(name, text);
    onAnnounce(`Downloaded ${name}.`);
  };
  return (
    <>
      <Kpis total={total} />
      {accuracyNote(source.accuracy) && <p class="meta estimates-note">{accuracyNote(source.accuracy)}</p>}
      {total.received === 0 && <p class="notice notice-ok">No referrals were received in this period.</p>}

      <section class="metrics-section" aria-labelledby="funnel-h">
        <h2 id="funnel-h">From received to seen</h2>
        <HBars label="Funnel" bars={funnel(total)} />
        <p class="meta">Shares of the referrals received. A referral counts on the day it arrived, whenever its later steps happen.</p>
      </section>

      <section class="metrics-section" aria-labelledby="trend-h">
        <div class="section-head">
          <h2 id="trend-h">Referrals per {trendBy}</h2>
          <button type="button" class="secondary small-button" onClick={() => save(csvName(trendBy === 'week' ? 'weekly' : 'monthly', range), trendCsv(points, trendBy))}>
            Export CSV<span class="visually-hidden"> of the referrals per {trendBy}</span>
          </button>
        </div>
        <TrendChart points={points} title={`Referrals per ${trendBy}`} periodWord={trendBy} />
        {trendBy === 'week' && <p class="meta">Weeks run Monday to Sunday; the first and last may include days outside the period.</p>}
        <details class="trend-table">
          <summary>Numbers per {trendBy}</summary>
          <TrendTable points={points} trendBy={trendBy} />
        </details>
      </section>

      <SourcesTable view={source} range={range} save={save} onAnnounce={onAnnounce} />

      <section class="metrics-section" aria-labelledby="kinds-h">
        <h2 id="kinds-h">By kind of source</h2>
        <div class="table-wrap" tabIndex={0} role="region" aria-label="By kind of source (scrolls sideways)">
          <table class="metrics-table">
            <thead>
              <tr>
                <th scope="col">Kind</th>
                <th scope="col" class="num">Received</th>
                <th scope="col" class="num">Scheduled</th>
                <th scope="col" class="num">Seen</th>
                <th scope="col" class="num">Show rate</th>
                <th scope="col" class="num">Median time to contact</th>
                <th scope="col" class="num">Contacted on time</th>
                <th scope="col" class="num">Overdue</th>
              </tr>
            </thead>
            <tbody>
              {kindRows(kind.groups).map(({ key, label, summary: s }) => (
                <tr key={key}>
                  <th scope="row">{label}</th>
                  <td class="num">{fmtCount(s?.received ?? 0)}</td>
                  <td class="num">{fmtCount(s?.scheduled ?? 0)}</td>
                  <td class="num">{fmtCount(s?.seen ?? 0)}</td>
                  <td class="num">{fmtPercent(s?.showRate)}</td>
                  <td class="num">{approx(fmtHours(s?.hoursToContact.median), s?.hoursToContact.estimate)}</td>
                  <td class="num">{fmtPercent(s?.contactCompliance)}</td>
                  <td class="num">{fmtCount(s?.overdue ?? 0)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>

      <section class="metrics-section" aria-labelledby="declines-h">
        <h2 id="declines-h">Why referrals were declined</h2>
        {total.declined > 0 ? (
          <HBars label="Decline reasons" tone="bad" bars={declineBars(total.declinedBy)} />
        ) : (
          <p class="empty">No referral was declined in this period.</p>
        )}
      </section>
    </>
  );
}

function Kpis({ total: t }: { total: Summary }) {
  const tiles: [string, string, string][] = [
    ['Referrals received', fmtCount(t.received), `${fmtCount(t.accepted)} accepted · ${fmtCount(t.declined)} declined`],
    ['Show rate', fmtPercent(t.showRate), t.seen + t.noShow ? `${fmtCount(t.seen)} seen · ${fmtCount(t.noShow)} missed` : 'no appointments kept or missed yet'],
    ['Median time to first contact', approx(fmtHours(t.hoursToContact.median), t.hoursToContact.estimate),
      t.hoursToContact.n ? `90% within ${approx(fmtHours(t.hoursToContact.p90), t.hoursToContact.estimate)} · ${fmtCount(t.hoursToContact.n)} contacted` : 'no patient contacted yet'],
    ['Contacted on time', fmtPercent(t.contactCompliance),
      t.due ? `of ${fmtCount(t.due)} ${t.due === 1 ? 'referral' : 'referrals'} past their contact-by time, reached or not` : 'no contact-by time has passed yet'],
    ['Overdue', fmtCount(t.overdue ?? 0),
      t.overdue ? 'contact-by time passed, patient not reached yet' : 'none waiting past its contact-by time'],
    ['Median form time', approx(fmtSeconds(t.formSeconds.median), t.formSeconds.estimate),
      t.formSeconds.n ? `referrers’ time to fill the form · 90% within ${approx(fmtSeconds(t.formSeconds.p90), t.formSeconds.estimate)}` : 'no form timings yet'],
  ];
  return (
    <ul class="kpis" aria-label="Key numbers">
      {tiles.map(([label, value, sub]) => (
        <li key={label} class="kpi">
          <span class="kpi-label">{label}</span>
          <span class="kpi-value">{value}</span>
          <span class="kpi-sub">{sub}</span>
        </li>
      ))}
    </ul>
  );
}

function TrendTable({ points, trendBy }: { points: TrendPoint[]; trendBy: 'week' | 'month' }) {
  return (
    <div class="table-wrap" tabIndex={0} role="region" aria-label={`Numbers per ${trendBy} (scrolls sideways)`}>
      <table class="metrics-table">
        <thead>
          <tr>
            <th scope="col">{trendBy === 'week' ? 'Week of' : 'Month'}</th>
            <th scope="col" class="num">Received</th>
            <th scope="col" class="num">Scheduled</th>
            <th scope="col" class="num">Seen</th>
          </tr>
        </thead>
        <tbody>
          {points.map((p) => (
            <tr key={p.key}>
              <th scope="row">{p.label}</th>
              <td class="num">{fmtCount(p.received)}</td>
              <td class="num">{fmtCount(p.scheduled)}</td>
              <td class="num">{fmtCount(p.seen)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function SourcesTable({ view, range, save, onAnnounce }: {
  view: MetricsView;
  range: { from: string; to: string };
  save: (name: string, text: string) => void;
  onAnnounce: (s: string) => void;
}) {
  const [sort, setSort] = useState<{ key: SortKey; dir: SortDir }>({ key: 'received', dir: 'desc' });
  const rows: SourceRow[] = sortRows(sourceRows(view), sort.key, sort.dir);
  const dormant = rows.filter((r) => r.dormant).length;

  const sortBy = (c: Column) => {
    if (c.key === 'status') return;
    const dir: SortDir = sort.key === c.key ? (sort.dir === 'asc' ? 'desc' : 'asc') : c.first ?? 'desc';
    setSort({ key: c.key, dir });
    onAnnounce(`Sorted by ${c.label.toLowerCase()}, ${sortLabel(dir, c.numeric)}.`);
  };

  return (
    <section class="metrics-section" aria-labelledby="sources-h">
      <div class="section-head">
        <h2 id="sources-h">Referral sources</h2>
        <button type="button" class="secondary small-button" onClick={() => save(csvName('sources', range), sourcesCsv(rows))}>
          Export CSV<span class="visually-hidden"> of the referral sources</span>
        </button>
      </div>
      {dormant > 0 && (
        <p class="notice notice-warn">
          {dormant === 1 ? '1 source has' : `${dormant} sources have`} gone quiet by their own rhythm. A call or a visit may bring them back.
        </p>
      )}
      <p class="meta scroll-hint" aria-hidden="true">Scroll the table sideways for all {SOURCE_COLUMNS.length} columns →</p>
      <div class="table-wrap" tabIndex={0} role="region" aria-label="Referral sources (scrolls sideways)">
        <table class="metrics-table sources-table">
          <caption class="visually-hidden">Referral sources; column headers sort the table</caption>
          <thead>
            <tr>
              {SOURCE_COLUMNS.map((c) => {
                const active = sort.key === c.key;
                return (
                  <th key={c.key} scope="col" class={c.numeric ? 'num' : undefined}
                    aria-sort={active ? (sort.dir === 'asc' ? 'ascending' : 'descending') : undefined}>
                    {c.key === 'status' ? (
                      <span class="th-label">{c.label}</span>
                    ) : (
                      <button type="button" class="sort-button" onClick={() => sortBy(c)}>
                        <span class="th-label">{c.label}</span>
                        <span class="sort-icon" aria-hidden="true">{active ? (sort.dir === 'asc' ? '▲' : '▼') : '↕'}</span>
                      </button>
                    )}
                  </th>
                );
              })}
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.id} class={r.dormant ? 'dormant' : undefined} data-dormant={r.dormant ? 'true' : 'false'}>
                {SOURCE_COLUMNS.map((c) =>
                  c.key === 'name' ? (
                    <th key={c.key} scope="row">{c.show(r)}</th>
                  ) : (
                    <td key={c.key} class={c.numeric ? 'num' : c.key === 'status' ? 'status-cell' : undefined}>{c.show(r)}</td>
                  ),
                )}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {rows.length === 0 && <p class="empty">No partners yet. <a href="/practice/partners">Add one</a>.</p>}
      <p class="meta">
        Quiet: nothing sent for more than twice the source’s usual interval (at least 30 days), or for 60 days with fewer than three referrals in 12 months.
      </p>
    </section>
  );
}
