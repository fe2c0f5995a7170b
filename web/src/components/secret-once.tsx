import { useState, type ReactNode } from 'react';

/** A secret just issued: shown here once, with a copy button; the API never returns it again. */
export function SecretOnce({
  title,
  secret,
  testId,
  children,
  onDone,
}: {
  title: string;
  secret: string;
  testId: string;
  /** What the secret is for and where to keep it. */
  children: ReactNode;
  onDone: () => void;
}) {
  const [copy, setCopy] = useState<'idle' | 'copied' | 'failed'>('idle');
  const copySecret = () => {
    navigator.clipboard.writeText(secret).then(
      () => setCopy('copied'),
      () => setCopy('failed'),
    );
  };
  return (
    <section className="notice secret" aria-labelledby="secret-title">
      <h2 id="secret-title">{title}</h2>
      {children}
      <p>
        <code className="secret-value" data-testid={testId}>
          {secret}
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
