import { describe, expect, it } from 'vitest';
import { isRouterLink, matchPath, matchRoute } from './router';
import { returnPathFor, routes, signinPath } from './routes';

describe('matchPath', () => {
  it('matches static paths', () => {
    expect(matchPath('/', '/')).toEqual({});
    expect(matchPath('/refer', '/refer')).toEqual({});
    expect(matchPath('/refer', '/refer/')).toEqual({});
    expect(matchPath('/refer', '/referrals')).toBeNull();
    expect(matchPath('/', '/refer')).toBeNull();
  });

  it('captures and decodes params', () => {
    expect(matchPath('/practice/referrals/:id', '/practice/referrals/01J0ABC')).toEqual({ id: '01J0ABC' });
    expect(matchPath('/p/:slug', '/p/lakeside%20pt')).toEqual({ slug: 'lakeside pt' });
    expect(matchPath('/p/:slug', '/p/')).toBeNull();
    expect(matchPath('/p/:slug', '/p/a/b')).toBeNull();
    expect(matchPath('/p/:slug', '/p/%E0%A4%A')).toBeNull();
  });

  it('ignores the query and fragment', () => {
    expect(matchPath('/signin', '/signin?practice=x')).toEqual({});
    expect(matchPath('/auth', '/auth#token=abc')).toEqual({});
  });
});

describe('routes', () => {
  const at = (p: string) => {
    const m = matchRoute(routes, p);
    return m && { path: m.route.path, area: m.route.area, params: m.params };
  };
  it('maps every page to its area', () => {
    expect(at('/')).toMatchObject({ area: 'landing' });
    expect(at('/auth')).toMatchObject({ area: 'public' });
    expect(at('/p/lakeside')).toMatchObject({ area: 'public', params: { slug: 'lakeside' } });
    expect(at('/practice/settings')).toMatchObject({ area: 'staff' });
    expect(at('/practice/referrals/r1')).toMatchObject({ area: 'staff', params: { id: 'r1' } });
    expect(at('/refer')).toMatchObject({ area: 'referrer' });
    expect(at('/referrals/r1')).toMatchObject({ area: 'referrer', params: { id: 'r1' } });
    expect(at('/status')).toMatchObject({ area: 'public' });
    expect(at('/rate')).toMatchObject({ area: 'public' });
    expect(at('/practice/audit')).toMatchObject({ area: 'staff' });
    expect(at('/nowhere')).toBeNull();
  });
});

describe('isRouterLink', () => {
  const here = new URL('http://127.0.0.1:3000/practice/partners');
  it('handles same-origin pages only', () => {
    expect(isRouterLink(new URL('http://127.0.0.1:3000/refer'), here)).toBe(true);
    expect(isRouterLink(new URL('https://example.com/refer'), here)).toBe(false);
    expect(isRouterLink(new URL('http://127.0.0.1:3000/v1/me'), here)).toBe(false);
    expect(isRouterLink(new URL('http://127.0.0.1:3000/_dev/mail.json'), here)).toBe(false);
    expect(isRouterLink(new URL('http://127.0.0.1:3000/practice/partners#add'), here)).toBe(false);
  });
});

describe('the path to return to after signing in', () => {
  const now = 1_800_000_000_000;
  const referrer = { user: { email: 'a@b.c', name: '', role: 'referrer' as const }, practice: { id: 't', name: 'P', slug: 'p' } };
  const owner = { ...referrer, user: { email: 'o@b.c', name: '', role: 'owner' as const } };
  const saved = (path: unknown, ago = 60_000) => ({ path, at: now - ago });
  it('returns a fresh path of the person’s own area', () => {
    expect(returnPathFor(referrer, saved('/referrals/01J0ABC'), now)).toBe('/referrals/01J0ABC');
    expect(returnPathFor(owner, saved('/practice/referrals/01J0ABC'), now)).toBe('/practice/referrals/01J0ABC');
    expect(returnPathFor(owner, saved('/practice/referrals?view=received'), now)).toBe('/practice/referrals?view=received');
  });
  it('ignores paths of another area, stale or odd ones', () => {
    expect(returnPathFor(owner, saved('/referrals/01J0ABC'), now)).toBeNull();
    expect(returnPathFor(referrer, saved('/practice/audit'), now)).toBeNull();
    expect(returnPathFor(referrer, saved('/referrals/01J0ABC', 31 * 60_000), now)).toBeNull();
    expect(returnPathFor(referrer, saved('//evil.example/referrals/1'), now)).toBeNull();
    expect(returnPathFor(referrer, saved('https://evil.example/referrals/1'), now)).toBeNull();
    expect(returnPathFor(referrer, saved('/auth'), now)).toBeNull();
    expect(returnPathFor(referrer, saved(42), now)).toBeNull();
    expect(returnPathFor(referrer, null, now)).toBeNull();
  });
});

describe('where a signed-out person signs in', () => {
  it('is /signin for everyone: staff, and referrers of any practice', () => {
    expect(signinPath('staff')).toBe('/signin');
    expect(signinPath('referrer', 'lakeside-pt')).toBe('/signin');
    expect(signinPath('referrer', null)).toBe('/signin');
  });
});
