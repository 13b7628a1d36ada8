// /rate#token=…&score=N: the one-click rating link from the "loop closed" email. Posts the link's
// score once on load (POST /v1/ratings), then thanks; another button changes the rating. The
// fragment is removed from the address bar as soon as it is read.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError, errorMessage } from '../api';
import { parseRateFragment } from '../lookup';
import type { RatingAnswer, RatingRequest } from '../types';

const SCORES = [1, 2, 3, 4, 5];
const WORDS = ['', 'Poor', 'Fair', 'Good', 'Very good', 'Excellent'];

export default function Rate() {
  const [link] = useState(() => parseRateFragment(location.hash));
  const [selected, setSelected] = useState<number | null>(link?.score ?? null);
  const [saved, setSaved] = useState<number | null>(null);
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState('');
  const [dead, setDead] = useState(false);
  const posted = useRef(false);
  const statusRef = useRef<HTMLParagraphElement>(null);

  useEffect(() => {
    document.title = 'Rate this referral handoff · Referloop';
    if (location.hash) history.replaceState(history.state, '', location.pathname + location.search);
    if (link?.score && !posted.current) {
      posted.current = true;
      rate(link.score);
    }
  }, []);

  async function rate(score: number) {
    if (!link) return;
    setSelected(score);
    setBusy(true);
    setFailure('');
    try {
      const res = await api.post<RatingAnswer>('/v1/ratings', { token: link.token, score } satisfies RatingRequest, { anonymous: true });
      setSaved(res?.score ?? score);
    } catch (err) {
      if (err instanceof ApiError && (err.status === 404 || err.status === 410 || err.status === 401)) setDead(true);
      else setFailure(errorMessage(err));
      setSelected(saved);
    } finally {
      setBusy(false);
      setTimeout(() => statusRef.current?.focus());
    }
  }

  if (!link || dead)
    return (
      <>
        <h1>Rate this referral handoff</h1>
        <p class="notice notice-bad" role="alert">
          {dead ? 'This rating link is not valid any more.' : 'This rating link is incomplete.'} Open the link from your email again, or
          ignore it: rating is optional.
        </p>
      </>
    );

  return (
    <>
      <h1>Rate this referral handoff</h1>
      <p>How well did the practice handle this referral, from sending it to closing the loop?</p>
      <div class="score-buttons" role="group" aria-label="Your rating, 1 (poor) to 5 (excellent)">
        {SCORES.map((n) => (
          <button
            key={n}
            type="button"
            class={n === selected ? 'score selected' : 'score secondary'}
            aria-pressed={n === selected}
            aria-label={`${n} of 5: ${WORDS[n]}`}
            disabled={busy}
            onClick={() => rate(n)}
          >
            {n}
          </button>
        ))}
      </div>
      <p class="hint score-scale">
        <span>1 = poor</span>
        <span>5 = excellent</span>
      </p>
      {failure ? (
        <p class="notice notice-bad" role="alert" tabIndex={-1} ref={statusRef}>
          {failure}
        </p>
      ) : (
        <p role="status" tabIndex={-1} ref={statusRef} class={saved ? 'notice notice-ok' : 'visually-hidden'}>
          {saved ? `Thanks — you rated ${saved}/5.` : busy ? 'Saving…' : ''}
          {saved ? ' Click another number to change it.' : ''}
        </p>
      )}
    </>
  );
}
