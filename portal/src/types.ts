// The API's shapes are generated from docs/openapi.yaml into api-schema.d.ts (`npm run gen:types`;
// `make test` fails when that file is stale or the portal no longer type-checks against it). This
// file only names them as the portal calls them; the portal's own UI types are at the end.
import type { components } from './api-schema';

type Schemas = components['schemas'];

// ---- sign-in, practice, partners ------------------------------------------------------------------
export type Role = Schemas['Role'];
export type Me = Schemas['Me'];
/** The practice's intake contact (schema `Contact`). */
export type IntakeContact = Schemas['Contact'];
export type ContactByHours = Schemas['ContactByHours'];
export type PublicProfile = Schemas['PublicProfile'];
export type Profile = Schemas['Profile'];
/** The body of PUT /v1/practice. */
export type ProfileInput = Schemas['ProfileInput'];
export type PartnerKind = Schemas['PartnerKind'];
export type StatusUpdates = Schemas['StatusUpdates'];
/** `statusUpdates` is "" for a partner never given one (it counts as `each`). */
export type Partner = Schemas['Partner'];
/** The body of POST /v1/partners and PUT /v1/partners/{id}. */
export type PartnerInput = Schemas['PartnerInput'];
export type PartnerList = Schemas['PartnerList'];
export type PartnerStage = Schemas['PartnerStage'];
export type PartnerUpdate = Schemas['PartnerUpdate'];
export type ReferralLine = Schemas['ReferralLine'];
export type ImportReport = Schemas['ImportReport'];
export type ImportRow = Schemas['ImportRow'];
export type ImportJob = Schemas['Import'];
export type InviteRequest = Schemas['InviteRequest'];
export type SignupRequest = Schemas['SignupRequest'];
export type LinkRequest = Schemas['LinkRequest'];
export type SessionRequest = Schemas['SessionRequest'];
/** POST /v1/auth/link-previews: what a magic link signs in to, without spending it. */
export type LinkPreview = Schemas['LinkPreview'];
export type LinkPreviewRequest = Schemas['LinkPreviewRequest'];
/** A person who refers for a partner (GET /v1/partners/{id}/referrers). */
export type Referrer = Schemas['Referrer'];
export type ReferrerList = Schemas['ReferrerList'];
/** A member of the practice's team (GET /v1/members, owner only). */
export type Member = Schemas['Member'];
export type MemberList = Schemas['MemberList'];
/** Invitations: a person's state, the owner's team invitation, a new source's details. */
export type PersonState = Schemas['PersonState'];
export type MemberRequest = Schemas['MemberRequest'];
export type JoinDetails = Schemas['JoinDetails'];

// ---- referrals and the closed loop ----------------------------------------------------------------
export type Urgency = Schemas['Urgency'];
export type ReferralStatus = Schemas['ReferralStatus'];
export type Patient = Schemas['Patient'];
/** The body of POST /v1/referrals (schema `Submission`). */
export type ReferralInput = Schemas['Submission'];
export type Appointment = Schemas['Appointment'];
export type DeclineReason = Schemas['DeclineReason'];
/** One logged attempt to reach the patient (schema `ContactAttempt`). */
export type Contact = Schemas['ContactAttempt'];
export type ContactOutcome = Contact['outcome'];
export type ContactChannel = Contact['channel'];
/** One entry of a referral's timeline, oldest first (schema `Event`). */
export type TimelineEntry = Schemas['Event'];
export type Referral = Schemas['Referral'];
/** A referral in a list: the fields the queue index projects (no note, insurance or timeline). */
export type ReferralSummary = Schemas['ReferralSummary'];
/** One page of GET /v1/referrals. */
export type ReferralList = Schemas['ReferralList'];
/** The body of POST /v1/referrals/{id}/transitions. */
export type TransitionInput = Schemas['Transition'];
/** The body of POST /v1/referrals/{id}/answers. */
export type AnswerInput = Schemas['Answer'];
export type Queue = Schemas['Queue'];
export type RatingRequest = Schemas['RatingRequest'];
export type RatingAnswer = Schemas['RatingAnswer'];
/** The body of POST /v1/status-lookups (schema `StatusLookup`). */
export type StatusLookupRequest = Schemas['StatusLookup'];
/** The answer of POST /v1/status-lookups (schema `StatusView`). */
export type StatusLookup = Schemas['StatusView'];
/** One record of the audit trail (schema `AuditRecord`). */
export type AuditItem = Schemas['AuditRecord'];
/** One page of GET /v1/audit. */
export type AuditPage = Schemas['AuditPage'];

// ---- metrics (numbers from the scheduled rollup) --------------------------------------------------
/** A median and a 90th percentile: hours for the times, seconds for the form. */
export type Stat = Schemas['Stat'];
export type Summary = Schemas['Summary'];
/** One row of a metrics answer: a period (2026-W47, 2026-11), a partner (key = id) or a kind. */
export type MetricsGroup = Schemas['MetricsGroup'];
/** How a referral source is doing; `lastReferral` is null when it sent nothing in 12 months. */
export type SourceHealth = Schemas['SourceHealth'];
export type SourceKind = SourceHealth['kind'];
export type MetricsView = Schemas['MetricsView'];
/** Which figures of a metrics answer are estimates (medians, p90s, repeat intervals), and how close. */
export type Accuracy = Schemas['Accuracy'];
export type MetricsGroupBy = MetricsView['groupBy'];
/** GET /v1/partners/{id}/scorecard: a partner's last 12 months (schema `Scorecard`). */
export type PartnerScorecard = Schemas['Scorecard'];
/** GET /v1/scorecard: what a referrer sees of their own referrals. */
export type ReferrerScorecard = Schemas['ReferrerScorecard'];

// ---- the portal's own (not API shapes) ------------------------------------------------------------
export type Area = 'landing' | 'public' | 'staff' | 'referrer';

/** What every routed page receives. */
export interface PageProps {
  params: Record<string, string>;
  query: URLSearchParams;
  area: Area;
  me: Me | null | undefined;
  setMe: (me: Me | null) => void;
}

/** issue 10: a new practice's onboarding checklist (GET /v1/onboarding). */
export type Onboarding = Schemas['Onboarding'];
