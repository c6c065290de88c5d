/**
 * The route table and the login gate. A page is a component plus a row here and, if it belongs in the
 * navigation, a row in shell/nav-items.ts.
 */
import { lazy, Suspense, useEffect, type ReactNode } from 'react';
import { AuthProvider, useAuth } from './auth/AuthContext';
import { ErrorNote } from './components/ErrorNote';
import { Loading } from './components/Loading';
import { AdminAuditPage } from './pages/AdminAuditPage';
import { AdminQuotasPage } from './pages/AdminQuotasPage';
import { AdminUsersPage } from './pages/AdminUsersPage';
import { ChangePasswordPage } from './pages/ChangePasswordPage';
import { CourseDetailPage } from './pages/CourseDetailPage';
import { CoursesPage } from './pages/CoursesPage';
import { DeploymentsPage } from './pages/DeploymentsPage';
import { LabDetailPage } from './pages/LabDetailPage';
import { LabsPage } from './pages/LabsPage';
import { LiveSessionsPage } from './pages/LiveSessionsPage';
import { LoginPage } from './pages/LoginPage';
import { MyLabsPage } from './pages/MyLabsPage';
import { NotFoundPage } from './pages/NotFoundPage';
import { RecordingsPage } from './pages/RecordingsPage';
import { SignInErrorPage } from './pages/SignInErrorPage';
import { SshKeysPage } from './pages/SshKeysPage';
import { navigate, useRoute } from './router/hash-router';
import { matchPath } from './router/match-path';
import { SIGN_IN_ERROR_ROUTE } from '@autolabs/server/auth/oidc/sign-in-wire';
import { AppShell } from './shell/AppShell';
import { homeFor, type NavRole } from './shell/nav-items';

// The terminal pages carry xterm and its renderers: loaded on first use, so login and lists stay light.
const TerminalPage = lazy(() => import('./pages/TerminalPage').then((m) => ({ default: m.TerminalPage })));
const ShadowPage = lazy(() => import('./pages/ShadowPage').then((m) => ({ default: m.ShadowPage })));
const ClassWallPage = lazy(() => import('./pages/ClassWallPage').then((m) => ({ default: m.ClassWallPage })));
const ReplayPage = lazy(() => import('./pages/ReplayPage').then((m) => ({ default: m.ReplayPage })));

interface RouteDef {
  pattern: string;
  roles?: readonly NavRole[];
  /** Terminal-like pages use the full window width. */
  wide?: boolean;
  render: (params: Record<string, string>) => ReactNode;
}

const STAFF: readonly NavRole[] = ['admin', 'teacher'];

const ROUTES: RouteDef[] = [
  { pattern: '/my-labs', render: () => <MyLabsPage /> },
  { pattern: '/terminal/:instanceId', wide: true, render: (p) => <TerminalPage instanceId={p.instanceId} /> },
  { pattern: '/courses', render: () => <CoursesPage /> },
  { pattern: '/ssh-keys', roles: ['admin', 'teacher', 'student'], render: () => <SshKeysPage /> },
  { pattern: '/courses/:id', render: (p) => <CourseDetailPage courseId={p.id} /> },
  { pattern: '/labs', roles: STAFF, render: () => <LabsPage /> },
  { pattern: '/labs/:id', roles: STAFF, render: (p) => <LabDetailPage labId={p.id} /> },
  { pattern: '/deployments', roles: STAFF, render: () => <DeploymentsPage /> },
  { pattern: '/deployments/:id/wall', roles: STAFF, wide: true, render: (p) => <ClassWallPage deploymentId={p.id} /> },
  { pattern: '/sessions', roles: STAFF, render: () => <LiveSessionsPage /> },
  { pattern: '/shadow/:sessionId', roles: STAFF, wide: true, render: (p) => <ShadowPage sessionId={p.sessionId} /> },
  { pattern: '/shadow/:sessionId/control', roles: STAFF, wide: true, render: (p) => <ShadowPage sessionId={p.sessionId} requestControl /> },
  { pattern: '/recordings', roles: STAFF, render: () => <RecordingsPage /> },
  { pattern: '/recordings/:id', roles: STAFF, wide: true, render: (p) => <ReplayPage recordingId={p.id} /> },
  { pattern: '/admin/users', roles: ['admin'], render: () => <AdminUsersPage /> },
  { pattern: '/admin/quotas', roles: ['admin'], render: () => <AdminQuotasPage /> },
  { pattern: '/admin/audit', roles: ['admin'], render: () => <AdminAuditPage /> },
];

function Routed() {
  const { me, checking, error } = useAuth();
  const { path } = useRoute();

  // A refused OIDC sign-in is shown as it is, signed in (from before) or not.
  if (path === SIGN_IN_ERROR_ROUTE) return <SignInErrorPage />;
  if (checking) {
    return (
      <div className="loading-screen">
        <Loading />
      </div>
    );
  }
  if (!me) {
    return (
      <>
        {error ? <ErrorNote error={error} /> : null}
        <LoginPage />
      </>
    );
  }
  // After an admin's password reset the API answers nothing else until a new password is chosen.
  if (me.mustChangePassword) return <ChangePasswordPage />;
  if (path === '/' || path === '/login') return <Redirect to={homeFor(me.role)} />;
  for (const route of ROUTES) {
    const params = matchPath(route.pattern, path);
    if (!params) continue;
    if (route.roles && !route.roles.includes(me.role)) break;
    return (
      <AppShell wide={route.wide} key={route.pattern}>
        <Suspense fallback={<Loading />}>{route.render(params)}</Suspense>
      </AppShell>
    );
  }
  return (
    <AppShell>
      <NotFoundPage />
    </AppShell>
  );
}

function Redirect({ to }: { to: string }) {
  useEffect(() => navigate(to, { replace: true }), [to]);
  return null;
}

export function App() {
  return (
    <AuthProvider>
      <Routed />
    </AuthProvider>
  );
}
