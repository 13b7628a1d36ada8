import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  actionFor,
  actionsFor,
  declineReasonLabel,
  emptyAction,
  entryTitle,
  ifMatch,
  localToUtc,
  overdueBy,
  referrerWords,
  matchesSearch,
  partnerInput,
  refOf,
  QUEUE_ORDER,
  REFERRER_STATUS_TEXT,
  referrerStatusText,
  transitionBody,
  utcToLocalInput,
} from './loop';
import { STATUSES } from './format';
import type { ReferralStatus, TimelineEntry } from './types';

describe('status words', () => {
  it('has plain words for every status, for referrers', () => {
    for (const s of STATUSES) expect(REFERRER_STATUS_TEXT[s], s).toMatch(/^[A-Z].+\.$/);
    expect(referrerStatusText('needs-info')).toMatch(/question/);
    expect(referrerStatusText('nope')).toBe('');
  });
  it('orders the queue by the lifecycle and covers every status', () => {
    expect([...QUEUE_ORDER].sort()).toEqual([...STATUSES].sort());
    expect(QUEUE_ORDER[0]).toBe('received');
  });
  it('says decline reasons in plain words', () => {
    expect(declineReasonLabel('no-capacity')).toBe('No capacity right now');
    expect(declineReasonLabel('mystery')).toBe('mystery');
  });
});

describe('allowed-action mapping', () => {
  it('offers exactly the allowed statuses, in order', () => {
    const acts = actionsFor({ status: 'received', allowed: ['accepted', 'declined', 'needs-info', 'cancelled'] });
    expect(acts.map((a) => a.label)).toEqual(['Accept', 'Decline', 'Ask the referrer', 'Cancel referral']);
    expect(acts.map((a) => a.kind)).toEqual(['button', 'decline', 'ask', 'confirm']);
  });
  it('offers nothing without allowed, and skips unknown statuses', () => {
    expect(actionsFor({ status: 'closed' })).toEqual([]);
    expect(actionsFor({ status: 'closed', allowed: [] })).toEqual([]);
    expect(actionsFor({ status: 'seen', allowed: ['teleport' as ReferralStatus, 'closed'] }).map((a) => a.label)).toEqual(['Close the loop']);
  });
  it('says Schedule first and Reschedule after', () => {
    expect(actionFor('contacted', 'scheduled')?.label).toBe('Schedule');
    expect(actionFor('scheduled', 'scheduled')?.label).toBe('Reschedule');
    expect(actionFor('no-show', 'scheduled')?.label).toBe('Reschedule');
  });
  it('offers unreachable only when the server allows it', () => {
    expect(actionsFor({ status: 'contacted', allowed: ['contacted', 'scheduled', 'cancelled'] }).some((a) => a.to === 'unreachable')).toBe(false);
    expect(actionsFor({ status: 'contacted', allowed: ['contacted', 'scheduled', 'unreachable', 'cancelled'] }).map((a) => a.label)).toEqual([
      'Log contact attempt',
      'Schedule',
      'Mark unreachable',
      'Cancel referral',
    ]);
  });
  it('titles timeline entries', () => {
    const by: TimelineEntry['by'] = { name: 'Sam Rivera', role: 'owner' };
    expect(entryTitle({ at: '', by, to: 'received' })).toBe('Referral sent');
    expect(entryTitle({ at: '', by, from: 'received', to: 'accepted' })).toBe('Received → Accepted');
    expect(entryTitle({ at: '', by, from: 'contacted', to: 'contacted' })).toBe('Another contact attempt');
    // an attempt that reached nobody does not move the referral
    expect(entryTitle({ at: '', by, from: 'accepted', to: 'accepted', contact: { outcome: 'no-answer', channel: 'phone' } })).toBe('Contact attempt: no answer');
    expect(entryTitle({ at: '', by, from: 'scheduled', to: 'scheduled' })).toBe('Rescheduled');
    expect(entryTitle({ at: '', by, from: 'needs-info', to: 'accepted', answer: 'yes' })).toBe('Referrer answered: back to Accepted');
  });
});

describe('transition bodies', () => {
  const now = new Date('2026-11-23T12:00:00Z');
  const v = (o: Partial<ReturnType<typeof emptyAction>>) => ({ ...emptyAction(), ...o });
  it('needs a reason to decline, and a note for "other"', () => {
    expect(transitionBody('declined', v({}), now).errors).toEqual({ reason: 'Choose a reason' });
    expect(transitionBody('declined', v({ reason: 'other' }), now).errors.note).toMatch(/where/);
    expect(transitionBody('declined', v({ reason: 'other', note: ' Try Dr. B ' }), now).body).toEqual({ to: 'declined', reason: 'other', note: 'Try Dr. B' });
    expect(transitionBody('declined', v({ reason: 'insurance' }), now).body).toEqual({ to: 'declined', reason: 'insurance' });
  });
  it('needs a question for needs-info', () => {
    expect(transitionBody('needs-info', v({ note: '  ' }), now).errors.note).toBeTruthy();
    expect(transitionBody('needs-info', v({ note: 'Which knee?' }), now).body).toEqual({ to: 'needs-info', note: 'Which knee?' });
  });
  it('needs an outcome and a channel for a contact attempt', () => {
    expect(Object.keys(transitionBody('contacted', v({ channel: '' }), now).errors).sort()).toEqual(['contact.channel', 'contact.outcome']);
    expect(transitionBody('contacted', v({ outcome: 'reached', channel: 'phone' }), now).body).toEqual({ to: 'contacted', contact: { outcome: 'reached', channel: 'phone' } });
  });
  it('needs a future time and a place to schedule', () => {
    expect(Object.keys(transitionBody('scheduled', v({}), now).errors).sort()).toEqual(['appointment.at', 'appointment.location']);
    expect(transitionBody('scheduled', v({ at: '2026-11-23T10:00', location: 'Room 2' }), now).errors['appointment.at']).toMatch(/future/);
    expect(transitionBody('scheduled', v({ at: '2028-01-01T10:00', location: 'Room 2' }), now).errors['appointment.at']).toMatch(/year/);
    expect(transitionBody('scheduled', v({ at: 'soon', location: 'Room 2' }), now).errors['appointment.at']).toMatch(/like/);
    const ok = transitionBody('scheduled', v({ at: '2026-11-30T10:00', location: ' Main St, room 2 ' }), now);
    expect(ok.errors).toEqual({});
    expect(ok.body?.appointment?.location).toBe('Main St, room 2');
    expect(ok.body?.appointment?.at).toBe(localToUtc('2026-11-30T10:00'));
  });
  it('passes simple moves with an optional note', () => {
    expect(transitionBody('accepted', emptyAction(), now).body).toEqual({ to: 'accepted' });
    expect(transitionBody('cancelled', v({ note: 'duplicate' }), now).body).toEqual({ to: 'cancelled', note: 'duplicate' });
    expect(transitionBody('closed', v({ note: 'x'.repeat(1001) }), now).errors.note).toBeTruthy();
  });
});

describe('date-time conversion', () => {
  // Node applies a changed TZ at once; vi.stubEnv sets process.env.TZ
  beforeAll(() => {
    vi.stubEnv('TZ', 'America/New_York');
  });
  afterAll(() => {
    vi.unstubAllEnvs();
  });
  it('turns a local date-time into RFC 3339 UTC', () => {
    expect(localToUtc('2026-11-30T10:00')).toBe('2026-11-30T15:00:00Z'); // EST, UTC-5
    expect(localToUtc('2026-07-01T10:00')).toBe('2026-07-01T14:00:00Z'); // EDT, UTC-4
    expect(localToUtc('2026-11-30 09:05:30')).toBe('2026-11-30T14:05:30Z');
  });
  it('refuses what is not a date-time', () => {
    for (const bad of ['', '2026-11-30', '2026-02-30T10:00', '2026-13-01T10:00', '2026-11-30T24:00', 'tomorrow']) expect(localToUtc(bad), bad).toBeNull();
  });
  it('goes back to a datetime-local value', () => {
    expect(utcToLocalInput('2026-11-30T15:00:00Z')).toBe('2026-11-30T10:00');
    expect(utcToLocalInput(localToUtc('2026-03-08T12:30')!)).toBe('2026-03-08T12:30');
    expect(utcToLocalInput('nope')).toBe('');
  });
});

describe('overdue and If-Match', () => {
  const now = new Date('2026-11-23T12:00:00Z');
  it('says how long ago the deadline passed', () => {
    expect(overdueBy('2026-11-23T07:00:00Z', now)).toBe('5 h');
    expect(overdueBy('2026-11-23T11:20:00Z', now)).toBe('40 min');
    expect(overdueBy('2026-11-23T11:59:50Z', now)).toBe('1 min');
    expect(overdueBy('2026-11-21T09:00:00Z', now)).toBe('2 d 3 h');
    expect(overdueBy('2026-11-21T12:00:00Z', now)).toBe('2 d');
    expect(overdueBy('2026-11-24T12:00:00Z', now)).toBe('');
  });
  it('prefers the ETag, else quotes the version', () => {
    expect(ifMatch('"7"', 3)).toBe('"7"');
    expect(ifMatch(null, 3)).toBe('"3"');
    expect(ifMatch('', 4)).toBe('"4"');
  });
});

describe('partner input', () => {
  it('sends the partner back with the new preference, without empty fields or read-only ones', () => {
    expect(partnerInput({ id: 'p_1', name: 'Northside', kind: 'pcp', specialty: '', npi: '1234567893', contactEmail: '', createdAt: 'x', statusUpdates: 'each' }, 'digest')).toEqual({
      name: 'Northside',
      kind: 'pcp',
      npi: '1234567893',
      statusUpdates: 'digest',
    });
  });
});

describe('referral reference', () => {
  it('is R- and the last 8 characters of the id’s ULID, as in the emails', () => {
    expect(refOf('p_739xrb74gzj1.r_asjwc4se4r2w.01M6KJKQJBDCC9VMCWB8RE5ERC')).toBe('R-B8RE5ERC');
    expect(refOf('01M6KJKQJBDCC9VMCWB8RE5ERC')).toBe('R-B8RE5ERC');
    expect(refOf('r1')).toBe('');
  });
});

describe('the referrer’s words for an overdue referral, and the search of “My referrals”', () => {
  const now = new Date('2026-11-30T12:00:00Z');
  it.each([
    [{ status: 'received', overdue: true, contactBy: '2026-11-13T12:00:00Z' }, /^Overdue by 17 days: the practice was to contact the patient by .+ and has not reached them yet\.$/, true],
    [{ status: 'accepted', overdue: true, contactBy: '2026-11-30T07:00:00Z' }, /^Overdue by 5 hours/, true],
    [{ status: 'received', contactBy: '2026-12-01T12:00:00Z' }, /^The practice has your referral and will review it\.$/, false],
    [{ status: 'scheduled', contactBy: '2026-11-13T12:00:00Z' }, /^The patient has an appointment\.$/, false],
  ])('%o', (r, words, late) => {
    const w = referrerWords(r, now);
    expect(w.text).toMatch(words);
    expect(w.late).toBe(late);
  });
  it.each([
    ['silva', true],
    ['ana silva', true],
    ['Sílva', true],
    ['silva jones', false],
    ['K7Q2', true],
    ['k7q2m9', true],
    ['zz', false],
    ['', true],
  ])('“%s” matches Ana Silva (K7Q2-M9XD): %s', (q, want) => {
    expect(matchesSearch({ ref: 'K7Q2-M9XD', patient: { firstName: 'Ana', lastName: 'Silva' } }, q)).toBe(want);
  });
});
