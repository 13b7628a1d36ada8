// /practice/partners/:id: one partner: its details (edited with If-Match: someone else's edit since is
// a conflict, never overwritten), archive or restore, its referrers, its referrals. Touches and their
// attribution have their slot below (the outreach work fills it).
import { useEffect, useState } from 'preact/hooks';
import { ApiError, api, errorMessage, requestTagged } from '../api';
import { KIND_LABEL } from '../format';
import type { Member, PageProps, Partner, PartnerKind, PartnerUpdate, ReferralLine, StatusUpdates } from '../types';
import { Field, FieldError, Status, StatusBadge, useTitle } from '../ui';
import { InviteForm, Referrers, StageBadge } from './Partners';
import { MergedNotice, MergeIntoThis } from './MergePartner';

type Values = Record<'name' | 'organization' | 'kind' | 'specialty' | 'npi' | 'contactEmail' | 'phone' | 'fax' | 'address' | 'zip' | 'tags' | 'liaison' | 'statusUpdates', string>;

const valuesOf = (p: Partner): Values => ({
  name: p.name, organization: p.organization ?? '', kind: p.kind, specialty: p.specialty ?? '', npi: p.npi ?? '',
  contactEmail: p.contactEmail ?? '', phone: p.phone ?? '', fax: p.fax ?? '', address: p.address ?? '', zip: p.zip ?? '',
  tags: (p.tags ?? []).join(', '), liaison: p.liaison ?? '', statusUpdates: p.statusUpdates || 'each',
});

export function bodyOf(v: Values, archived?: boolean): PartnerUpdate {
  const b: PartnerUpdate = { name: v.name.trim(), kind: v.kind as PartnerKind, statusUpdates: v.statusUpdates as StatusUpdates };
  for (const k of ['organization', 'specialty', 'contactEmail', 'phone', 'fax', 'address', 'zip', 'liaison'] as const) if (v[k].trim()) b[k] = v[k].trim();
  if (v.npi.trim()) b.npi = v.npi.replace(/\s/g, '');
  const tags = v.tags.split(/[,;]/).map((t) => t.trim()).filter(Boolean);
  if (tags.length) b.tags = tags;
  if (archived !== undefined) b.archived = archived;
  return b;
}

const when = (s?: string) => (s ? new Date(s).toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric' }) : '');

export default function PartnerDetail({ params }: PageProps) {
  const id = params.id;
  const [p, setP] = useState<Partner | null>(null);
  const [etag, setEtag] = useState<string | null>(null);
  const [loadError, setLoadError] = useState('');
  useTitle(p ? p.name : 'Partner');
  const load = () =>
    requestTagged<Partner>('GET', `/v1/partners/${encodeURIComponent(id)}`).then(
      (r) => { setP(r.data); setEtag(r.etag); },
      (err) => setLoadError(errorMessage(err)),
    );
  useEffect(() => { load(); }, [id]);

  if (loadError) return (<><p><a href="/practice/partners">← Partners</a></p><p class="notice notice-bad" role="alert">{loadError}</p></>);
  if (!p) return <p class="loading" aria-live="polite">Loading…</p>;
  return (
    <>
      <p><a href="/practice/partners">← Partners</a></p>
      <h1>{p.name} <StageBadge stage={p.stage} /></h1>
      <p class="meta">
        {KIND_LABEL[p.kind] ?? p.kind}
        {p.referralCount ? <> · {p.referralCount === 1 ? '1 referral' : `${p.referralCount} referrals`}</> : <> · no referral yet</>}
        {p.lastReferralAt && <> · latest {when(p.lastReferralAt)}</>}
      </p>
      <MergedNotice partner={p} />
      <Details partner={p} etag={etag} onSaved={(np, tag) => { setP(np); setEtag(tag); }} onReload={load} />
      <section class="panel" aria-labelledby="referrers-h">
        <h2 id="referrers-h">Referrers</h2>
        <Referrers partner={p} invited={0} />
        {!p.mergedInto && (
          <details>
            <summary>Invite a referrer</summary>
            <InviteForm partner={p} onSent={() => undefined} />
          </details>
        )}
      </section>
      <Referrals partner={p} key={`${p.id}-${p.version}`} />
      <MergeIntoThis partner={p} onMerged={() => load()} />
      {/* Touches and their attribution (outreach) render here. */}
      <div id="partner-touches" data-partner={p.id} />
    </>
  );
}

function Details({ partner, etag, onSaved, onReload }: { partner: Partner; etag: string | null; onSaved: (p: Partner, etag: string | null) => void; onReload: () => void }) {
  const [v, setV] = useState<Values>(() => valuesOf(partner));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [status, setStatus] = useState({ text: '', tone: 'ok' as 'ok' | 'bad' });
  const [conflict, setConflict] = useState(false);
  const [busy, setBusy] = useState(false);
  const [members, setMembers] = useState<Member[]>([]);
  useEffect(() => setV(valuesOf(partner)), [partner.id, partner.version]);
  useEffect(() => { api.get<{ items: Member[] }>('/v1/members').then((r) => setMembers(r.items ?? []), () => setMembers([])); }, []);
  const set = (k: keyof Values) => (x: string) => setV((o) => ({ ...o, [k]: x }));

  const save = async (archived?: boolean) => {
    if (busy) return;
    setBusy(true);
    setStatus({ text: '', tone: 'ok' });
    setConflict(false);
    try {
      const r = await requestTagged<Partner>('PUT', `/v1/partners/${encodeURIComponent(partner.id)}`, {
        body: bodyOf(v, archived), headers: etag ? { 'If-Match': etag } : {},
      });
      setErrors({});
      onSaved(r.data, r.etag);
      setStatus({ text: archived === true ? 'Archived. Its referrals stay.' : archived === false ? 'Restored.' : 'Saved.', tone: 'ok' });
    } catch (err) {
      if (err instanceof ApiError && err.status === 422) {
        setErrors(err.errors);
        const first = Object.keys(err.errors)[0];
        if (first) document.getElementById(`f-p-${first}`)?.focus();
      }
      if (err instanceof ApiError && err.status === 409 && /changed/.test(err.detail ?? '')) setConflict(true);
      setStatus({ text: errorMessage(err), tone: 'bad' });
    } finally {
      setBusy(false);
    }
  };
  const archived = partner.stage === 'archived';
  return (
    <section class="panel" aria-labelledby="details-h">
      <h2 id="details-h">Details</h2>
      <form noValidate class="stack" onSubmit={(e) => { e.preventDefault(); save(); }}>
        <Field path="p-name" label="Name" value={v.name} onValue={set('name')} error={errors.name} />
        <Field path="p-organization" label="Organization (optional)" value={v.organization} onValue={set('organization')} error={errors.organization} />
        <div class={`field${errors.kind ? ' field-error' : ''}`}>
          <label for="f-p-kind">Kind</label>
          <FieldError id="f-p-kind-error" message={errors.kind} />
          <select id="f-p-kind" value={v.kind} onChange={(e) => set('kind')(e.currentTarget.value)}>
            {(Object.keys(KIND_LABEL) as PartnerKind[]).map((k) => <option key={k} value={k}>{KIND_LABEL[k]}</option>)}
          </select>
        </div>
        <Field path="p-specialty" label="Specialty (optional)" value={v.specialty} onValue={set('specialty')} error={errors.specialty} />
        <Field path="p-npi" label="NPI (optional)" inputMode="numeric" hint="10 digits" value={v.npi} onValue={set('npi')} error={errors.npi} />
        <Field path="p-contactEmail" label="Email (optional)" type="email" value={v.contactEmail} onValue={set('contactEmail')} error={errors.contactEmail} />
        <Field path="p-phone" label="Phone (optional)" type="tel" hint="e.g. (312) 555-0142" value={v.phone} onValue={set('phone')} error={errors.phone} />
        <Field path="p-fax" label="Fax (optional)" type="tel" value={v.fax} onValue={set('fax')} error={errors.fax} />
        <Field path="p-address" label="Address (optional)" value={v.address} onValue={set('address')} error={errors.address} />
        <Field path="p-zip" label="ZIP (optional)" inputMode="numeric" value={v.zip} onValue={set('zip')} error={errors.zip} />
        <Field path="p-tags" label="Tags (optional)" hint="Separate with commas" value={v.tags} onValue={set('tags')} error={errors.tags} />
        {(members.length > 0 || v.liaison) && (
          <div class={`field${errors.liaison ? ' field-error' : ''}`}>
            <label for="f-p-liaison">Liaison</label>
            <FieldError id="f-p-liaison-error" message={errors.liaison} />
            <select id="f-p-liaison" value={v.liaison} onChange={(e) => set('liaison')(e.currentTarget.value)}>
              <option value="">No one</option>
              {members.map((m) => <option key={m.id} value={m.id}>{m.name || m.email}</option>)}
              {v.liaison && !members.some((m) => m.id === v.liaison) && <option value={v.liaison}>(a team member)</option>}
            </select>
          </div>
        )}
        <div class="field">
          <label for="f-p-statusUpdates">Status updates</label>
          <select id="f-p-statusUpdates" value={v.statusUpdates} onChange={(e) => set('statusUpdates')(e.currentTarget.value)}>
            <option value="each">Each change</option>
            <option value="digest">Daily digest</option>
            <option value="none">None</option>
          </select>
        </div>
        <Status tone={status.tone}>{status.text}</Status>
        {conflict && (
          <p>
            <button type="button" class="secondary" onClick={onReload}>Load their changes</button> (your edits here are replaced by what is saved)
          </p>
        )}
        <p class="actions">
          <button type="submit" disabled={busy}>{busy ? 'Saving…' : 'Save'}</button>{' '}
          {!partner.mergedInto && <button type="button" class="secondary" disabled={busy} onClick={() => save(!archived)}>{archived ? 'Restore' : 'Archive'}</button>}
        </p>
      </form>
    </section>
  );
}

function Referrals({ partner }: { partner: Partner }) {
  const [items, setItems] = useState<ReferralLine[] | null>(null);
  const [next, setNext] = useState('');
  const [error, setError] = useState('');
  const base = `/v1/partners/${encodeURIComponent(partner.id)}/referrals`;
  const load = (cursor: string) =>
    api.get<{ items: ReferralLine[]; nextCursor: string }>(cursor ? `${base}?cursor=${encodeURIComponent(cursor)}` : base).then(
      (r) => { setItems((old) => [...(cursor ? old ?? [] : []), ...(r.items ?? [])]); setNext(r.nextCursor); },
      (err) => setError(errorMessage(err)),
    );
  useEffect(() => { load(''); }, [partner.id]);
  return (
    <section class="panel" aria-labelledby="referrals-h">
      <h2 id="referrals-h">Referrals</h2>
      {error && <p class="notice notice-bad" role="alert">{error}</p>}
      {!items && !error && <p class="loading" aria-live="polite">Loading…</p>}
      {items && items.length === 0 && <p class="empty">No referrals from this partner yet.</p>}
      {partner.mergedFrom?.length ? <p class="hint">With the referrals of {partner.mergedFrom.length === 1 ? 'the partner' : `the ${partner.mergedFrom.length} partners`} merged into this one.</p> : null}
      {items && items.length > 0 && (
        <ul class="people" aria-label={`Referrals from ${partner.name}`}>
          {items.map((r) => (
            <li key={r.id}>
              <a href={`/practice/referrals/${encodeURIComponent(r.id)}`}>Received {when(r.createdAt)}</a>
              <span class="meta"> · {r.referrer || 'a referrer'} · {r.urgency}</span> <StatusBadge status={r.status} />
            </li>
          ))}
        </ul>
      )}
      {next && <button type="button" class="secondary" onClick={() => load(next)}>More referrals</button>}
    </section>
  );
}
