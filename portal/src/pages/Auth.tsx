// The magic-link landing page: /auth#token=…  Opening it spends nothing (mail scanners open links):
// it asks what the link signs in to (POST /v1/auth/link-previews, which spends nothing either) and
// shows it, and the person confirms with a click. A link opened in another browser than the one that
// asked for it also takes the code printed in the same email.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError, errorMessage } from '../api';
import { navigate } from '../router';
import { homeOf, takeReturn } from '../routes';
import type { JoinDetails, LinkPreview, LinkPreviewRequest, Me, PageProps, SessionRequest } from '../types';
import { Field, Status, useTitle } from '../ui';

function tokenFromHash(hash: string): string {
  return new URLSearchParams(hash.replace(/^#/, '')).get('token') ?? '';
}

/** "Sign in as x to Practice Z", or for a sign-up link "Create Practice Z as x". */
function Preview({ p }: { p: LinkPreview }) {
  if (p.purpose === 'signup')
    return (
      <p class="preview">
        Create <strong>{p.practice.name}</strong> on Referloop as <strong>{p.email}</strong>.
      </p>
    );
  if (p.purpose === 'join')
    return (
      <p class="preview">
        Refer patients to <strong>{p.practice.name}</strong> as <strong>{p.email}</strong>. Tell the practice who you are; it
        will see you as a new referring source.
      </p>
    );
  return (
    <p class="preview">
      {p.purpose === 'invite' ? 'Accept the invitation: sign in' : 'Sign in'} as <strong>{p.email}</strong> to <strong>{p.practice.name}</strong>
      {p.partner ? <> (referring for {p.partner.name})</> : p.role === 'owner' ? ' (owner)' : ' (staff)'}.
    </p>
  );
}

const JOIN_KINDS: [NonNullable<JoinDetails['kind']>, string][] = [
  ['pcp', 'Primary care'],
  ['specialist', 'Specialist'],
  ['chiropractor', 'Chiropractor'],
  ['therapist', 'Therapist'],
  ['hospital', 'Hospital'],
  ['employer', 'Employer'],
  ['other', 'Other'],
];

export default function Auth({ setMe }: PageProps) {
  useTitle('Sign in to Referloop');
  const [token] = useState(() => tokenFromHash(location.hash));
  const [preview, setPreview] = useState<LinkPreview | null>(null);
  const [needCode, setNeedCode] = useState(false);
  const [code, setCode] = useState('');
  const [codeError, setCodeError] = useState('');
  const [busy, setBusy] = useState(false);
  const [expired, setExpired] = useState('');
  const [failure, setFailure] = useState('');
  const [join, setJoin] = useState<JoinDetails>({ name: '', organization: '', npi: '', kind: 'other' });
  const [joinErrors, setJoinErrors] = useState<Record<string, string>>({});
  const joining = preview?.purpose === 'join';
  const button = useRef<HTMLButtonElement>(null);
  const codeInput = useRef<HTMLInputElement>(null);

  const gone = (err: ApiError) => {
    history.replaceState(null, '', location.pathname + location.search);
    setExpired(err.detail || 'This link has expired or was already used.');
  };

  useEffect(() => {
    if (!token) return;
    api.post<LinkPreview>('/v1/auth/link-previews', { token } satisfies LinkPreviewRequest, { anonymous: true }).then(
      (p) => {
        setPreview(p);
        setNeedCode(p.codeRequired);
      },
      (err) => {
        if (err instanceof ApiError && err.type.endsWith('/invalid-link')) gone(err);
      },
    );
  }, [token]);

  useEffect(() => (joining ? document.getElementById('f-join-name') : needCode ? codeInput.current : button.current)?.focus(), [needCode, preview]);

  const confirm = async (e: Event) => {
    e.preventDefault();
    if (busy) return;
    if (joining) {
      const errs: Record<string, string> = {};
      if (!join.name.trim()) errs.name = 'Enter your name';
      if (!join.organization.trim()) errs.organization = 'Enter the practice or organization you refer from';
      if (join.npi && !/^\d{10}$/.test(join.npi.replace(/\s/g, ''))) errs.npi = 'An NPI has 10 digits (or leave it empty)';
      setJoinErrors(errs);
      const first = Object.keys(errs)[0];
      if (first) {
        document.getElementById(`f-join-${first}`)?.focus();
        return;
      }
    }
    if (needCode && !code.trim()) {
      setCodeError('Enter the code from the email');
      codeInput.current?.focus();
      return;
    }
    setBusy(true);
    setFailure('');
    setCodeError('');
    try {
      const body: SessionRequest = needCode ? { token, code: code.trim() } : { token };
      if (joining) body.join = { name: join.name.trim(), organization: join.organization.trim(), kind: join.kind, ...(join.npi?.trim() ? { npi: join.npi.trim() } : {}) };
      const me = await api.post<Me>('/v1/auth/sessions', body, { anonymous: true });
      history.replaceState(null, '', location.pathname + location.search);
      setMe(me);
      navigate(takeReturn(me) ?? homeOf(me), { replace: true });
    } catch (err) {
      if (err instanceof ApiError && err.type.endsWith('/code-required')) {
        setNeedCode(true);
      } else if (err instanceof ApiError && err.type.endsWith('/wrong-code')) {
        const left = err.triesLeft;
        setCodeError(`That code is not right${left !== undefined ? ` (${left} ${left === 1 ? 'try' : 'tries'} left)` : ''}. Check the code under the link in the same email.`);
        codeInput.current?.focus();
      } else if (err instanceof ApiError && err.status === 422 && Object.keys(err.errors).some((f) => f.startsWith('join.'))) {
        const errs: Record<string, string> = {};
        for (const [f, m] of Object.entries(err.errors)) if (f.startsWith('join.')) errs[f.slice(5)] = m;
        setJoinErrors(errs);
        document.getElementById(`f-join-${Object.keys(errs)[0]}`)?.focus();
      } else if (err instanceof ApiError && err.status === 422) {
        setCodeError(err.errors.code ?? 'Enter the 8-character code from the email');
        codeInput.current?.focus();
      } else if (err instanceof ApiError && (err.status === 401 || err.status === 403)) {
        gone(err);
      } else setFailure(errorMessage(err));
      setBusy(false);
    }
  };

  if (!token || expired)
    return (
      <>
        <h1>Sign in to Referloop</h1>
        <div class="notice notice-bad" role="alert">
          <p>{expired ? `This link does not work: ${expired}` : 'This sign-in link is incomplete.'}</p>
          <p>
            <a href="/signin">Get a new sign-in link</a>
          </p>
        </div>
      </>
    );

  return (
    <>
      <h1>Sign in to Referloop</h1>
      {preview ? <Preview p={preview} /> : <p>Confirm to finish signing in on this device.</p>}
      <form onSubmit={confirm} noValidate class="stack">
        {joining && (
          <>
            <Field path="join-name" label="Your name" value={join.name} onValue={(v) => setJoin({ ...join, name: v })} error={joinErrors.name} autoComplete="name" hint="e.g. Dr. Maria Lopez" />
            <Field path="join-organization" label="Your practice or organization" value={join.organization} onValue={(v) => setJoin({ ...join, organization: v })} error={joinErrors.organization} autoComplete="organization" />
            <div class={`field${joinErrors.kind ? ' field-error' : ''}`}>
              <label for="f-join-kind">Kind of practice</label>
              <select id="f-join-kind" value={join.kind} onChange={(e) => setJoin({ ...join, kind: (e.currentTarget as HTMLSelectElement).value as JoinDetails['kind'] })}>
                {JOIN_KINDS.map(([k, label]) => (
                  <option key={k} value={k}>{label}</option>
                ))}
              </select>
            </div>
            <Field path="join-npi" label="NPI (optional)" value={join.npi ?? ''} onValue={(v) => setJoin({ ...join, npi: v })} error={joinErrors.npi} inputMode="numeric" maxLength={12} hint="Your 10-digit National Provider Identifier, if you have one." />
          </>
        )}
        {needCode && (
          <Field
            path="code"
            label="Code from the email"
            hint="This link was asked for in another browser or on another device. Enter the 8-character code printed under the link in the same email."
            value={code}
            onValue={setCode}
            error={codeError}
            autoComplete="one-time-code"
            inputRef={codeInput}
            maxLength={12}
          />
        )}
        <Status tone="bad">{failure}</Status>
        <button type="submit" ref={button} disabled={busy}>
          {busy ? 'Signing in…' : joining ? 'Continue to refer' : 'Confirm'}
        </button>
      </form>
    </>
  );
}
