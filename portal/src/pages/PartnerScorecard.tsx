// A partner's scorecard on /practice/partners: its last 12 months (GET /v1/partners/{id}/scorecard),
// loaded when the expander is first opened.
import { useState } from 'preact/hooks';
import { api, errorMessage } from '../api';
import { formatDate } from '../format';
import { approx, fmtCount, fmtHours, fmtPercent, hasLastReferral, healthText, lastMonths } from '../metrics';
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

function ScorecardBody({ card }: { card: PartnerScorecard }) {
  const months = lastMonths(card.months);
  const h = card.health;
  const contact = card.hoursToContact.median;
  if (!card.received) {
    return (
      <div class="scorecard-body">
        <p class={h.dormant ? 'scorecard-health quiet' : 'scorecard-health'}>No referrals in the last 12 months.</p>
        <p class="meta">A partner since {formatDate(card.partner.createdAt)}.</p>
      </div>
    );
  }
  return (
    <div class="scorecard-body">
      <p class="scorecard-line">
        <strong>Last 12 months:</strong> {fmtCount(card.received)} received · {fmtCount(card.seen)} seen · show rate {fmtPercent(card.showRate)} ·{' '}
        {contact == null ? 'no patient contacted yet' : <>median {approx(fmtHours(contact), card.hoursToContact.estimate)} to first contact</>}
      </p>
      <p class={h.dormant ? 'scorecard-health quiet' : 'scorecard-health'}>
        {capitalize(healthText(h))}
        {h.dormant && hasLastReferral(h) && <> · last referral {formatDate(h.lastReferral)}</>}
      </p>
      <div class="scorecard-months">
        <Sparkbars values={months.map((m) => m.received)} labels={months.map((m) => m.label)} />
        <p class="meta">
          Referrals per month, {months[0]?.label} to {months[months.length - 1]?.label}: {months.map((m) => m.received).join(', ')}
        </p>
      </div>
    </div>
  );
}

const capitalize = (s: string) => (s ? s[0].toUpperCase() + s.slice(1) : s);
