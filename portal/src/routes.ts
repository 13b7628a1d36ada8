// The route table. Every page is its own chunk, loaded with import() when first visited.
import type { ComponentType } from 'preact';
import type { Area, Me, PageProps } from './types';

export type Loader = () => Promise<{ default: ComponentType<PageProps> }>;

export interface Route {
  path: string;
  area: Area;
  load?: Loader;
  redirect?: string;
}

const referralDetail: Loader = () => import('./pages/ReferralDetail');

export const routes: Route[] = [
  { path: '/', area: 'landing', load: () => import('./pages/Landing') },
  { path: '/signup', area: 'public', load: () => import('./pages/Signup') },
  { path: '/signin', area: 'public', load: () => import('./pages/Signin') },
  { path: '/auth', area: 'public', load: () => import('./pages/Auth') },
  { path: '/p/:slug', area: 'public', load: () => import('./pages/PublicPractice') },
  { path: '/practice', area: 'staff', redirect: '/practice/referrals' },
  { path: '/practice/referrals', area: 'staff', load: () => import('./pages/StaffReferrals') },
  { path: '/practice/referrals/:id', area: 'staff', load: referralDetail },
  { path: '/practice/partners', area: 'staff', load: () => import('./pages/Partners') },
  { path: '/practice/settings', area: 'staff', load: () => import('./pages/Settings') },
  { path: '/refer', area: 'referrer', load: () => import('./pages/Refer') },
  { path: '/referrals', area: 'referrer', load: () => import('./pages/MyReferrals') },
  { path: '/referrals/:id', area: 'referrer', load: referralDetail },
];

export function homeOf(me: Me): string {
  return me.user.role === 'referrer' ? '/refer' : '/practice/referrals';
}

export const PRACTICE_KEY = 'rl_practice';

export function signinPath(area: Area): string {
  let slug: string | null = null;
  try {
    slug = area === 'referrer' ? localStorage.getItem(PRACTICE_KEY) : null;
  } catch {
    /* storage may be unavailable */
  }
  return slug ? `/signin?practice=${encodeURIComponent(slug)}` : '/signin';
}

