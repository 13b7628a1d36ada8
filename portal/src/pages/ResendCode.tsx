// The staff referral page's "Send the status code again": POST /v1/referrals/{id}/status-code.
// The patient gets the same code again (staff never see it); the answer names the channels.
import { useState } from 'preact/hooks';
import { api, errorMessage } from '../api';
import type { Referral } from '../types';

interface CodeResent {
  email: boolean;
  text: boolean;
}

export function ResendCode({ r, say }: { r: Referral; say: (text: string, tone?: 'ok' | 'bad') => void }) {
  const [busy, setBusy] = useState(false);
  if (!r.patient.consentToContact || (!r.patient.email && !r.patient.phone)) return null;
  const send = async () => {
    if (busy) return;
    setBusy(true);
    try {
      const out = await api.post<CodeResent>(`/v1/referrals/${encodeURIComponent(r.id)}/status-code`);
      const ways = [out.email && 'by email', out.text && 'by text message'].filter(Boolean).join(' and ');
      say(`The patient's status code is on its way ${ways}.`);
    } catch (err) {
      say(`The code was not sent. ${errorMessage(err)}`, 'bad');
    } finally {
      setBusy(false);
    }
  };
  return (
    <section aria-labelledby="code-h">
      <h2 id="code-h">Patient’s status code</h2>
      <p class="hint" id="code-hint">
        The patient got a code to check this referral’s status at /status. If they lost it, send the same code again to their email and phone.
      </p>
      <button type="button" class="secondary" aria-describedby="code-hint" disabled={busy} onClick={send}>
        {busy ? 'Sending…' : 'Send the status code again'}
      </button>
    </section>
  );
}
