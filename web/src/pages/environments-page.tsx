import { useState } from 'react';
import type { Environment } from '../api/client';
import { useEnvironments, useMe } from '../api/queries';
import { EmptyState } from '../components/empty-state';
import { Loading } from '../components/loading';
import { NotAllowed } from '../components/not-allowed';
import { ProblemNotice } from '../components/problem-notice';
import { canEverywhere } from '../session/permissions';
import { NEW_ENVIRONMENT, draftOf } from './environments/environment-draft';
import { EnvironmentForm } from './environments/environment-form';

/** One line of an environment's governance, for the list. */
function approvalInWords(env: Environment): string {
  if (!env.approval.required) return 'no approval';
  return `${env.approval.minApprovers} approver${env.approval.minApprovers === 1 ? '' : 's'}`;
}

/** Environments (admin): their targets and governance, a new one, and changes to one. */
export function EnvironmentsPage() {
  const me = useMe();
  const environments = useEnvironments();
  // null: nothing open; '' a new environment; otherwise the name of the one being changed.
  const [editing, setEditing] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  if (!canEverywhere(me.data, 'admin')) return <NotAllowed what="Environments are managed by admins of every environment." />;
  const items = environments.data?.items ?? [];
  const existing = editing ? (items.find((e) => e.name === editing) ?? null) : null;
  const open = (name: string) => {
    setSaved(null);
    setEditing(name);
  };
  return (
    <div className="page">
      <div className="page-head">
        <h1>Environments</h1>
        <button type="button" className="button button-primary" onClick={() => open('')}>
          New environment
        </button>
      </div>
      <p className="muted">
        Where releases run, and the rules they go through there: approval, freeze windows, the runtime policy, promotion and verification.
      </p>
      <p role="status" className="muted">
        {saved ? `Saved environment ${saved}.` : ''}
      </p>
      {editing !== null && (editing === '' || existing) && (
        <EnvironmentForm
          key={existing ? `${existing.name}-${existing.updatedAt}` : 'new'}
          initial={existing ? draftOf(existing) : NEW_ENVIRONMENT}
          existing={existing}
          environments={items}
          onSaved={(env) => {
            setEditing(env.name);
            setSaved(env.name);
          }}
          onCancel={() => setEditing(null)}
        />
      )}
      <section aria-labelledby="environments-title">
        <h2 id="environments-title">All environments</h2>
        {environments.isLoading && <Loading what="the environments" />}
        {environments.error && <ProblemNotice error={environments.error} />}
        {environments.data && items.length === 0 && (
          <EmptyState title="No environments yet">Create one above: a Compose project or a Kubernetes namespace.</EmptyState>
        )}
        {items.length > 0 && (
          <div className="table-wrap">
            <table className="table">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Target</th>
                  <th scope="col">Approval</th>
                  <th scope="col">Policy</th>
                  <th scope="col">Promotion</th>
                  <th scope="col">Freeze windows</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {items.map((env) => {
                  const target = env.target as { project?: string; namespace?: string };
                  return (
                    <tr key={env.name} data-environment={env.name}>
                      <th scope="row">
                        {env.name}
                        {env.production && <span className="badge badge-warning">production</span>}
                      </th>
                      <td>{env.runtime === 'compose' ? `Compose project ${target.project}` : `namespace ${target.namespace}`}</td>
                      <td>{approvalInWords(env)}</td>
                      <td>
                        {env.policy.profile}
                        {env.policy.rules.length > 0 &&
                          `, ${env.policy.rules.length} custom rule${env.policy.rules.length === 1 ? '' : 's'}`}
                      </td>
                      <td>{env.promotion ? `from ${env.promotion.from}` : '—'}</td>
                      <td>{env.freezeWindows.length}</td>
                      <td>
                        <button
                          type="button"
                          className="button button-small"
                          onClick={() => open(env.name)}
                          aria-label={`Edit ${env.name}`}
                        >
                          Edit
                        </button>
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </div>
  );
}
