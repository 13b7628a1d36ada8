// /practice/partners: referral partners (searched, filtered and sorted by the API), adding one, and
// inviting referrers; each partner's own page is /practice/partners/:id, the CSV import /practice/partners/import.
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, errorMessage } from '../api';
import { KIND_LABEL } from '../format';
import { partnerInput } from '../loop';
import type { InviteRequest, Member, PageProps, Partner, PartnerInput, PartnerKind, PartnerList, PartnerStage, Referrer, ReferrerList, StatusUpdates } from '../types';
import { isEmail, validatePartner } from '../validation';
import type { Errors, PartnerValues } from '../validation';
import { Field, FieldError, Status, useTitle } from '../ui';
import { ScorecardDetails } from './PartnerScorecard';
import { isPending, stateWords } from './people';
import { PartnerOutreach } from './PartnerOutreach';
import { MergeSourceButton } from './MergePartner';

const emptyPartner = (): PartnerValues => ({ name: '', kind: 'pcp', specialty: '', npi: '', contactEmail: '' });
const byName = (a: Partner, b: Partner) => a.name.localeCompare(b.name);

const STAGE_LABEL: Record<PartnerStage, string> = { prospect: 'Prospect', active: 'Active', quiet: 'Quiet', archived: 'Archived' };
const SORTS: [string, string][] = [
  ['name', 'Name A–Z'],
  ['-name', 'Name Z–A'],
  ['stage', 'Stage'],
  ['-last-referral', 'Latest referral first'],
  ['-referrals', 'Most referrals'],
  ['-created', 'Newest first'],
];

export function StageBadge({ stage }: { stage?: PartnerStage }) {
  return stage ? <span class={`badge badge-stage-${stage}`}>{STAGE_LABEL[stage]}</span> : null;
}

interface Filters {
  q: string;
  kind: string;
  stage: string;
  liaison: string;
  tag: string;
  sort: string;
}

export const partnersQuery = (f: Filters): string => {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(f)) if (v && !(k === 'sort' && v === 'name')) q.set(k, k === 'q' ? v.trim() : v);
  const s = q.toString();
  return '/v1/partners' + (s ? '?' + s : '');
};

export default function Partners({ query }: PageProps) {
  useTitle('Partners');
  const [partners, setPartners] = useState<Partner[] | null>(null);
  const [loadError, setLoadError] = useState('');
  const [justAdded, setJustAdded] = useState('');
  const [merged, setMerged] = useState('');
  const [onlyNew, setOnlyNew] = useState(() => new URLSearchParams(location.search).get('new') === '1');
  const newCount = (partners ?? []).filter((p) => p.unconfirmed).length;
  const shown = (partners ?? []).filter((p) => !onlyNew || p.unconfirmed);
  const [filters, setFilters] = useState<Filters>(() => ({
    q: query?.get('q') ?? '', kind: query?.get('kind') ?? '', stage: query?.get('stage') ?? '',
    liaison: query?.get('liaison') ?? '', tag: query?.get('tag') ?? '', sort: query?.get('sort') ?? 'name',
  }));
  const [members, setMembers] = useState<Member[]>([]);
  const path = partnersQuery(filters);

  useEffect(() => {
    const t = setTimeout(() => {
      api.get<PartnerList>(path).then((r) => { setPartners(r.items ?? []); setLoadError(''); }, (err) => setLoadError(errorMessage(err)));
    }, filters.q ? 200 : 0);
    return () => clearTimeout(t);
  }, [path]);
  useEffect(() => {
    api.get<{ items: Member[] }>('/v1/members').then((r) => setMembers(r.items ?? []), () => setMembers([])); // the owner's list; staff filter without it
  }, []);
  const set = (k: keyof Filters) => (e: Event) => setFilters((f) => ({ ...f, [k]: (e.currentTarget as HTMLInputElement).value }));
  const filtered = Object.entries(filters).some(([k, v]) => v && k !== 'sort');

  return (
    <>
      <h1>Partners</h1>
      <p>Practices and people who refer patients to you. Invite a referrer and they can send referrals with a two-minute form.</p>
      <p class="actions">
        <a class="button secondary" href="/practice/partners/import">Import from a spreadsheet (CSV)</a>{' '}
        <a class="button secondary" href="/practice/partners/import/referrals">Import past referrals (CSV)</a>{' '}
        <a class="button secondary" href="/v1/exports/partners" download>Export partners (CSV)</a>
      </p>
      <form class="filters" role="search" aria-label="Find partners" onSubmit={(e) => e.preventDefault()}>
        <div class="field">
          <label for="f-q">Search partners</label>
          <input id="f-q" type="search" value={filters.q} onInput={set('q')} placeholder="Name, NPI or email" autocomplete="off" />
        </div>
        <div class="field">
          <label for="f-filter-kind">Filter by type</label>
          <select id="f-filter-kind" value={filters.kind} onChange={set('kind')}>
            <option value="">Any type</option>
            {(Object.keys(KIND_LABEL) as PartnerKind[]).map((k) => <option key={k} value={k}>{KIND_LABEL[k]}</option>)}
          </select>
        </div>
        <div class="field">
          <label for="f-filter-stage">Filter by stage</label>
          <select id="f-filter-stage" value={filters.stage} onChange={set('stage')}>
            <option value="">Any stage (not archived)</option>
            {(Object.keys(STAGE_LABEL) as PartnerStage[]).map((k) => <option key={k} value={k}>{STAGE_LABEL[k]}</option>)}
          </select>
        </div>
        {members.length > 0 && (
          <div class="field">
            <label for="f-filter-liaison">Filter by liaison</label>
            <select id="f-filter-liaison" value={filters.liaison} onChange={set('liaison')}>
              <option value="">Anyone</option>
              <option value="none">No liaison</option>
              {members.map((m) => <option key={m.id} value={m.id}>{m.name || m.email}</option>)}
            </select>
          </div>
        )}
        <div class="field">
          <label for="f-filter-tag">Filter by tag</label>
          <input id="f-filter-tag" value={filters.tag} onInput={set('tag')} autocomplete="off" />
        </div>
        <div class="field">
          <label for="f-sort">Sort by</label>
          <select id="f-sort" value={filters.sort} onChange={set('sort')}>
            {SORTS.map(([k, label]) => <option key={k} value={k}>{label}</option>)}
          </select>
        </div>
      </form>
      {loadError && <p class="notice notice-bad" role="alert">{loadError}</p>}
      {!partners && !loadError && <p class="loading" aria-live="polite">Loading…</p>}
      {partners && <p class="meta" aria-live="polite">{partners.length === 1 ? '1 partner' : `${partners.length} partners`}{filtered ? ' match' : ''}</p>}
      {partners && partners.length === 0 && !filtered && <p class="empty">No partners yet. Add the first one below, or import your spreadsheet.</p>}
      {merged && <p class="notice notice-ok" role="status">{merged}</p>}
      {partners && (newCount > 0 || onlyNew) && (
        <div class="notice notice-ok" role="status">
          <p>
            {newCount === 0
              ? 'No new sources to confirm.'
              : `${newCount} new ${newCount === 1 ? 'source' : 'sources'} signed up from your public page. Check ${newCount === 1 ? 'it' : 'them'}, then confirm, or merge into a partner you have.`}
          </p>
          <label class="choice">
            <input type="checkbox" checked={onlyNew} onChange={(e) => setOnlyNew((e.currentTarget as HTMLInputElement).checked)} /> Show only new sources
          </label>
        </div>
      )}
      {partners && shown.length > 0 && (
        <ul class="cards" aria-label="Partners">
          {shown.map((p) => (
            <li key={p.id}>
              <PartnerCard partner={p} open={p.id === justAdded} onSaved={(np) => setPartners((list) => (list ?? []).map((x) => (x.id === np.id ? np : x)))}
                onMerged={(source, target) => {
                  setPartners((list) => (list ?? []).filter((x) => x.id !== source.id).map((x) => (x.id === target.id ? target : x)));
                  setMerged(`Merged ${source.name} into ${target.name}: its referrals, referrers and touches are there now.`);
                }} />
            </li>
          ))}
        </ul>
      )}
      <AddPartner
        onAdded={(p) => {
          setPartners((list) => [...(list ?? []).filter((x) => x.id !== p.id), p].sort(byName));
          setJustAdded(p.id);
        }}
      />
    </>
  );
}

function PartnerCard({ partner: p, open, onSaved, onMerged }: { partner: Partner; open: boolean; onSaved: (p: Partner) => void; onMerged?: (source: Partner, target: Partner) => void }) {
  const h = `partner-${p.id}`;
  const [invited, setInvited] = useState(0);
  return (
    <section class="card" aria-labelledby={h}>
      <h2 id={h} class="card-title">
        <a href={`/practice/partners/${encodeURIComponent(p.id)}`}>{p.name}</a> <StageBadge stage={p.stage} />
        {p.unconfirmed && <span class="badge"> New source</span>}
      </h2>
      <p class="meta">
        {p.organization && <>{p.organization} · </>}
        {KIND_LABEL[p.kind] ?? p.kind}
        {p.specialty && <> · {p.specialty}</>}
        {p.npi && <> · NPI {p.npi}</>}
        {p.contactEmail && <> · {p.contactEmail}</>}
        {p.tags?.length ? <> · {p.tags.join(', ')}</> : null}
      </p>
      {p.unconfirmed && <ConfirmSource partner={p} onSaved={onSaved} onMerged={onMerged} />}
      <StatusUpdatesForm partner={p} onSaved={onSaved} />
      <ScorecardDetails partner={p} />
      <PartnerOutreach partnerId={p.id} partnerName={p.name} contactEmail={p.contactEmail} open={typeof location !== 'undefined' && location.hash === `#${h}`} />
      <Referrers partner={p} invited={invited} />
      <details open={open}>
        <summary>Invite a referrer</summary>
        <InviteForm partner={p} onSent={() => setInvited((n) => n + 1)} />
      </details>
    </section>
  );
}

const UPDATES: [StatusUpdates, string][] = [
  ['each', 'Each change'],
  ['digest', 'Daily digest'],
  ['none', 'None'],
];

/** How the partner's referrers hear about status changes: each change, a daily digest, or not at all. */
function StatusUpdatesForm({ partner, onSaved }: { partner: Partner; onSaved: (p: Partner) => void }) {
  const current: StatusUpdates = partner.statusUpdates || 'each'; // older partners may have none (or "")
  const [value, setValue] = useState<StatusUpdates>(current);
  const [status, setStatus] = useState({ text: '', tone: 'ok' as 'ok' | 'bad' });
  const [busy, setBusy] = useState(false);
  const id = `updates-${partner.id}`;

  const submit = async (e: Event) => {
    e.preventDefault();
    if (busy) return;
    setBusy(true);
    setStatus({ text: '', tone: 'ok' });
    try {
      const saved = await api.put<Partner>(`/v1/partners/${encodeURIComponent(partner.id)}`, partnerInput(partner, value));
      onSaved({ ...partner, ...saved });
      setStatus({ text: `Saved: status updates — ${UPDATES.find(([k]) => k === (saved?.statusUpdates ?? value))?.[1].toLowerCase()}.`, tone: 'ok' });
    } catch (err) {
      setStatus({ text: errorMessage(err), tone: 'bad' });
    } finally {
      setBusy(false);
    }
  };

  return (
    <form onSubmit={submit} class="inline-form">
      <div class="field inline-field">
        <label for={id}>Status updates</label>
        <select id={id} value={value} onChange={(e) => setValue(e.currentTarget.value as StatusUpdates)} aria-describedby={`${id}-hint`}>
          {UPDATES.map(([k, label]) => (
            <option key={k} value={k}>{label}</option>
          ))}
        </select>
        <button type="submit" class="secondary small-button" disabled={busy}>
          {busy ? 'Saving…' : 'Save'}
        </button>
      </div>
      <p id={`${id}-hint`} class="hint">How this partner’s referrers hear about changes to their referrals.</p>
      <Status tone={status.tone}>{status.text}</Status>
    </form>
  );
}

/** A source that signed itself up from the public page: its details are the person's own until confirmed. */
function ConfirmSource({ partner, onSaved, onMerged }: { partner: Partner; onSaved: (p: Partner) => void; onMerged?: (source: Partner, target: Partner) => void }) {
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState('');
  const confirmIt = async () => {
    if (busy) return;
    setBusy(true);
    setFailure('');
    try {
      onSaved(await api.post<Partner>(`/v1/partners/${encodeURIComponent(partner.id)}/confirm`));
    } catch (err) {
      setFailure(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="stack">
      <p>This source signed itself up from your public page; the name, kind and NPI are as the person gave them. Edit them if needed, then confirm — or, if it is a partner you already have, merge it into that one.</p>
      <Status tone="bad">{failure}</Status>
      <p class="actions">
        <button type="button" class="small-button" disabled={busy} onClick={confirmIt} aria-label={`Confirm source ${partner.name}`}>
          {busy ? 'Confirming…' : 'Confirm source'}
        </button>{' '}
        <MergeSourceButton partner={partner} onMerged={(target) => onMerged?.(partner, target)} />
      </p>
    </div>
  );
}

/** The partner's referrers, loaded when opened: each with its state, a pending invitation with Resend and
 *  Revoke, an active referrer with Deactivate. */
export function Referrers({ partner, invited }: { partner: Partner; invited: number }) {
  const [open, setOpen] = useState(false);
  const [list, setList] = useState<Referrer[] | null>(null);
  const [status, setStatus] = useState({ text: '', tone: 'ok' as 'ok' | 'bad' });
  const [busy, setBusy] = useState('');
  const path = `/v1/partners/${encodeURIComponent(partner.id)}/referrers`;

  useEffect(() => {
    if (!open) return;
    api.get<ReferrerList>(path).then(
      (r) => setList(r.items ?? []),
      (err) => setStatus({ text: errorMessage(err), tone: 'bad' }),
    );
  }, [open, invited]);

  const invitation = async (r: Referrer, what: 'resend' | 'revoke') => {
    const who = r.name || r.email;
    if (busy || (what === 'revoke' && !confirm(`Revoke the invitation of ${who}? The link in their email stops working.`))) return;
    setBusy(r.id);
    setStatus({ text: '', tone: 'ok' });
    const at = `${path}/${encodeURIComponent(r.id)}/invitation`;
    try {
      if (what === 'resend') {
        const saved = await api.post<Referrer>(at);
        setList((l) => (l ?? []).map((x) => (x.id === saved.id ? saved : x)));
        setStatus({ text: `A new invitation is on its way to ${r.email}. The link sent before no longer works.`, tone: 'ok' });
      } else {
        await api.del(at);
        setList((l) => (l ?? []).filter((x) => x.id !== r.id));
        setStatus({ text: `The invitation of ${who} is revoked.`, tone: 'ok' });
      }
    } catch (err) {
      setStatus({ text: errorMessage(err), tone: 'bad' });
    } finally {
      setBusy('');
    }
  };

  const deactivate = async (r: Referrer) => {
    const who = r.name || r.email;
    if (busy || !confirm(`Deactivate ${who}? They are signed out at once and cannot sign in again until you invite them again.`)) return;
    setBusy(r.id);
    setStatus({ text: '', tone: 'ok' });
    try {
      const saved = await api.del<Referrer>(`${path}/${encodeURIComponent(r.id)}`);
      setList((l) => (l ?? []).map((x) => (x.id === saved.id ? saved : x)));
      setStatus({ text: `${who} is deactivated and signed out.`, tone: 'ok' });
    } catch (err) {
      setStatus({ text: errorMessage(err), tone: 'bad' });
    } finally {
      setBusy('');
    }
  };

  return (
    <details onToggle={(e) => setOpen((e.currentTarget as HTMLDetailsElement).open)}>
      <summary>Referrers</summary>
      {open && !list && !status.text && <p class="loading" aria-live="polite">Loading…</p>}
      {list && list.length === 0 && <p class="empty">No referrers yet. Invite one below.</p>}
      {list && list.length > 0 && (
        <ul class="people" aria-label={`Referrers of ${partner.name}`}>
          {list.map((r) => (
            <li key={r.id}>
              <span>
                {r.name || r.email}
                {r.name && <span class="meta"> · {r.email}</span>}
                {stateWords(r) ? <span class="meta"> · {stateWords(r)}</span> : r.deactivatedAt && <span class="meta"> · deactivated</span>}
              </span>
              <span class="actions">
                {isPending(r) && (
                  <>
                    <button type="button" class="secondary small-button" disabled={busy === r.id} onClick={() => invitation(r, 'resend')} aria-label={`Resend the invitation of ${r.name || r.email}`}>
                      Resend
                    </button>
                    <button type="button" class="secondary small-button" disabled={busy === r.id} onClick={() => invitation(r, 'revoke')} aria-label={`Revoke the invitation of ${r.name || r.email}`}>
                      Revoke
                    </button>
                  </>
                )}
                {!r.deactivatedAt && !isPending(r) && (
                  <button type="button" class="secondary small-button" disabled={busy === r.id} onClick={() => deactivate(r)} aria-label={`Deactivate ${r.name || r.email}`}>
                    Deactivate
                  </button>
                )}
              </span>
            </li>
          ))}
        </ul>
      )}
      <Status tone={status.tone}>{status.text}</Status>
    </details>
  );
}

export function InviteForm({ partner, onSent }: { partner: Partner; onSent: () => void }) {
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [errors, setErrors] = useState<Errors>({});
  const [status, setStatus] = useState({ text: '', tone: 'ok' as 'ok' | 'bad' });
  const [busy, setBusy] = useState(false);
  const base = `invite-${partner.id}`;

  const submit = async (e: Event) => {
    e.preventDefault();
    if (busy) return;
    setStatus({ text: '', tone: 'ok' });
    if (!isEmail(email.trim())) {
      setErrors({ email: 'Enter an email address like name@example.com' });
      document.getElementById(`f-${base}-email`)?.focus();
      return;
    }
    setErrors({});
    setBusy(true);
    try {
      const body: InviteRequest = name.trim() ? { email: email.trim(), name: name.trim() } : { email: email.trim() };
      await api.post(`/v1/partners/${encodeURIComponent(partner.id)}/invitations`, body);
      setStatus({ text: `Invitation sent to ${email.trim()}.`, tone: 'ok' });
      onSent();
      setEmail('');
      setName('');
    } catch (err) {
      if (err instanceof ApiError && err.status === 422) setErrors(err.errors);
      setStatus({ text: errorMessage(err), tone: 'bad' });
    } finally {
      setBusy(false);
    }
  };

  return (
    <form onSubmit={submit} noValidate class="stack">
      <Field path={`${base}-email`} label="Referrer email" type="email" value={email} onValue={setEmail} error={errors.email} />
      <Field path={`${base}-name`} label="Referrer name (optional)" value={name} onValue={setName} error={errors.name} hint="e.g. Dr. Chen" />
      <Status tone={status.tone}>{status.text}</Status>
      <button type="submit" disabled={busy}>{busy ? 'Sending…' : 'Send invitation'}</button>
    </form>
  );
}

function AddPartner({ onAdded }: { onAdded: (p: Partner) => void }) {
  const [v, setV] = useState<PartnerValues>(emptyPartner);
  const [errors, setErrors] = useState<Errors>({});
  const [status, setStatus] = useState({ text: '', tone: 'ok' as 'ok' | 'bad' });
  const [busy, setBusy] = useState(false);
  const set = (k: keyof PartnerValues) => (x: string) => setV((old) => ({ ...old, [k]: x }));

  const submit = async (e: Event) => {
    e.preventDefault();
    if (busy) return;
    setStatus({ text: '', tone: 'ok' });
    const errs = validatePartner(v);
    setErrors(errs);
    if (Object.keys(errs).length) {
      document.getElementById(`f-${Object.keys(errs)[0]}`)?.focus();
      return;
    }
    const body: PartnerInput = { name: v.name.trim(), kind: v.kind as PartnerKind }; // the select offers only the API's kinds
    if (v.specialty.trim()) body.specialty = v.specialty.trim();
    if (v.npi.trim()) body.npi = v.npi.replace(/\s/g, '');
    if (v.contactEmail.trim()) body.contactEmail = v.contactEmail.trim();
    setBusy(true);
    try {
      const p = await api.post<Partner>('/v1/partners', body);
      onAdded(p);
      setV(emptyPartner());
      setStatus({ text: `${p.name} added. Invite a referrer from its card above.`, tone: 'ok' });
    } catch (err) {
      if (err instanceof ApiError && err.status === 422) setErrors(err.errors);
      setStatus({ text: errorMessage(err), tone: 'bad' });
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="panel" aria-labelledby="add-partner-h">
      <h2 id="add-partner-h">Add partner</h2>
      <form onSubmit={submit} noValidate class="stack">
        <Field path="name" label="Practice or person name" value={v.name} onValue={set('name')} error={errors.name} />
        <div class={`field${errors.kind ? ' field-error' : ''}`}>
          <label for="f-kind">Kind</label>
          <FieldError id="f-kind-error" message={errors.kind} />
          <select id="f-kind" value={v.kind} onChange={(e) => set('kind')(e.currentTarget.value)} aria-describedby={errors.kind ? 'f-kind-error' : undefined}>
            {(Object.keys(KIND_LABEL) as PartnerKind[]).map((k) => (
              <option key={k} value={k}>{KIND_LABEL[k]}</option>
            ))}
          </select>
        </div>
        <Field path="specialty" label="Specialty (optional)" value={v.specialty} onValue={set('specialty')} error={errors.specialty} />
        <Field path="npi" label="NPI (optional)" inputMode="numeric" hint="10 digits" value={v.npi} onValue={set('npi')} error={errors.npi} />
        <Field path="contactEmail" label="Contact email (optional)" type="email" value={v.contactEmail} onValue={set('contactEmail')} error={errors.contactEmail} />
        <Status tone={status.tone}>{status.text}</Status>
        <button type="submit" disabled={busy}>{busy ? 'Adding…' : 'Add partner'}</button>
      </form>
    </section>
  );
}
