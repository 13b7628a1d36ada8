// /referrals: the referrals this referrer sent, newest first: where each stands, in plain words (an
// overdue one says so), and its dates; a search by the patient's name or the reference filters the
// referrals loaded (a page at a time, so its cost stays one page).
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api';
import { formatDate, formatDateTime, initials } from '../format';
import { matchesSearch, referrerWords } from '../loop';
import { referrerScorecardText } from '../metrics';
import type { PageProps, ReferrerScorecard } from '../types';
import { StatusBadge, useTitle } from '../ui';
import { useReferrals } from './useReferrals';

export default function MyReferrals(_: PageProps) {
  useTitle('My referrals');
  const { items, error, busy, hasMore, loadMore } = useReferrals('');
  const [query, setQuery] = useState('');
  const shown = items?.filter((r) => matchesSearch(r, query));
  const overdue = items?.filter((r) => r.overdue).length ?? 0;
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
      {overdue > 0 && (
        <p class="notice notice-warn">
          {overdue === 1 ? '1 referral is' : `${overdue} referrals are`} overdue: the practice has not reached the patient by the contact-by date.
        </p>
      )}
      {items && items.length > 0 && (
        <div class="field search-field">
          <label for="my-search">Search by patient name or reference</label>
          <input id="my-search" type="search" value={query} onInput={(e) => setQuery(e.currentTarget.value)} autoComplete="off"
            aria-describedby="my-search-count" />
          <p id="my-search-count" class="meta" aria-live="polite">
            {query.trim()
              ? `${shown?.length ?? 0} of the ${items.length} referrals loaded match${hasMore ? '; load more to search older ones' : ''}.`
              : ''}
          </p>
        </div>
      )}
      {shown && shown.length > 0 && (
        <ul class="cards" aria-label="My referrals">
          {shown.map((r) => {
            const words = referrerWords(r);
            return (
            <li key={r.id}>
              <a class="card card-link" href={`/referrals/${encodeURIComponent(r.id)}`}>
                <span class="card-title">
                  {initials(r.patient?.firstName, r.patient?.lastName)} · {r.reason}
                </span>
                <span class="badges">
                  <StatusBadge status={r.status} />
                  {words.late && <span class="badge badge-overdue">Overdue</span>}
                </span>
                <span class={r.status === 'needs-info' || words.late ? 'status-words attention' : 'status-words'}>{words.text}</span>
                <span class="meta">
                  Sent {formatDate(r.createdAt)} · contact by {formatDate(r.contactBy)}
                  {r.appointment && r.status === 'scheduled' && <> · appointment {formatDateTime(r.appointment.at)}</>}
                </span>
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
