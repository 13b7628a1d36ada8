// /practice/referrals/<id>: one referral for practice staff — its fields, the actions allowed now
// (exactly the referral's `allowed` statuses), the rating, and the timeline.
// Changes go to POST /v1/referrals/{id}/transitions with If-Match (docs/api.md "The closed loop").
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, errorMessage, requestTagged } from '../api';
import { statusLabel } from '../format';
import { actionsFor, CONTACT_CHANNELS, CONTACT_OUTCOMES, DECLINE_REASONS, emptyAction, ifMatch, overdueBy, transitionBody, utcToLocalInput } from '../loop';
import type { Action, ActionValues } from '../loop';
import type { PageProps, Referral, ReferralStatus } from '../types';
import { Field, FieldError, fieldId, StatusBadge, useTitle } from '../ui';
import { Rating, ReferralFields, Timeline, useReferral, useAnnouncer, Announcement } from './ReferralDetail';
import { ResendCode } from './ResendCode';

/** Why nothing more can be done, in a sentence for each final status. */
const FINAL_WORDS: Partial<Record<string, string>> = {
  closed: 'this referral is closed',
  declined: 'the practice declined this referral',
  unreachable: 'the patient could not be reached',
  cancelled: 'this referral was cancelled',
};

/** What was being written when someone else's change got in first (409/412): kept across the reload. */
interface Draft {
  to: ReferralStatus;
  values: ActionValues;
  /** the referral as the writer saw it */
  before: { status: ReferralStatus; version: number };
}

/** The draft's typed text, for showing it when its action is no longer possible. */
const draftText = (v: ActionValues) => [v.note, v.location].map((x) => x.trim()).filter(Boolean).join('\n');

export default function StaffReferral({ params }: PageProps) {
  const { r, etag, error, reload, replace } = useReferral(params.id);
  const { message, messageRef, say } = useAnnouncer();
  const [draft, setDraft] = useState<Draft | null>(null);
  const name = r ? `${r.patient.firstName} ${r.patient.lastName}` : 'Referral';
  useTitle(name);


  return (
    <>
      <p class="crumb">
        <a href="/practice/referrals">← All referrals</a>
      </p>
      {error && !r && (
        <>
          <h1>Referral</h1>
          <p class="notice notice-bad" role="alert">{error}</p>
        </>
      )}
      {!r && !error && <p class="loading" aria-live="polite">Loading…</p>}
      {r && (
        <>
          <h1>{name}</h1>
          <p class="badges summary-line">
            <StatusBadge status={r.status} />
            {r.overdue && <strong class="overdue-text">Overdue by {overdueBy(r.contactBy) || 'a moment'}</strong>}
          </p>
          <Announcement message={message} messageRef={messageRef} />
          {draft && <ConflictNotice draft={draft} r={r} onDismiss={() => setDraft(null)} />}
          {r.rating && (
            <section aria-labelledby="rating-h" class="rating-box">
              <h2 id="rating-h">Referrer’s rating of the handoff</h2>
              <Rating score={r.rating.score} at={r.rating.at} />
            </section>
          )}
          <Actions
            key={`${r.id}-${r.version}`}
            r={r}
            etag={etag}
            draft={draft}
            onDone={(next, tag, text) => {
              setDraft(null);
              replace(next, tag);
              say(`${text} Status: ${statusLabel(next.status)}.`);
            }}
            onConflict={async (to, values) => {
              // Keep what was typed, re-read the referral, and say what changed.
              setDraft({ to, values, before: { status: r.status, version: r.version } });
              const ok = await reload();
              say(ok ? 'Someone else changed this referral — here is the latest.' : 'Someone else changed this referral, and it could not be reloaded. Reload the page.', ok ? 'ok' : 'bad');
            }}
            onAllowed={(allowed) => replace({ ...r, allowed }, etag)}
          />
          <section aria-labelledby="details-h">
            <h2 id="details-h">Details</h2>
            <ReferralFields referral={r} staff />
          </section>
          <ResendCode r={r} say={say} />
          <Timeline entries={r.timeline} />
        </>
      )}
    </>
  );
}

/**
 * Says what changed while the draft was being written (the status and version before and now) and,
 * when the drafted step is no longer possible, shows the typed text to copy.
 */
function ConflictNotice({ draft, r, onDismiss }: { draft: Draft; r: Referral; onDismiss: () => void }) {
  const still = actionsFor(r).some((a) => a.to === draft.to && a.kind !== 'button');
  const text = draftText(draft.values);
  const moved = draft.before.status !== r.status;
  // The announcement above says that something changed (and has the focus); this says what.
  return (
    <div class="notice notice-warn conflict-notice">
      <p>
        <strong>Someone else changed this referral while you were writing.</strong>{' '}
        {moved
          ? `It was “${statusLabel(draft.before.status)}” and is now “${statusLabel(r.status)}”`
          : `Its status is still “${statusLabel(r.status)}”, but its details changed`}{' '}
        (version {draft.before.version} → {r.version}); the page shows the latest, and the timeline below says who did what.
      </p>
      {!text ? (
        <p>Your step was not saved: check the latest, then try it again.</p>
      ) : still ? (
        <p>Your text is kept in the form below: check that it still applies, then send it again.</p>
      ) : (
        <>
          <p>“{statusLabel(draft.to)}” is no longer possible from here, so nothing was sent.{text ? ' What you typed, to copy:' : ''}</p>
          {text && <pre class="draft-text">{text}</pre>}
          <button type="button" class="secondary small-button" onClick={onDismiss}>Dismiss</button>
        </>
      )}
    </div>
  );
}

interface ActionsProps {
  r: Referral;
  etag: string | null;
  /** a draft kept across a conflict: its action opens again with what was typed */
  draft?: Draft | null;
  onDone: (r: Referral, etag: string | null, text: string) => void;
  onConflict: (to: ReferralStatus, values: ActionValues) => void;
  onAllowed: (allowed: ReferralStatus[]) => void;
}

function Actions({ r, etag, draft, onDone, onConflict, onAllowed }: ActionsProps) {
  const actions = actionsFor(r);
  const kept = draft ? actions.find((a) => a.to === draft.to && a.kind !== 'button') ?? null : null;
  const [open, setOpen] = useState<Action | null>(kept);
  const [v, setV] = useState<ActionValues>(() => (kept && draft ? draft.values : emptyAction()));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState('');
  const [busy, setBusy] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);
  const set = (k: keyof ActionValues) => (x: string) => setV((old) => ({ ...old, [k]: x }));

  // a form that opens takes focus on its first field
  useEffect(() => {
    if (open) formRef.current?.querySelector<HTMLElement>('input, select, textarea, button[type=submit]')?.focus();
  }, [open]);

  const toggle = (a: Action) => {
    setErrors({});
    setFailure('');
    if (open?.to === a.to) return setOpen(null);
    setV(
      a.kind === 'schedule' && r.appointment
        ? { ...emptyAction(), at: utcToLocalInput(r.appointment.at), location: r.appointment.location }
        : emptyAction(),
    );
    setOpen(a);
  };

  const run = async (a: Action, values: ActionValues) => {
    if (busy) return;
    setFailure('');
    const { body, errors: errs } = transitionBody(a.to, values);
    setErrors(errs);
    if (!body) {
      const first = Object.keys(errs)[0];
      document.getElementById(fieldId(first))?.focus();
      return;
    }
    setBusy(true);
    try {
      const { data, etag: tag } = await requestTagged<Referral>('POST', `/v1/referrals/${encodeURIComponent(r.id)}/transitions`, {
        body,
        headers: { 'If-Match': ifMatch(etag, r.version) },
      });
      setBusy(false);
      onDone(data, tag, a.done);
    } catch (err) {
      setBusy(false);
      if (err instanceof ApiError && (err.status === 409 || err.status === 412)) return onConflict(a.to, values);
      if (err instanceof ApiError && err.status === 422) {
        // an illegal move lists the moves allowed now; for a final referral there are none, and the
        // problem has no `allowed`
        if (err.allowed || err.type.endsWith('/illegal-transition')) {
          const allowed = err.allowed ?? [];
          const words = allowed.map(statusLabel).join(', ') || 'nothing: it is final';
          setFailure(`${err.title}. Allowed now: ${words}.`);
          setOpen(null);
          onAllowed(allowed);
          return;
        }
        if (Object.keys(err.errors).length) {
          setErrors(err.errors);
          // a one-click action has no form to show its field errors in: say them in the notice
          const said = Object.values(err.errors).join('. ');
          setFailure(a.kind === 'button' ? said.charAt(0).toUpperCase() + said.slice(1) + '.' : err.title);
          const first = Object.keys(err.errors)[0];
          document.getElementById(fieldId(first))?.focus();
          return;
        }
      }
      setFailure(errorMessage(err));
    }
  };

  const submit = (e: Event) => {
    e.preventDefault();
    if (open) run(open, v);
  };

  // errors the form has no field for (e.g. "contact", "appointment", "to")
  const shown = new Set(['reason', 'note', 'contact.outcome', 'contact.channel', 'appointment.at', 'appointment.location']);
  const other = Object.entries(errors).filter(([k]) => !shown.has(k));

  return (
    <section aria-labelledby="actions-h" class="panel actions">
      <h2 id="actions-h">Next step</h2>
      {!actions.length && <p class="empty">Nothing more to do: {FINAL_WORDS[r.status] ?? `this referral is ${statusLabel(r.status).toLowerCase()}`}.</p>}
      {actions.length > 0 && (
        <div class="action-bar">
          {actions.map((a) =>
            a.kind === 'button' ? (
              <button key={a.to} type="button" onClick={() => { setOpen(null); setErrors({}); run(a, emptyAction()); }} disabled={busy}>
                {a.label}
              </button>
            ) : (
              <button
                key={a.to}
                type="button"
                class={`secondary${a.kind === 'confirm' ? ' danger' : ''}`}
                aria-expanded={open?.to === a.to}
                aria-controls="action-form"
                onClick={() => toggle(a)}
              >
                {a.label}
              </button>
            ),
          )}
        </div>
      )}
      {failure && (
        <p class="notice notice-bad" role="alert">
          {failure}
        </p>
      )}
      {open && (
        <form id="action-form" ref={formRef} onSubmit={submit} noValidate class="stack action-form" aria-label={open.label}>
          {open.kind === 'decline' && (
            <>
              <Select path="reason" label="Why decline?" value={v.reason} onValue={set('reason')} error={errors.reason} options={DECLINE_REASONS} placeholder="Choose a reason" />
              <Field
                path="note"
                label={v.reason === 'other' ? 'Where should the patient go instead?' : 'Note for the referrer (optional)'}
                hint={v.reason === 'other' ? 'Required for “other”.' : undefined}
                multiline
                maxLength={1000}
                value={v.note}
                onValue={set('note')}
                error={errors.note}
              />
            </>
          )}
          {open.kind === 'ask' && (
            <Field path="note" label="Question for the referrer" hint="They get an email with a link to answer it." multiline maxLength={1000} value={v.note} onValue={set('note')} error={errors.note} />
          )}
          {open.kind === 'contact' && (
            <>
              <p class="hint">Attempts so far: {r.contactAttempts ?? 0}</p>
              <Select path="contact.outcome" label="Outcome" value={v.outcome} onValue={set('outcome')} error={errors['contact.outcome']} options={CONTACT_OUTCOMES} placeholder="How did it go?" />
              <Select path="contact.channel" label="Channel" value={v.channel} onValue={set('channel')} error={errors['contact.channel']} options={CONTACT_CHANNELS} />
              <Field path="note" label="Note (optional)" multiline maxLength={1000} value={v.note} onValue={set('note')} error={errors.note} />
            </>
          )}
          {open.kind === 'schedule' && (
            <>
              <div class={`field${errors['appointment.at'] ? ' field-error' : ''}`}>
                <label for={fieldId('appointment.at')}>Date and time</label>
                <div id={`${fieldId('appointment.at')}-hint`} class="hint">
                  In your time zone ({Intl.DateTimeFormat().resolvedOptions().timeZone}).
                </div>
                <FieldError id={`${fieldId('appointment.at')}-error`} message={errors['appointment.at']} />
                <input
                  type="datetime-local"
                  id={fieldId('appointment.at')}
                  value={v.at}
                  onInput={(e) => set('at')(e.currentTarget.value)}
                  aria-invalid={errors['appointment.at'] ? 'true' : undefined}
                  aria-describedby={`${fieldId('appointment.at')}-hint${errors['appointment.at'] ? ` ${fieldId('appointment.at')}-error` : ''}`}
                />
              </div>
              <Field path="appointment.location" label="Location" hint="e.g. Main St clinic, room 2" maxLength={200} value={v.location} onValue={set('location')} error={errors['appointment.location']} />
              <Field path="note" label="Note (optional)" multiline maxLength={1000} value={v.note} onValue={set('note')} error={errors.note} />
            </>
          )}
          {open.kind === 'note' && (
            <Field
              path="note"
              label={open.to === 'closed' ? 'Outcome for the referrer (optional)' : 'Note (optional)'}
              hint={open.to === 'closed' ? 'Shared with the referrer only if the patient agreed to share outcomes.' : undefined}
              multiline
              maxLength={1000}
              value={v.note}
              onValue={set('note')}
              error={errors.note}
            />
          )}
          {open.kind === 'confirm' && (
            <>
              <p>
                <strong>Cancel this referral?</strong> It leaves the queue for good and the referrer is told.
              </p>
              <Field path="note" label="Why? (optional)" multiline maxLength={1000} value={v.note} onValue={set('note')} error={errors.note} />
            </>
          )}
          {other.map(([k, msg]) => (
            <p key={k} class="error-text">
              {k ? `${k}: ` : ''}
              {msg}
            </p>
          ))}
          <div class="action-bar">
            <button type="submit" class={open.kind === 'confirm' ? 'danger' : undefined} disabled={busy}>
              {busy ? 'Saving…' : open.submit}
            </button>
            <button type="button" class="secondary" onClick={() => setOpen(null)}>
              {open.kind === 'confirm' ? 'Keep it' : 'Never mind'}
            </button>
          </div>
        </form>
      )}
    </section>
  );
}

function Select({ path, label, value, onValue, error, options, placeholder }: { path: string; label: string; value: string; onValue: (v: string) => void; error?: string; options: [string, string][]; placeholder?: string }) {
  const id = fieldId(path);
  return (
    <div class={`field${error ? ' field-error' : ''}`}>
      <label for={id}>{label}</label>
      <FieldError id={`${id}-error`} message={error} />
      <select id={id} value={value} onChange={(e) => onValue(e.currentTarget.value)} aria-invalid={error ? 'true' : undefined} aria-describedby={error ? `${id}-error` : undefined}>
        {placeholder && <option value="">{placeholder}</option>}
        {options.map(([k, text]) => (
          <option key={k} value={k}>{text}</option>
        ))}
      </select>
    </div>
  );
}
