// /r/confirm#t=…: the link a patient's own referral form emailed. Opening it sends the request to
// the practice (the token is in the fragment: it never reaches a server log). Posting it again is
// harmless: the same referral comes back.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError, errorMessage } from '../api';
import type { SelfReferralConfirmed } from '../intake';
import type { PageProps } from '../types';
import { useTitle } from '../ui';

export default function SelfReferConfirm(_: PageProps) {
  useTitle('Confirm your request');
  const [done, setDone] = useState<SelfReferralConfirmed | null>(null);
  const [failure, setFailure] = useState<{ title: string; detail: string } | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    const token = new URLSearchParams(location.hash.slice(1)).get('t') ?? '';
    // The token leaves the address bar (and the history) at once.
    history.replaceState(history.state, '', location.pathname);
    if (!token) {
      setFailure({ title: 'This link is incomplete', detail: 'Open the link from the email again, or copy all of it into the address bar.' });
      return;
    }
    api.post<SelfReferralConfirmed>('/v1/self-referrals/confirmations', { token }, { anonymous: true }).then(setDone, (err) => {
      if (err instanceof ApiError && (err.status === 404 || err.status === 410))
        setFailure({ title: err.status === 410 ? 'This link has expired' : 'This link does not work', detail: 'Links work for 24 hours. Fill in the form again to get a new one.' });
      else setFailure({ title: 'Your request was not sent yet', detail: errorMessage(err) + ' Open the link again in a moment.' });
    });
  }, []);
  useEffect(() => {
    if (done || failure) heading.current?.focus();
  }, [done, failure]);

  if (failure)
    return (
      <section class="panel" aria-labelledby="confirm-h">
        <h1 id="confirm-h" tabIndex={-1} ref={heading}>{failure.title}</h1>
        <p role="alert">{failure.detail}</p>
      </section>
    );
  if (!done) return <p class="loading" aria-live="polite">Sending your request…</p>;
  const by = new Date(done.contactBy).toLocaleString(undefined, { weekday: 'long', month: 'long', day: 'numeric', hour: 'numeric', minute: '2-digit' });
  return (
    <section class="panel sent" aria-labelledby="confirm-h">
      <h1 id="confirm-h" tabIndex={-1} ref={heading}>{done.alreadyConfirmed ? 'Your request was already sent' : 'Your request was sent'}</h1>
      <p>
        {done.displayName} has your request (reference <strong>{done.ref}</strong>) and will be in touch by {by}.
      </p>
      {done.statusCodeSent && <p>We emailed a status code: with it and the date of birth you can see where the request stands at <a href="/status">Check status</a>.</p>}
      {done.phone && <p class="small">Questions? Call <a href={`tel:${done.phone.replace(/[^\d+]/g, '')}`}>{done.phone}</a>.</p>}
    </section>
  );
}
