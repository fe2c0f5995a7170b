import { useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useNavigate, useSearchParams } from 'react-router';
import { api, unwrap, type Me } from '../api/client';
import { ProblemNotice } from '../components/common';
import { clearToken, readToken, saveToken } from '../session/session';
import { useMe } from '../session/use-me';

/** Paste an API token; see who you are and what you may do. */
export function SignInPage() {
  const [token, setToken] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const queryClient = useQueryClient();
  const me = useMe();

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    saveToken(token.trim());
    try {
      const who = await unwrap<Me>(api.GET('/api/v1/me'));
      queryClient.setQueryData(['me', readToken()], who);
      navigate(params.get('next') || '/');
    } catch (err) {
      clearToken();
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="panel narrow">
      <h1>Sign in</h1>
      {me.data && readToken() ? (
        <div>
          <p>You are signed in as <strong>{me.data.subject}</strong>.</p>
          <Bindings me={me.data} />
        </div>
      ) : (
        <form onSubmit={submit} className="form">
          <label htmlFor="token">API token</label>
          <input id="token" name="token" type="password" autoComplete="off" value={token} onChange={(e) => setToken(e.target.value)} required placeholder="sgt_…" />
          <p className="hint">The token is kept only for this browser tab (session storage). Ask an admin for one: <code>POST /api/v1/tokens</code>.</p>
          {error !== null && <ProblemNotice error={error} />}
          <button type="submit" className="button button-primary" disabled={busy || token.trim() === ''}>{busy ? 'Checking…' : 'Sign in'}</button>
        </form>
      )}
    </section>
  );
}

export function Bindings({ me }: { me: Me }) {
  return (
    <table className="table">
      <caption>Your roles</caption>
      <thead><tr><th scope="col">Role</th><th scope="col">Environments</th></tr></thead>
      <tbody>
        {me.bindings.map((b, i) => (
          <tr key={i}><td>{b.role}</td><td>{b.environments.join(', ')}</td></tr>
        ))}
      </tbody>
    </table>
  );
}
