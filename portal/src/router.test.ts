import { describe, expect, it } from 'vitest';
import { isRouterLink, matchPath, matchRoute } from './router';
import { routes } from './routes';

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
