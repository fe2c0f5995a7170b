import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, unwrap, type Webhook } from '../../api/client';
import { queryKeys, useDeliveries } from '../../api/queries';
import { useActions } from '../../api/use-actions';
import { DeliveryBadge } from '../../components/badges';
import { ConfirmDialog } from '../../components/confirm-dialog';
import { EmptyState } from '../../components/empty-state';
import { ProblemNotice } from '../../components/problem-notice';
import { formatTime, timeAgo } from '../../components/time-format';
import { FORMAT_LABEL } from './subscription-form';

/** One subscription: what it listens to, the "send test event" and delete buttons, and its recent deliveries. */
export function SubscriptionCard({ webhook }: { webhook: Webhook }) {
  const queryClient = useQueryClient();
  const [confirming, setConfirming] = useState(false);
  const [queued, setQueued] = useState(false);
  const actions = useActions({
    test: async () => {
      setQueued(false);
      await unwrap(api.POST('/api/v1/webhooks/{id}/test', { params: { path: { id: webhook.id } } }));
      setQueued(true);
      await queryClient.invalidateQueries({ queryKey: queryKeys.deliveries(webhook.id) });
    },
    remove: async () => {
      await unwrap(api.DELETE('/api/v1/webhooks/{id}', { params: { path: { id: webhook.id } } }));
      setConfirming(false);
      await queryClient.invalidateQueries({ queryKey: queryKeys.webhooks });
    },
  });
  const titleId = `webhook-${webhook.id}`;
  const everywhere = webhook.environments.includes('*');
  return (
    <li className="card subscription" aria-labelledby={titleId} data-webhook={webhook.id}>
      <header className="card-head">
        <h3 id={titleId} className="url">
          {webhook.url}
        </h3>
        <span className="badge badge-neutral">{FORMAT_LABEL[webhook.format]}</span>
      </header>
      <dl className="facts">
        <div>
          <dt>Events</dt>
          <dd>{webhook.events.join(', ')}</dd>
        </div>
        <div>
          <dt>Environments</dt>
          <dd>{everywhere ? 'every environment' : webhook.environments.join(', ')}</dd>
        </div>
        <div>
          <dt>Created</dt>
          <dd>
            by {webhook.createdBy} {timeAgo(webhook.createdAt)}
          </dd>
        </div>
      </dl>
      {actions.error && <ProblemNotice error={actions.error} />}
      <div className="actions">
        <button type="button" className="button" onClick={() => actions.run('test')} disabled={actions.pending !== null}>
          {actions.pending === 'test' ? 'Sending…' : 'Send test event'}
        </button>
        <button type="button" className="button button-danger" onClick={() => setConfirming(true)} disabled={actions.pending !== null}>
          Delete
        </button>
        <span role="status" className="muted">
          {queued ? 'Test event queued: it shows below once the receiver has answered.' : ''}
        </span>
      </div>
      <Deliveries webhookId={webhook.id} />
      <ConfirmDialog
        open={confirming}
        title="Delete this subscription?"
        confirmLabel="Delete subscription"
        busy={actions.pending === 'remove'}
        onConfirm={() => actions.run('remove')}
        onCancel={() => setConfirming(false)}
      >
        <p>
          Nothing more is sent to <strong className="url">{webhook.url}</strong>, and its pending deliveries are dropped.
        </p>
      </ConfirmDialog>
    </li>
  );
}

/** The newest deliveries of a subscription: status, attempts, the receiver's last answer and the next attempt. */
function Deliveries({ webhookId }: { webhookId: string }) {
  const deliveries = useDeliveries(webhookId);
  if (deliveries.error) return <ProblemNotice error={deliveries.error} />;
  const items = deliveries.data?.items ?? [];
  if (deliveries.data && items.length === 0) {
    return <EmptyState title="No deliveries yet">Send a test event to check that the receiver answers.</EmptyState>;
  }
  return (
    <div className="table-wrap">
      <table className="table">
        <caption>Recent deliveries</caption>
        <thead>
          <tr>
            <th scope="col">Event</th>
            <th scope="col">Status</th>
            <th scope="col">Attempts</th>
            <th scope="col">Last answer</th>
            <th scope="col">Next attempt</th>
            <th scope="col">Queued</th>
          </tr>
        </thead>
        <tbody>
          {items.map((d) => (
            <tr key={d.id} data-delivery={d.id}>
              <td>
                {d.eventType}
                {d.eventSeq !== null && <span className="muted small"> · event {d.eventSeq}</span>}
              </td>
              <td>
                <DeliveryBadge status={d.status} />
              </td>
              <td>{d.attempts}</td>
              <td>
                {d.lastStatusCode !== null ? `HTTP ${d.lastStatusCode}` : d.attempts > 0 ? 'no answer' : '—'}
                {d.lastError && <div className="muted small">{d.lastError}</div>}
              </td>
              <td>{d.nextAttemptAt ? formatTime(d.nextAttemptAt) : '—'}</td>
              <td>{timeAgo(d.createdAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
