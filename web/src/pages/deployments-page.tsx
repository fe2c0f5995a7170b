import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useMemo, useState, type FormEvent } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { api, unwrap, type Environment, type Release } from '../api/client';
import { ChannelBadge, StateBadge } from '../components/badges';
import { Empty, Loading, ProblemNotice, timeAgo } from '../components/common';
import { YamlEditor, yamlProblems } from '../components/yaml-editor';
import { can } from '../session/permissions';
import { useMe } from '../session/use-me';

const STATES = ['draft', 'previewed', 'pending_approval', 'approved', 'rejected', 'applying', 'succeeded', 'failed', 'interrupted', 'cancelled', 'rolled_back'];

function useEnvironments() {
  return useQuery({ queryKey: ['environments'], queryFn: () => unwrap(api.GET('/api/v1/environments')) });
}

function useReleases(filter: { environment?: string; application?: string; state?: string }) {
  return useQuery({
    queryKey: ['releases', filter],
    queryFn: () =>
      unwrap(
        api.GET('/api/v1/releases', {
          params: { query: { limit: 100, ...(filter.environment ? { environment: filter.environment } : {}), ...(filter.application ? { application: filter.application } : {}), ...(filter.state ? { state: filter.state as never } : {}) } },
        }),
      ),
    refetchInterval: 5000,
  });
}

/** What runs now: the newest succeeded release of each application in each environment. */
export function currentReleases(releases: Release[]): Map<string, Release> {
  const current = new Map<string, Release>();
  for (const r of releases) {
    if (r.state !== 'succeeded') continue;
    const key = `${r.environment}/${r.application}`;
    const known = current.get(key);
    if (!known || known.createdAt < r.createdAt) current.set(key, r);
  }
  return current;
}

/** Per environment, what runs now and the recent releases; filters; and the New release form. */
export function DeploymentsPage() {
  const [params, setParams] = useSearchParams();
  const filter = { environment: params.get('environment') ?? '', application: params.get('application') ?? '', state: params.get('state') ?? '' };
  const envs = useEnvironments();
  const releases = useReleases(filter);
  const running = useReleases({ state: 'succeeded' });
  const me = useMe();
  const [showForm, setShowForm] = useState(false);
  const current = useMemo(() => currentReleases(running.data?.items ?? []), [running.data]);
  const setFilter = (key: string, value: string) => {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value);
    else next.delete(key);
    setParams(next, { replace: true });
  };
  const writable = (envs.data?.items ?? []).filter((e) => can(me.data, 'deployment:write', e.name));

  return (
    <div className="page">
      <div className="page-head">
        <h1>Deployments</h1>
        {writable.length > 0 && (
          <button type="button" className="button button-primary" onClick={() => setShowForm((v) => !v)} aria-expanded={showForm}>
            {showForm ? 'Close the form' : 'New release'}
          </button>
        )}
      </div>
      {showForm && <NewReleaseForm environments={writable} current={current} onClose={() => setShowForm(false)} />}

      <section aria-labelledby="envs-title">
        <h2 id="envs-title">Environments</h2>
        {envs.isLoading && <Loading what="environments" />}
        {envs.error && <ProblemNotice error={envs.error} />}
        {envs.data && envs.data.items.length === 0 && (
          <Empty title="No environments you can see">An admin creates them with <code>POST /api/v1/environments</code>.</Empty>
        )}
        <div className="cards">
          {envs.data?.items.map((env) => (
            <EnvironmentCard key={env.name} env={env} current={[...current.values()].filter((r) => r.environment === env.name)} />
          ))}
        </div>
      </section>

      <section aria-labelledby="releases-title">
        <h2 id="releases-title">Recent releases</h2>
        <form className="filters" aria-label="Filter releases" onSubmit={(e) => e.preventDefault()}>
          <label>
            Environment
            <select value={filter.environment} onChange={(e) => setFilter('environment', e.target.value)}>
              <option value="">All</option>
              {envs.data?.items.map((e) => <option key={e.name} value={e.name}>{e.name}</option>)}
            </select>
          </label>
          <label>
            Application
            <input value={filter.application} onChange={(e) => setFilter('application', e.target.value)} placeholder="any" />
          </label>
          <label>
            State
            <select value={filter.state} onChange={(e) => setFilter('state', e.target.value)}>
              <option value="">All</option>
              {STATES.map((s) => <option key={s} value={s}>{s.replaceAll('_', ' ')}</option>)}
            </select>
          </label>
        </form>
        {releases.isLoading && <Loading what="releases" />}
        {releases.error && <ProblemNotice error={releases.error} />}
        {releases.data && releases.data.items.length === 0 && <Empty title="No releases match">Draft one with “New release”.</Empty>}
        {releases.data && releases.data.items.length > 0 && <ReleaseTable releases={releases.data.items} />}
      </section>
    </div>
  );
}

function EnvironmentCard({ env, current }: { env: Environment; current: Release[] }) {
  const target = Object.entries(env.target).map(([k, v]) => `${k}: ${String(v)}`).join(', ');
  return (
    <article className="card" aria-label={`Environment ${env.name}`}>
      <header className="card-head">
        <h3>{env.name}</h3>
        <span className="badge badge-neutral">{env.runtime}</span>
        {env.production && <span className="badge badge-warning">production</span>}
      </header>
      <p className="muted">{target}</p>
      <p>
        {env.approval.required
          ? `Approval: ${env.approval.minApprovers} approver${env.approval.minApprovers > 1 ? 's' : ''}${env.approval.allowSelfApproval ? ', self-approval allowed' : ''}`
          : 'No approval required'}
      </p>
      {env.freezeWindows.some((w) => Date.parse(w.start) <= Date.now() && Date.now() < Date.parse(w.end)) && <p className="badge badge-danger">Frozen now</p>}
      <h4>Running now</h4>
      {current.length === 0 ? (
        <p className="muted">Nothing deployed yet.</p>
      ) : (
        <ul className="running">
          {current.map((r) => (
            <li key={r.id}>
              <Link to={`/releases/${r.id}`}>{r.application}</Link>{' '}
              <span className="muted">
                {Object.entries(r.parameters).map(([k, v]) => `${k}=${v}`).join(' ') || r.draftDigest.slice(7, 19)} · {timeAgo(r.updatedAt)} by {r.createdBy}
              </span>
            </li>
          ))}
        </ul>
      )}
    </article>
  );
}

export function ReleaseTable({ releases }: { releases: Release[] }) {
  return (
    <div className="table-wrap">
      <table className="table">
        <thead>
          <tr>
            <th scope="col">Release</th>
            <th scope="col">Environment</th>
            <th scope="col">State</th>
            <th scope="col">Approval</th>
            <th scope="col">Stage</th>
            <th scope="col">By</th>
            <th scope="col">When</th>
          </tr>
        </thead>
        <tbody>
          {releases.map((r) => (
            <tr key={r.id}>
              <td>
                <Link to={`/releases/${r.id}`}>{r.application}</Link>
                {r.kind === 'rollback' && <span className="badge badge-neutral">rollback</span>}
                <div className="muted small">{r.description ?? Object.entries(r.parameters).map(([k, v]) => `${k}=${v}`).join(' ')}</div>
              </td>
              <td>{r.environment}</td>
              <td><StateBadge state={r.state} /></td>
              <td>{r.approval.status.replaceAll('_', ' ')}</td>
              <td>{r.execution.stage.replaceAll('_', ' ')}</td>
              <td>{r.createdBy} <ChannelBadge channel={r.channel} /></td>
              <td>{timeAgo(r.createdAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

interface ParamRow {
  key: string;
  value: string;
}

/** Draft a release: a new spec in the YAML editor, or the last release of an application with new parameters. */
function NewReleaseForm({ environments, current, onClose }: { environments: Environment[]; current: Map<string, Release>; onClose: () => void }) {
  const [environment, setEnvironment] = useState(environments[0]?.name ?? '');
  const [mode, setMode] = useState<'spec' | 'last'>('spec');
  const [application, setApplication] = useState('');
  const [spec, setSpec] = useState('services:\n  web:\n    image: nginx:${TAG}\n');
  const [params, setParams] = useState<ParamRow[]>([{ key: 'TAG', value: '' }]);
  const [description, setDescription] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const env = environments.find((e) => e.name === environment);
  const lastReleases = [...current.values()].filter((r) => r.environment === environment);
  const fromRelease = mode === 'last' ? lastReleases.find((r) => r.application === application) : undefined;

  const chooseLast = (app: string) => {
    setApplication(app);
    const last = lastReleases.find((r) => r.application === app);
    if (last) setParams(Object.entries(last.parameters).map(([key, value]) => ({ key, value })));
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    const parameters = Object.fromEntries(params.filter((p) => p.key.trim()).map((p) => [p.key.trim(), p.value]));
    try {
      const specBody = env?.runtime === 'kubernetes' ? { manifests: spec } : { compose: spec };
      const created = await unwrap(
        api.POST('/api/v1/releases', {
          body: {
            application,
            environment,
            channel: 'ui',
            parameters,
            ...(description ? { description } : {}),
            ...(mode === 'last' && fromRelease ? { fromReleaseId: fromRelease.id } : { spec: specBody }),
          },
        }),
      );
      await queryClient.invalidateQueries({ queryKey: ['releases'] });
      onClose();
      navigate(`/releases/${created.id}`);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="panel" aria-labelledby="new-release-title">
      <h2 id="new-release-title">New release</h2>
      <form className="form" onSubmit={submit}>
        <div className="form-row">
          <label>
            Environment
            <select value={environment} onChange={(e) => setEnvironment(e.target.value)} name="environment">
              {environments.map((e) => <option key={e.name} value={e.name}>{e.name} ({e.runtime})</option>)}
            </select>
          </label>
          <fieldset className="segmented">
            <legend>Start from</legend>
            <label><input type="radio" name="mode" checked={mode === 'spec'} onChange={() => setMode('spec')} /> A new spec</label>
            <label><input type="radio" name="mode" checked={mode === 'last'} onChange={() => setMode('last')} disabled={lastReleases.length === 0} /> The last release</label>
          </fieldset>
        </div>
        {mode === 'spec' ? (
          <>
            <label>
              Application
              <input name="application" value={application} onChange={(e) => setApplication(e.target.value)} required pattern="[a-z0-9]([-a-z0-9]*[a-z0-9])?" placeholder="web" />
            </label>
            <span className="label" id="spec-label">{env?.runtime === 'kubernetes' ? 'Kubernetes manifests (YAML)' : 'Compose file (YAML)'} — use <code>{'${NAME}'}</code> for parameters</span>
            <YamlEditor id="spec" label="Spec (YAML)" value={spec} onChange={setSpec} />
          </>
        ) : (
          <label>
            Application
            <select value={application} onChange={(e) => chooseLast(e.target.value)} name="last-application" required>
              <option value="">Choose…</option>
              {lastReleases.map((r) => <option key={r.id} value={r.application}>{r.application}</option>)}
            </select>
          </label>
        )}
        <fieldset className="params">
          <legend>Parameters</legend>
          {params.map((p, i) => (
            <div className="param-row" key={i}>
              <input aria-label={`Parameter ${i + 1} name`} value={p.key} onChange={(e) => setParams(params.map((x, j) => (j === i ? { ...x, key: e.target.value } : x)))} placeholder="NAME" />
              <input aria-label={`Parameter ${i + 1} value`} value={p.value} onChange={(e) => setParams(params.map((x, j) => (j === i ? { ...x, value: e.target.value } : x)))} placeholder="value" />
              <button type="button" className="button button-small" onClick={() => setParams(params.filter((_, j) => j !== i))} aria-label={`Remove parameter ${i + 1}`}>Remove</button>
            </div>
          ))}
          <button type="button" className="button button-small" onClick={() => setParams([...params, { key: '', value: '' }])}>Add parameter</button>
        </fieldset>
        <label>
          Description
          <input name="description" value={description} onChange={(e) => setDescription(e.target.value)} placeholder="What and why" />
        </label>
        {error !== null && <ProblemNotice error={error} />}
        <div className="actions">
          <button type="submit" className="button button-primary" disabled={busy || (mode === 'spec' && yamlProblems(spec).length > 0)}>
            {busy ? 'Drafting…' : 'Draft release'}
          </button>
        </div>
      </form>
    </section>
  );
}
