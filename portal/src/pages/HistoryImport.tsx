// /practice/partners/import/referrals: past referrals from a spreadsheet, so the metrics start with
// the practice's history (issue 11). Choose a CSV file → the dry run, row by row (what would be
// added, what is already here, what is rejected and why; the patient columns that are not read) →
// confirm → progress until done. No patient details are imported, nobody is emailed, nothing enters
// the work queue.
import { useEffect, useRef, useState } from 'preact/hooks';
import type { components } from '../api-schema';
import { ApiError, api, errorMessage, parseProblem, readCookie } from '../api';
import type { ImportJob, PageProps } from '../types';
import { statusLabel } from '../format';
import { Status, useTitle } from '../ui';

type Report = components['schemas']['PastReferralsReport'];
type Row = components['schemas']['PastReferralRow'];

const ACTION_LABEL: Record<Row['action'], string> = { create: 'New', unchanged: 'Already here', reject: 'Rejected' };

/** POSTs the file as text/csv (the JSON client does not send files). */
async function postCSV<T>(path: string, file: Blob): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json, application/problem+json', 'Content-Type': 'text/csv' };
  const csrf = readCookie('rl_csrf');
  if (csrf) headers['X-CSRF-Token'] = csrf;
  let res: Response;
  try {
    res = await fetch(path, { method: 'POST', headers, body: file, credentials: 'same-origin' });
  } catch {
    throw new ApiError({ status: 0, type: 'network', title: 'No connection' });
  }
  const text = await res.text();
  if (!res.ok) throw parseProblem(res.status, res.headers.get('Content-Type'), text, res.headers.get('Retry-After'));
  return JSON.parse(text) as T;
}

/** "2025-03-14" as people in the US write it: 3/14/2025. */
function usDate(iso?: string): string {
  if (!iso) return '';
  const [y, m, d] = iso.split('-').map(Number);
  return y && m && d ? `${m}/${d}/${y}` : iso;
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

export default function HistoryImport(_: PageProps) {
  useTitle('Import past referrals');
  const [file, setFile] = useState<File | null>(null);
  const [report, setReport] = useState<Report | null>(null);
  const [job, setJob] = useState<ImportJob | null>(null);
  const [status, setStatus] = useState({ text: '', tone: 'ok' as 'ok' | 'bad' });
  const [busy, setBusy] = useState(false);
  const [show, setShow] = useState<'all' | 'reject' | 'create'>('all');
  const resultRef = useRef<HTMLHeadingElement>(null);
  const progressRef = useRef<HTMLHeadingElement>(null);

  const check = async (e: Event) => {
    e.preventDefault();
    if (!file || busy) {
      if (!file) setStatus({ text: 'Choose a CSV file first.', tone: 'bad' });
      return;
    }
    setBusy(true);
    setStatus({ text: '', tone: 'ok' });
    setJob(null);
    try {
      setReport(await postCSV<Report>('/v1/imports/referrals?dryRun=true', file));
      setTimeout(() => resultRef.current?.focus(), 0);
    } catch (err) {
      setReport(null);
      setStatus({ text: errorMessage(err), tone: 'bad' });
    } finally {
      setBusy(false);
    }
  };

  const confirm = async () => {
    if (!file || busy) return;
    setBusy(true);
    try {
      setJob(await postCSV<ImportJob>('/v1/imports/referrals', file));
      setTimeout(() => progressRef.current?.focus(), 0);
    } catch (err) {
      setStatus({ text: errorMessage(err), tone: 'bad' });
    } finally {
      setBusy(false);
    }
  };

  // Progress: the importer applies the file in the background, 100 rows a chunk.
  useEffect(() => {
    if (!job || job.status === 'done') return;
    const t = setTimeout(() => {
      api.get<ImportJob>(`/v1/imports/${encodeURIComponent(job.id)}`).then(setJob, (err) => setStatus({ text: errorMessage(err), tone: 'bad' }));
    }, 1000);
    return () => clearTimeout(t);
  }, [job]);

  const rows = (report?.rows ?? []).filter((r) => show === 'all' || r.action === show);
  const s = report?.summary;
  return (
    <>
      <p><a href="/practice/partners">← Partners</a> · <a href="/practice/partners/import">Import partners</a></p>
      <h1>Import past referrals</h1>
      <p>
        Give your metrics their history: save your referral log as CSV with a column for the date each referral was
        received, one for who sent it (the referring practice’s name, NPI or email) and one for what became of it (seen,
        scheduled, declined, no-show, cancelled…). Dates contacted, scheduled and seen, and urgency, are read when present.
      </p>
      <p>
        Only those columns are read. <strong>Patient names, dates of birth, phone numbers and record numbers stay out of
        Referloop</strong>: the check lists the columns it leaves out. Nobody is emailed, and nothing enters your work queue.
        Referring practices must be your partners first. Nothing changes until you confirm.
      </p>
      <form onSubmit={check} class="stack">
        <div class="field">
          <label for="f-history-file">CSV file of past referrals</label>
          <input id="f-history-file" type="file" accept=".csv,text/csv"
            onChange={(e) => { setFile(e.currentTarget.files?.[0] ?? null); setReport(null); setJob(null); setStatus({ text: '', tone: 'ok' }); }} />
        </div>
        <button type="submit" disabled={busy || !file}>{busy && !report ? 'Checking…' : 'Check the file'}</button>
      </form>
      <Status tone={status.tone}>{status.text}</Status>
      {report && s && (
        <section class="panel" aria-labelledby="history-dry-h">
          <h2 id="history-dry-h" tabIndex={-1} ref={resultRef}>What the import would do</h2>
          <p>
            {plural(s.rows, 'row', 'rows')}: <strong>{s.create} new</strong>, {s.unchanged} already here,{' '}
            <strong>{s.reject} rejected</strong>.
          </p>
          {report.header.patientColumns.length > 0 && (
            <p class="notice notice-ok">Patient details not imported: {report.header.patientColumns.join(', ')}.</p>
          )}
          {report.header.ignored.length > 0 && <p>Other columns not used: {report.header.ignored.join(', ')}.</p>}
          <div class="field inline-field">
            <label for="f-history-show">Show</label>
            <select id="f-history-show" value={show} onChange={(e) => setShow(e.currentTarget.value as typeof show)}>
              <option value="all">Every row</option>
              <option value="create">New</option>
              <option value="reject">Rejected</option>
            </select>
          </div>
          <div class="table-scroll" tabIndex={0} role="region" aria-label="Rows of the file">
            <table>
              <caption class="visually-hidden">Rows of the file and what happens to each</caption>
              <thead>
                <tr><th scope="col">Line</th><th scope="col">Received</th><th scope="col">Source</th><th scope="col">Outcome</th><th scope="col">Result</th><th scope="col">Why</th></tr>
              </thead>
              <tbody>
                {rows.map((r) => (
                  <tr key={r.line} class={`row-${r.action}`}>
                    <td>{r.line}</td>
                    <td>{usDate(r.received)}</td>
                    <td>{r.source}</td>
                    <td>{r.outcome ? statusLabel(r.outcome) : ''}</td>
                    <td>{ACTION_LABEL[r.action]}</td>
                    <td>{[...(r.reasons ?? []), ...(r.notes ?? [])].join('; ')}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {!job && (
            <p class="actions">
              <button type="button" onClick={confirm} disabled={busy || s.create === 0}>
                {s.create === 0 ? 'Nothing to import' : `Import ${plural(s.create, 'past referral', 'past referrals')}`}
              </button>
            </p>
          )}
        </section>
      )}
      {job && (
        <section class="panel" aria-labelledby="history-progress-h" aria-live="polite">
          <h2 id="history-progress-h" tabIndex={-1} ref={progressRef}>{job.status === 'done' ? 'Import done' : 'Importing…'}</h2>
          {job.status !== 'done' && <progress max={Math.max(job.chunks, 1)} value={job.chunksDone} aria-label="Import progress" />}
          <p>
            {job.created} added, {job.unchanged} already here, {job.rejected} rejected.
          </p>
          {job.status === 'done' && (
            <p>Your metrics show them after the next update (every 15 minutes). <a href="/practice/metrics">See metrics</a></p>
          )}
        </section>
      )}
    </>
  );
}
