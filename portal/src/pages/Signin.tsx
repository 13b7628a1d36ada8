import { useState } from 'preact/hooks';
import { api, ApiError, errorMessage } from '../api';
import { ENDED_KEY } from '../routes';
import type { LinkRequest as LinkRequestBody, PageProps } from '../types';
import { isEmail } from '../validation';
import { Field, Status, useTitle } from '../ui';
import { CheckEmail } from './CheckEmail';

/** /signin: one sign-in for everyone. The email holds a link for each practice and role the address
 *  belongs to (staff of one, referrer of two…); `?practice=` of older links is ignored. */
export default function Signin(_: PageProps) {
  const [idle] = useState(() => {
    try {
      const v = sessionStorage.getItem(ENDED_KEY);
      sessionStorage.removeItem(ENDED_KEY);
      return v === 'idle';
    } catch {
      return false;
    }
  });
  useTitle('Sign in');

  return (
    <>
      <h1>Sign in</h1>
      {idle && (
        <p class="notice notice-ok" role="status">
          You were signed out because the session was not used for a while. Sign in again to go on.
        </p>
      )}
      <p>Practice staff and referring providers alike: enter your email and we send you a link for each practice you work with.</p>
      <LinkRequest label="Your email" />
      <p class="small">New here? <a href="/signup">Sign up your practice</a>. Referring to a practice for the first time? Use the link on its page.</p>
    </>
  );
}

/** An email box that asks for a magic link (POST /v1/auth/links). Also used on /p/<slug>. */
export function LinkRequest({ practice, label, button = 'Email me a sign-in link' }: { practice?: string; label: string; button?: string }) {
  const [email, setEmail] = useState('');
  const [error, setError] = useState('');
  const [failure, setFailure] = useState('');
  const [busy, setBusy] = useState(false);
  const [sent, setSent] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    if (busy) return;
    setFailure('');
    if (!isEmail(email.trim())) {
      setError('Enter an email address like name@example.com');
      document.getElementById('f-email')?.focus();
      return;
    }
    setError('');
    setBusy(true);
    try {
      await api.post('/v1/auth/links', (practice ? { email: email.trim(), practice } : { email: email.trim() }) satisfies LinkRequestBody, { anonymous: true });
      setSent(true);
    } catch (err) {
      if (err instanceof ApiError && err.errors.email) setError(err.errors.email);
      setFailure(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  if (sent) return <CheckEmail email={email.trim()} practice={practice} onAgain={() => setSent(false)} />;
  return (
    <form onSubmit={submit} noValidate class="stack">
      <Field path="email" label={label} type="email" value={email} onValue={setEmail} error={error} autoComplete="email" required />
      <Status tone="bad">{failure}</Status>
      <button type="submit" disabled={busy}>{busy ? 'Sending…' : button}</button>
    </form>
  );
}
