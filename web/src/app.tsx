import { useQueryClient } from '@tanstack/react-query';
import { Suspense, lazy } from 'react';
import { NavLink, Navigate, Route, Routes, useLocation, useNavigate } from 'react-router';
import { ApiError } from './api/client';
import { useMe } from './api/queries';
import { Loading } from './components/loading';
import { SignInPage } from './pages/sign-in-page';
import { canEverywhere } from './session/permissions';
import { clearToken, readToken, saveCsrf } from './session/session';

// Each page is its own chunk, loaded when first visited: the first screen loads only the shell and the sign-in page.
const ApprovalsPage = lazy(() => import('./pages/approvals-page').then((m) => ({ default: m.ApprovalsPage })));
const AssistantPage = lazy(() => import('./pages/assistant-page').then((m) => ({ default: m.AssistantPage })));
const AccessPage = lazy(() => import('./pages/access-page').then((m) => ({ default: m.AccessPage })));
const AuditPage = lazy(() => import('./pages/audit-page').then((m) => ({ default: m.AuditPage })));
const DeploymentsPage = lazy(() => import('./pages/deployments-page').then((m) => ({ default: m.DeploymentsPage })));
const EnvironmentsPage = lazy(() => import('./pages/environments-page').then((m) => ({ default: m.EnvironmentsPage })));
const NotificationsPage = lazy(() => import('./pages/notifications-page').then((m) => ({ default: m.NotificationsPage })));
const ReleasePage = lazy(() => import('./pages/release-page').then((m) => ({ default: m.ReleasePage })));

/** The shell: navigation, who is signed in, and the pages. */
export function App() {
  const me = useMe();
  const location = useLocation();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const signedOut = me.error instanceof ApiError && me.error.problem.status === 401;
  if (signedOut && location.pathname !== '/sign-in') {
    return <Navigate to={`/sign-in?next=${encodeURIComponent(location.pathname + location.search)}`} replace />;
  }
  const signOut = async () => {
    // A sign-in at the identity provider ends on the server; a token is only forgotten by this tab.
    if (!readToken()) await fetch('/auth/logout', { method: 'POST' });
    clearToken();
    saveCsrf(null);
    queryClient.clear();
    void navigate('/sign-in');
  };
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <NavLink to="/" className="brand" aria-label="Shipgate home">
          Shipgate
        </NavLink>
        {me.data && (
          <nav aria-label="Main">
            <NavLink to="/" end>
              Deployments
            </NavLink>
            <NavLink to="/approvals">Approvals</NavLink>
            <NavLink to="/assistant">Command center</NavLink>
            {canEverywhere(me.data, 'admin') && (
              <>
                <NavLink to="/environments">Environments</NavLink>
                <NavLink to="/access">Access</NavLink>
                <NavLink to="/audit">Audit</NavLink>
                <NavLink to="/notifications">Notifications</NavLink>
              </>
            )}
          </nav>
        )}
        {me.data && (
          <div className="who">
            <span>
              Signed in as <strong data-testid="subject">{me.data.subject}</strong>
            </span>
            <button type="button" className="button button-small" onClick={() => void signOut()}>
              Sign out
            </button>
          </div>
        )}
      </header>
      <main id="main">
        {me.isLoading && location.pathname !== '/sign-in' ? (
          <Loading what="your session" />
        ) : (
          <Suspense fallback={<Loading what="the page" />}>
            <Routes>
              <Route path="/sign-in" element={<SignInPage />} />
              <Route path="/" element={<DeploymentsPage />} />
              <Route path="/releases/:id" element={<ReleasePage />} />
              <Route path="/approvals" element={<ApprovalsPage />} />
              <Route path="/assistant" element={<AssistantPage />} />
              <Route path="/assistant/:id" element={<AssistantPage />} />
              <Route path="/environments" element={<EnvironmentsPage />} />
              <Route path="/access" element={<AccessPage />} />
              <Route path="/audit" element={<AuditPage />} />
              <Route path="/notifications" element={<NotificationsPage />} />
              <Route
                path="*"
                element={
                  <p>
                    Page not found. <NavLink to="/">Back to deployments</NavLink>
                  </p>
                }
              />
            </Routes>
          </Suspense>
        )}
      </main>
    </>
  );
}
