// /practice/audit (owner only): who did what on a given day — GET /v1/audit?date=&cursor=.
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, errorMessage } from '../api';
import { roleLabel } from '../loop';
import type { AuditItem, Page, PageProps } from '../types';
import { useTitle } from '../ui';

const pad = (n: number) => String(n).padStart(2, '0');
/** Today's date in the browser's time zone, YYYY-MM-DD. */
export const localToday = (d = new Date()) => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;

const timeFmt = new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: '2-digit', second: '2-digit' });
const fmtTime = (iso: string) => {
  const d = new Date(iso);
  return isNaN(d.getTime()) ? iso : timeFmt.format(d);
};

export default function Audit({ me }: PageProps) {
  useTitle('Audit log');
  const [date, setDate] = useState(localToday);
  const [items, setItems] = useState<AuditItem[] | null>(null);
  const [cursor, setCursor] = useState<string | undefined>();
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const owner = me?.user.role === 'owner';

  const fetchPage = (after?: string) => {
    const q = new URLSearchParams({ date });
    if (after) q.set('cursor', after);
    return api.get<Page<AuditItem>>(`/v1/audit?${q}`);
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
      <p>Every read and change of referrals in your practice, by day. Times are in your time zone.</p>
      <div class="field inline-field">
        <label for="audit-date">Day</label>
        <input type="date" id="audit-date" value={date} max={localToday()} onChange={(e) => e.currentTarget.value && setDate(e.currentTarget.value)} />
      </div>
      {error && <p class="notice notice-bad" role="alert">{error}</p>}
      {!items && !error && <p class="loading" aria-live="polite">Loading…</p>}
      {items && items.length === 0 && <p class="empty">Nothing was recorded on {date}.</p>}
      {items && items.length > 0 && (
        <div class="table-wrap" role="region" aria-labelledby="audit-caption" tabIndex={0}>
          <table class="audit">
            <caption id="audit-caption">Audit log for {date}</caption>
            <thead>
              <tr>
                <th scope="col">Time</th>
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
                  <td class="mono">{it.referral ? <a href={`/practice/referrals/${encodeURIComponent(it.referral)}`}>{it.referral}</a> : '—'}</td>
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
