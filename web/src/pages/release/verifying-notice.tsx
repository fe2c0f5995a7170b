import type { Release } from '../../api/client';
import { Countdown } from '../../components/countdown';

/** While a release is being verified after its rollout: what is watched, and how long is left. */
export function VerifyingNotice({ release: r }: { release: Release }) {
  if (r.state !== 'applying' || r.execution.stage !== 'verifying' || !r.execution.verifyUntil) return null;
  return (
    <div className="notice" role="status" data-testid="verifying">
      <strong>Verifying the rollout.</strong> {r.execution.message ?? 'Watching restarts, readiness and probes.'} The release succeeds if
      nothing breaks before the window ends; otherwise it fails with a verification finding.{' '}
      <Countdown until={r.execution.verifyUntil} label="Verification window" />
    </div>
  );
}
