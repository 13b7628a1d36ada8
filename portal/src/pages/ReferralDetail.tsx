// What the staff page (StaffReferral.tsx) and the referrer's page (ReferrerReferral.tsx) of one
// referral share: loading it with its ETag, its fields, and its timeline.
import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, errorMessage, requestTagged } from '../api';
import { formatBirthDate, formatDateTime, formatPhone, telHref, URGENCY_LABEL } from '../format';
import { channelLabel, declineReasonLabel, entryTitle, outcomeLabel, roleLabel, scoreText } from '../loop';
import type { Appointment, Referral, TimelineEntry } from '../types';
import { StatusBadge } from '../ui';

export function formatAppointment(a?: Appointment): string {
  if (!a?.at) return '—';
  return `${formatDateTime(a.at)}${a.location ? `, ${a.location}` : ''}`;
}

/** One referral and the ETag it was read with; `replace` after a change, `reload` after a conflict. */
export function useReferral(id: string) {
  const [r, setR] = useState<Referral | null>(null);
  const [etag, setEtag] = useState<string | null>(null);
  const [error, setError] = useState('');

  const reload = async (): Promise<boolean> => {
    try {
      const { data, etag } = await requestTagged<Referral>('GET', `/v1/referrals/${encodeURIComponent(id)}`);
      setR(data);
      setEtag(etag);
      setError('');
      return true;
    } catch (err) {
      setError(err instanceof ApiError && err.status === 404 ? 'This referral does not exist, or you cannot see it.' : errorMessage(err));
      return false;
    }
  };

  useEffect(() => {
    setR(null);
    reload();
  }, [id]);

  const replace = (next: Referral, tag: string | null) => {
    setR(next);
    setEtag(tag);
  };
  return { r, etag, error, reload, replace };
}

const yesNo = (b?: boolean) => (b ? 'Yes' : 'No');

export function ReferralFields({ referral: r, staff }: { referral: Referral; staff: boolean }) {
  const overdue = !!r.overdue;
  const rows: [string, ComponentChildren][] = [
    ['Reference', <span class="mono">{r.ref}</span>],
    ['Status', <StatusBadge status={r.status} />],
    ['Reason', r.reason],
    ['Urgency', URGENCY_LABEL[r.urgency] ?? r.urgency],
    ['Contact by', overdue ? <strong class="overdue-text">{formatDateTime(r.contactBy)} (overdue)</strong> : formatDateTime(r.contactBy)],
  ];
  if (staff && r.question) rows.push(['Open question to the referrer', <span class="pre">{r.question}</span>]);
  if (r.appointment) rows.push(['Appointment', formatAppointment(r.appointment)]);
  if (r.decline) rows.push(['Declined because', [declineReasonLabel(r.decline.reason), r.decline.note].filter(Boolean).join(': ')]);
  if (staff && r.contactAttempts !== undefined) rows.push(['Contact attempts', String(r.contactAttempts)]);
  rows.push(
    ['Patient', `${r.patient.firstName} ${r.patient.lastName}`],
    ['Date of birth', formatBirthDate(r.patient.dateOfBirth)],
    ['Phone', r.patient.phone ? <a href={telHref(r.patient.phone)}>{formatPhone(r.patient.phone)}</a> : '—'],
    ['Email', r.patient.email ? <a href={`mailto:${r.patient.email}`}>{r.patient.email}</a> : '—'],
    ['Consent to be contacted', yesNo(r.patient.consentToContact)],
    ['Consent to share outcomes with the referrer', yesNo(r.patient.consentToShareOutcomes)],
    ['Insurance', r.insurance || '—'],
    ['Note', r.note ? <span class="pre">{r.note}</span> : '—'],
    ['Referred by', [r.referrer?.name, r.referrer?.email].filter(Boolean).join(', ') || '—'],
    ['Partner', r.partner?.name ?? '—'],
    ['Sent', formatDateTime(r.createdAt)],
    ['Last updated', formatDateTime(r.updatedAt)],
  );
  if (staff && r.fhirStatus) rows.push(['FHIR Task status', <span class="mono">{r.fhirStatus}</span>]);
  return (
    <dl class="facts">
      {rows.map(([k, val]) => (
        <div key={k} class="fact">
          <dt>{k}</dt>
          <dd>{val}</dd>
        </div>
      ))}
    </dl>
  );
}

/** The referrer's rating of the handoff: stars and "4/5". */
export function Rating({ score, at }: { score: number; at?: string }) {
  const n = Math.max(0, Math.min(5, Math.round(score)));
  return (
    <p class="rating">
      <span aria-hidden="true" class="stars">{'★'.repeat(n)}{'☆'.repeat(5 - n)}</span>{' '}
      <strong>{scoreText(n)}</strong>
      {at && <span class="meta"> (rated {formatDateTime(at)})</span>}
    </p>
  );
}

function EntryDetails({ e }: { e: TimelineEntry }) {
  const rows: [string, ComponentChildren][] = [];
  if (e.reason) rows.push(['Reason', declineReasonLabel(e.reason)]);
  if (e.contact) rows.push(['Contact', `${outcomeLabel(e.contact.outcome)} (${channelLabel(e.contact.channel)})`]);
  if (e.appointment) rows.push(['Appointment', formatAppointment(e.appointment)]);
  if (e.note) rows.push([e.to === 'needs-info' ? 'Question' : 'Note', <span class="pre">{e.note}</span>]);
  if (e.answer) rows.push(['Answer', <span class="pre">{e.answer}</span>]);
  if (!rows.length) return null;
  return (
    <dl class="entry-details">
      {rows.map(([k, v]) => (
        <div key={k}>
          <dt>{k}</dt>
          <dd>{v}</dd>
        </div>
      ))}
    </dl>
  );
}

/** The timeline, oldest first; the newest entry is marked. */
export function Timeline({ entries }: { entries?: TimelineEntry[] }) {
  const list = entries ?? [];
  return (
    <section aria-labelledby="timeline-h">
      <h2 id="timeline-h">Timeline</h2>
      {!list.length ? (
        <p class="empty">Nothing has happened yet.</p>
      ) : (
        <ol class="timeline">
          {list.map((e, i) => {
            const last = i === list.length - 1;
            const who = [e.by?.name, roleLabel(e.by?.role)].filter(Boolean);
            return (
              <li key={i} class={last ? 'newest' : undefined}>
                <p class="entry-head">
                  <strong>{entryTitle(e)}</strong>
                </p>
                <p class="meta">
                  <time dateTime={e.at}>{formatDateTime(e.at)}</time>
                  {who.length > 0 && <> · {who.length === 2 ? `${who[0]} (${who[1]})` : who[0]}</>}
                </p>
                <EntryDetails e={e} />
              </li>
            );
          })}
        </ol>
      )}
    </section>
  );
}

/** A status message that takes focus when it changes, so keyboard and screen-reader users hear
 * what an action did. `say` sets it; render `<Announcement {...announcer} />` where it belongs. */
export function useAnnouncer() {
  const [message, setMessage] = useState({ text: '', tone: 'ok' as 'ok' | 'bad', n: 0 });
  const messageRef = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (message.n) messageRef.current?.focus();
  }, [message.n]);
  const say = (text: string, tone: 'ok' | 'bad' = 'ok') => setMessage((m) => ({ text, tone, n: m.n + 1 }));
  return { message, messageRef, say };
}

export function Announcement({ message, messageRef }: Pick<ReturnType<typeof useAnnouncer>, 'message' | 'messageRef'>) {
  return (
    <div ref={messageRef} tabIndex={-1} role={message.tone === 'bad' ? 'alert' : 'status'} class={message.text ? `notice notice-${message.tone}` : 'visually-hidden'}>
      {message.text}
    </div>
  );
}
