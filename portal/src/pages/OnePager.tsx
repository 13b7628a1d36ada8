// /p/:slug/print: the practice's one-page "how to refer" sheet, from its intake profile, with a QR
// code to its referral link (/p/:slug, where a referring office asks for its sign-in link). One
// A4 or Letter page when printed (onepager.css); on screen, a Print button and the introduction
// email to copy. qrcode is imported here only: it is part of this route's chunk, never the entry.
import QRCode from 'qrcode';
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, errorMessage } from '../api';
import { hours } from '../format';
import { introEmail } from '../intake';
import type { PageProps, PublicProfile } from '../types';
import { Status, useTitle } from '../ui';
import './onepager.css';

export default function OnePager({ params }: PageProps) {
  const slug = params.slug;
  const [profile, setProfile] = useState<PublicProfile | null>(null);
  const [failure, setFailure] = useState('');
  const [svg, setSvg] = useState('');
  const [copied, setCopied] = useState('');
  useTitle(profile ? `${profile.name}: how to refer` : 'How to refer');
  const link = `${location.origin}/p/${encodeURIComponent(slug)}`;
  const patientLink = `${location.origin}/r/${encodeURIComponent(slug)}`;

  useEffect(() => {
    api.get<PublicProfile>(`/v1/practices/${encodeURIComponent(slug)}/profile`, { anonymous: true }).then(setProfile, (err) =>
      setFailure(err instanceof ApiError && err.status === 404 ? 'There is no practice at this address.' : errorMessage(err)),
    );
    QRCode.toString(link, { type: 'svg', errorCorrectionLevel: 'M', margin: 4, color: { dark: '#000000', light: '#ffffff' } }).then(setSvg, () => setSvg(''));
  }, [slug]);

  if (failure) return <p class="notice notice-bad" role="alert">{failure}</p>;
  if (!profile) return <p class="loading" aria-live="polite">Loading…</p>;
  const c = profile.intakeContact ?? { name: '', phone: '', email: '' };
  const email = introEmail(profile, link);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(email);
      setCopied('Copied. Paste it into a new email.');
    } catch {
      const box = document.getElementById('intro-email') as HTMLTextAreaElement | null;
      box?.select();
      setCopied('Select all and copy (Ctrl+C or ⌘C): your browser did not allow the copy.');
    }
  };

  return (
    <div class="one-pager-page">
      <div class="no-print screen-tools">
        <p class="small">
          One page, for A4 or Letter paper. Hand it to referring offices or send it as a PDF (choose “Save as PDF” when printing).
        </p>
        <button type="button" class="primary" onClick={() => window.print()}>Print</button>
      </div>

      <article class="one-pager" aria-labelledby="op-h">
        <header class="op-head">
          <h1 id="op-h">{profile.name}</h1>
          <p class="op-sub">How to refer a patient</p>
        </header>
        <div class="op-body">
          <div class="op-main">
            <section aria-labelledby="op-treat">
              <h2 id="op-treat">Who we treat</h2>
              {profile.conditions?.length ? (
                <ul>
                  {profile.conditions.map((x) => <li key={x}>{x}</li>)}
                </ul>
              ) : <p>Call us to ask whether we can help.</p>}
            </section>
            {profile.notAMatch && (
              <section aria-labelledby="op-not">
                <h2 id="op-not">Not a match for us</h2>
                <p>{profile.notAMatch}</p>
              </section>
            )}
            {profile.insuranceNotes && (
              <section aria-labelledby="op-ins">
                <h2 id="op-ins">Insurance</h2>
                <p>{profile.insuranceNotes}</p>
              </section>
            )}
            <section aria-labelledby="op-how">
              <h2 id="op-how">How to refer</h2>
              <ol>
                <li>Scan the code or open <strong class="op-url">{link}</strong>: a two-minute form, no account or password.</li>
                <li>Or {c.phone ? <>call <strong>{c.phone}</strong></> : 'contact us'}{c.email ? <> or email <strong>{c.email}</strong></> : null} with the patient’s name, date of birth, phone and the reason.</li>
                <li>You can follow every referral’s status; we tell you when the patient is scheduled and seen.</li>
              </ol>
            </section>
            {profile.contactByHours && (
              <section aria-labelledby="op-promise">
                <h2 id="op-promise">Our promise</h2>
                <p>
                  We contact every referred patient within <strong>{hours(profile.contactByHours.default)}</strong> (urgent referrals: <strong>{hours(profile.contactByHours.urgent)}</strong>).
                </p>
              </section>
            )}
          </div>
          <aside class="op-side" aria-label="Referral link and intake contact">
            <figure class="op-qr">
              {svg ? <div class="qr" role="img" aria-label={`QR code for ${link}`} dangerouslySetInnerHTML={{ __html: svg }} /> : <p>{link}</p>}
              <figcaption>Scan to refer</figcaption>
            </figure>
            {(c.name || c.phone || c.email) && (
              <div class="op-contact">
                <h2>Intake contact</h2>
                {c.name && <p>{c.name}</p>}
                {c.phone && <p>Phone: {c.phone}</p>}
                {c.email && <p>Email: {c.email}</p>}
              </div>
            )}
          </aside>
        </div>
        <footer class="op-foot">Patients can also ask us directly: {patientLink}</footer>
      </article>

      <section class="no-print panel" aria-labelledby="intro-h">
        <h2 id="intro-h">The introduction email</h2>
        <p class="small">To a referring office you have not worked with yet: copy it, read it over, and send it from your own email.</p>
        <label for="intro-email">Introduction email</label>
        <textarea id="intro-email" readOnly rows={14} value={email} />
        <p>
          <button type="button" onClick={copy}>Copy the introduction email</button>
        </p>
        <Status>{copied}</Status>
      </section>
    </div>
  );
}
