// /practice/follow-ups: the due list by owner (overdue, today, this week), whom to reach out to
// (quiet sources, sources whose volume fell, prospects), and per channel which touches were
// followed by referrals.
import { useEffect, useState } from 'preact/hooks';
import { api, errorMessage, request } from '../api';
import { KIND_LABEL } from '../format';
import { channelLabel, dayLabel, fmtShare, localToday, whoLabel } from '../outreach';
import type { ChannelStats, DueItem, FollowUps as FollowUpsData, OutreachView, Suggestion, TeamMember, Touch } from '../outreach';
import type { PageProps } from '../types';
import { Status, useTitle } from '../ui';

export default function FollowUps(_: PageProps) {
  useTitle('Follow-ups');
  const [due, setDue] = useState<FollowUpsData | null>(null);
  const [overview, setOverview] = useState<OutreachView | null>(null);
  const [error, setError] = useState('');

  useEffect(() => {
    const today = localToday();
    api.get<FollowUpsData>(`/v1/follow-ups?today=${today}`).then(setDue, (err) => setError(errorMessage(err)));
    api.get<OutreachView>(`/v1/outreach?today=${today}`).then(setOverview, (err) => setError(errorMessage(err)));
  }, []);

  const done = (item: DueItem) =>
    setDue((d) => d && { ...d, groups: d.groups.map((g) => ({ ...g, overdue: g.overdue.filter((x) => x.touchId !== item.touchId), today: g.today.filter((x) => x.touchId !== item.touchId), thisWeek: g.thisWeek.filter((x) => x.touchId !== item.touchId) })) });

  return (
    <>
      <h1>Follow-ups</h1>
      <p>
        Your outreach in one place: what is due, who may need a word, and which kinds of contact were followed by referrals. Log touches from a partner’s card on{' '}
        <a href="/practice/partners">Partners</a>; write your emails on <a href="/practice/templates">Templates</a>.
      </p>
      <p class="actions">
        <a class="button secondary" href="/v1/exports/touches" download>Export touches (CSV)</a>{' '}
        <a class="button secondary" href="/v1/exports/partners" download>Export partners (CSV)</a>
      </p>
      {error && <p class="notice notice-bad" role="alert">{error}</p>}
      <section aria-labelledby="due-h">
        <h2 id="due-h">Due</h2>
        {!due && !error && <p class="loading" aria-live="polite">Loading…</p>}
        {due && due.groups.length === 0 && <p class="empty">Nothing due this week.</p>}
        {due && due.groups.map((g) => <DueGroup key={g.owner} owner={g.owner} members={due.members} parts={[['Overdue', g.overdue], ['Today', g.today], ['This week', g.thisWeek]]} onDone={done} />)}
      </section>
      <section aria-labelledby="reach-h">
        <h2 id="reach-h">Who to reach out to</h2>
        {!overview && !error && <p class="loading" aria-live="polite">Loading…</p>}
        {overview && overview.suggestions.length === 0 && <p class="empty">No quiet sources, drops or prospects right now.</p>}
        {overview && overview.suggestions.length > 0 && (
          <ul class="cards" aria-label="Partners to reach out to">
            {overview.suggestions.map((s) => <SuggestionCard key={s.partnerId} s={s} />)}
          </ul>
        )}
      </section>
      {overview && <ChannelTable channels={overview.channels} />}
    </>
  );
}

function DueGroup({ owner, members, parts, onDone }: { owner: string; members: TeamMember[]; parts: [string, DueItem[]][]; onDone: (d: DueItem) => void }) {
  const name = whoLabel(owner, members);
  const id = `due-${owner}`;
  return (
    <section class="due-group" aria-labelledby={id}>
      <h3 id={id}>{name}</h3>
      {parts.map(([label, items]) =>
        items.length ? (
          <div key={label}>
            <h4 class={label === 'Overdue' ? 'due-overdue' : undefined}>{label} ({items.length})</h4>
            <ul class="cards" aria-label={`${label}: ${name}`}>
              {items.map((d) => <DueCard key={d.touchId} d={d} overdue={label === 'Overdue'} onDone={onDone} />)}
            </ul>
          </div>
        ) : null,
      )}
    </section>
  );
}

function DueCard({ d, overdue, onDone }: { d: DueItem; overdue: boolean; onDone: (d: DueItem) => void }) {
  const [busy, setBusy] = useState(false);
  const [status, setStatus] = useState({ text: '', tone: 'ok' as 'ok' | 'bad' });
  const done = async () => {
    if (busy) return;
    setBusy(true);
    try {
      await request<Touch>('PATCH', `/v1/partners/${encodeURIComponent(d.partnerId)}/touches/${encodeURIComponent(d.touchId)}`, { body: { followUpDone: true } });
      onDone(d);
    } catch (err) {
      setStatus({ text: errorMessage(err), tone: 'bad' });
      setBusy(false);
    }
  };
  return (
    <li class={`card due${overdue ? ' due-late' : ''}`}>
      <p class="card-title">
        <a href={`/practice/partners#partner-${d.partnerId}`}>{d.partnerName || 'A partner'}</a>
      </p>
      <p class="meta">
        Due {dayLabel(d.due)} · after a {channelLabel(d.channel).toLowerCase()} on {dayLabel(d.touchDate)}
      </p>
      {d.summary && <p>{d.summary}</p>}
      <button type="button" class="secondary small-button" disabled={busy} onClick={done} aria-label={`Mark the follow-up with ${d.partnerName} done`}>
        Mark done
      </button>
      <Status tone={status.tone}>{status.text}</Status>
    </li>
  );
}

const REASON: Record<string, string> = { quiet: 'Gone quiet', fell: 'Fewer referrals', prospect: 'No referral yet' };

function SuggestionCard({ s }: { s: Suggestion }) {
  return (
    <li class="card">
      <p class="card-title">
        <a href={`/practice/partners#partner-${s.partnerId}`}>{s.name}</a> <span class={`badge badge-reason-${s.reason}`}>{REASON[s.reason] ?? s.reason}</span>
      </p>
      <p class="meta">
        {KIND_LABEL[s.kind] ?? s.kind} · {s.detail}
        {s.lastTouch && <> · last touched {dayLabel(s.lastTouch)}</>}
      </p>
      {s.recentlyTouched && <p class="meta">Touched in the last two weeks: give it a little time.</p>}
    </li>
  );
}

/** Per channel: of the touches whose window has passed, the share followed by a referral, and referrals per touch. */
function ChannelTable({ channels }: { channels: ChannelStats[] }) {
  const used = channels.filter((c) => c.touches > 0);
  return (
    <section aria-labelledby="channels-h">
      <h2 id="channels-h">Which touches were followed by referrals</h2>
      <p class="hint">
        Over the last year, per kind of contact: of the touches at least 30, 60 or 90 days old, the share after which that partner sent at least one referral within that
        time, and the referrals per touch. It shows what followed, not what caused it. Automatic thank-yous are left out.
      </p>
      {used.length === 0 ? (
        <p class="empty">No touches logged in the last year yet.</p>
      ) : (
        <div class="table-wrap" tabIndex={0} role="region" aria-label="Table: touches followed by referrals">
          <table class="audit channels">
            <caption class="visually-hidden">Touches followed by referrals, by channel</caption>
            <thead>
              <tr>
                <th scope="col">Channel</th>
                <th scope="col">Touches</th>
                {used[0].windows.map((w) => (
                  <th scope="col" key={w.days}>Within {w.days} days</th>
                ))}
              </tr>
            </thead>
            <tbody>
              {used.map((c) => (
                <tr key={c.channel}>
                  <th scope="row">{channelLabel(c.channel)}</th>
                  <td>{c.touches}</td>
                  {c.windows.map((w) => (
                    <td key={w.days}>
                      {w.eligible === 0 ? 'too recent' : <>{fmtShare(w.share)} of {w.eligible} · {w.referralsPerTouch?.toFixed(1)} per touch</>}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
