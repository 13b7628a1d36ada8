// The route table. Every page is its own chunk, loaded with import() when first visited.
import type { ComponentType } from 'preact';
import { matchRoute } from './router';
import type { Area, Me, PageProps } from './types';

export type Loader = () => Promise<{ default: ComponentType<PageProps> }>;

export interface Route {
  path: string;
  area: Area;
  load?: Loader;
  redirect?: string;
}

export const routes: Route[] = [
  { path: '/', area: 'landing', load: () => import('./pages/Landing') },
  { path: '/signup', area: 'public', load: () => import('./pages/Signup') },
  { path: '/signin', area: 'public', load: () => import('./pages/Signin') },
  { path: '/auth', area: 'public', load: () => import('./pages/Auth') },
  { path: '/p/:slug', area: 'public', load: () => import('./pages/PublicPractice') },
  { path: '/status', area: 'public', load: () => import('./pages/Status') },
  { path: '/rate', area: 'public', load: () => import('./pages/Rate') },
  { path: '/practice', area: 'staff', redirect: '/practice/referrals' },
  { path: '/practice/referrals', area: 'staff', load: () => import('./pages/StaffReferrals') },
  { path: '/practice/referrals/:id', area: 'staff', load: () => import('./pages/StaffReferral') },
  { path: '/practice/partners', area: 'staff', load: () => import('./pages/Partners') },
  { path: '/practice/partners/import', area: 'staff', load: () => import('./pages/PartnerImport') },
  { path: '/practice/partners/:id', area: 'staff', load: () => import('./pages/PartnerDetail') },
  { path: '/practice/metrics', area: 'staff', load: () => import('./pages/Metrics') },
  { path: '/practice/settings', area: 'staff', load: () => import('./pages/Settings') },
  { path: '/practice/audit', area: 'staff', load: () => import('./pages/Audit') },
  { path: '/practice/follow-ups', area: 'staff', load: () => import('./pages/FollowUps') },
  { path: '/practice/templates', area: 'staff', load: () => import('./pages/Templates') },
  { path: '/refer', area: 'referrer', load: () => import('./pages/Refer') },
  { path: '/referrals', area: 'referrer', load: () => import('./pages/MyReferrals') },
  { path: '/referrals/:id', area: 'referrer', load: () => import('./pages/ReferrerReferral') },
  { path: '/practice/team', area: 'staff', load: () => import('./pages/Team') },
  // Patients' own referrals and the one-pager (issue 11).
  { path: '/r/confirm', area: 'public', load: () => import('./pages/SelfReferConfirm') },
  { path: '/r/:slug', area: 'public', load: () => import('./pages/SelfRefer') },
  { path: '/p/:slug/print', area: 'public', load: () => import('./pages/OnePager') },
  // Past referrals, so the metrics start with history (issue 11).
  { path: '/practice/partners/import/referrals', area: 'staff', load: () => import('./pages/HistoryImport') },
];

export function homeOf(me: Me): string {
  return me.user.role === 'referrer' ? '/refer' : '/practice/referrals';
}

export const PRACTICE_KEY = 'rl_practice';

/** sessionStorage: why the last session ended ("idle"), for the sign-in page to say. */
export const ENDED_KEY = 'rl_ended';

/** Where a signed-out person goes to sign in: one page for everyone (staff and referrers of any practice). */
export function signinPath(_area?: Area, _practice?: string | null): string {
  return '/signin';
}

// The page a signed-out person wanted (e.g. the needs-info email's /referrals/<id>) is kept across
// the magic-link round trip. localStorage, not sessionStorage: the link from the email usually
// opens in a new tab, which has a new sessionStorage. It expires after 30 minutes (links live 15).
const RETURN_KEY = 'rl_return';
const RETURN_TTL = 30 * 60_000;

export function rememberReturn(path: string, now: number = Date.now()): void {
  try {
    localStorage.setItem(RETURN_KEY, JSON.stringify({ path, at: now }));
  } catch {
    /* storage may be unavailable */
  }
}

/** The remembered path if it is fresh, on this site, and a page of the signed-in person's area; else null. */
export function returnPathFor(me: Me, saved: unknown, now: number = Date.now()): string | null {
  if (!saved || typeof saved !== 'object') return null;
  const { path, at } = saved as { path?: unknown; at?: unknown };
  if (typeof path !== 'string' || typeof at !== 'number' || !(now - at >= 0 && now - at < RETURN_TTL)) return null;
  if (!path.startsWith('/') || path.startsWith('//') || /[\\\s]/.test(path)) return null;
  const m = matchRoute(routes, path);
  if (!m || !m.route.load) return null;
  const want: Area = me.user.role === 'referrer' ? 'referrer' : 'staff';
  return m.route.area === want ? path : null;
}

/** Reads and forgets the remembered path (see returnPathFor). */
export function takeReturn(me: Me): string | null {
  try {
    const raw = localStorage.getItem(RETURN_KEY);
    localStorage.removeItem(RETURN_KEY);
    return raw ? returnPathFor(me, JSON.parse(raw)) : null;
  } catch {
    return null;
  }
}

