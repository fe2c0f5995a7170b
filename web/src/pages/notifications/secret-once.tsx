import { useState } from 'react';
import type { CreatedWebhook } from '../../api/client';

/** The signing secret of a subscription just made: shown here once, with a copy button; the API never returns it again. */
export function SecretOnce({ created, onDone }: { created: CreatedWebhook; onDone: () => void }) {
  const [copy, setCopy] = useState<'idle' | 'copied' | 'failed'>('idle');
  const copySecret = () => {
    navigator.clipboard.writeText(created.secret).then(
      () => setCopy('copied'),
      () => setCopy('failed'),
    );
  };
  return (
    <section className="notice secret" aria-labelledby="secret-title">
      <h2 id="secret-title">Signing secret</h2>
      <p>
        Keep it in the receiver of <strong className="url">{created.url}</strong> to verify each message&apos;s{' '}
        <code>webhook-signature</code>. It is shown only now.
      </p>
      <p>
        <code className="secret-value" data-testid="webhook-secret">
          {created.secret}
        </code>
      </p>
      <div className="actions">
        <button type="button" className="button button-primary" onClick={copySecret}>
          Copy secret
        </button>
        <button type="button" className="button" onClick={onDone}>
          Done
        </button>
        <span role="status" className="muted">
          {copy === 'copied' ? 'Copied to the clipboard.' : copy === 'failed' ? 'Could not copy: select the secret and copy it.' : ''}
        </span>
      </div>
    </section>
  );
}
