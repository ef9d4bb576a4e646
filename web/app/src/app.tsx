// The shell: sign-in until there is a session, then the navigation the role allows and the
// screen of the current path. A role that may not use a screen sees why, not a broken page.
import { lazy, Suspense } from 'preact/compat';
import type { ComponentChildren } from 'preact';
import { t, tx, useLocale } from './i18n';
import { LanguageSwitch } from './ui/LanguageSwitch';
import { href, navigate, useRoute } from './router';
import { atLeast, isRestoring, signOut, useSession } from './session';
import type { Role } from './api/types';
import { SignIn } from './screens/SignIn';
import { Kitchen } from './screens/Kitchen';
import { Counter } from './screens/Counter';
import { Stock } from './screens/Stock';
import { feed } from './realtime';
import { useEffect, useState } from 'preact/hooks';

// The dashboard and its charting library load only when a manager opens it.
const Dashboard = lazy(() => import('./screens/Dashboard').then((m) => ({ default: m.Dashboard })));

interface Screen {
  path: string;
  label: 'nav.kitchen' | 'nav.counter' | 'nav.stock' | 'nav.dashboard';
  min: Role;
  view: () => ComponentChildren;
}

const screens: Screen[] = [
  { path: '/kitchen', label: 'nav.kitchen', min: 'staff', view: () => <Kitchen /> },
  { path: '/counter', label: 'nav.counter', min: 'staff', view: () => <Counter /> },
  { path: '/stock', label: 'nav.stock', min: 'staff', view: () => <Stock /> },
  {
    path: '/dashboard',
    label: 'nav.dashboard',
    min: 'manager',
    view: () => (
      <Suspense fallback={<p class="muted">{t('common.loading')}</p>}>
        <Dashboard />
      </Suspense>
    ),
  },
];

function FeedBadge() {
  const [state, setState] = useState(feed.state);
  useEffect(() => feed.onState(() => setState(feed.state)), []);
  return (
    <span class={'feed feed-' + state} role="status" data-feed={state}>
      {t(`feed.${state}`)}
    </span>
  );
}

export function App() {
  useLocale();
  const s = useSession();
  const path = useRoute();
  const staffRole = !!s && atLeast(s.user.role, 'staff');
  useEffect(() => {
    // The start screen, the sign-in path or an unknown path: the kitchen board.
    if (staffRole && !screens.some((sc) => sc.path === path)) navigate('/kitchen', true);
  }, [staffRole, path]);
  // One live connection for all the staff screens while signed in (the top bar shows its
  // state); each screen subscribes to what it needs.
  useEffect(() => (staffRole ? feed.acquire() : undefined), [staffRole]);

  if (!s) {
    if (isRestoring())
      return (
        <main id="main" class="splash">
          <p>{t('common.loading')}</p>
        </main>
      );
    return <SignIn />;
  }

  const role = s.user.role;
  const allowed = screens.filter((sc) => atLeast(role, sc.min));
  const staff = atLeast(role, 'staff');
  const screen = screens.find((sc) => sc.path === path);

  let body: ComponentChildren;
  if (!staff) {
    body = (
      <section class="refused" aria-labelledby="refused-title">
        <h1 id="refused-title">{t('refused.title')}</h1>
        <p>{t('refused.body', { role: tx('role.' + role, role) })}</p>
      </section>
    );
  } else if (screen && !atLeast(role, screen.min)) {
    body = (
      <section class="refused" aria-labelledby="refused-title">
        <h1 id="refused-title">{t('refused.screen')}</h1>
        <p>{t('refused.screenBody', { role: tx('role.' + role, role) })}</p>
      </section>
    );
  } else {
    body = screen?.view() ?? null;
  }

  return (
    <>
      <a class="skip" href="#main">
        {t('nav.skip')}
      </a>
      <header class="topbar">
        <span class="brand" aria-hidden="true">
          Crema
        </span>
        {staff && (
          <nav aria-label={t('nav.label')}>
            <ul>
              {allowed.map((sc) => (
                <li key={sc.path}>
                  <a
                    href={href(sc.path)}
                    aria-current={sc.path === path ? 'page' : undefined}
                    onClick={(e) => {
                      e.preventDefault();
                      navigate(sc.path);
                    }}
                  >
                    {t(sc.label)}
                  </a>
                </li>
              ))}
            </ul>
          </nav>
        )}
        <div class="who">
          {staff && <FeedBadge />}
          <span class="user">
            {s.user.name} · {tx('role.' + role, role)}
          </span>
          <LanguageSwitch />
          <button type="button" class="ghost" onClick={() => void signOut()}>
            {t('nav.signOut')}
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        {body}
      </main>
    </>
  );
}
