import { describe, expect, it } from 'vitest';
import { partnersQuery } from './pages/Partners';
import { bodyOf } from './pages/PartnerDetail';
import { matchRoute } from './router';
import { routes } from './routes';

describe('partner list query', () => {
  it.each([
    [{ q: '', kind: '', stage: '', liaison: '', tag: '', sort: 'name' }, '/v1/partners'],
    [{ q: ' fam ', kind: 'pcp', stage: 'quiet', liaison: '', tag: 'vip', sort: '-referrals' }, '/v1/partners?q=fam&kind=pcp&stage=quiet&tag=vip&sort=-referrals'],
    [{ q: 'a&b', kind: '', stage: '', liaison: 'none', tag: '', sort: 'name' }, '/v1/partners?q=a%26b&liaison=none'],
  ])('%j → %s', (f, want) => expect(partnersQuery(f)).toBe(want));
});

describe('partner edit body', () => {
  it('sends what is filled, tags split, NPI without spaces, archived when asked', () => {
    const v = { name: ' Northside ', organization: '', kind: 'pcp', specialty: '', npi: '123 456 7893', contactEmail: '', phone: '(312) 555-0142',
      fax: '', address: '', zip: '60614', tags: 'vip, lunch;; east', liaison: '', statusUpdates: 'digest' };
    expect(bodyOf(v, true)).toEqual({ name: 'Northside', kind: 'pcp', statusUpdates: 'digest', npi: '1234567893', phone: '(312) 555-0142',
      zip: '60614', tags: ['vip', 'lunch', 'east'], archived: true });
  });
});

describe('partner routes', () => {
  it('the import wizard is not read as a partner id', () => {
    expect(matchRoute(routes, '/practice/partners/import')?.route.path).toBe('/practice/partners/import');
    expect(matchRoute(routes, '/practice/partners/p_abc')?.params).toEqual({ id: 'p_abc' });
  });
});
