// The entry: router, layout and session. Pages are loaded on demand (one chunk per route).
import { render } from 'preact';
import type { ComponentType } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, onUnauthorized } from './api';
import { setTimeZone } from './format';
import { interceptLinks, matchRoute, navigate, useLocation } from './router';
import { ENDED_KEY, homeOf, PRACTICE_KEY, rememberReturn, routes, signinPath } from './routes';
import type { Loader } from './routes';
import type { Area, Me, PageProps } from './types';
import './styles.css';

const loaded = new Map<Loader, ComponentType<PageProps>>();

function Lazy({ load, props }: { load: Loader; props: PageProps }) {
  const [Page, setPage] = useState<ComponentType<PageProps> | undefined>(() => loaded.get(load));
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    if (Page) return;
    load().then(
      (m) => {
        loaded.set(load, m.default);
        setPage(() => m.default);
      },
      () => setFailed(true),
    );
  }, [load]);
  if (failed)
    return (
      <p class="notice notice-bad" role="alert">
        This page could not be loaded. <a href={location.href}>Reload</a>
      </p>
    );
  return Page ? <Page {...props} /> : <p class="loading" aria-live="polite">Loading…</p>;
}

function Header({ area, me, signOut }: { area: Area; me: Me | null | undefined; signOut: (everywhere?: boolean) => void }) {
  const { path } = useLocation();
  const inArea = (area === 'staff' || area === 'referrer') && me;
  const links: [string, string][] =
    area === 'staff'
      ? [['/practice/referrals', 'Referrals'], ['/practice/partners', 'Partners'], ['/practice/follow-ups', 'Follow-ups'], ['/practice/metrics', 'Metrics'], ['/practice/settings', 'Settings'], ...(me?.user.role === 'owner' ? [['/practice/audit', 'Audit'] as [string, string]] : []), ...(me?.user.role === 'owner' ? [['/practice/team', 'Team'] as [string, string]] : [])]
    : area === 'referrer' ? [['/refer', 'New referral'], ['/referrals', 'My referrals']]
    : [];
  return (
    <header class="site-header">
      <div class="bar">
        <a class="brand" href={me ? homeOf(me) : '/'}>Referloop</a>
        {inArea && <span class="practice-name">{area === 'referrer' ? `Referring to ${me.practice.name}` : me.practice.name}</span>}
        {inArea && (
          <span class="sign-out">
            <button type="button" class="link-button" onClick={() => signOut()}>Sign out</button>
            <button type="button" class="link-button" onClick={() => signOut(true)} title="Ends your sessions on every device">Sign out everywhere</button>
          </span>
        )}
      </div>
      {inArea && (
        <nav aria-label="Main">
          <ul>
            {links.map(([href, label]) => {
              const current = path === href || (href !== '/refer' && path.startsWith(href + '/'));
              return (
                <li key={href}>
                  <a href={href} aria-current={current ? 'page' : undefined}>{label}</a>
                </li>
              );
            })}
          </ul>
        </nav>
      )}
    </header>
  );
}

function App() {
  const loc = useLocation();
  const [me, setMe] = useState<Me | null | undefined>(undefined);
  const mainRef = useRef<HTMLElement>(null);
  const first = useRef(true);

  const match = matchRoute(routes, loc.path);
  const area: Area = match?.route.area ?? 'public';
  const needsMe = area !== 'public';

  useEffect(
    () =>
      onUnauthorized((err) => {
        // The sign-in page says why: the session was left unused too long.
        if (err.type.endsWith('/session-idle')) {
          try {
            sessionStorage.setItem(ENDED_KEY, 'idle');
          } catch {
            /* storage may be unavailable */
          }
        }
        setMe(null);
      }),
    [],
  );

  // Who is signed in: asked once, when first needed. /auth never calls the API on load.
  useEffect(() => {
    if (!needsMe || me !== undefined) return;
    let live = true;
    api.get<Me>('/v1/me', { anonymous: true }).then(
      (m) => {
        if (!live) return;
        setTimeZone(m.practice.timeZone); // every time shown reads in the practice's zone
        setMe(m);
      },
      () => live && setMe(null),
    );
    return () => {
      live = false;
    };
  }, [needsMe, me]);

  useEffect(() => {
    if (me?.user.role === 'referrer') {
      try {
        localStorage.setItem(PRACTICE_KEY, me.practice.slug);
      } catch {
        /* ignore */
      }
    }
  }, [me]);

  // Guards: signed-in areas need the right role; the landing page sends signed-in people home.
  useEffect(() => {
    if (match?.route.redirect) return navigate(match.route.redirect, { replace: true });
    if (me === undefined) return;
    if (area === 'landing' && me) navigate(homeOf(me), { replace: true });
    else if ((area === 'staff' || area === 'referrer') && !me) {
      // come back here after signing in (e.g. the needs-info email's link to /referrals/<id>)
      rememberReturn(loc.path + loc.search);
      navigate(signinPath(area, new URLSearchParams(loc.search).get('practice')), { replace: true });
    }
    else if (area === 'staff' && me && me.user.role === 'referrer') navigate('/refer', { replace: true });
    else if (area === 'referrer' && me && me.user.role !== 'referrer') navigate('/practice/referrals', { replace: true });
  }, [area, me, match?.route]);

  // Move focus to the new page's main region on client-side navigation, for screen readers and keyboards.
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    mainRef.current?.focus({ preventScroll: true });
    scrollTo(0, 0);
  }, [loc.path]);

  const signOut = async (everywhere = false) => {
    try {
      await api.del(everywhere ? '/v1/auth/sessions' : '/v1/auth/sessions/current', { anonymous: true });
    } catch {
      /* the cookies may already be gone */
    }
    navigate('/');
    setMe(null);
  };

  const guarded = area === 'staff' || area === 'referrer';
  const ready = !guarded || (me && (area === 'staff') === (me.user.role !== 'referrer'));
  const props: PageProps = { params: match?.params ?? {}, query: new URLSearchParams(loc.search), area, me, setMe };

  return (
    <>
      <a class="skip-link" href="#main" onClick={(e) => { e.preventDefault(); mainRef.current?.focus(); }}>Skip to content</a>
      <Header area={area} me={me} signOut={signOut} />
      <main id="main" tabIndex={-1} ref={mainRef}>
        {!match ? (
          <NotFound />
        ) : !match.route.load || !ready ? (
          <p class="loading" aria-live="polite">Loading…</p>
        ) : (
          <Lazy key={loc.path} load={match.route.load} props={props} />
        )}
      </main>
    </>
  );
}

function NotFound() {
  useEffect(() => {
    document.title = 'Page not found · Referloop';
  }, []);
  return (
    <>
      <h1>Page not found</h1>
      <p>
        There is nothing at this address. <a href="/">Go to the start page</a>.
      </p>
    </>
  );
}

interceptLinks();
render(<App />, document.getElementById('app')!);
