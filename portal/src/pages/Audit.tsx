// /practice/audit (owner only): who did what on a given day — GET /v1/audit?date=&cursor=.
import { Fragment } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, errorMessage } from '../api';
import { refOf, roleLabel } from '../loop';
import type { AuditItem, AuditPage, PageProps } from '../types';
import { useTitle } from '../ui';

// The server keeps the audit log by UTC day, so the day and the times here are UTC.
const utcToday = () => new Date().toISOString().slice(0, 10);
const fmtTime = (iso: string) => {
  const d = new Date(iso);
  return isNaN(d.getTime()) ? iso : d.toISOString().slice(11, 19);
};

/** The referral(s) of an entry: a list read names many, comma-separated. */
function Referrals({ ids }: { ids?: string }) {
  const list = (ids ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  if (!list.length) return <>—</>;
  const links = list.map((id, i) => (
    <Fragment key={id}>
      {i > 0 && ' '}
      <a href={`/practice/referrals/${encodeURIComponent(id)}`} title={id}>{refOf(id) || id}</a>
    </Fragment>
  ));
  return list.length <= 3 ? <>{links}</> : (
    <details>
      <summary>{list.length} referrals</summary>
      {links}
    </details>
  );
}

export default function Audit({ me }: PageProps) {
  useTitle('Audit log');
  const [date, setDate] = useState(utcToday);
  const [items, setItems] = useState<AuditItem[] | null>(null);
  const [cursor, setCursor] = useState<string | undefined>();
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const owner = me?.user.role === 'owner';

  const fetchPage = (after?: string) => {
    const q = new URLSearchParams({ date });
    if (after) q.set('cursor', after);
    return api.get<AuditPage>(`/v1/audit?${q}`);
  };

  useEffect(() => {
    if (!owner || !/^\d{4}-\d{2}-\d{2}$/.test(date)) return;
    let live = true;
    setItems(null);
    setError('');
    fetchPage().then(
      (p) => {
        if (!live) return;
        setItems(p.items ?? []);
        setCursor(p.nextCursor || undefined);
      },
      (err) => live && setError(err instanceof ApiError && err.status === 403 ? 'Only the practice owner can see the audit log.' : errorMessage(err)),
    );
    return () => {
      live = false;
    };
  }, [date, owner]);

  const more = async () => {
    if (!cursor || busy) return;
    setBusy(true);
    try {
      const p = await fetchPage(cursor);
      setItems((old) => [...(old ?? []), ...(p.items ?? [])]);
      setCursor(p.nextCursor || undefined);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  if (!owner)
    return (
      <>
        <h1>Audit log</h1>
        <p class="notice notice-bad" role="alert">Only the practice owner can see the audit log.</p>
      </>
    );

  return (
    <>
      <h1>Audit log</h1>
      <p>Every read and change of referrals in your practice, by day. Days and times are in UTC.</p>
      <div class="field inline-field">
        <label for="audit-date">Day (UTC)</label>
        <input type="date" id="audit-date" value={date} max={utcToday()} onChange={(e) => e.currentTarget.value && setDate(e.currentTarget.value)} />
      </div>
      {error && <p class="notice notice-bad" role="alert">{error}</p>}
      {!items && !error && <p class="loading" aria-live="polite">Loading…</p>}
      {items && items.length === 0 && <p class="empty">Nothing was recorded on {date}.</p>}
      {items && items.length > 0 && (
        <div class="table-wrap" role="region" aria-labelledby="audit-caption" tabIndex={0}>
          <table class="audit">
            <caption id="audit-caption">Audit log for {date} (UTC)</caption>
            <thead>
              <tr>
                <th scope="col">Time (UTC)</th>
                <th scope="col">Actor</th>
                <th scope="col">Role</th>
                <th scope="col">Action</th>
                <th scope="col">Referral</th>
                <th scope="col">IP</th>
              </tr>
            </thead>
            <tbody>
              {items.map((it, i) => (
                <tr key={i}>
                  <td><time dateTime={it.at}>{fmtTime(it.at)}</time></td>
                  <td>{it.actor}</td>
                  <td>{roleLabel(it.role)}</td>
                  <td>{it.action}</td>
                  <td class="mono">
                    <Referrals ids={it.referral} />
                  </td>
                  <td class="mono">{it.ip || '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {cursor && (
        <button type="button" class="secondary" onClick={more} disabled={busy}>
          {busy ? 'Loading…' : 'Load more'}
        </button>
      )}
    </>
  );
}
