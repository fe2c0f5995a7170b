import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useLocation, useSearchParams } from 'wouter';
import { ApiError, api, unwrap, type AuthConfig, type Me } from '../api/client';
import { queryKeys, useMe } from '../api/queries';
import { useActions } from '../api/use-actions';
import { ProblemNotice } from '../components/problem-notice';
import { clearToken, readToken, saveToken } from '../session/session';
import { isSignInFailure, SIGN_IN_FAILURES, type SignInFailure } from '../../../src/core/access/sign-in-failures';

/** Why the last sign-in at the provider did not finish, in words (the server sends the reason, from its allowlist). */
const SIGN_IN_FAILED: Record<SignInFailure, string> = {
  [SIGN_IN_FAILURES.expired]: 'The sign-in took too long or was started in another browser. Start it again here.',
  [SIGN_IN_FAILURES.declined]: 'The identity provider declined the sign-in. If you cancelled it, start again; otherwise ask an admin.',
  [SIGN_IN_FAILURES.unconfirmed]: 'The identity provider’s answer could not be verified. Try again; if it keeps failing, ask an admin.',
};

/** What the server offers besides tokens: sign-in with its OpenID Connect provider, when configured. */
function useAuthConfig() {
  return useQuery<AuthConfig>({
    queryKey: ['auth-config'],
    queryFn: () => unwrap(api.GET('/auth/config')),
    staleTime: Infinity,
    retry: false,
  });
}

/** Where to go after signing in: a path on this site only, whatever the `next` parameter holds. */
function localPath(next: string | null): string {
  if (!next) return '/';
  const url = new URL(next, window.location.origin);
  return url.origin === window.location.origin ? url.pathname + url.search : '/';
}

/** Sign in with the identity provider, or paste an API token; see who you are and what you may do. */
export function SignInPage() {
  const config = useAuthConfig();
  const [token, setToken] = useState('');
  const [, navigate] = useLocation();
  const [params] = useSearchParams();
  const failed = params.get('failed');
  const queryClient = useQueryClient();
  const me = useMe();
  const actions = useActions(
    {
      signIn: async () => {
        saveToken(token.trim());
        const who = await unwrap<Me>(api.GET('/api/v1/me'));
        queryClient.setQueryData(queryKeys.me(readToken()), who);
        navigate(localPath(params.get('next')));
      },
    },
    // A token the server refuses is not kept.
    { onError: clearToken },
  );
  const submit = (e: FormEvent) => {
    e.preventDefault();
    actions.run('signIn');
  };

  return (
    <section className="panel narrow">
      <h1>Sign in</h1>
      {me.data ? (
        <div>
          <p>
            You are signed in as <strong>{me.data.subject}</strong>.
          </p>
          <Bindings me={me.data} />
        </div>
      ) : (
        <>
          {isSignInFailure(failed) && (
            <div className="notice notice-error" role="alert" data-reason={failed}>
              <strong>Sign-in did not finish</strong>
              <p>{SIGN_IN_FAILED[failed]}</p>
            </div>
          )}
          {config.data?.oidc && (
            <p>
              <a className="button button-primary" href={`/auth/login?next=${encodeURIComponent(localPath(params.get('next')))}`}>
                Sign in with {config.data.oidc.name}
              </a>
            </p>
          )}
          <form onSubmit={submit} className="form">
            <label htmlFor="token">API token</label>
            <input
              id="token"
              name="token"
              type="password"
              autoComplete="off"
              value={token}
              onChange={(e) => setToken(e.target.value)}
              required
              placeholder="sgt_…"
            />
            <p className="hint">
              The token is kept only for this browser tab (session storage). Ask an admin for one: <code>POST /api/v1/tokens</code>.
            </p>
            {actions.error instanceof ApiError && actions.error.problem.status === 401 ? (
              <div className="notice notice-error" role="alert" data-code={actions.error.problem.code}>
                <strong>This token was not accepted</strong>
                <p>
                  It is unknown, revoked or expired. Check that you pasted all of it (it starts with sgt_), or ask an admin for a new one.
                </p>
              </div>
            ) : (
              actions.error && <ProblemNotice error={actions.error} />
            )}
            <button type="submit" className="button button-primary" disabled={actions.pending !== null || token.trim() === ''}>
              {actions.pending ? 'Checking…' : 'Sign in'}
            </button>
          </form>
        </>
      )}
    </section>
  );
}

/** The signed-in user's role bindings. */
function Bindings({ me }: { me: Me }) {
  return (
    <table className="table">
      <caption>Your roles</caption>
      <thead>
        <tr>
          <th scope="col">Role</th>
          <th scope="col">Environments</th>
        </tr>
      </thead>
      <tbody>
        {me.bindings.map((b, i) => (
          <tr key={i}>
            <td>{b.role}</td>
            <td>{b.environments.join(', ')}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
