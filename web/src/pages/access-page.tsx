import { useState } from 'react';
import type { CreatedToken } from '../api/client';
import { useEnvironments, useMe, useRoleMappings, useTokens } from '../api/queries';
import { EmptyState } from '../components/empty-state';
import { Loading } from '../components/loading';
import { NotAllowed } from '../components/not-allowed';
import { ProblemNotice } from '../components/problem-notice';
import { SecretOnce } from '../components/secret-once';
import { canEverywhere } from '../session/permissions';
import { RoleMappingsEditor } from './access/role-mappings-editor';
import { TokenForm } from './access/token-form';
import { TokenTable, bindingInWords } from './access/token-table';

/** API tokens (admin): issue one with its secret shown once, see them all, revoke one; and the claim → role mappings. */
export function AccessPage() {
  const me = useMe();
  const admin = canEverywhere(me.data, 'admin');
  const tokens = useTokens(admin);
  const mappings = useRoleMappings(admin);
  const environments = useEnvironments();
  const [created, setCreated] = useState<CreatedToken | null>(null);
  if (!admin) return <NotAllowed what="Access is managed by admins of every environment." />;
  const items = [...(tokens.data?.items ?? [])].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  return (
    <div className="page">
      <h1>Access</h1>
      <p className="muted">
        Tokens let people and pipelines use the API, the CLI and this UI. Each grants roles per environment; only a hash of it is stored.
      </p>
      <TokenForm environments={environments.data?.items ?? []} onCreated={setCreated} />
      {created && (
        <SecretOnce title="New token" secret={created.token} testId="token-secret" onDone={() => setCreated(null)}>
          <p>
            The token of <strong>{created.subject}</strong> ({created.bindings.map(bindingInWords).join('; ')}
            {created.expiresAt ? `, until ${new Date(created.expiresAt).toLocaleString()}` : ''}). It is shown only now: keep it in a secret
            store.
          </p>
        </SecretOnce>
      )}
      <section aria-labelledby="tokens-title">
        <h2 id="tokens-title">Tokens</h2>
        {tokens.isLoading && <Loading what="the tokens" />}
        {tokens.error && <ProblemNotice error={tokens.error} />}
        {tokens.data && items.length === 0 && <EmptyState title="No tokens yet">Issue one above.</EmptyState>}
        {items.length > 0 && <TokenTable tokens={items} />}
      </section>
      {mappings.isLoading && <Loading what="the role mappings" />}
      {mappings.error && <ProblemNotice error={mappings.error} />}
      {mappings.data && <RoleMappingsEditor mappings={mappings.data.items} environments={environments.data?.items ?? []} />}
    </div>
  );
}
