// /r/:slug: a patient refers themselves or someone they know. Nothing reaches the practice until
// the emailed link is opened (/r/confirm). The form is its own route chunk: the referrers' form
// keeps its size budget.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError, errorMessage } from '../api';
import { hours } from '../format';
import { emptyIntake, intakeBody, SENT_BY, validateIntake } from '../intake';
import type { Errors, IntakeValues, SelfReferralAccepted } from '../intake';
import type { PageProps, PublicProfile } from '../types';
import { formatDob } from '../validation';
import { ErrorSummary, Field, FieldError, fieldId, Status, useTitle } from '../ui';
import './intake.css';

const LABELS: Record<string, string> = {
  forWhom: 'Who it is for',
  sentBy: 'Who sent you',
  doctorName: "Doctor's name",
  doctorPractice: "Doctor's practice",
  yourName: 'Your name',
  yourEmail: 'Your email',
  'patient.firstName': 'First name',
  'patient.lastName': 'Last name',
  'patient.dateOfBirth': 'Date of birth',
  'patient.phone': 'Phone',
  'patient.email': 'Email',
  'patient.consentToContact': 'Agreement',
  reason: 'What you need help with',
  insurance: 'Insurance',
  note: 'Anything else',
};

export default function SelfRefer({ params }: PageProps) {
  const slug = params.slug;
  const [profile, setProfile] = useState<PublicProfile | null>(null);
  const [loadError, setLoadError] = useState('');
  const [v, setV] = useState<IntakeValues>(emptyIntake);
  const [errors, setErrors] = useState<Errors>({});
  const [summaryKey, setSummaryKey] = useState(0);
  const [failure, setFailure] = useState('');
  const [sending, setSending] = useState(false);
  const [sent, setSent] = useState<{ to: string; hours: number } | null>(null);
  const startedAt = useRef<number | null>(null);
  const sentHeading = useRef<HTMLHeadingElement>(null);
  useTitle(profile ? `Ask ${profile.name} for an appointment` : 'Ask for an appointment');

  useEffect(() => {
    api.get<PublicProfile>(`/v1/practices/${encodeURIComponent(slug)}/profile`, { anonymous: true }).then(setProfile, (err) =>
      setLoadError(err instanceof ApiError && err.status === 404 ? 'There is no practice at this address.' : errorMessage(err)),
    );
  }, [slug]);
  useEffect(() => {
    if (sent) sentHeading.current?.focus();
  }, [sent]);

  if (loadError) return <p class="notice notice-bad" role="alert">{loadError}</p>;
  if (!profile) return <p class="loading" aria-live="polite">Loading…</p>;

  const set = <K extends keyof IntakeValues>(k: K) => (x: IntakeValues[K]) => setV((old) => ({ ...old, [k]: x }));
  const someone = v.forWhom === 'someone';
  const fail = (errs: Errors) => {
    setErrors(errs);
    setSummaryKey((n) => n + 1);
  };

  const submit = async (e: Event) => {
    e.preventDefault();
    if (sending) return;
    setFailure('');
    const errs = validateIntake(v);
    if (Object.keys(errs).length) return fail(errs);
    setSending(true);
    try {
      const r = await api.post<SelfReferralAccepted>(`/v1/practices/${encodeURIComponent(slug)}/self-referrals`,
        intakeBody(v, startedAt.current === null ? 0 : performance.now() - startedAt.current), { anonymous: true });
      setErrors({});
      setSent({ to: (someone ? v.yourEmail : v.email).trim(), hours: r.validHours });
    } catch (err) {
      if (err instanceof ApiError && err.status === 422 && Object.keys(err.errors).length) fail(err.errors);
      else setFailure(errorMessage(err));
    } finally {
      setSending(false);
    }
  };

  if (sent)
    return (
      <section class="panel sent" aria-labelledby="sent-h">
        <h1 id="sent-h" tabIndex={-1} ref={sentHeading}>Check your email</h1>
        <p>
          We sent a link to <strong>{sent.to}</strong>. Open it within {sent.hours} hours to send your request to {profile.name}.
          Nothing is sent until you do.
        </p>
        <p class="small">No email after a few minutes? Check your spam folder{profile.intakeContact?.phone ? <>, or call {profile.intakeContact.phone}</> : null}.</p>
      </section>
    );

  const c = profile.contactByHours;
  return (
    <>
      <h1>Ask {profile.name} for an appointment</h1>
      <p>
        For yourself, or for someone you know. {c ? `We contact you within ${hours(c.default)}.` : ''} We email you a link first, to make sure the address is yours.
      </p>
      {profile.notAMatch && <p class="small practice-notes"><strong>We may not be the right place for:</strong> {profile.notAMatch}</p>}
      <form
        onSubmit={submit}
        noValidate
        class="stack"
        aria-describedby="intake-required"
        onInput={() => {
          if (startedAt.current === null) startedAt.current = performance.now();
        }}
      >
        <ErrorSummary errors={errors} labels={LABELS} focusKey={summaryKey} />
        <p id="intake-required" class="hint">Every question needs an answer unless it says optional.</p>

        <Choices path="forWhom" legend="Who is this for?" error={errors.forWhom} value={v.forWhom} onValue={(x) => set('forWhom')(x as IntakeValues['forWhom'])}
          options={[['me', 'Me'], ['someone', 'Someone I know (a friend or family member)']]} />

        {someone && (
          <fieldset>
            <legend>About you</legend>
            <Field path="yourName" label="Your name" autoComplete="name" value={v.yourName} onValue={set('yourName')} error={errors.yourName} />
            <Field path="yourEmail" label="Your email" type="email" autoComplete="email" hint="We send the link to confirm here." value={v.yourEmail} onValue={set('yourEmail')} error={errors.yourEmail} />
          </fieldset>
        )}

        <Choices path="sentBy" legend="Who sent you to us?" error={errors.sentBy} value={v.sentBy} onValue={(x) => set('sentBy')(x as IntakeValues['sentBy'])} options={SENT_BY} />
        {v.sentBy === 'doctor' && (
          <div class="two-col">
            <Field path="doctorName" label="Doctor's name (optional)" value={v.doctorName} onValue={set('doctorName')} error={errors.doctorName} autoComplete="off" />
            <Field path="doctorPractice" label="Their practice (optional)" value={v.doctorPractice} onValue={set('doctorPractice')} error={errors.doctorPractice} autoComplete="off" />
          </div>
        )}

        <fieldset>
          <legend>{someone ? 'About the person you are referring' : 'About you'}</legend>
          <div class="two-col">
            <Field path="patient.firstName" label="First name" autoComplete={someone ? 'off' : 'given-name'} value={v.firstName} onValue={set('firstName')} error={errors['patient.firstName']} />
            <Field path="patient.lastName" label="Last name" autoComplete={someone ? 'off' : 'family-name'} value={v.lastName} onValue={set('lastName')} error={errors['patient.lastName']} />
          </div>
          <Field path="patient.dateOfBirth" label="Date of birth" hint="MM/DD/YYYY, e.g. 04/02/1980" inputMode="numeric" maxLength={10} placeholder="MM/DD/YYYY"
            autoComplete={someone ? 'off' : 'bday'} value={v.dateOfBirth} onValue={(x) => set('dateOfBirth')(formatDob(x))} error={errors['patient.dateOfBirth']} class="short" />
          <Field path="patient.phone" label={someone ? 'Their phone' : 'Phone (optional)'} type="tel" autoComplete={someone ? 'off' : 'tel'} value={v.phone} onValue={set('phone')} error={errors['patient.phone']}
            hint={someone ? 'Their phone or email: at least one.' : undefined} />
          <Field path="patient.email" label={someone ? 'Their email (optional if you gave a phone)' : 'Email'} type="email" autoComplete={someone ? 'off' : 'email'}
            hint={someone ? undefined : 'We send the link to confirm here.'} value={v.email} onValue={set('email')} error={errors['patient.email']} />
        </fieldset>

        <Field path="reason" label="What do you need help with?" hint={profile.conditions?.length ? `We see: ${profile.conditions.join(', ')}.` : undefined}
          value={v.reason} onValue={set('reason')} error={errors.reason} maxLength={200} autoComplete="off" />
        <Field path="insurance" label="Insurance (optional)" hint={profile.insuranceNotes || undefined} value={v.insurance} onValue={set('insurance')} error={errors.insurance} autoComplete="off" />
        <Field path="note" label="Anything else we should know? (optional)" multiline maxLength={1000} value={v.note} onValue={set('note')} error={errors.note} />

        {/* The honeypot: hidden from people and screen readers, out of the tab order. */}
        <div class="hp" aria-hidden="true">
          <label for="f-website">Website</label>
          <input id="f-website" name="website" type="text" tabIndex={-1} autoComplete="off" value={v.website} onInput={(e) => set('website')(e.currentTarget.value)} />
        </div>

        <div class={`field check${errors['patient.consentToContact'] ? ' field-error' : ''}`}>
          <FieldError id="f-patient-consentToContact-error" message={errors['patient.consentToContact']} />
          <input type="checkbox" id={fieldId('patient.consentToContact')} checked={v.consentToContact}
            aria-invalid={errors['patient.consentToContact'] ? 'true' : undefined}
            aria-describedby={errors['patient.consentToContact'] ? 'f-patient-consentToContact-error' : undefined}
            onChange={(e) => set('consentToContact')(e.currentTarget.checked)} />
          <label for={fieldId('patient.consentToContact')}>
            {someone ? `They agree that ${profile.name} may contact them about an appointment` : `I agree that ${profile.name} may contact me about an appointment`}
          </label>
        </div>

        <Status tone="bad">{failure}</Status>
        <button type="submit" class="primary" disabled={sending} aria-disabled={sending}>{sending ? 'Sending…' : 'Send'}</button>
      </form>
    </>
  );
}

function Choices({ path, legend, options, value, onValue, error }: {
  path: string; legend: string; options: [string, string][]; value: string; onValue: (v: string) => void; error?: string;
}) {
  return (
    <fieldset data-path={path} class={error ? 'field-error' : ''} aria-describedby={error ? `${fieldId(path)}-error` : undefined}>
      <legend>{legend}</legend>
      <FieldError id={`${fieldId(path)}-error`} message={error} />
      <div class="choices">
        {options.map(([k, label], i) => (
          <div class="choice" key={k}>
            <input type="radio" name={path} id={i === 0 ? fieldId(path) : `${fieldId(path)}-${k}`} value={k} checked={value === k} onChange={() => onValue(k)} />
            <label for={i === 0 ? fieldId(path) : `${fieldId(path)}-${k}`}>{label}</label>
          </div>
        ))}
      </div>
    </fieldset>
  );
}
