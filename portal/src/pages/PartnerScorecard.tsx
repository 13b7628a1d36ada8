// A partner's scorecard on /practice/partners: its last 12 months (GET /v1/partners/{id}/scorecard),
// loaded when the expander is first opened.
import { useState } from 'preact/hooks';
import { api, errorMessage } from '../api';
import { formatDate } from '../format';
import { fmtCount, fmtHours, fmtPercent, hasLastReferral, healthText, periodKeys, periodLabel, utcDay } from '../metrics';
import type { Partner, PartnerScorecard } from '../types';
import { Sparkbars } from './charts';

export function ScorecardDetails({ partner }: { partner: Partner }) {
  const [card, setCard] = useState<PartnerScorecard | null>(null);
  const [error, setError] = useState('');
  const [asked, setAsked] = useState(false);

  const load = () => {
    setAsked(true);
    setError('');
    api.get<PartnerScorecard>(`/v1/partners/${encodeURIComponent(partner.id)}/scorecard`).then(setCard, (err) => setError(errorMessage(err)));
  };

  return (
    <details
      class="scorecard"
      onToggle={(e) => {
        if ((e.currentTarget as HTMLDetailsElement).open && !asked) load();
      }}
    >
      <summary>Scorecard</summary>
      {error && (
        <p class="notice notice-bad" role="alert">
          {error} <button type="button" class="link-button" onClick={load}>Try again</button>
        </p>
      )}
      {!card && !error && <p class="loading" aria-live="polite">Loading…</p>}
      {card && <ScorecardBody card={card} />}
    </details>
  );
}

/** The last 12 months, oldest first, with zeros where there is no bucket. */
export function monthSeries(card: Pick<PartnerScorecard, 'months'>, now: Date = new Date()): { key: string; label: string; received: number }[] {
  const to = utcDay(now);
  const from = utcDay(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 11, 1)));
  const byKey = new Map(card.months.map((m) => [m.key, m.received]));
  return periodKeys(from, to, 'month').map((key) => ({ key, label: periodLabel(key), received: byKey.get(key) ?? 0 }));
}

function ScorecardBody({ card }: { card: PartnerScorecard }) {
  const months = monthSeries(card);
  const h = card.health;
  return (
    <div class="scorecard-body">
      <p class="scorecard-line">
        <strong>Last 12 months:</strong> {fmtCount(card.received)} received · {fmtCount(card.seen)} seen · show rate {fmtPercent(card.showRate)} ·
        median {fmtHours(card.hoursToContact.median)} to first contact
      </p>
      <p class={h.dormant ? 'scorecard-health quiet' : 'scorecard-health'}>
        {capitalize(healthText(h))}
        {h.dormant && hasLastReferral(h) && <> · last referral {formatDate(h.lastReferral)}</>}
      </p>
      <div class="scorecard-months">
        <Sparkbars values={months.map((m) => m.received)} labels={months.map((m) => m.label)} />
        <p class="meta">
          Referrals per month, {months[0]?.label} to {months[months.length - 1]?.label}:{' '}
          {months.map((m) => m.received).join(', ')}
        </p>
      </div>
    </div>
  );
}

const capitalize = (s: string) => (s ? s[0].toUpperCase() + s.slice(1) : s);
