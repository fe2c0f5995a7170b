import { useState } from 'react';
import type { CreatedWebhook } from '../api/client';
import { useEnvironments, useMe, useWebhooks } from '../api/queries';
import { EmptyState } from '../components/empty-state';
import { Loading } from '../components/loading';
import { NotAllowed } from '../components/not-allowed';
import { ProblemNotice } from '../components/problem-notice';
import { SecretOnce } from '../components/secret-once';
import { canEverywhere } from '../session/permissions';
import { SubscriptionCard } from './notifications/subscription-card';
import { SubscriptionForm } from './notifications/subscription-form';

/** Webhook subscriptions (admin): make one, see its secret once, and watch what each delivered. */
export function NotificationsPage() {
  const me = useMe();
  const admin = canEverywhere(me.data, 'admin');
  const webhooks = useWebhooks(admin);
  const environments = useEnvironments();
  const [created, setCreated] = useState<CreatedWebhook | null>(null);
  if (!admin) return <NotAllowed what="Notifications are managed by admins of every environment." />;
  return (
    <div className="page">
      <h1>Notifications</h1>
      <p className="muted">
        Webhooks tell a chat channel or another system when something happens to a release. Every message is signed (Standard Webhooks) and
        retried for 24 hours until the receiver answers with a 2xx.
      </p>
      <SubscriptionForm environments={environments.data?.items ?? []} onCreated={setCreated} />
      {created && (
        <SecretOnce title="Signing secret" secret={created.secret} testId="webhook-secret" onDone={() => setCreated(null)}>
          <p>
            Keep it in the receiver of <strong className="url">{created.url}</strong> to verify each message&apos;s{' '}
            <code>webhook-signature</code>. It is shown only now.
          </p>
        </SecretOnce>
      )}
      <section aria-labelledby="subscriptions-title">
        <h2 id="subscriptions-title">Subscriptions</h2>
        {webhooks.isLoading && <Loading what="the subscriptions" />}
        {webhooks.error && <ProblemNotice error={webhooks.error} />}
        {webhooks.data && webhooks.data.items.length === 0 && (
          <EmptyState title="No subscriptions yet">Subscribe a URL above to be told of approvals waiting and releases failing.</EmptyState>
        )}
        <ul className="cards subscriptions">
          {webhooks.data?.items.map((w) => (
            <SubscriptionCard key={w.id} webhook={w} />
          ))}
        </ul>
      </section>
    </div>
  );
}
