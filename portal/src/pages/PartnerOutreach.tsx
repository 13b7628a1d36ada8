// A partner's outreach: its touches (newest first), each with the referrals that followed it against
// the 90 days before, a gentle warning when it was contacted often without an answer, a "log a touch"
// form, and the introduction / check-in emails. Self-contained (it takes a partner's id and name), so
// the partner page can embed it as it is; loaded when its expander is first opened.
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, errorMessage, request } from '../api';
import { Field, FieldError, Status } from '../ui';
import {
  CHANNELS, channelLabel, dayLabel, localToday, RESPONSES, responseLabel, trend, whoLabel, windowText,
} from '../outreach';
import type { TeamMember, Touch, TouchChannel, TouchCreated, TouchInput, TouchList, TouchResponse, FollowUps } from '../outreach';

interface Props {
  partnerId: string;
  partnerName: string;
  contactEmail?: string;
  /** open (and load) at once */
  open?: boolean;
}

export function PartnerOutreach({ partnerId, partnerName, contactEmail, open }: Props) {
  const [data, setData] = useState<TouchList | null>(null);
  const [members, setMembers] = useState<TeamMember[]>([]);
  const [error, setError] = useState('');
  const [asked, setAsked] = useState(false);
  const base = `/v1/partners/${encodeURIComponent(partnerId)}`;

  const load = () => {
    setAsked(true);
    setError('');
    const today = localToday();
    api.get<TouchList>(`${base}/touches?today=${today}`).then(setData, (err) => setError(errorMessage(err)));
    // Names for "who": the due list's members (every signed-in staff member may read it).
    api.get<FollowUps>(`/v1/follow-ups?today=${today}`).then((f) => setMembers(f.members), () => setMembers([]));
  };

  useEffect(() => {
    if (open && !asked) load();
  }, []);

  return (
    <details
      class="outreach"
      open={open}
      onToggle={(e) => {
        if ((e.currentTarget as HTMLDetailsElement).open && !asked) load();
      }}
    >
      <summary>Outreach</summary>
      {error && (
        <p class="notice notice-bad" role="alert">
          {error} <button type="button" class="link-button" onClick={load}>Try again</button>
        </p>
      )}
      {!data && !error && <p class="loading" aria-live="polite">Loading…</p>}
      {data && (
        <>
          {data.warnings.map((w) => (
            <p key={w.code} class="notice notice-warn" role="note">{w.detail}</p>
          ))}
          <LogTouch partnerId={partnerId} members={members} onLogged={(c) => setData((d) => d && { ...d, touches: [c.touch, ...d.touches], warnings: c.warnings })} />
          <SendEmail partnerId={partnerId} contactEmail={contactEmail} onSent={(t) => setData((d) => d && { ...d, touches: [t, ...d.touches] })} />
          <TouchHistory partnerName={partnerName} touches={data.touches} members={members} onChanged={(t) => setData((d) => d && { ...d, touches: d.touches.map((x) => (x.id === t.id ? t : x)) })} />
        </>
      )}
    </details>
  );
}

function TouchHistory({ partnerName, touches, members, onChanged }: { partnerName: string; touches: Touch[]; members: TeamMember[]; onChanged: (t: Touch) => void }) {
  if (!touches.length) return <p class="empty">No touches yet. Log the first one above.</p>;
  return (
    <ol class="touches" aria-label={`Touches with ${partnerName}`}>
      {touches.map((t) => (
        <li key={t.id} class="touch">
          <p class="touch-head">
            <strong>{dayLabel(t.date)}</strong> · {channelLabel(t.channel)} · {whoLabel(t.who, members)} · {responseLabel(t.response)}
          </p>
          {t.summary && <p class="touch-summary">{t.summary}</p>}
          {t.followUp && <FollowUpLine touch={t} members={members} onChanged={onChanged} />}
          <Followed touch={t} />
        </li>
      ))}
    </ol>
  );
}

/** What followed a touch: referrals in the 30, 60, 90 days after, against the 90 days before. */
function Followed({ touch }: { touch: Touch }) {
  const a = touch.attribution;
  const t = a.after.length ? trend(a.before, a.after[a.after.length - 1]) : 'unknown';
  const word = t === 'up' ? 'more than before' : t === 'down' ? 'fewer than before' : t === 'same' ? 'about the same as before' : '';
  return (
    <dl class="followed">
      <div>
        <dt>90 days before</dt>
        <dd>{windowText(a.before)}</dd>
      </div>
      {a.after.map((w) => (
        <div key={w.days}>
          <dt>{w.days} days after</dt>
          <dd>{windowText(w)}</dd>
        </div>
      ))}
      {word && (
        <div>
          <dt>So far</dt>
          <dd>{word} (per 30 days)</dd>
        </div>
      )}
    </dl>
  );
}

function FollowUpLine({ touch, members, onChanged }: { touch: Touch; members: TeamMember[]; onChanged: (t: Touch) => void }) {
  const f = touch.followUp!;
  const [busy, setBusy] = useState(false);
  const [status, setStatus] = useState({ text: '', tone: 'ok' as 'ok' | 'bad' });
  const done = async () => {
    if (busy) return;
    setBusy(true);
    try {
      const t = await request<Touch>('PATCH', `/v1/partners/${encodeURIComponent(touch.partnerId)}/touches/${encodeURIComponent(touch.id)}`, { body: { followUpDone: true } });
      onChanged(t);
      setStatus({ text: 'Follow-up marked done.', tone: 'ok' });
    } catch (err) {
      setStatus({ text: errorMessage(err), tone: 'bad' });
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="touch-followup">
      {f.doneAt ? (
        <p class="meta">Follow-up of {dayLabel(f.due)} done.</p>
      ) : (
        <p>
          Follow up by <strong>{dayLabel(f.due)}</strong> ({whoLabel(f.owner, members)}){' '}
          <button type="button" class="secondary small-button" disabled={busy} onClick={done} aria-label={`Mark the follow-up of ${dayLabel(f.due)} done`}>
            Mark done
          </button>
        </p>
      )}
      <Status tone={status.tone}>{status.text}</Status>
    </div>
  );
}

function LogTouch({ partnerId, members, onLogged }: { partnerId: string; members: TeamMember[]; onLogged: (c: TouchCreated) => void }) {
  const base = `touch-${partnerId}`;
  const blank = () => ({ date: localToday(), channel: 'call' as TouchChannel, response: 'none' as TouchResponse, summary: '', followUpDate: '', followUpOwner: '' });
  const [v, setV] = useState(blank);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [status, setStatus] = useState({ text: '', tone: 'ok' as 'ok' | 'bad' });
  const [busy, setBusy] = useState(false);
  const set = (k: keyof ReturnType<typeof blank>) => (x: string) => setV((o) => ({ ...o, [k]: x }));

  const submit = async (e: Event) => {
    e.preventDefault();
    if (busy) return;
    const errs: Record<string, string> = {};
    if (!/^\d{4}-\d{2}-\d{2}$/.test(v.date)) errs.date = 'Enter the date of the touch';
    if (v.followUpDate && v.followUpDate < v.date) errs.followUpDate = 'A follow-up cannot be before the touch';
    setErrors(errs);
    if (Object.keys(errs).length) {
      document.getElementById(`${base}-${Object.keys(errs)[0]}`)?.focus();
      return;
    }
    const body: TouchInput = { date: v.date, channel: v.channel, response: v.response };
    if (v.summary.trim()) body.summary = v.summary.trim();
    if (v.followUpDate) body.followUpDate = v.followUpDate;
    if (v.followUpDate && v.followUpOwner) body.followUpOwner = v.followUpOwner;
    setBusy(true);
    setStatus({ text: '', tone: 'ok' });
    try {
      const c = await api.post<TouchCreated>(`/v1/partners/${encodeURIComponent(partnerId)}/touches?today=${localToday()}`, body);
      onLogged(c);
      setV(blank());
      setStatus({ text: v.followUpDate ? `Touch logged; the follow-up is on the due list for ${v.followUpDate}.` : 'Touch logged.', tone: 'ok' });
    } catch (err) {
      if (err instanceof ApiError && err.status === 422) setErrors(err.errors);
      setStatus({ text: errorMessage(err), tone: 'bad' });
    } finally {
      setBusy(false);
    }
  };

  const select = (k: 'channel' | 'response' | 'followUpOwner', label: string, options: [string, string][]) => (
    <div class={`field${errors[k] ? ' field-error' : ''}`}>
      <label for={`${base}-${k}`}>{label}</label>
      <FieldError id={`${base}-${k}-error`} message={errors[k]} />
      <select id={`${base}-${k}`} value={v[k]} onChange={(e) => set(k)(e.currentTarget.value)}>
        {options.map(([key, text]) => (
          <option key={key} value={key}>{text}</option>
        ))}
      </select>
    </div>
  );
  const dateField = (k: 'date' | 'followUpDate', label: string, hint?: string) => (
    <div class={`field${errors[k] ? ' field-error' : ''}`}>
      <label for={`${base}-${k}`}>{label}</label>
      {hint && <div id={`${base}-${k}-hint`} class="hint">{hint}</div>}
      <FieldError id={`${base}-${k}-error`} message={errors[k]} />
      <input id={`${base}-${k}`} type="date" value={v[k]} max={k === 'date' ? localToday() : undefined} min={k === 'followUpDate' ? v.date : undefined}
        aria-invalid={errors[k] ? 'true' : undefined} aria-describedby={[hint ? `${base}-${k}-hint` : '', errors[k] ? `${base}-${k}-error` : ''].filter(Boolean).join(' ') || undefined}
        onInput={(e) => set(k)(e.currentTarget.value)} />
    </div>
  );

  return (
    <form onSubmit={submit} noValidate class="stack touch-form" aria-label="Log a touch">
      <h3>Log a touch</h3>
      <div class="touch-grid">
        {dateField('date', 'Date')}
        {select('channel', 'Channel', CHANNELS)}
        {select('response', 'Response', RESPONSES)}
      </div>
      <Field path={`${base}-summary`} label="What happened (optional)" multiline maxLength={1000} value={v.summary} onValue={set('summary')} error={errors.summary}
        hint="No patient details here: this is about the relationship." />
      <div class="touch-grid">
        {dateField('followUpDate', 'Follow up on (optional)', 'Puts it on the due list.')}
        {v.followUpDate && members.length > 1 && select('followUpOwner', 'Follow-up owner', [['', 'Me'], ...members.map((m) => [m.id, m.name] as [string, string])])}
      </div>
      <Status tone={status.tone}>{status.text}</Status>
      <button type="submit" disabled={busy}>{busy ? 'Saving…' : 'Log touch'}</button>
    </form>
  );
}

function SendEmail({ partnerId, contactEmail, onSent }: { partnerId: string; contactEmail?: string; onSent: (t: Touch) => void }) {
  const [busy, setBusy] = useState('');
  const [status, setStatus] = useState({ text: '', tone: 'ok' as 'ok' | 'bad' });
  if (!contactEmail) return <p class="meta">Add a contact email to this partner to send it the introduction or check-in email.</p>;
  const send = async (kind: 'introduction' | 'check-in') => {
    const what = kind === 'introduction' ? 'introduction' : 'check-in';
    if (busy || !confirm(`Send the ${what} email to ${contactEmail}?`)) return;
    setBusy(kind);
    setStatus({ text: '', tone: 'ok' });
    try {
      const r = await api.post<{ touch: Touch }>(`/v1/partners/${encodeURIComponent(partnerId)}/emails?today=${localToday()}`, { kind });
      onSent(r.touch);
      setStatus({ text: `The ${what} email went to ${contactEmail}, and is logged as a touch.`, tone: 'ok' });
    } catch (err) {
      setStatus({ text: errorMessage(err), tone: 'bad' });
    } finally {
      setBusy('');
    }
  };
  return (
    <div class="send-email">
      <p class="meta">
        Email {contactEmail} in your words (<a href="/practice/templates">edit templates</a>):
      </p>
      <div class="button-row">
        <button type="button" class="secondary" disabled={!!busy} onClick={() => send('introduction')}>Send introduction</button>
        <button type="button" class="secondary" disabled={!!busy} onClick={() => send('check-in')}>Send check-in</button>
      </div>
      <Status tone={status.tone}>{status.text}</Status>
    </div>
  );
}
