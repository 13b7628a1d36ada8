// /practice/referrals/<id> (staff) and /referrals/<id> (referrer): one referral.
// Staff actions (status changes) plug in through `panels` below.
import type { ComponentChildren, ComponentType } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, errorMessage } from '../api';
import { formatDateTime, isOverdue, URGENCY_LABEL } from '../format';
import type { Area, PageProps, Referral } from '../types';
import { StatusBadge, useTitle } from '../ui';

/** A section under the referral's details; gets the referral and a way to replace it after a change. */
export type ReferralPanel = ComponentType<{ referral: Referral; onChange: (r: Referral) => void }>;

/** Panels per area, in order. A later issue adds the staff actions here. */
export const panels: Partial<Record<Area, ReferralPanel[]>> = { staff: [], referrer: [] };

export default function ReferralDetail({ params, area }: PageProps) {
  const [r, setR] = useState<Referral | null>(null);
  const [error, setError] = useState('');
  const back = area === 'staff' ? { href: '/practice/referrals', label: 'All referrals' } : { href: '/referrals', label: 'My referrals' };
  const name = r ? (area === 'staff' ? `${r.patient.firstName} ${r.patient.lastName}` : `Referral of ${r.patient.firstName} ${r.patient.lastName}`) : 'Referral';
  useTitle(name);

  useEffect(() => {
    api.get<Referral>(`/v1/referrals/${encodeURIComponent(params.id)}`).then(setR, (err) =>
      setError(err instanceof ApiError && err.status === 404 ? 'This referral does not exist, or you cannot see it.' : errorMessage(err)),
    );
  }, [params.id]);

  return (
    <>
      <p class="crumb">
        <a href={back.href}>← {back.label}</a>
      </p>
      {error && (
        <>
          <h1>Referral</h1>
          <p class="notice notice-bad" role="alert">{error}</p>
        </>
      )}
      {!r && !error && <p class="loading" aria-live="polite">Loading…</p>}
      {r && (
        <>
          <h1>{name}</h1>
          <ReferralFields referral={r} />
          {(panels[area] ?? []).map((Panel, i) => (
            <Panel key={i} referral={r} onChange={setR} />
          ))}
        </>
      )}
    </>
  );
}

const yesNo = (b?: boolean) => (b ? 'Yes' : 'No');

export function ReferralFields({ referral: r }: { referral: Referral }) {
  const overdue = isOverdue(r);
  const rows: [string, ComponentChildren][] = [
    ['Status', <StatusBadge status={r.status} />],
    ['Reason', r.reason],
    ['Urgency', URGENCY_LABEL[r.urgency] ?? r.urgency],
    ['Contact by', overdue ? <strong class="overdue-text">{formatDateTime(r.contactBy)} (overdue)</strong> : formatDateTime(r.contactBy)],
    ['Patient', `${r.patient.firstName} ${r.patient.lastName}`],
    ['Date of birth', r.patient.dateOfBirth],
    ['Phone', r.patient.phone ? <a href={`tel:${r.patient.phone.replace(/[^\d+]/g, '')}`}>{r.patient.phone}</a> : '—'],
    ['Email', r.patient.email ? <a href={`mailto:${r.patient.email}`}>{r.patient.email}</a> : '—'],
    ['Consent to be contacted', yesNo(r.patient.consentToContact)],
    ['Consent to share outcomes with the referrer', yesNo(r.patient.consentToShareOutcomes)],
    ['Insurance', r.insurance || '—'],
    ['Note', r.note ? <span class="pre">{r.note}</span> : '—'],
    ['Referred by', [r.referrer?.name, r.referrer?.email].filter(Boolean).join(', ') || '—'],
    ['Partner', r.partner?.name ?? '—'],
    ['Sent', formatDateTime(r.createdAt)],
    ['Last updated', formatDateTime(r.updatedAt)],
  ];
  return (
    <dl class="facts">
      {rows.map(([k, val]) => (
        <div key={k} class="fact">
          <dt>{k}</dt>
          <dd>{val}</dd>
        </div>
      ))}
    </dl>
  );
}
