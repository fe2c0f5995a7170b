import { useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useNavigate, useSearchParams } from 'react-router';
import { api, unwrap, type Me } from '../api/client';
import { queryKeys, useMe } from '../api/queries';
import { useActions } from '../api/use-actions';
import { ProblemNotice } from '../components/problem-notice';
import { clearToken, readToken, saveToken } from '../session/session';

/** Paste an API token; see who you are and what you may do. */
export function SignInPage() {
  const [token, setToken] = useState('');
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const queryClient = useQueryClient();
  const me = useMe();
  const actions = useActions(
    {
      signIn: async () => {
        saveToken(token.trim());
        const who = await unwrap<Me>(api.GET('/api/v1/me'));
        queryClient.setQueryData(queryKeys.me(readToken()), who);
        void navigate(params.get('next') || '/');
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
      {me.data && readToken() ? (
        <div>
          <p>
            You are signed in as <strong>{me.data.subject}</strong>.
          </p>
          <Bindings me={me.data} />
        </div>
      ) : (
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
          {actions.error && <ProblemNotice error={actions.error} />}
          <button type="submit" className="button button-primary" disabled={actions.pending !== null || token.trim() === ''}>
            {actions.pending ? 'Checking…' : 'Sign in'}
          </button>
        </form>
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
