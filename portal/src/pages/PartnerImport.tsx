// /practice/partners/import: the import wizard. Choose a CSV file → the dry run, row by row (what
// would be created, updated, left unchanged or rejected, and why) → confirm → progress until done.
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, api, errorMessage, parseProblem, readCookie } from '../api';
import type { ImportJob, ImportReport, ImportRow, PageProps } from '../types';
import { Status, useTitle } from '../ui';

const ACTION_LABEL: Record<ImportRow['action'], string> = { create: 'New', update: 'Update', unchanged: 'No change', reject: 'Rejected' };

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

export default function PartnerImport(_: PageProps) {
  useTitle('Import partners');
  const [file, setFile] = useState<File | null>(null);
  const [report, setReport] = useState<ImportReport | null>(null);
  const [job, setJob] = useState<ImportJob | null>(null);
  const [status, setStatus] = useState({ text: '', tone: 'ok' as 'ok' | 'bad' });
  const [busy, setBusy] = useState(false);
  const [show, setShow] = useState<'all' | 'reject' | 'change'>('all');
  const resultRef = useRef<HTMLHeadingElement>(null);

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
      setReport(await postCSV<ImportReport>('/v1/imports/partners?dryRun=true', file));
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
      setJob(await postCSV<ImportJob>('/v1/imports/partners', file));
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

  const rows = (report?.rows ?? []).filter((r) => show === 'all' || (show === 'reject' ? r.action === 'reject' : r.action === 'create' || r.action === 'update'));
  const s = report?.summary;
  return (
    <>
      <p><a href="/practice/partners">← Partners</a> · <a href="/practice/partners/import/referrals">Import past referrals</a></p>
      <h1>Import partners from a spreadsheet</h1>
      <p>
        Save your spreadsheet as CSV. Columns are found by their names (for example Practice Name, NPI, Email, Phone, Fax,
        Address, City, State, ZIP, Type, Specialty, Tags, Liaison); others are ignored. Partners already here are matched by
        NPI, then email, then name, and only the cells you filled change. Nothing changes until you confirm.
      </p>
      <form onSubmit={check} class="stack">
        <div class="field">
          <label for="f-file">CSV file</label>
          <input id="f-file" type="file" accept=".csv,text/csv" onChange={(e) => { setFile(e.currentTarget.files?.[0] ?? null); setReport(null); setJob(null); }} />
        </div>
        <button type="submit" disabled={busy || !file}>{busy && !report ? 'Checking…' : 'Check the file'}</button>
      </form>
      <Status tone={status.tone}>{status.text}</Status>
      {report && s && (
        <section class="panel" aria-labelledby="dry-h">
          <h2 id="dry-h" tabIndex={-1} ref={resultRef}>What the import would do</h2>
          <p>
            {s.rows === 1 ? '1 row' : `${s.rows} rows`}: <strong>{s.create} new</strong>, <strong>{s.update} updated</strong>, {s.unchanged} unchanged,{' '}
            <strong>{s.reject} rejected</strong>.
            {report.header.ignored.length > 0 && <> Columns not used: {report.header.ignored.join(', ')}.</>}
          </p>
          <div class="field inline-field">
            <label for="f-show">Show</label>
            <select id="f-show" value={show} onChange={(e) => setShow(e.currentTarget.value as typeof show)}>
              <option value="all">Every row</option>
              <option value="change">New and updated</option>
              <option value="reject">Rejected</option>
            </select>
          </div>
          <div class="table-scroll" tabIndex={0} role="region" aria-label="Rows of the file">
            <table>
              <caption class="visually-hidden">Rows of the file and what happens to each</caption>
              <thead><tr><th scope="col">Line</th><th scope="col">Name</th><th scope="col">NPI</th><th scope="col">Result</th><th scope="col">Why</th></tr></thead>
              <tbody>
                {rows.map((r) => (
                  <tr key={r.line} class={`row-${r.action}`}>
                    <td>{r.line}</td>
                    <td>{r.name}</td>
                    <td>{r.npi}</td>
                    <td>{ACTION_LABEL[r.action]}</td>
                    <td>{[...(r.reasons ?? []), ...(r.changes?.length ? ['changes ' + r.changes.join(', ')] : []), ...(r.notes ?? [])].join('; ')}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {!job && (
            <p class="actions">
              <button type="button" onClick={confirm} disabled={busy || s.create + s.update === 0}>
                {s.create + s.update === 0 ? 'Nothing to import' : `Import ${s.create + s.update} ${s.create + s.update === 1 ? 'partner' : 'partners'}`}
              </button>
            </p>
          )}
        </section>
      )}
      {job && (
        <section class="panel" aria-labelledby="progress-h" aria-live="polite">
          <h2 id="progress-h">{job.status === 'done' ? 'Import done' : 'Importing…'}</h2>
          {job.status !== 'done' && <progress max={Math.max(job.chunks, 1)} value={job.chunksDone} aria-label="Import progress" />}
          <p>
            {job.created} created, {job.updated} updated, {job.unchanged} unchanged, {job.rejected} rejected.
          </p>
          {job.status === 'done' && <p><a href="/practice/partners">See your partners</a></p>}
        </section>
      )}
    </>
  );
}
