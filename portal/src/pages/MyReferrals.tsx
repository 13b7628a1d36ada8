// /referrals: the referrals this referrer sent, newest first: where each stands, in plain words, and its dates.
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api';
import { formatDate, formatDateTime, initials } from '../format';
import { referrerStatusText } from '../loop';
import { referrerScorecardText } from '../metrics';
import type { PageProps, ReferrerScorecard } from '../types';
import { StatusBadge, useTitle } from '../ui';
import { useReferrals } from './useReferrals';

export default function MyReferrals(_: PageProps) {
  useTitle('My referrals');
  const { items, error, busy, hasMore, loadMore } = useReferrals('');
  return (
    <>
      <h1>My referrals</h1>
      <Scorecard />
      {error && <p class="notice notice-bad" role="alert">{error}</p>}
      {!items && !error && <p class="loading" aria-live="polite">Loading…</p>}
      {items && items.length === 0 && (
        <p class="empty">
          You have not sent a referral yet. <a href="/refer">Refer a patient</a>
        </p>
      )}
      {items && items.length > 0 && (
        <ul class="cards" aria-label="My referrals">
          {items.map((r) => (
            <li key={r.id}>
              <a class="card card-link" href={`/referrals/${encodeURIComponent(r.id)}`}>
                <span class="card-title">
                  {initials(r.patient?.firstName, r.patient?.lastName)} · {r.reason}
                </span>
                <span class="badges">
                  <StatusBadge status={r.status} />
                </span>
                <span class={r.status === 'needs-info' ? 'status-words attention' : 'status-words'}>{referrerStatusText(r.status)}</span>
                <span class="meta">
                  Sent {formatDate(r.createdAt)} · contact by {formatDate(r.contactBy)}
                  {r.appointment && r.status === 'scheduled' && <> · appointment {formatDateTime(r.appointment.at)}</>}
                </span>
              </a>
            </li>
          ))}
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

/** "You sent 12 referrals · 5 seen · usually contacted within 1.2 days" (GET /v1/scorecard); nothing while loading or on failure. */
function Scorecard() {
  const [card, setCard] = useState<ReferrerScorecard | null>(null);
  useEffect(() => {
    let live = true;
    api.get<ReferrerScorecard>('/v1/scorecard').then((c) => live && setCard(c), () => {});
    return () => {
      live = false;
    };
  }, []);
  if (!card || !card.sent) return null;
  return (
    <section class="panel referrer-scorecard" aria-label="Your scorecard">
      <p class="lead">{referrerScorecardText(card)}</p>
      <p class="meta">Visits count where the patient agreed to share outcomes with you.</p>
    </section>
  );
}
