// /practice/settings: the practice's intake profile (GET/PUT /v1/practice).
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError, errorMessage } from '../api';
import type { PageProps, Profile, ProfileInput } from '../types';
import { validateProfile } from '../validation';
import type { Errors, ProfileValues } from '../validation';
import { ErrorSummary, Field, FieldError, fieldId, Status, useTitle } from '../ui';
import { formatPhone, setTimeZone } from '../format';

function toValues(p: Profile): ProfileValues {
  return {
    name: p.name ?? '',
    conditions: p.conditions?.length ? [...p.conditions] : [''],
    notAMatch: p.notAMatch ?? '',
    insuranceNotes: p.insuranceNotes ?? '',
    contactByHours: {
      default: String(p.contactByHours?.default ?? 48),
      urgent: String(p.contactByHours?.urgent ?? 24),
      soon: String(p.contactByHours?.soon || p.contactByHours?.default || 48),
    },
    patientDisplayName: p.patientDisplayName ?? '',
    intakeContact: { name: p.intakeContact?.name ?? '', phone: formatPhone(p.intakeContact?.phone), email: p.intakeContact?.email ?? '' },
    country: p.country || 'US',
    timeZone: p.timeZone || browserZone(),
  };
}

const LABELS: Record<string, string> = {
  name: 'Practice name',
  patientDisplayName: 'Name shown to patients',
  notAMatch: 'Who is not a match',
  insuranceNotes: 'Insurance notes',
  'intakeContact.name': 'Intake contact name',
  'intakeContact.phone': 'Intake contact phone',
  'intakeContact.email': 'Intake contact email',
  'contactByHours.default': 'Contact within (hours)',
  'contactByHours.urgent': 'Urgent: contact within (hours)',
  'contactByHours.soon': 'Soon: contact within (hours)',
  country: 'Country',
  timeZone: 'Time zone',
};

const browserZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
/** The time zones this browser knows (the server checks the name too). */
const zones = (current: string): string[] => {
  const all = (Intl as unknown as { supportedValuesOf?: (k: string) => string[] }).supportedValuesOf?.('timeZone') ?? [];
  return all.includes(current) ? all : [current, ...all];
};

export default function Settings({ me }: PageProps) {
  useTitle('Intake profile');
  const [profile, setProfile] = useState<Profile | null>(null);
  const [v, setV] = useState<ProfileValues | null>(null);
  const [errors, setErrors] = useState<Errors>({});
  const [summaryKey, setSummaryKey] = useState(0);
  const [status, setStatus] = useState<{ text: string; tone: 'ok' | 'bad' }>({ text: '', tone: 'ok' });
  const [busy, setBusy] = useState(false);
  const [loadError, setLoadError] = useState('');
  const focusCondition = useRef<number | null>(null);

  useEffect(() => {
    api.get<Profile>('/v1/practice').then(
      (p) => {
        setProfile(p);
        setV(toValues(p));
      },
      (err) => setLoadError(errorMessage(err)),
    );
  }, []);

  useEffect(() => {
    if (focusCondition.current !== null) {
      document.getElementById(fieldId(`conditions.${focusCondition.current}`))?.focus();
      focusCondition.current = null;
    }
  });

  if (loadError) return <p class="notice notice-bad" role="alert">{loadError}</p>;
  if (!v || !profile) return <p class="loading" aria-live="polite">Loading…</p>;

  const set = (patch: Partial<ProfileValues>) => setV({ ...v, ...patch });
  const setContact = (k: keyof ProfileValues['intakeContact']) => (x: string) => set({ intakeContact: { ...v.intakeContact, [k]: x } });
  const setHours = (k: keyof ProfileValues['contactByHours']) => (x: string) => set({ contactByHours: { ...v.contactByHours, [k]: x } });
  const setCondition = (i: number, x: string) => set({ conditions: v.conditions.map((c, j) => (j === i ? x : c)) });
  const addCondition = () => {
    focusCondition.current = v.conditions.length;
    set({ conditions: [...v.conditions, ''] });
  };
  const removeCondition = (i: number) => {
    const next = v.conditions.filter((_, j) => j !== i);
    focusCondition.current = next.length ? Math.min(i, next.length - 1) : 0;
    set({ conditions: next.length ? next : [''] });
    // the errors of later conditions move up by one
    const moved: Errors = {};
    for (const [k, msg] of Object.entries(errors)) {
      const m = /^conditions\.(\d+)$/.exec(k);
      if (!m) moved[k] = msg;
      else if (Number(m[1]) < i) moved[k] = msg;
      else if (Number(m[1]) > i) moved[`conditions.${Number(m[1]) - 1}`] = msg;
    }
    setErrors(moved);
  };

  const save = async (e: Event) => {
    e.preventDefault();
    if (busy) return;
    setStatus({ text: '', tone: 'ok' });
    const errs = validateProfile(v);
    if (Object.keys(errs).length) {
      setErrors(errs);
      setSummaryKey((k) => k + 1);
      return;
    }
    // blank condition rows are dropped; remember where each sent condition sits in the form
    const rows: number[] = [];
    v.conditions.forEach((c, i) => c.trim() && rows.push(i));
    const body: ProfileInput = {
      name: v.name.trim(),
      conditions: rows.map((i) => v.conditions[i].trim()),
      notAMatch: v.notAMatch.trim(),
      insuranceNotes: v.insuranceNotes.trim(),
      intakeContact: { name: v.intakeContact.name.trim(), phone: v.intakeContact.phone.trim(), email: v.intakeContact.email.trim() },
      contactByHours: { default: Number(v.contactByHours.default), urgent: Number(v.contactByHours.urgent), soon: Number(v.contactByHours.soon) || undefined },
      patientDisplayName: v.patientDisplayName.trim(),
      country: (v.country ?? 'US').trim().toUpperCase(),
      timeZone: v.timeZone,
    };
    setBusy(true);
    try {
      const saved = await api.put<Profile>('/v1/practice', body);
      setProfile(saved);
      setTimeZone(saved.timeZone); // this session's times follow the new zone
      setV(toValues(saved));
      setErrors({});
      setStatus({ text: 'Saved. Referrers see these details now.', tone: 'ok' });
    } catch (err) {
      if (err instanceof ApiError && err.status === 422 && Object.keys(err.errors).length) {
        const mapped: Errors = {};
        for (const [k, msg] of Object.entries(err.errors)) {
          const m = /^conditions\.(\d+)$/.exec(k);
          mapped[m && rows[Number(m[1])] !== undefined ? `conditions.${rows[Number(m[1])]}` : k] = msg;
        }
        setErrors(mapped);
        setSummaryKey((k) => k + 1);
      } else setStatus({ text: errorMessage(err), tone: 'bad' });
    } finally {
      setBusy(false);
    }
  };

  const link = `${location.origin}/p/${profile.slug}`;
  const labels: Record<string, string> = { ...LABELS };
  v.conditions.forEach((_, i) => (labels[`conditions.${i}`] = `Condition ${i + 1}`));

  return (
    <>
      <h1>Intake profile</h1>
      <section class="panel" aria-labelledby="link-h">
        <h2 id="link-h">Your referral link</h2>
        <p>Share it with referring providers. It shows this profile and lets them ask for a sign-in link.</p>
        <p class="copy-row">
          <a href={link} class="mono">{link}</a>
          {navigator.clipboard && (
            <button type="button" class="secondary small-button" onClick={() => navigator.clipboard.writeText(link).then(() => setStatus({ text: 'Link copied', tone: 'ok' }), () => {})}>
              Copy link
            </button>
          )}
        </p>
        <p>
          <a href={`/p/${profile.slug}/print`}>The one-pager: how to refer, with a QR code, and the introduction email</a>
        </p>
        <p>
          Patients can ask you for an appointment themselves, for them or someone they know:{' '}
          <a href={`/r/${profile.slug}`} class="mono">{`${location.origin}/r/${profile.slug}`}</a>
        </p>
      </section>

      <form onSubmit={save} noValidate class="stack">
        <ErrorSummary errors={errors} labels={labels} focusKey={summaryKey} />
        <Field path="name" label="Practice name" value={v.name} onValue={(x) => set({ name: x })} error={errors.name} autoComplete="organization" />
        <Field
          path="patientDisplayName"
          label="Name shown to patients"
          hint="Used instead of your practice name in every email and text a patient gets and on the status page, so a name that tells a diagnosis never reaches a patient's inbox. Leave it empty for “Your care team”."
          maxLength={120}
          value={v.patientDisplayName}
          onValue={(x) => set({ patientDisplayName: x })}
          error={errors.patientDisplayName}
        />

        <fieldset data-path="conditions">
          <legend>Conditions you treat</legend>
          <p class="hint">Referrers pick one of these as the reason for a referral (or type another).</p>
          <FieldError id="f-conditions-error" message={errors.conditions} />
          <ul class="edit-list">
            {v.conditions.map((c, i) => {
              const id = fieldId(`conditions.${i}`);
              const err = errors[`conditions.${i}`];
              return (
                <li key={i} class={err ? 'field-error' : ''}>
                  <label for={id} class="visually-hidden">Condition {i + 1}</label>
                  <FieldError id={`${id}-error`} message={err} />
                  <div class="row">
                    <input
                      id={id}
                      type="text"
                      value={c}
                      aria-invalid={err ? 'true' : undefined}
                      aria-describedby={err ? `${id}-error` : undefined}
                      onInput={(e) => setCondition(i, e.currentTarget.value)}
                    />
                    <button type="button" class="secondary small-button" onClick={() => removeCondition(i)} aria-label={`Remove condition ${i + 1}${c ? `: ${c}` : ''}`}>
                      Remove
                    </button>
                  </div>
                </li>
              );
            })}
          </ul>
          <button type="button" class="secondary" onClick={addCondition}>Add condition</button>
        </fieldset>

        <Field path="notAMatch" label="Who is not a match" hint="e.g. Patients under 16; acute fractures" multiline maxLength={1000} value={v.notAMatch} onValue={(x) => set({ notAMatch: x })} error={errors.notAMatch} />
        <Field path="insuranceNotes" label="Insurance notes" hint="e.g. In network with Aetna, BCBS; no Medicaid" multiline maxLength={1000} value={v.insuranceNotes} onValue={(x) => set({ insuranceNotes: x })} error={errors.insuranceNotes} />

        <fieldset data-path="intakeContact">
          <legend>Intake contact</legend>
          <FieldError id="f-intakeContact-error" message={errors.intakeContact} />
          <Field path="intakeContact.name" label="Intake contact name" value={v.intakeContact.name} onValue={setContact('name')} error={errors['intakeContact.name']} />
          <Field path="intakeContact.phone" label="Intake contact phone" type="tel" value={v.intakeContact.phone} onValue={setContact('phone')} error={errors['intakeContact.phone']} />
          <Field path="intakeContact.email" label="Intake contact email" type="email" value={v.intakeContact.email} onValue={setContact('email')} error={errors['intakeContact.email']} />
        </fieldset>

        <fieldset data-path="contactByHours">
          <legend>How soon you contact referred patients</legend>
          <FieldError id="f-contactByHours-error" message={errors.contactByHours} />
          <div class="two-col">
            <Field path="contactByHours.default" label="Contact within (hours)" inputMode="numeric" pattern="[0-9]*" value={v.contactByHours.default} onValue={setHours('default')} error={errors['contactByHours.default']} />
            <Field path="contactByHours.urgent" label="Urgent: contact within (hours)" inputMode="numeric" pattern="[0-9]*" value={v.contactByHours.urgent} onValue={setHours('urgent')} error={errors['contactByHours.urgent']} />
            <Field path="contactByHours.soon" label="Soon: contact within (hours)" inputMode="numeric" pattern="[0-9]*" value={v.contactByHours.soon ?? ''} onValue={setHours('soon')} error={errors['contactByHours.soon']} />
          </div>
        </fieldset>

        <fieldset data-path="local">
          <legend>Where you are</legend>
          <div class="two-col">
            <Field path="country" label="Country" hint="Two letters, like US: phone numbers typed without + are read as this country's" maxLength={2} value={v.country ?? 'US'} onValue={(x) => set({ country: x })} error={errors.country} class="short" />
            <div class={`field${errors.timeZone ? ' field-error' : ''}`}>
              <label for={fieldId('timeZone')}>Time zone</label>
              <p class="hint" id="tz-hint">Pages and emails show times in it; days end at its midnight.</p>
              <select id={fieldId('timeZone')} aria-describedby={errors.timeZone ? `tz-hint ${fieldId('timeZone')}-error` : 'tz-hint'} value={v.timeZone} onChange={(e) => set({ timeZone: (e.target as HTMLSelectElement).value })}>
                {zones(v.timeZone ?? 'UTC').map((z) => (
                  <option key={z} value={z}>{z.replace(/_/g, ' ')}</option>
                ))}
              </select>
              <FieldError id={`${fieldId('timeZone')}-error`} message={errors.timeZone} />
            </div>
          </div>
        </fieldset>

        <Status tone={status.tone}>{status.text}</Status>
        <button type="submit" disabled={busy}>{busy ? 'Saving…' : 'Save profile'}</button>
      </form>
      {me?.user.role === 'owner' && <Team />}
    </>
  );
}

/** The team moved to its own page (add, resend, revoke, deactivate). */
function Team() {
  return (
    <section class="panel" aria-labelledby="team-h">
      <h2 id="team-h">Team</h2>
      <p>
        Add staff, resend or revoke their invitations and deactivate members on the <a href="/practice/team">Team page</a>.
      </p>
    </section>
  );
}
