// /status: patients check where their referral stands with the code they were sent and their date
// of birth (POST /v1/status-lookups). No sign-in, plain words, big and readable on a phone.
// Public and budgeted (≤ 15 KB gzipped JS with the entry): it imports only small modules.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError, errorMessage } from '../api';
import { dobError, formatDob, parseDob } from '../dob';
import { normalizeCode } from '../lookup';
import type { StatusLookup, StatusLookupRequest } from '../types';

const NO_MATCH = "The code and date of birth don't match. Check both; after 5 tries the code is locked — call the practice.";
const LOCKED = 'This code is locked after 5 wrong tries. Call the practice to hear where your referral stands.';
const lockedText = (p?: { name: string; phone: string }) =>
  p?.phone ? `This code is locked: 5 wrong dates of birth were tried with it, so it cannot show your referral any more. Call ${p.name || 'the practice'} at ${p.phone} to hear where your referral stands.` : LOCKED;
const TOO_MANY = 'Too many tries from this network; wait 15 minutes.';

// The appointment reads in the practice's time zone (with its abbreviation), as its emails say it.
const when = (iso: string, o: Intl.DateTimeFormatOptions, timeZone?: string) => {
  const d = new Date(iso);
  if (isNaN(d.getTime())) return '';
  try {
    return d.toLocaleString('en-US', { ...o, timeZone });
  } catch {
    return d.toLocaleString('en-US', o);
  }
};

export default function Status() {
  const [code, setCode] = useState('');
  const [dob, setDob] = useState('');
  const [errors, setErrors] = useState<{ code?: string; dob?: string }>({});
  const [failure, setFailure] = useState('');
  const [call, setCall] = useState<{ name: string; phone: string } | null>(null); // a locked code's practice
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<StatusLookup | null>(null);
  const resultRef = useRef<HTMLHeadingElement>(null);
  const failureRef = useRef<HTMLParagraphElement>(null);
  const codeRef = useRef<HTMLInputElement>(null);

  useEffect(() => {
    document.title = 'Check your referral · Referloop';
  }, []);
  useEffect(() => {
    if (result) resultRef.current?.focus();
  }, [result]);

  const submit = async (e: Event) => {
    e.preventDefault();
    if (busy) return;
    setFailure('');
    setCall(null);
    const c = normalizeCode(code);
    const d = dob.trim();
    const errs: { code?: string; dob?: string } = {};
    if (!c) errs.code = code.trim() ? 'The code has 12 letters and numbers, like K7Q2-M9XD-4TRA' : 'Enter the status code from your message';
    const de = d ? dobError(d, new Date()) : 'Enter your date of birth';
    if (de) errs.dob = de.replace('the date of birth', 'your date of birth');
    setErrors(errs);
    if (errs.code || errs.dob) {
      document.getElementById(errs.code ? 'code' : 'dob')?.focus();
      return;
    }
    setBusy(true);
    try {
      setResult(await api.post<StatusLookup>('/v1/status-lookups', { code: c, dateOfBirth: parseDob(d) ?? d } satisfies StatusLookupRequest, { anonymous: true }));
    } catch (err) {
      const s = err instanceof ApiError ? err.status : -1;
      if (s === 422 && err instanceof ApiError && Object.keys(err.errors).length) {
        setErrors({ code: err.errors.code, dob: err.errors.dateOfBirth });
      }
      const practice = s === 423 && err instanceof ApiError ? err.practice : undefined;
      setCall(practice?.phone ? practice : null);
      setFailure(s === 404 ? NO_MATCH : s === 423 ? lockedText(practice) : s === 429 ? TOO_MANY : errorMessage(err));
      setTimeout(() => failureRef.current?.focus());
    } finally {
      setBusy(false);
    }
  };

  if (result) {
    const a = result.appointment;
    const phone = result.practice?.phone;
    return (
      <section class="status-card" aria-labelledby="result-h">
        <p class="label">Your referral</p>
        <h1 id="result-h" tabIndex={-1} ref={resultRef} class="status-text">
          {result.statusText || result.status}
        </h1>
        {a && (
          <div class="appt">
            <p class="label">Your appointment</p>
            <p class="big">{when(a.at, { weekday: 'long', month: 'long', day: 'numeric' }, result.practice?.timeZone)}</p>
            <p class="big">{when(a.at, { hour: 'numeric', minute: '2-digit', timeZoneName: 'short' }, result.practice?.timeZone)}</p>
            {a.location && <p>{a.location}</p>}
          </div>
        )}
        {result.next && (
          <>
            <p class="label">What happens next</p>
            <p class="next">{result.next}</p>
          </>
        )}
        {result.practice?.name && (
          <>
            <p class="label">Practice</p>
            <p class="next">{result.practice.name}</p>
          </>
        )}
        {phone && (
          <a class="button call" href={`tel:${phone.replace(/[^\d+]/g, '')}`}>
            Call {phone}
          </a>
        )}
        {result.updatedAt && <p class="meta">Last updated {when(result.updatedAt, { month: 'long', day: 'numeric', hour: 'numeric', minute: '2-digit', timeZoneName: 'short' }, result.practice?.timeZone)}</p>}
        <button
          type="button"
          class="secondary"
          onClick={() => {
            setResult(null);
            setCode('');
            setDob('');
            setTimeout(() => codeRef.current?.focus());
          }}
        >
          Check another code
        </button>
      </section>
    );
  }

  return (
    <section class="status-page">
      <h1>Check your referral</h1>
      <p>Enter the status code from the message you got, and your date of birth.</p>
      <form onSubmit={submit} noValidate class="stack">
        <div class={`field${errors.code ? ' field-error' : ''}`}>
          <label for="code">Status code</label>
          <div id="code-hint" class="hint">12 letters and numbers, like <span class="nowrap">K7Q2-M9XD-4TRA</span></div>
          {errors.code && <p id="code-error" class="error-text">{errors.code}</p>}
          <input
            id="code"
            ref={codeRef}
            class="big-input code-input"
            value={code}
            onInput={(e) => setCode(e.currentTarget.value)}
            autoComplete="off"
            inputMode="text"
            autoCapitalize="characters"
            autoCorrect="off"
            spellcheck={false}
            maxLength={24}
            aria-invalid={errors.code ? 'true' : undefined}
            aria-describedby={errors.code ? 'code-hint code-error' : 'code-hint'}
          />
        </div>
        <div class={`field${errors.dob ? ' field-error' : ''}`}>
          <label for="dob">Date of birth</label>
          <div id="dob-hint" class="hint">Month/day/year, like 04/02/1980</div>
          {errors.dob && <p id="dob-error" class="error-text">{errors.dob}</p>}
          <input
            id="dob"
            class="big-input"
            value={dob}
            onInput={(e) => setDob(formatDob(e.currentTarget.value))}
            inputMode="numeric"
            autoComplete="bday"
            placeholder="MM/DD/YYYY"
            maxLength={10}
            aria-invalid={errors.dob ? 'true' : undefined}
            aria-describedby={errors.dob ? 'dob-hint dob-error' : 'dob-hint'}
          />
        </div>
        {failure && (
          <p class="notice notice-bad" role="alert" tabIndex={-1} ref={failureRef}>
            {failure}
          </p>
        )}
        {call && (
          <a class="button call" href={`tel:${call.phone.replace(/[^\d+]/g, '')}`}>
            Call {call.phone}
          </a>
        )}
        <button type="submit" class="wide" disabled={busy}>
          {busy ? 'Checking…' : 'Check status'}
        </button>
      </form>
    </section>
  );
}
