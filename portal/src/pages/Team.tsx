// /practice/team (owner): who signs in as the practice's staff. Add a person (an invitation email:
// single use, 7 days), resend or revoke a pending invitation, deactivate a member.
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, errorMessage } from '../api';
import type { Member, MemberList, MemberRequest, PageProps } from '../types';
import { isEmail } from '../validation';
import { Field, FieldError, Status, useTitle } from '../ui';
import { isPending, stateWords } from './people';

const ROLE_LABEL: Record<Member['role'], string> = { owner: 'Owner', staff: 'Staff' };

export default function Team({ me }: PageProps) {
  useTitle('Team');
  const [list, setList] = useState<Member[] | null>(null);
  const [status, setStatus] = useState({ text: '', tone: 'ok' as 'ok' | 'bad' });
  const [busy, setBusy] = useState('');

  const load = () =>
    api.get<MemberList>('/v1/members').then(
      (r) => setList(r.items ?? []),
      (err) => setStatus({ text: errorMessage(err), tone: 'bad' }),
    );
  useEffect(() => {
    load();
  }, []);

  if (me && me.user.role !== 'owner')
    return (
      <>
        <h1>Team</h1>
        <p class="notice notice-bad" role="alert">Only the practice’s owner manages the team.</p>
      </>
    );

  const act = async (m: Member, what: 'resend' | 'revoke' | 'deactivate') => {
    const who = m.name || m.email;
    const ask = {
      resend: '',
      revoke: `Revoke the invitation of ${who}? The link in their email stops working.`,
      deactivate: `Deactivate ${who}? They are signed out at once and can no longer sign in to this practice.`,
    }[what];
    if (busy || (ask && !confirm(ask))) return;
    setBusy(m.id);
    setStatus({ text: '', tone: 'ok' });
    const path = `/v1/members/${encodeURIComponent(m.id)}`;
    try {
      if (what === 'resend') {
        await api.post<Member>(`${path}/invitation`);
        setStatus({ text: `A new invitation is on its way to ${m.email}. The link sent before no longer works.`, tone: 'ok' });
      } else if (what === 'revoke') {
        await api.del(`${path}/invitation`);
        setStatus({ text: `The invitation of ${who} is revoked.`, tone: 'ok' });
      } else {
        await api.del<Member>(path);
        setStatus({ text: `${who} is deactivated and signed out.`, tone: 'ok' });
      }
      await load();
    } catch (err) {
      setStatus({ text: errorMessage(err), tone: 'bad' });
    } finally {
      setBusy('');
    }
  };

  return (
    <>
      <h1>Team</h1>
      <p>The people who sign in as this practice’s staff. Each works under their own name, and the audit trail shows who did what.</p>
      {!list && !status.text && <p class="loading" aria-live="polite">Loading…</p>}
      {list && (
        <ul class="people" aria-label="Team">
          {list.map((m) => {
            const words = stateWords(m);
            const who = m.name || m.email;
            return (
              <li key={m.id}>
                <span>
                  {who}
                  {m.name && <span class="meta"> · {m.email}</span>}
                  <span class="meta"> · {ROLE_LABEL[m.role]}{words ? `, ${words}` : ''}</span>
                </span>
                <span class="actions">
                  {isPending(m) && (
                    <>
                      <button type="button" class="secondary small-button" disabled={busy === m.id} onClick={() => act(m, 'resend')} aria-label={`Resend the invitation of ${who}`}>
                        Resend
                      </button>
                      <button type="button" class="secondary small-button" disabled={busy === m.id} onClick={() => act(m, 'revoke')} aria-label={`Revoke the invitation of ${who}`}>
                        Revoke
                      </button>
                    </>
                  )}
                  {m.state === 'active' && m.role !== 'owner' && (
                    <button type="button" class="secondary small-button" disabled={busy === m.id} onClick={() => act(m, 'deactivate')} aria-label={`Deactivate ${who}`}>
                      Deactivate
                    </button>
                  )}
                </span>
              </li>
            );
          })}
        </ul>
      )}
      <Status tone={status.tone}>{status.text}</Status>
      <AddMember onAdded={load} />
    </>
  );
}

function AddMember({ onAdded }: { onAdded: () => void }) {
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [role, setRole] = useState<MemberRequest['role']>('staff');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [status, setStatus] = useState({ text: '', tone: 'ok' as 'ok' | 'bad' });
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    if (busy) return;
    const errs: Record<string, string> = {};
    if (!name.trim()) errs.name = 'Enter their name';
    if (!isEmail(email.trim())) errs.email = 'Enter an email address like name@example.com';
    setErrors(errs);
    setStatus({ text: '', tone: 'ok' });
    if (Object.keys(errs).length) {
      document.getElementById(errs.name ? 'f-member-name' : 'f-member-email')?.focus();
      return;
    }
    setBusy(true);
    try {
      const body: MemberRequest = { email: email.trim(), name: name.trim(), role };
      await api.post<Member>('/v1/members', body);
      setStatus({ text: `Invitation on its way to ${email.trim()}. The link works once, for 7 days.`, tone: 'ok' });
      setEmail('');
      setName('');
      onAdded();
    } catch (err) {
      if (err instanceof ApiError && Object.keys(err.errors).length) {
        setErrors({ name: err.errors.name ?? '', email: err.errors.email ?? '', role: err.errors.role ?? '' });
      }
      setStatus({ text: errorMessage(err), tone: 'bad' });
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="panel" aria-labelledby="add-member-h">
      <h2 id="add-member-h">Add a person</h2>
      <form onSubmit={submit} noValidate class="stack">
        <Field path="member-name" label="Name" value={name} onValue={setName} error={errors.name} autoComplete="off" />
        <Field path="member-email" label="Work email" type="email" value={email} onValue={setEmail} error={errors.email} autoComplete="off" />
        <fieldset class="field">
          <legend>Role</legend>
          <FieldError id="f-member-role-error" message={errors.role} />
          <label class="choice">
            <input type="radio" name="member-role" value="staff" checked={role === 'staff'} onChange={() => setRole('staff')} /> Staff: works referrals and partners
          </label>
          <label class="choice">
            <input type="radio" name="member-role" value="owner" checked={role === 'owner'} onChange={() => setRole('owner')} /> Owner: also manages the team and reads the audit trail
          </label>
        </fieldset>
        <Status tone={status.tone}>{status.text}</Status>
        <button type="submit" disabled={busy}>{busy ? 'Sending…' : 'Send invitation'}</button>
      </form>
    </section>
  );
}
