import { useQueryClient } from '@tanstack/react-query';
import { type ReactNode, Suspense, lazy } from 'react';
import { Link, Redirect, Route, Switch, useLocation, useSearch } from 'wouter';
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
const InsightsPage = lazy(() => import('./pages/insights-page').then((m) => ({ default: m.InsightsPage })));
const NotificationsPage = lazy(() => import('./pages/notifications-page').then((m) => ({ default: m.NotificationsPage })));
const ReleasePage = lazy(() => import('./pages/release-page').then((m) => ({ default: m.ReleasePage })));

/** A navigation link marked as the current page (class `active`, `aria-current`) while its page is shown. */
function NavLink({ to, children }: { to: string; children: ReactNode }) {
  const [pathname] = useLocation();
  const current = pathname === to;
  return (
    <Link to={to} className={current ? 'active' : undefined} aria-current={current ? 'page' : undefined}>
      {children}
    </Link>
  );
}

/** The shell: navigation, who is signed in, and the pages. */
export function App() {
  const me = useMe();
  const [pathname, navigate] = useLocation();
  const search = useSearch();
  const queryClient = useQueryClient();
  const signedOut = me.error instanceof ApiError && me.error.problem.status === 401;
  if (signedOut && pathname !== '/sign-in') {
    return <Redirect to={`/sign-in?next=${encodeURIComponent(pathname + (search ? `?${search}` : ''))}`} replace />;
  }
  const signOut = async () => {
    // A sign-in at the identity provider ends on the server; a token is only forgotten by this tab.
    if (!readToken()) await fetch('/auth/logout', { method: 'POST' });
    clearToken();
    saveCsrf(null);
    queryClient.clear();
    navigate('/sign-in');
  };
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <Link to="/" className="brand" aria-label="Shipgate home">
          Shipgate
        </Link>
        {me.data && (
          <nav aria-label="Main">
            <NavLink to="/">Deployments</NavLink>
            <NavLink to="/approvals">Approvals</NavLink>
            <NavLink to="/insights">Insights</NavLink>
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
        {me.isLoading && pathname !== '/sign-in' ? (
          <Loading what="your session" />
        ) : (
          <Suspense fallback={<Loading what="the page" />}>
            <Switch>
              <Route path="/sign-in" component={SignInPage} />
              <Route path="/" component={DeploymentsPage} />
              <Route path="/releases/:id" component={ReleasePage} />
              <Route path="/approvals" component={ApprovalsPage} />
              <Route path="/insights" component={InsightsPage} />
              {/* One route, so that a new conversation getting its address keeps the page (and its messages) in place. */}
              <Route path="/assistant/:id?" component={AssistantPage} />
              <Route path="/environments" component={EnvironmentsPage} />
              <Route path="/access" component={AccessPage} />
              <Route path="/audit" component={AuditPage} />
              <Route path="/notifications" component={NotificationsPage} />
              <Route>
                <p>
                  Page not found. <Link to="/">Back to deployments</Link>
                </p>
              </Route>
            </Switch>
          </Suspense>
        )}
      </main>
    </>
  );
}
