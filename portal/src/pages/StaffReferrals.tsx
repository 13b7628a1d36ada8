// /practice/referrals: the staff work queue. Views per status with counts (GET /v1/queue), and
// "Overdue" (GET /v1/referrals?overdue=true) first, and chosen, when anything is overdue.
// Rows are links; j / k move between them.
import { useEffect, useState } from 'preact/hooks';
import { api, errorMessage } from '../api';
import { formatDateTime, STATUS_LABEL, URGENCY_LABEL } from '../format';
import { overdueBy, QUEUE_ORDER } from '../loop';
import { OnboardingChecklist } from './OnboardingChecklist';
import type { PageProps, Queue, ReferralStatus } from '../types';
import { StatusBadge, useTitle } from '../ui';
import { useReferrals } from './useReferrals';

const FINISHED = new Set<string>(['closed', 'declined', 'unreachable', 'cancelled']);
const SHORT: Partial<Record<ReferralStatus, string>> = { contacted: 'Contacted', 'no-show': 'No-show', unreachable: 'Unreachable' };

const viewName = (v: string) => (v === 'overdue' ? 'Overdue' : v === 'all' ? 'All referrals' : STATUS_LABEL[v as ReferralStatus] ?? v);

export default function StaffReferrals({ query }: PageProps) {
  useTitle('Referrals');
  const [queue, setQueue] = useState<Queue | null>(null);
  const [queueError, setQueueError] = useState('');

  useEffect(() => {
    api.get<Queue>('/v1/queue').then(setQueue, (err) => setQueueError(errorMessage(err)));
  }, []);

  const searched = (query.get('q') ?? '').trim();
  const asked = query.get('view');
  const valid = asked && (asked === 'overdue' || asked === 'all' || (QUEUE_ORDER as string[]).includes(asked));
  const view = valid ? asked : queue ? (queue.overdue > 0 ? 'overdue' : 'all') : queueError ? 'all' : null;

  // The queue counts open work only; finished statuses (history) show no count.
  const countOf = (v: string) => (!queue ? undefined : v === 'overdue' ? queue.overdue : v === 'all' ? undefined : queue.counts?.[v as ReferralStatus]);

  const tab = (v: string, label: string) => {
    const n = countOf(v);
    return (
      <li key={v} class={v === 'overdue' ? 'tab-overdue' : n === 0 ? 'tab-empty' : undefined}>
        <a href={`/practice/referrals?view=${v}`} aria-current={v === view ? 'page' : undefined}>
          {label}
          {n !== undefined && <span class="count"> {n}</span>}
        </a>
      </li>
    );
  };

  // On a phone the views are one row that scrolls sideways: the chosen one is scrolled into sight.
  useEffect(() => {
    const a = document.querySelector<HTMLElement>('.tabs a[aria-current=page]');
    const row = a?.closest<HTMLElement>('.tabs');
    if (a && row && row.scrollWidth > row.clientWidth) row.scrollLeft = Math.max(0, a.offsetLeft - row.offsetLeft - 16);
  }, [view, queue]);

  return (
    <>
      <h1>Referrals</h1>
      <OnboardingChecklist />
      <QueueSearch q={searched} />
      <p class="actions">
        <a class="button secondary" href="/v1/exports/referrals" download>Export referrals (CSV)</a>
      </p>
      {queueError && <p class="notice notice-bad" role="alert">Counts could not be loaded: {queueError}</p>}
      <nav aria-label="Referral views" class="tabs">
        <ul>
          {queue && queue.overdue > 0 && tab('overdue', 'Overdue')}
          {tab('all', 'All')}
          {QUEUE_ORDER.filter((s) => !FINISHED.has(s)).map((s) => tab(s, SHORT[s] ?? STATUS_LABEL[s]))}
        </ul>
        <ul aria-label="Finished">
          {QUEUE_ORDER.filter((s) => FINISHED.has(s)).map((s) => tab(s, SHORT[s] ?? STATUS_LABEL[s]))}
        </ul>
      </nav>
      {searched ? (
        <QueueList key={`q:${searched}`} view="search" q={searched} />
      ) : view ? (
        <QueueList key={view} view={view} />
      ) : (
        <p class="loading" aria-live="polite">Loading…</p>
      )}
    </>
  );
}

/**
 * The queue's search (GET /v1/referrals?q=): by the start of the patient's first or last name, a
 * date of birth or a reference. A GET form: the search is in the address, so Back returns to it.
 */
function QueueSearch({ q }: { q: string }) {
  return (
    <form class="queue-search" role="search" action="/practice/referrals" method="get">
      <label for="queue-q">Find a patient</label>
      <div class="search-row">
        <input id="queue-q" name="q" type="search" defaultValue={q} maxLength={100} autoComplete="off" aria-describedby="queue-q-hint" />
        <button type="submit" class="secondary">Search</button>
      </div>
      <p id="queue-q-hint" class="hint">Name, date of birth (MM/DD/YYYY) or reference, like “silva 04/02/1980” or R-7K3M9Q2P.</p>
    </form>
  );
}

function QueueList({ view, q }: { view: string; q?: string }) {
  const filter = q ? `q=${encodeURIComponent(q)}` : view === 'overdue' ? 'overdue=true' : view === 'all' ? '' : `status=${encodeURIComponent(view)}`;
  const { items, error, busy, hasMore, loadMore } = useReferrals(filter);
  const now = new Date();

  // j / k: next / previous row (when not typing in a field)
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if ((e.key !== 'j' && e.key !== 'k') || e.ctrlKey || e.metaKey || e.altKey) return;
      const t = e.target as HTMLElement | null;
      if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) return;
      const rows = Array.from(document.querySelectorAll<HTMLAnchorElement>('.queue a.card-link'));
      if (!rows.length) return;
      const i = rows.indexOf(document.activeElement as HTMLAnchorElement);
      const next = i < 0 ? 0 : Math.min(rows.length - 1, Math.max(0, i + (e.key === 'j' ? 1 : -1)));
      e.preventDefault();
      rows[next].focus();
      rows[next].scrollIntoView({ block: 'nearest' });
    };
    addEventListener('keydown', onKey);
    return () => removeEventListener('keydown', onKey);
  }, []);

  return (
    <section aria-labelledby="view-h">
      <h2 id="view-h">{q ? `Search: “${q}”` : viewName(view)}</h2>
      {q && (
        <p>
          <a href="/practice/referrals">Clear the search</a>
        </p>
      )}
      {error && <p class="notice notice-bad" role="alert">{error}</p>}
      {!items && !error && <p class="loading" aria-live="polite">Loading…</p>}
      {q && items && items.length === 0 && (
        <p class="empty">{hasMore ? 'No match among the newest referrals looked through yet.' : `No referral matches “${q}”.`}</p>
      )}
      {!q && items && items.length === 0 && (
        <p class="empty">{view === 'all' ? 'No referrals yet. Invite partners from the Partners page.' : view === 'overdue' ? 'Nothing is overdue.' : `No referrals are “${viewName(view)}”.`}</p>
      )}
      {items && items.length > 0 && (
        <>
          <p class="hint keys-hint">Tip: press j and k to move between referrals, Enter to open one.</p>
          <ul class="cards queue" aria-label="Referrals">
            {items.map((r) => {
              const overdue = !!r.overdue;
              const late = overdue ? overdueBy(r.contactBy, now) : '';
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
                      {overdue ? (
                        <strong class="overdue-text">
                          Overdue{late ? ` by ${late}` : ''}: contact by {formatDateTime(r.contactBy)}
                        </strong>
                      ) : (
                        <>Contact by {formatDateTime(r.contactBy)}</>
                      )}
                    </span>
                    {r.appointment && r.status === 'scheduled' && <span class="meta">Appointment {formatDateTime(r.appointment.at)}</span>}
                    <span class="meta">From {r.partner?.name ?? '—'}{r.referrer?.name ? ` (${r.referrer.name})` : ''}</span>
                  </a>
                </li>
              );
            })}
          </ul>
        </>
      )}
      {hasMore && (
        <button type="button" class="secondary" onClick={loadMore} disabled={busy}>
          {busy ? 'Loading…' : q ? 'Look further' : 'Load more'}
        </button>
      )}
    </section>
  );
}
