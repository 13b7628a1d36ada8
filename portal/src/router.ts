// A small History API router: path matching, navigation, and same-origin link interception.
import { useEffect, useState } from 'preact/hooks';

export type Params = Record<string, string>;

const NAV_EVENT = 'rl:navigate';

function trimSlash(p: string): string {
  return p.length > 1 ? p.replace(/\/+$/, '') : p;
}

/** Matches "/practice/referrals/:id" against a pathname; returns the params or null. */
export function matchPath(pattern: string, path: string): Params | null {
  const want = trimSlash(pattern).split('/');
  const got = trimSlash(path.split(/[?#]/)[0] || '/').split('/');
  if (want.length !== got.length) return null;
  const params: Params = {};
  for (let i = 0; i < want.length; i++) {
    const w = want[i];
    if (w.startsWith(':')) {
      if (!got[i]) return null;
      try {
        params[w.slice(1)] = decodeURIComponent(got[i]);
      } catch {
        return null;
      }
    } else if (w !== got[i]) {
      return null;
    }
  }
  return params;
}

export function matchRoute<R extends { path: string }>(routes: readonly R[], path: string): { route: R; params: Params } | null {
  for (const route of routes) {
    const params = matchPath(route.path, path);
    if (params) return { route, params };
  }
  return null;
}

export function navigate(to: string, opts: { replace?: boolean } = {}): void {
  history[opts.replace ? 'replaceState' : 'pushState'](null, '', to);
  dispatchEvent(new Event(NAV_EVENT));
}

export interface Loc {
  path: string;
  search: string;
}

function current(): Loc {
  return { path: location.pathname, search: location.search };
}

/** The current location; re-renders on navigate() and on back/forward. */
export function useLocation(): Loc {
  const [loc, setLoc] = useState(current);
  useEffect(() => {
    const update = () => setLoc((old) => {
      const now = current();
      return now.path === old.path && now.search === old.search ? old : now;
    });
    addEventListener('popstate', update);
    addEventListener(NAV_EVENT, update);
    return () => {
      removeEventListener('popstate', update);
      removeEventListener(NAV_EVENT, update);
    };
  }, []);
  return loc;
}

/** Should a click on this link be handled by the router rather than the browser? */
export function isRouterLink(href: URL, here: URL): boolean {
  if (href.origin !== here.origin) return false;
  if (/^\/(v1|_dev)(\/|$)/.test(href.pathname)) return false;
  // an in-page anchor: let the browser scroll
  if (href.hash && href.pathname === here.pathname && href.search === here.search) return false;
  return true;
}

/** Turns plain <a href="/..."> clicks into client-side navigation. */
export function interceptLinks(): void {
  document.addEventListener('click', (e) => {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    const a = (e.target as Element | null)?.closest?.('a');
    if (!a || !a.href || (a.target && a.target !== '_self') || a.hasAttribute('download')) return;
    const url = new URL(a.href);
    if (!isRouterLink(url, new URL(location.href))) return;
    e.preventDefault();
    navigate(url.pathname + url.search + url.hash);
  });
}
