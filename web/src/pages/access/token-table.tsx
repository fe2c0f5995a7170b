import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, unwrap, type Binding, type Token } from '../../api/client';
import { queryKeys } from '../../api/queries';
import { useActions } from '../../api/use-actions';
import { ConfirmDialog } from '../../components/confirm-dialog';
import { ProblemNotice } from '../../components/problem-notice';
import { formatTime, timeAgo } from '../../components/time-format';

/** A role binding in words: "deployer on every environment", "viewer on staging, qa". */
export function bindingInWords(binding: Binding): string {
  const where = binding.environments.includes('*') ? 'every environment' : binding.environments.join(', ');
  return `${binding.role} on ${where}`;
}

/** Whether a token still opens the API: not revoked, not expired. */
function statusOf(token: Token, now = Date.now()): { label: string; className: string } {
  if (token.revokedAt) return { label: `revoked ${timeAgo(token.revokedAt, now)}`, className: 'badge badge-danger' };
  if (token.expiresAt && Date.parse(token.expiresAt) <= now) return { label: 'expired', className: 'badge badge-neutral' };
  return { label: 'active', className: 'badge badge-success' };
}

/** Every token (without secrets), with a revoke button on each active one; one confirmation dialog for the table. */
export function TokenTable({ tokens }: { tokens: Token[] }) {
  const [revoking, setRevoking] = useState<Token | null>(null);
  const queryClient = useQueryClient();
  const actions = useActions({
    revoke: async (id: string) => {
      await unwrap(api.DELETE('/api/v1/tokens/{id}', { params: { path: { id } } }));
      setRevoking(null);
      await queryClient.invalidateQueries({ queryKey: queryKeys.tokens });
    },
  });
  return (
    <>
      {actions.error && <ProblemNotice error={actions.error} />}
      <div className="table-wrap">
        <table className="table">
          <caption>Tokens, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Subject</th>
              <th scope="col">Roles</th>
              <th scope="col">Created</th>
              <th scope="col">Expires</th>
              <th scope="col">Status</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {tokens.map((t) => {
              const status = statusOf(t);
              return (
                <tr key={t.id} data-token={t.id}>
                  <th scope="row">{t.subject}</th>
                  <td>
                    {t.bindings.map((b) => (
                      <div key={`${b.role}:${b.environments.join(',')}`}>{bindingInWords(b)}</div>
                    ))}
                  </td>
                  <td>
                    {timeAgo(t.createdAt)} <span className="muted small">by {t.createdBy}</span>
                  </td>
                  <td>{t.expiresAt ? formatTime(t.expiresAt) : 'never'}</td>
                  <td>
                    <span className={status.className} data-token-status>
                      {status.label}
                    </span>
                  </td>
                  <td>
                    {!t.revokedAt && (
                      <button
                        type="button"
                        className="button button-small button-danger"
                        onClick={() => setRevoking(t)}
                        aria-label={`Revoke the token of ${t.subject}`}
                        disabled={actions.pending !== null}
                      >
                        Revoke
                      </button>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      <ConfirmDialog
        open={revoking !== null}
        title="Revoke this token?"
        confirmLabel="Revoke token"
        busy={actions.pending === 'revoke'}
        onConfirm={() => revoking && actions.run('revoke', revoking.id)}
        onCancel={() => setRevoking(null)}
      >
        <p>
          Whatever uses the token of <strong>{revoking?.subject}</strong> is refused from now on. This cannot be undone: issue a new token
          if it is needed again.
        </p>
      </ConfirmDialog>
    </>
  );
}
