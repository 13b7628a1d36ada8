// /p/<slug>: the practice's public page for referrers.
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, errorMessage } from '../api';
import { formatPhone, hours, telHref } from '../format';
import type { PageProps, PublicProfile } from '../types';
import { useTitle } from '../ui';
import { LinkRequest } from './Signin';

export default function PublicPractice({ params }: PageProps) {
  const slug = params.slug;
  const [profile, setProfile] = useState<PublicProfile | null>(null);
  const [failure, setFailure] = useState('');
  useTitle(profile ? profile.name : 'Practice');

  useEffect(() => {
    api.get<PublicProfile>(`/v1/practices/${encodeURIComponent(slug)}/profile`, { anonymous: true }).then(setProfile, (err) =>
      setFailure(err instanceof ApiError && err.status === 404 ? 'There is no practice at this address.' : errorMessage(err)),
    );
  }, [slug]);

  if (failure)
    return (
      <>
        <h1>Practice not found</h1>
        <p role="alert">{failure}</p>
      </>
    );
  if (!profile) return <p class="loading" aria-live="polite">Loading…</p>;
  return (
    <>
      <h1>{profile.name}</h1>
      <ProfileFacts profile={profile} />
      <section class="panel" aria-labelledby="refer-h">
        <h2 id="refer-h">Refer a patient</h2>
        <p>
          We email you a link; it opens a two-minute referral form. No account or password. New to {profile.name}? The same link
          asks your name and practice first, then you can refer.
        </p>
        <LinkRequest practice={profile.slug} label="Your work email" button="Email me a link to refer" />
      </section>
      <section class="panel" aria-labelledby="patient-h">
        <h2 id="patient-h">Are you a patient?</h2>
        <p>
          <a href={`/r/${profile.slug}`}>Refer yourself, or someone you know</a>: no referral from a doctor needed.
        </p>
      </section>
      <p class="small">
        <a href={`/p/${profile.slug}/print`}>Print the one-page “how to refer” sheet</a>
      </p>
    </>
  );
}

export function ProfileFacts({ profile }: { profile: PublicProfile }) {
  const c = profile.intakeContact;
  return (
    <dl class="facts">
      <dt>Conditions we see</dt>
      <dd>
        {profile.conditions?.length ? (
          <ul>
            {profile.conditions.map((x) => (
              <li key={x}>{x}</li>
            ))}
          </ul>
        ) : (
          'Not listed yet'
        )}
      </dd>
      {profile.notAMatch && (
        <>
          <dt>Not a match</dt>
          <dd>{profile.notAMatch}</dd>
        </>
      )}
      {profile.insuranceNotes && (
        <>
          <dt>Insurance</dt>
          <dd>{profile.insuranceNotes}</dd>
        </>
      )}
      {c && (c.name || c.phone || c.email) && (
        <>
          <dt>Intake contact</dt>
          <dd>
            {c.name}
            {c.phone && (
              <>
                {c.name && <br />}
                <a href={telHref(c.phone)}>{formatPhone(c.phone)}</a>
              </>
            )}
            {c.email && (
              <>
                <br />
                <a href={`mailto:${c.email}`}>{c.email}</a>
              </>
            )}
          </dd>
        </>
      )}
      {profile.contactByHours && (
        <>
          <dt>We contact referred patients</dt>
          <dd>
            within {hours(profile.contactByHours.default)}; urgent referrals within {hours(profile.contactByHours.urgent)}
          </dd>
        </>
      )}
    </dl>
  );
}
