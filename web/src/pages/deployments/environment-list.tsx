import { Link } from 'wouter';
import type { Environment, Release } from '../../api/client';
import { useDrift, useEnvironments, useMe } from '../../api/queries';
import { parameterText } from '../../api/release-facts';
import { EmptyState } from '../../components/empty-state';
import { Loading } from '../../components/loading';
import { ProblemNotice } from '../../components/problem-notice';
import { timeAgo } from '../../components/time-format';
import { can } from '../../session/permissions';
import { CheckDriftButton, DriftOf } from './environment-drift';

/** Every environment the user can see, each with its approval rule, freeze, what runs there now and how it drifted. */
export function EnvironmentList({ current }: { current: Map<string, Release> }) {
  const envs = useEnvironments();
  return (
    <section aria-labelledby="envs-title">
      <h2 id="envs-title">Environments</h2>
      {envs.isLoading && <Loading what="environments" />}
      {envs.error && <ProblemNotice error={envs.error} />}
      {envs.data && envs.data.items.length === 0 && (
        <EmptyState title="No environments you can see">
          An admin creates them with <code>POST /api/v1/environments</code>.
        </EmptyState>
      )}
      <div className="cards">
        {envs.data?.items.map((env) => (
          <EnvironmentCard key={env.name} env={env} current={[...current.values()].filter((r) => r.environment === env.name)} />
        ))}
      </div>
    </section>
  );
}

function EnvironmentCard({ env, current }: { env: Environment; current: Release[] }) {
  const me = useMe().data;
  const drift = useDrift(env.name);
  const driftOf = new Map((drift.data?.items ?? []).map((d) => [d.application, d]));
  // Applications whose last success is older than the releases listed here still run, and may have drifted.
  const others = (drift.data?.items ?? []).filter((d) => !current.some((r) => r.application === d.application));
  const target = Object.entries(env.target)
    .map(([k, v]) => `${k}: ${String(v)}`)
    .join(', ');
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
          ? `Approval: ${env.approval.minApprovers} ` +
            `approver${env.approval.minApprovers > 1 ? 's' : ''}${env.approval.allowSelfApproval ? ', self-approval allowed' : ''}`
          : 'No approval required'}
      </p>
      {env.promotion && (
        <p data-testid="promotion-rule">
          Takes promotions from {env.promotion.from}
          {env.promotion.soakSeconds > 0 ? ` that ran there for ${env.promotion.soakSeconds}s` : ''}
        </p>
      )}
      {env.verification && (
        <p>
          Verifies each rollout for {env.verification.windowSeconds}s
          {env.verification.autoRollback
            ? env.approval.rollbackWithoutApproval || !env.approval.required
              ? ', then rolls back by itself'
              : ', then asks for a rollback'
            : ''}
        </p>
      )}
      {env.freezeWindows.some((w) => Date.parse(w.start) <= Date.now() && Date.now() < Date.parse(w.end)) && (
        <p className="badge badge-danger">Frozen now</p>
      )}
      <div className="card-head">
        <h4>Running now</h4>
        {current.length + others.length > 0 && can(me, 'deployment:write', env.name) && <CheckDriftButton environment={env.name} />}
      </div>
      {drift.error && <ProblemNotice error={drift.error} />}
      {current.length === 0 && others.length === 0 ? (
        <p className="muted">Nothing deployed yet.</p>
      ) : (
        <ul className="running">
          {current.map((r) => {
            const checked = driftOf.get(r.application);
            return (
              <li key={r.id}>
                <Link to={`/releases/${r.id}`}>{r.application}</Link>{' '}
                <span className="muted">
                  {parameterText(r) || r.draftDigest.slice(7, 19)} · {timeAgo(r.updatedAt)} by {r.createdBy}
                </span>
                {checked && <DriftOf drift={checked} />}
              </li>
            );
          })}
          {others.map((d) => (
            <li key={d.releaseId}>
              <Link to={`/releases/${d.releaseId}`}>{d.application}</Link>
              <DriftOf drift={d} />
            </li>
          ))}
        </ul>
      )}
    </article>
  );
}
