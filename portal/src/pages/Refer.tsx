// /refer: the two-minute referral form. Referrer details come from the session; only the
// minimum referral is asked, the rest is optional and collapsed.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError, errorMessage } from '../api';
import { formatDateTime, hours, statusLabel } from '../format';
import { unreachedNote } from '../reach';
import type { PageProps, PublicProfile, Referral, Urgency } from '../types';
import { ulid } from '../ulid';
import { emptyReferral, formatDob, NOTE_MAX, OTHER, referralBody, validateReferral } from '../validation';
import type { Errors, ReferralValues } from '../validation';
import { ErrorSummary, Field, FieldError, fieldId, Status, useTitle } from '../ui';

const LABELS: Record<string, string> = {
  'patient.firstName': 'First name',
  'patient.lastName': 'Last name',
  'patient.dateOfBirth': 'Date of birth',
  'patient.phone': 'Phone',
  'patient.email': 'Email',
  'patient.consentToContact': 'Consent',
  'patient.consentToShareOutcomes': 'Consent to share outcomes',
  patient: 'Patient',
  reason: 'Reason',
  urgency: 'Urgency',
  note: 'Note',
  insurance: 'Insurance',
  'Idempotency-Key': 'Form',
};

const URGENCIES: Urgency[] = ['routine', 'soon', 'urgent'];
const RETRYABLE = new Set([0, 502, 503, 504]);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export default function Refer({ me }: PageProps) {
  useTitle('Refer a patient');
  const [profile, setProfile] = useState<PublicProfile | null>(null);
  const [loadError, setLoadError] = useState('');
  const [v, setV] = useState<ReferralValues>(emptyReferral);
  // The Idempotency-Key: made when the form is first shown, kept for every retry of this form.
  const [key, setKey] = useState(ulid);
  const [errors, setErrors] = useState<Errors>({});
  const [summaryKey, setSummaryKey] = useState(0);
  const [failure, setFailure] = useState('');
  const [sending, setSending] = useState(false);
  const [sent, setSent] = useState<Referral | null>(null);
  const inFlight = useRef(false);
  const startedAt = useRef<number | null>(null);
  const firstField = useRef<HTMLInputElement>(null);
  const sentHeading = useRef<HTMLHeadingElement>(null);

  const slug = me?.practice.slug;
  useEffect(() => {
    if (!slug) return;
    api.get<PublicProfile>(`/v1/practices/${encodeURIComponent(slug)}/profile`).then(setProfile, (err) => setLoadError(errorMessage(err)));
  }, [slug]);

  useEffect(() => {
    if (sent) sentHeading.current?.focus();
  }, [sent]);

  // "Refer another patient" starts a new form (and a new key) with focus on its first field
  const [round, setRound] = useState(0);
  useEffect(() => {
    if (round) firstField.current?.focus();
  }, [round]);

  if (!me) return null;
  if (loadError) return <p class="notice notice-bad" role="alert">{loadError}</p>;
  if (!profile) return <p class="loading" aria-live="polite">Loading…</p>;

  const set = <K extends keyof ReferralValues>(k: K) => (x: ReferralValues[K]) => setV((old) => ({ ...old, [k]: x }));
  const hoursFor = (u: Urgency) =>
    u === 'urgent' ? profile.contactByHours?.urgent : u === 'soon' ? profile.contactByHours?.soon || profile.contactByHours?.default : profile.contactByHours?.default;
  const unreached = unreachedNote(v.phone, v.email, profile.country || me.practice.country);
  const referringAs = [me.user.name || me.user.email, me.partner?.name].filter(Boolean).join(', ');

  const fail = (errs: Errors) => {
    setErrors(errs);
    setSummaryKey((n) => n + 1);
  };

  const submit = async (e: Event) => {
    e.preventDefault();
    if (inFlight.current) return; // a double click submits once
    setFailure('');
    const errs = validateReferral(v);
    if (Object.keys(errs).length) return fail(errs);
    inFlight.current = true;
    setSending(true);
    const body = referralBody(v, startedAt.current === null ? 0 : performance.now() - startedAt.current);
    try {
      for (let attempt = 1; ; attempt++) {
        try {
          const r = await api.post<Referral>('/v1/referrals', body, { headers: { 'Idempotency-Key': key } });
          setErrors({});
          setSent(r);
          return;
        } catch (err) {
          // the same key makes a retry safe: the server answers with the referral it already made
          if (err instanceof ApiError && RETRYABLE.has(err.status) && attempt < 3) {
            await sleep(attempt * 800);
            continue;
          }
          throw err;
        }
      }
    } catch (err) {
      if (err instanceof ApiError && err.status === 422 && Object.keys(err.errors).length) {
        if (err.errors['Idempotency-Key']) {
          // the key was too old (24 h) or already used for a different referral: this form gets a
          // new key, and the person checks before sending again
          setKey(ulid());
          fail({ 'Idempotency-Key': `This form could not be sent as it was (${err.errors['Idempotency-Key']}). Check My referrals; if the patient is not there, send it again.` });
        } else fail(err.errors);
      } else setFailure(errorMessage(err));
    } finally {
      inFlight.current = false;
      setSending(false);
    }
  };

  const another = () => {
    setV(emptyReferral());
    setKey(ulid());
    setErrors({});
    setFailure('');
    setSent(null);
    startedAt.current = null;
    setRound((n) => n + 1);
  };

  if (sent)
    return (
      <section class="panel sent" aria-labelledby="sent-h">
        <h1 id="sent-h" tabIndex={-1} ref={sentHeading}>Referral sent</h1>
        <p>
          Status: <span class={`badge badge-${sent.status}`}>{statusLabel(sent.status)}</span>
        </p>
        <p>
          {profile.name} will contact {sent.patient.firstName} by {formatDateTime(sent.contactBy)}.
          You can follow it under <a href="/referrals">My referrals</a>.
        </p>
        <button type="button" onClick={another}>Refer another patient</button>
      </section>
    );

  const reasonErr = errors.reason;
  const contactErr = errors['patient.phone'] || errors['patient.email'] || errors.patient;

  return (
    <>
      <h1>Refer a patient to {profile.name}</h1>
      <p class="small">Referring as <strong>{referringAs}</strong></p>
      <div class="small practice-notes">
        {profile.notAMatch && <p><strong>Not a match:</strong> {profile.notAMatch}</p>}
        {profile.contactByHours && (
          <p>
            {profile.name} contacts referred patients within {hours(profile.contactByHours.default)} (urgent: {hours(profile.contactByHours.urgent)}).
          </p>
        )}
      </div>

      <form
        onSubmit={submit}
        noValidate
        class="stack"
        onInput={() => {
          if (startedAt.current === null) startedAt.current = performance.now();
        }}
        aria-describedby="required-note"
      >
        <ErrorSummary errors={errors} labels={LABELS} focusKey={summaryKey} />
        <p id="required-note" class="hint">All fields are required unless marked optional.</p>

        <fieldset>
          <legend>Patient</legend>
          <div class="two-col">
            <Field path="patient.firstName" label="First name" value={v.firstName} onValue={set('firstName')} error={errors['patient.firstName']} autoComplete="off" inputRef={firstField} />
            <Field path="patient.lastName" label="Last name" value={v.lastName} onValue={set('lastName')} error={errors['patient.lastName']} autoComplete="off" />
          </div>
          <Field
            path="patient.dateOfBirth"
            label="Date of birth"
            hint="MM/DD/YYYY, e.g. 04/02/1980"
            inputMode="numeric"
            autoComplete="off"
            maxLength={10}
            placeholder="MM/DD/YYYY"
            value={v.dateOfBirth}
            onValue={(x) => set('dateOfBirth')(formatDob(x))}
            error={errors['patient.dateOfBirth']}
            class="short"
          />
        </fieldset>

        <fieldset data-path="patient.phone" aria-describedby="contact-hint">
          <legend>How to reach the patient</legend>
          <p id="contact-hint" class="hint">A phone number, an email address, or both: at least one.</p>
          <FieldError id="contact-error" message={contactErr && !errors['patient.email'] && !errors['patient.phone'] ? contactErr : undefined} />
          <Field path="patient.phone" label="Phone" type="tel" autoComplete="off" value={v.phone} onValue={set('phone')} error={errors['patient.phone']} />
          <Field path="patient.email" label="Email" type="email" autoComplete="off" value={v.email} onValue={set('email')} error={errors['patient.email']} />
          <p class={unreached ? 'notice' : 'visually-hidden'} role="status" id="reach-note">
            {unreached}
          </p>
        </fieldset>

        <div class={`field check${errors['patient.consentToContact'] ? ' field-error' : ''}`}>
          <FieldError id="f-patient-consentToContact-error" message={errors['patient.consentToContact']} />
          <input
            type="checkbox"
            id={fieldId('patient.consentToContact')}
            checked={v.consentToContact}
            aria-invalid={errors['patient.consentToContact'] ? 'true' : undefined}
            aria-describedby={errors['patient.consentToContact'] ? 'f-patient-consentToContact-error' : undefined}
            onChange={(e) => set('consentToContact')(e.currentTarget.checked)}
          />
          <label for={fieldId('patient.consentToContact')}>The patient agrees to be contacted by {profile.name}</label>
        </div>

        <fieldset data-path="reason" class={reasonErr ? 'field-error' : ''} aria-describedby={reasonErr ? 'reason-error' : undefined}>
          <legend>Reason for referral</legend>
          <FieldError id="reason-error" message={reasonErr} />
          <div class="choices">
            {profile.conditions.map((c, i) => (
              <div class="choice" key={c}>
                <input type="radio" name="reason" id={i === 0 ? fieldId('reason') : `reason-${i}`} value={c} checked={v.reasonChoice === c} onChange={() => set('reasonChoice')(c)} />
                <label for={i === 0 ? fieldId('reason') : `reason-${i}`}>{c}</label>
              </div>
            ))}
            <div class="choice">
              <input
                type="radio"
                name="reason"
                id={profile.conditions.length ? 'reason-other' : fieldId('reason')}
                value="other"
                checked={v.reasonChoice === OTHER}
                onChange={() => set('reasonChoice')(OTHER)}
              />
              <label for={profile.conditions.length ? 'reason-other' : fieldId('reason')}>Other</label>
            </div>
          </div>
          {v.reasonChoice === OTHER && <Field path="otherReason" label="Other reason" value={v.otherReason} onValue={set('otherReason')} maxLength={200} autoComplete="off" />}
        </fieldset>

        <fieldset data-path="urgency" class={errors.urgency ? 'field-error' : ''}>
          <legend>Urgency</legend>
          <FieldError id="urgency-error" message={errors.urgency} />
          <div class="choices horizontal">
            {URGENCIES.map((u) => (
              <div class="choice" key={u}>
                <input type="radio" name="urgency" id={u === 'routine' ? fieldId('urgency') : `urgency-${u}`} value={u} checked={v.urgency === u} onChange={() => set('urgency')(u)} aria-describedby={`urgency-${u}-hint`} />
                <label for={u === 'routine' ? fieldId('urgency') : `urgency-${u}`}>{u[0].toUpperCase() + u.slice(1)}</label>
                <span id={`urgency-${u}-hint`} class="visually-hidden">
                  {hoursFor(u) ? `, contacted within ${hours(hoursFor(u)!)}` : ''}
                </span>
              </div>
            ))}
          </div>
        </fieldset>

        <details class="more" open={!!(errors.note || errors.insurance || errors['patient.consentToShareOutcomes'])}>
          <summary>More (optional)</summary>
          <div class="stack">
            <Field
              path="note"
              label="Note (optional)"
              multiline
              maxLength={NOTE_MAX}
              hint={<span aria-live="off">{v.note.length}/{NOTE_MAX} characters</span>}
              value={v.note}
              onValue={set('note')}
              error={errors.note}
            />
            <Field
              path="insurance"
              label="Insurance (optional)"
              hint={profile.insuranceNotes ? `${profile.name}: ${profile.insuranceNotes}` : undefined}
              value={v.insurance}
              onValue={set('insurance')}
              error={errors.insurance}
              autoComplete="off"
            />
            <div class="field check">
              <input
                type="checkbox"
                id={fieldId('patient.consentToShareOutcomes')}
                checked={v.consentToShareOutcomes}
                onChange={(e) => set('consentToShareOutcomes')(e.currentTarget.checked)}
              />
              <label for={fieldId('patient.consentToShareOutcomes')}>The patient agrees that {profile.name} may share outcomes with me (optional)</label>
            </div>
          </div>
        </details>

        <Status tone="bad">{failure}</Status>
        <button type="submit" class="primary" disabled={sending} aria-disabled={sending}>
          {sending ? 'Sending…' : 'Send referral'}
        </button>
      </form>
    </>
  );
}
