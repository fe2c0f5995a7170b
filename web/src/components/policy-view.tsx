import type { PolicyResult } from '../api/client';

/** The runtime policy's verdict on a preview: passed, or each violation with its rule, resource and where. */
export function PolicyView({ policy }: { policy: PolicyResult | undefined }) {
  if (!policy) return null;
  if (policy.violations.length === 0) {
    return (
      <p className="policy policy-passed" aria-label="Runtime policy">
        <span className="badge badge-success">policy passed</span> Nothing in this release reaches beyond its containers.
      </p>
    );
  }
  return (
    <div className={`policy ${policy.passed ? 'policy-warned' : 'policy-denied'}`} role="group" aria-label="Runtime policy">
      <p>
        <span className={`badge ${policy.passed ? 'badge-warning' : 'badge-danger'}`}>
          {policy.passed ? 'policy warnings' : 'policy denies this release'}
        </span>{' '}
        {policy.passed
          ? 'The runtime policy warns about:'
          : 'Submit and apply are refused unless an admin overrides with a recorded reason:'}
      </p>
      <ul className="plain violations">
        {policy.violations.map((v, i) => (
          <li key={`${v.ruleId}-${v.resource.kind}-${v.resource.name}-${v.path}-${i}`}>
            <span className={`badge ${v.severity === 'deny' ? 'badge-danger' : 'badge-warning'}`}>{v.severity}</span>{' '}
            <code>{v.ruleId}</code> {v.resource.kind}/{v.resource.name}: {v.message} <span className="muted">({v.path})</span>
          </li>
        ))}
      </ul>
    </div>
  );
}
