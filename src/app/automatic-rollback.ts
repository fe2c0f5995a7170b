import type { ReleaseRecord } from '../core/release/release.js';
import type { AppContext } from './app-context.js';
import type { Caller } from './caller.js';
import type { ReleaseUseCases } from './releases.use-cases.js';

/** The verifier, acting as a deployer of one environment only: the system gets no rights people do not have. */
function verifier(environment: string): Caller {
  return {
    principal: { subject: 'verifier', bindings: [{ role: 'deployer', environments: [environment] }] },
    channel: 'api',
    system: true,
  };
}

/**
 * What follows a failed verification where the environment asks for it: a rollback release to the last succeeded
 * one, drafted and previewed by the system (actor `system/verifier`), then applied where rollbacks need no approval,
 * or submitted to the approval queue like any release. Every gate (preview, policy, freeze windows) still holds:
 * a refusal leaves the rollback waiting, on its timeline, for a person.
 */
export async function automaticRollback(ctx: AppContext, releases: ReleaseUseCases, failed: ReleaseRecord): Promise<void> {
  const caller = verifier(failed.environment);
  const rollback = await releases.rollback(caller, failed.id, {});
  const preview = await releases.preview(caller, rollback.id);
  const proof = { previewToken: preview.token };
  const step = rollback.approval.status === 'not_required' ? 'apply' : 'submit';
  try {
    if (step === 'apply') await releases.apply(caller, rollback.id, proof);
    else await releases.submit(caller, rollback.id, proof);
  } catch (error) {
    ctx.logger.warn({ err: error, releaseId: rollback.id }, `the automatic rollback was drafted but could not ${step}`);
  }
}
