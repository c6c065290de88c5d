/**
 * The frame every signed-in page sits in: brand, role-aware navigation, the user, the notification bell and a sign-out button.
 * Later features add a page and a NAV_ITEMS row, nothing here.
 */
import type { MouseEvent, ReactNode } from 'react';
import { useAuth, useMe } from '../auth/AuthContext';
import { navigate, useRoute } from '../router/hash-router';
import { NotificationBell } from '../notifications/NotificationBell';
import { ThemeSelect } from '../theme/ThemeSelect';
import { navItemsFor } from './nav-items';

export function AppShell({ children, wide }: { children: ReactNode; wide?: boolean }) {
  const me = useMe();
  const { logout } = useAuth();
  const { path } = useRoute();
  const items = navItemsFor(me.role);

  return (
    <div className="shell">
      <a className="skip-link" href="#main" onClick={skipToMain}>
        Skip to content
      </a>
      <header className="topbar">
        <a className="brand" href="#/">
          <span className="brand-mark" aria-hidden="true">
            ▍
          </span>
          AutoLabs
        </a>
        <nav className="nav" aria-label="Main">
          {items.map((item) => (
            <a
              key={item.to}
              href={`#${item.to}`}
              className={path === item.to || path.startsWith(`${item.to}/`) ? 'nav-link active' : 'nav-link'}
            >
              {item.label}
            </a>
          ))}
        </nav>
        <div className="user-box">
          <span className="user-name" data-testid="current-user">
            {me.displayName || me.username}
          </span>
          <span className={`role role-${me.role}`}>{me.role}</span>
          <NotificationBell />
          <ThemeSelect />
          <button
            type="button"
            className="btn btn-ghost"
            onClick={() => {
              void logout().then(() => navigate('/login'));
            }}
          >
            Sign out
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1} className={wide ? 'content content-wide' : 'content'}>
        {children}
      </main>
    </div>
  );
}

/** The hash router owns `#/...`, so the skip link moves focus itself instead of following `#main`. */
function skipToMain(e: MouseEvent) {
  e.preventDefault();
  document.getElementById('main')?.focus();
}
