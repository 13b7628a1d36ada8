import { describe, expect, it } from 'vitest';
import { mergeCandidates, mergeEffects } from './pages/MergePartner';
import type { Partner } from './types';

const partner = (o: Partial<Partner>): Partner => ({ id: 'p_x', name: 'X', kind: 'pcp', createdAt: '2026-11-01T00:00:00Z', ...o }) as Partner;

describe('merge dialog', () => {
  const known = partner({ id: 'p_known', name: 'Westside FP', stage: 'active', referralCount: 4, contactEmail: 'desk@westside.example' });
  const source = partner({ id: 'p_new', name: 'Nguyen Spine', stage: 'active', referralCount: 1, npi: '1245319599', contactEmail: 'dr@nguyen.example', unconfirmed: true });

  it.each([
    ['the fixed partner', partner({ id: 'p_known' }), false],
    ['a merged partner', partner({ id: 'p_m', mergedInto: 'p_other' }), false],
    ['an archived partner', partner({ id: 'p_a', stage: 'archived', archivedAt: '2026-11-02T00:00:00Z' }), false],
    ['a new source', source, true],
  ])('offers %s: %s', (_, p, offered) => expect(mergeCandidates([p], known).length).toBe(offered ? 1 : 0));

  it('says what happens in plain words', () => {
    const lines = mergeEffects(source, known);
    expect(lines[0]).toBe('Nguyen Spine is archived and marked "merged into Westside FP". It leaves the partner list.');
    expect(lines[1]).toBe("Its referral stays as it is (links already sent keep working) and shows on Westside FP's page.");
    expect(mergeEffects({ ...source, referralCount: 3 }, known)[1]).toMatch(/^Its 3 referrals stay as they are/);
    expect(lines.join(' ')).toMatch(/takes what it lacks from Nguyen Spine: NPI 1245319599\./);
    expect(lines.join(' ')).not.toMatch(/email dr@nguyen/); // the target keeps its own email
    expect(lines.at(-1)).toBe('Westside FP is confirmed.');
  });

  it('a source with no referral says so', () => {
    expect(mergeEffects(partner({ name: 'Empty' }), known)[1]).toMatch(/^It has no referrals yet/);
  });
});
