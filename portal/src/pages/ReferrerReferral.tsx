// /referrals/<id>: one referral for the referrer who sent it — where it stands in plain words, the
// practice's question with an answer form while it is needs-info, its fields and its timeline.
// The needs-info email links here.
import { useState } from 'preact/hooks';
import { api, ApiError, errorMessage } from '../api';
import { statusLabel } from '../format';
import { referrerWords } from '../loop';
import type { AnswerInput, PageProps, Referral } from '../types';
import { isEmail, isPhone } from '../validation';
import { Field, fieldId, StatusBadge, useTitle } from '../ui';
import { formatAppointment, Rating, ReferralFields, Timeline, useReferral, useAnnouncer, Announcement } from './ReferralDetail';

export default function ReferrerReferral({ params }: PageProps) {
  const { r, error, reload, replace } = useReferral(params.id);
  const { message, messageRef, say } = useAnnouncer();
  const name = r ? `Referral of ${r.patient.firstName} ${r.patient.lastName}` : 'Referral';
  useTitle(name);


  return (
    <>
      <p class="crumb">
        <a href="/referrals">← My referrals</a>
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
          <p class="status-line">
            <StatusBadge status={r.status} /> {referrerWords(r).text}
          </p>
          {r.appointment && (r.status === 'scheduled' || r.status === 'seen' || r.status === 'no-show') && (
            <p>
              <strong>Appointment:</strong> {formatAppointment(r.appointment)}
            </p>
          )}
          <Announcement message={message} messageRef={messageRef} />
          {r.status === 'needs-info' && (
            <Answer
              key={r.version}
              r={r}
              onDone={(next) => {
                replace(next, null);
                say(`Thank you — your answer was sent. Status: ${statusLabel(next.status)}.`);
              }}
              onStale={async () => {
                const ok = await reload();
                say(ok ? 'This question is no longer open — here is the latest.' : 'This referral could not be reloaded. Reload the page.', ok ? 'ok' : 'bad');
              }}
            />
          )}
          {r.rating && (
            <section aria-labelledby="rating-h">
              <h2 id="rating-h">Your rating of the handoff</h2>
              <Rating score={r.rating.score} at={r.rating.at} />
            </section>
          )}
          <section aria-labelledby="details-h">
            <h2 id="details-h">Details</h2>
            <ReferralFields referral={r} staff={false} />
          </section>
          <Timeline entries={r.timeline} />
        </>
      )}
    </>
  );
}

function Answer({ r, onDone, onStale }: { r: Referral; onDone: (r: Referral) => void; onStale: () => void }) {
  const [answer, setAnswer] = useState('');
  const [phone, setPhone] = useState('');
  const [email, setEmail] = useState('');
  const [insurance, setInsurance] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState('');
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    if (busy) return;
    setFailure('');
    const errs: Record<string, string> = {};
    const a = answer.trim();
    if (!a) errs.answer = 'Write your answer';
    else if (a.length > 1000) errs.answer = 'Use at most 1000 characters';
    if (phone.trim() && !isPhone(phone.trim())) errs['patient.phone'] = 'Enter a phone number: 7 to 15 digits, with spaces and + - ( ) . if you like';
    if (email.trim() && !isEmail(email.trim())) errs['patient.email'] = 'Enter an email address like name@example.com';
    if (insurance.trim().length > 120) errs.insurance = 'Use at most 120 characters';
    setErrors(errs);
    if (Object.keys(errs).length) {
      document.getElementById(fieldId(Object.keys(errs)[0]))?.focus();
      return;
    }
    const patient = { ...(phone.trim() ? { phone: phone.trim() } : {}), ...(email.trim() ? { email: email.trim() } : {}) };
    const body: AnswerInput = {
      answer: a,
      ...(Object.keys(patient).length ? { patient } : {}),
      ...(insurance.trim() ? { insurance: insurance.trim() } : {}),
    };
    setBusy(true);
    try {
      const next = await api.post<Referral>(`/v1/referrals/${encodeURIComponent(r.id)}/answers`, body);
      setBusy(false);
      onDone(next);
    } catch (err) {
      setBusy(false);
      if (err instanceof ApiError && err.status === 409) return onStale();
      if (err instanceof ApiError && err.status === 422 && Object.keys(err.errors).length) {
        setErrors(err.errors);
        document.getElementById(fieldId(Object.keys(err.errors)[0]))?.focus();
      }
      setFailure(errorMessage(err));
    }
  };

  return (
    <section class="panel question" aria-labelledby="question-h">
      <h2 id="question-h">The practice has a question</h2>
      <blockquote class="pre">{r.question || 'The practice needs more information about this referral.'}</blockquote>
      <form onSubmit={submit} noValidate class="stack">
        <Field path="answer" label="Your answer" multiline maxLength={1000} value={answer} onValue={setAnswer} error={errors.answer} />
        <details class="more" open={!!(errors['patient.phone'] || errors['patient.email'] || errors.insurance)}>
          <summary>Update the patient’s contact or insurance (optional)</summary>
          <div class="stack">
            <Field path="patient.phone" label="Patient phone (optional)" type="tel" autoComplete="off" hint={r.patient.phone ? `Now: ${r.patient.phone}` : undefined} value={phone} onValue={setPhone} error={errors['patient.phone']} />
            <Field path="patient.email" label="Patient email (optional)" type="email" autoComplete="off" hint={r.patient.email ? `Now: ${r.patient.email}` : undefined} value={email} onValue={setEmail} error={errors['patient.email']} />
            <Field path="insurance" label="Insurance (optional)" autoComplete="off" hint={r.insurance ? `Now: ${r.insurance}` : undefined} value={insurance} onValue={setInsurance} error={errors.insurance} />
          </div>
        </details>
        {failure && (
          <p class="notice notice-bad" role="alert">
            {failure}
          </p>
        )}
        <button type="submit" disabled={busy}>{busy ? 'Sending…' : 'Send answer'}</button>
      </form>
    </section>
  );
}
