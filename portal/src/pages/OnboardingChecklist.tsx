// The new practice's checklist on the staff home (GET /v1/onboarding): four first steps, each ticked
// by what the practice did; shown until every step is done or staff dismiss it. Copying the public
// link is the "shared" step (POST /v1/onboarding/steps {"step": "link-shared"}).
import { useEffect, useState } from 'preact/hooks';
import { api, errorMessage } from '../api';
import type { Onboarding } from '../types';

export function OnboardingChecklist() {
  const [o, setO] = useState<Onboarding | null>(null);
  const [said, setSaid] = useState('');
  useEffect(() => {
    let live = true;
    api.get<Onboarding>('/v1/onboarding').then((x) => live && setO(x), () => {});
    return () => {
      live = false;
    };
  }, []);
  if (!o || o.done || o.dismissed) return null;

  const url = `${location.origin}${o.publicPath}`;
  const record = (step: 'link-shared' | 'dismissed') => api.post<Onboarding>('/v1/onboarding/steps', { step }).then(setO);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(url);
      setSaid(`Copied ${url}. Send it to the offices that refer to you.`);
    } catch {
      setSaid(`Select and copy the link: ${url}`);
    }
    record('link-shared').catch((err) => setSaid(errorMessage(err)));
  };
  const left = o.steps.filter((s) => !s.done).length;
  return (
    <section class="panel onboarding" aria-labelledby="onboarding-h">
      <h2 id="onboarding-h">Get started: {left === 1 ? '1 step' : `${left} steps`} left</h2>
      <ol class="checklist">
        {o.steps.map((s) => (
          <li key={s.id} class={s.done ? 'done' : undefined}>
            <span class="tick" aria-hidden="true">{s.done ? '✓' : ''}</span>
            {s.id === 'link' && !s.done ? (
              <span>
                {s.label}: <code class="public-link">{url}</code>{' '}
                <button type="button" class="secondary small-button" onClick={copy}>Copy link</button>
              </span>
            ) : s.done ? (
              <span>{s.label}<span class="visually-hidden"> (done)</span></span>
            ) : (
              <a href={s.href}>{s.label}</a>
            )}
          </li>
        ))}
      </ol>
      <p class="meta" aria-live="polite">{said}</p>
      <button type="button" class="link-button" onClick={() => record('dismissed').catch((err) => setSaid(errorMessage(err)))}>
        Hide this checklist
      </button>
    </section>
  );
}
