// /practice/referrals: the practice's referrals, by status then contact-by date.
import { useState } from 'preact/hooks';
import { formatDateTime, isOverdue, STATUS_LABEL, STATUSES, URGENCY_LABEL } from '../format';
import type { PageProps } from '../types';
import { StatusBadge, useTitle } from '../ui';
import { useReferrals } from './useReferrals';

export default function StaffReferrals(_: PageProps) {
  useTitle('Referrals');
  const [status, setStatus] = useState('');
  const { items, error, busy, hasMore, loadMore } = useReferrals(status);
  const now = new Date();

  return (
    <>
      <h1>Referrals</h1>
      <div class="field inline-field">
        <label for="status-filter">Status</label>
        <select id="status-filter" value={status} onChange={(e) => setStatus(e.currentTarget.value)}>
          <option value="">All</option>
          {STATUSES.map((s) => (
            <option key={s} value={s}>{STATUS_LABEL[s]}</option>
          ))}
        </select>
      </div>
      {error && <p class="notice notice-bad" role="alert">{error}</p>}
      {!items && !error && <p class="loading" aria-live="polite">Loading…</p>}
      {items && items.length === 0 && (
        <p class="empty">{status ? `No referrals with status “${STATUS_LABEL[status as keyof typeof STATUS_LABEL]}”.` : 'No referrals yet. Invite partners from the Partners page.'}</p>
      )}
      {items && items.length > 0 && (
        <ul class="cards" aria-label="Referrals">
          {items.map((r) => {
            const overdue = isOverdue(r, now);
            return (
              <li key={r.id} class={overdue ? 'overdue' : ''}>
                <a class="card card-link" href={`/practice/referrals/${encodeURIComponent(r.id)}`}>
                  <span class="card-title">
                    {r.patient.firstName} {r.patient.lastName}
                  </span>
                  <span class="badges">
                    <StatusBadge status={r.status} />
                    <span class={`badge urgency-${r.urgency}`}>{URGENCY_LABEL[r.urgency] ?? r.urgency}</span>
                  </span>
                  <span class="meta">{r.reason}</span>
                  <span class="meta">
                    {overdue ? <strong class="overdue-text">Overdue: contact by {formatDateTime(r.contactBy)}</strong> : <>Contact by {formatDateTime(r.contactBy)}</>}
                  </span>
                  <span class="meta">From {r.partner?.name ?? '—'}{r.referrer?.name ? ` (${r.referrer.name})` : ''}</span>
                </a>
              </li>
            );
          })}
        </ul>
      )}
      {hasMore && (
        <button type="button" class="secondary" onClick={loadMore} disabled={busy}>
          {busy ? 'Loading…' : 'Load more'}
        </button>
      )}
    </>
  );
}
