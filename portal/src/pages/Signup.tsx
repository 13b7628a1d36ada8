import { useState } from 'preact/hooks';
import { api, ApiError, errorMessage } from '../api';
import { isEmail } from '../validation';
import { Field, Status, useTitle } from '../ui';
import { CheckEmail } from './CheckEmail';
import type { SignupRequest } from '../types';

export default function Signup() {
  useTitle('Sign up your practice');
  const [practiceName, setPracticeName] = useState('');
  const [email, setEmail] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState('');
  const [busy, setBusy] = useState(false);
  const [sent, setSent] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    if (busy) return;
    const errs: Record<string, string> = {};
    if (!practiceName.trim()) errs.practiceName = 'Enter your practice’s name';
    if (!isEmail(email.trim())) errs.email = 'Enter an email address like name@example.com';
    setErrors(errs);
    setFailure('');
    if (Object.keys(errs).length) {
      document.getElementById(Object.keys(errs)[0] === 'email' ? 'f-email' : 'f-practiceName')?.focus();
      return;
    }
    setBusy(true);
    try {
      // The practice starts in the owner's time zone (Settings changes it).
      const timeZone = Intl.DateTimeFormat().resolvedOptions().timeZone || undefined;
      await api.post('/v1/practices', { practiceName: practiceName.trim(), email: email.trim(), timeZone } satisfies SignupRequest, { anonymous: true });
      setSent(true);
    } catch (err) {
      if (err instanceof ApiError && err.status === 422 && Object.keys(err.errors).length) setErrors(err.errors);
      setFailure(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <h1>Sign up your practice</h1>
      {sent ? (
        <CheckEmail email={email.trim()} onAgain={() => setSent(false)} />
      ) : (
        <form onSubmit={submit} noValidate class="stack">
          <p>We email you a sign-in link. Confirm it and your practice is set up; then describe who you see and invite your referral partners.</p>
          <Field path="practiceName" label="Practice name" value={practiceName} onValue={setPracticeName} error={errors.practiceName} autoComplete="organization" required />
          <Field path="email" label="Your work email" type="email" value={email} onValue={setEmail} error={errors.email} autoComplete="email" required />
          <Status tone="bad">{failure}</Status>
          <button type="submit" disabled={busy}>{busy ? 'Sending…' : 'Email me a sign-in link'}</button>
          <p class="small">Already signed up? <a href="/signin">Sign in</a></p>
        </form>
      )}
    </>
  );
}
