// Merging partners (POST /v1/partners/{id}/merge): the "new source" case. A provider who joined from
// the public page turns out to be an office the practice knows: staff merge the new source into it.
// Two ways in: on a partner's page, "Merge another source into this one" (the target is fixed, pick
// the source); beside "Confirm source" on the partner list, "Merge into…" (the source is fixed, pick
// the target). Either way a modal dialog: search, pick, read what will happen, confirm.
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, api, errorMessage, requestTagged } from '../api';
import { KIND_LABEL } from '../format';
import type { Partner, PartnerList } from '../types';
import { Status } from '../ui';
import './merge.css';

interface Props {
  /** The partner the other is merged into (fixed on its page). */
  target?: Partner;
  /** The partner merged into the other (fixed beside "Confirm source"). */
  source?: Partner;
  onMerged: (target: Partner) => void;
  onClose: () => void;
}

const plural = (n: number, one: string, many: string) => (n === 1 ? `1 ${one}` : `${n} ${many}`);

/** What the merge does, in plain words, for the two partners picked. */
export function mergeEffects(source: Partner, target: Partner): string[] {
  const out = [
    `${source.name} is archived and marked "merged into ${target.name}". It leaves the partner list.`,
    source.referralCount === 1
      ? `Its referral stays as it is (links already sent keep working) and shows on ${target.name}'s page.`
      : source.referralCount
        ? `Its ${source.referralCount} referrals stay as they are (links already sent keep working) and show on ${target.name}'s page.`
        : `It has no referrals yet; any that arrive under it would show on ${target.name}'s page.`,
    `Its referrers now refer for ${target.name}: they are signed out and their next sign-in refers for ${target.name}. They still see the referrals they sent.`,
    `Its outreach touches and follow-ups move to ${target.name}, and its numbers count as ${target.name}'s (the dashboard recounts them on its next update).`,
  ];
  const filled: string[] = [];
  if (!target.npi && source.npi) filled.push(`NPI ${source.npi}`);
  if (!target.contactEmail && source.contactEmail) filled.push(`email ${source.contactEmail}`);
  if (!target.phone && source.phone) filled.push('phone');
  if (!target.fax && source.fax) filled.push('fax');
  if (!target.address && source.address) filled.push('address');
  if (!target.specialty && source.specialty) filled.push(`specialty ${source.specialty}`);
  if (filled.length) out.push(`${target.name} takes what it lacks from ${source.name}: ${filled.join(', ')}.`);
  if (source.unconfirmed || target.unconfirmed) out.push(`${target.name} is confirmed.`);
  return out;
}

/** Which partners may be picked: not the fixed one, not archived or merged. */
export function mergeCandidates(list: Partner[], fixed: Partner): Partner[] {
  return list.filter((p) => p.id !== fixed.id && !p.mergedInto && p.stage !== 'archived' && !p.archivedAt);
}

export function MergeDialog({ target, source, onMerged, onClose }: Props) {
  const fixed = (target ?? source) as Partner;
  const picking = target ? 'source' : 'target';
  const ref = useRef<HTMLDialogElement>(null);
  const searchRef = useRef<HTMLInputElement>(null);
  const [q, setQ] = useState('');
  const [list, setList] = useState<Partner[] | null>(null);
  const [picked, setPicked] = useState<Partner | null>(null);
  const [busy, setBusy] = useState(false);
  const [status, setStatus] = useState({ text: '', tone: 'ok' as 'ok' | 'bad' });
  const h = `merge-h-${fixed.id}`;

  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) d.showModal?.();
    searchRef.current?.focus();
  }, []);
  useEffect(() => {
    const t = setTimeout(() => {
      const path = '/v1/partners' + (q.trim() ? `?q=${encodeURIComponent(q.trim())}` : '');
      api.get<PartnerList>(path).then((r) => setList(mergeCandidates(r.items ?? [], fixed)), (err) => setStatus({ text: errorMessage(err), tone: 'bad' }));
    }, q ? 200 : 0);
    return () => clearTimeout(t);
  }, [q]);

  const from = picking === 'source' ? picked : fixed;
  const into = picking === 'source' ? fixed : picked;

  const merge = async () => {
    if (busy || !from || !into) return;
    setBusy(true);
    setStatus({ text: '', tone: 'ok' });
    try {
      // The target's version as it is now: a change since the list was read is the server's to judge (If-Match).
      const cur = await requestTagged<Partner>('GET', `/v1/partners/${encodeURIComponent(into.id)}`);
      const r = await requestTagged<Partner>('POST', `/v1/partners/${encodeURIComponent(into.id)}/merge`, {
        body: { from: from.id }, headers: { 'If-Match': cur.etag ?? `"${into.version ?? 1}"` },
      });
      ref.current?.close();
      onMerged(r.data);
    } catch (err) {
      const text = err instanceof ApiError && err.status === 422 && err.errors
        ? Object.values(err.errors).join(' ') || errorMessage(err)
        : errorMessage(err);
      setStatus({ text, tone: 'bad' });
    } finally {
      setBusy(false);
    }
  };
  const close = () => { ref.current?.close(); onClose(); };

  return (
    <dialog ref={ref} class="merge-dialog" aria-labelledby={h} onCancel={(e) => { e.preventDefault(); close(); }}>
      <h2 id={h}>{picking === 'source' ? `Merge another source into ${fixed.name}` : `Merge ${fixed.name} into another partner`}</h2>
      <p class="hint">
        {picking === 'source'
          ? `Pick the partner that is really ${fixed.name} (for example a new source that signed itself up).`
          : `Pick the partner ${fixed.name} really is.`}
      </p>
      <div class="field">
        <label for={`merge-q-${fixed.id}`}>Find a partner</label>
        <input id={`merge-q-${fixed.id}`} ref={searchRef} type="search" value={q} autoComplete="off"
          onInput={(e) => { setQ(e.currentTarget.value); setPicked(null); }} aria-describedby={`merge-q-hint-${fixed.id}`} />
        <p id={`merge-q-hint-${fixed.id}`} class="hint">Name, organization, NPI or email.</p>
      </div>
      <fieldset class="merge-choices">
        <legend>{picking === 'source' ? 'Partner to merge into this one' : 'Merge into'}</legend>
        {!list && <p class="loading" aria-live="polite">Loading…</p>}
        {list && list.length === 0 && <p class="empty">No partner matches.</p>}
        {list && list.slice(0, 30).map((p) => (
          <label key={p.id} class="merge-choice">
            <input type="radio" name={`merge-pick-${fixed.id}`} value={p.id} checked={picked?.id === p.id} onChange={() => setPicked(p)} />
            <span>
              <strong>{p.name}</strong>
              {p.unconfirmed && <span class="badge"> New source</span>}
              <span class="meta"> · {KIND_LABEL[p.kind] ?? p.kind}{p.npi && <> · NPI {p.npi}</>}{p.contactEmail && <> · {p.contactEmail}</>}
                {' · '}{p.referralCount ? plural(p.referralCount, 'referral', 'referrals') : 'no referral yet'}</span>
            </span>
          </label>
        ))}
        {list && list.length > 30 && <p class="hint">{list.length - 30} more: narrow the search.</p>}
      </fieldset>
      {from && into && (
        <section class="merge-effects" aria-labelledby={`merge-what-${fixed.id}`}>
          <h3 id={`merge-what-${fixed.id}`}>What will happen</h3>
          <ul>{mergeEffects(from, into).map((t) => <li key={t}>{t}</li>)}</ul>
          <p class="hint">This cannot be undone from the portal.</p>
        </section>
      )}
      <Status tone={status.tone}>{status.text}</Status>
      <p class="actions">
        <button type="button" disabled={busy || !from || !into} onClick={merge}>
          {busy ? 'Merging…' : from && into ? `Merge ${from.name} into ${into.name}` : 'Merge'}
        </button>{' '}
        <button type="button" class="secondary" onClick={close}>Cancel</button>
      </p>
    </dialog>
  );
}

/** On a partner's page: the control that opens the dialog with this partner as the target. */
export function MergeIntoThis({ partner, onMerged }: { partner: Partner; onMerged: (p: Partner) => void }) {
  const [open, setOpen] = useState(false);
  const [done, setDone] = useState('');
  if (partner.mergedInto || partner.stage === 'archived') return null;
  return (
    <section class="panel" aria-labelledby="merge-h">
      <h2 id="merge-h">Duplicates</h2>
      <p>When another partner is really this office (a provider who signed up from your public page, a duplicate from an import), merge it into this one. Its referrals, referrers and touches come here.</p>
      <Status>{done}</Status>
      <button type="button" class="secondary" onClick={() => { setDone(''); setOpen(true); }}>Merge another source into this one</button>
      {open && (
        <MergeDialog target={partner} onClose={() => setOpen(false)}
          onMerged={(p) => { setOpen(false); setDone(`Merged. ${p.name} now has the other partner's referrals, referrers and touches.`); onMerged(p); }} />
      )}
    </section>
  );
}

/** Beside "Confirm source": merge this new source into the partner it really is. */
export function MergeSourceButton({ partner, onMerged }: { partner: Partner; onMerged: (target: Partner) => void }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      {/* The accessible name begins with the visible words (WCAG 2.5.3, axe label-content-name-mismatch). */}
      <button type="button" class="secondary small-button" onClick={() => setOpen(true)}>
        Merge into…<span class="visually-hidden"> another partner: source {partner.name}</span>
      </button>
      {open && <MergeDialog source={partner} onClose={() => setOpen(false)} onMerged={(t) => { setOpen(false); onMerged(t); }} />}
    </>
  );
}

/** On a merged partner's page: where it went. */
export function MergedNotice({ partner }: { partner: Partner }) {
  const [name, setName] = useState('');
  useEffect(() => {
    if (partner.mergedInto) api.get<Partner>(`/v1/partners/${encodeURIComponent(partner.mergedInto)}`).then((p) => setName(p.name), () => setName(''));
  }, [partner.mergedInto]);
  if (!partner.mergedInto) return null;
  return (
    <p class="notice notice-ok" role="status">
      Merged into <a href={`/practice/partners/${encodeURIComponent(partner.mergedInto)}`}>{name || 'another partner'}</a>. Its referrals, referrers and touches are there now.
    </p>
  );
}
