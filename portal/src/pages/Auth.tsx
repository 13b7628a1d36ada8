// The magic-link landing page: /auth#token=…  It never calls the API on load (mail scanners
// open links); the person confirms with a click.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError, errorMessage } from '../api';
import { navigate } from '../router';
import { homeOf, takeReturn } from '../routes';
import type { Me, PageProps, SessionRequest } from '../types';
import { Status, useTitle } from '../ui';

function tokenFromHash(hash: string): string {
  return new URLSearchParams(hash.replace(/^#/, '')).get('token') ?? '';
}

export default function Auth({ setMe }: PageProps) {
  useTitle('Sign in to Referloop');
  const [token] = useState(() => tokenFromHash(location.hash));
  const [busy, setBusy] = useState(false);
  const [expired, setExpired] = useState(false);
  const [failure, setFailure] = useState('');
  const button = useRef<HTMLButtonElement>(null);
  useEffect(() => button.current?.focus(), []);

  const confirm = async () => {
    if (busy) return;
    setBusy(true);
    setFailure('');
    try {
      const me = await api.post<Me>('/v1/auth/sessions', { token } satisfies SessionRequest, { anonymous: true });
      history.replaceState(null, '', location.pathname + location.search);
      setMe(me);
      navigate(takeReturn(me) ?? homeOf(me), { replace: true });
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) {
        history.replaceState(null, '', location.pathname + location.search);
        setExpired(true);
      } else setFailure(errorMessage(err));
      setBusy(false);
    }
  };

  if (!token || expired)
    return (
      <>
        <h1>Sign in to Referloop</h1>
        <div class="notice notice-bad" role="alert">
          <p>{expired ? 'This link has expired or was already used.' : 'This sign-in link is incomplete.'}</p>
          <p>
            <a href="/signin">Get a new sign-in link</a>
          </p>
        </div>
      </>
    );

  return (
    <>
      <h1>Sign in to Referloop</h1>
      <p>Confirm to finish signing in on this device.</p>
      <Status tone="bad">{failure}</Status>
      <button type="button" ref={button} onClick={confirm} disabled={busy}>
        {busy ? 'Signing in…' : 'Confirm'}
      </button>
    </>
  );
}
