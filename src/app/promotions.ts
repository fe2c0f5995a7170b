import type { Environment } from '../core/environment/environment.js';
import { ShipgateError } from '../core/errors.js';
import { promotedSpec, promotionProblem } from '../core/release/promotion.js';
import type { ReleaseRecord } from '../core/release/release.js';
import type { StoreSession } from '../ports/store.js';
import type { AppContext } from './app-context.js';
import type { Caller } from './caller.js';
import { carriedFrom, deployDraft } from './release-drafts.js';

export interface PromoteInput {
  /** The environment to promote into. */
  environment: string;
  /** Values for the target environment, over those carried from the upstream release. */
  parameters?: Record<string, string>;
  description?: string;
  channel?: 'ui' | 'api' | 'cli';
}

/**
 * The draft a promotion makes: the upstream release's spec with every image pinned to what ran upstream, its
 * parameters (secrets only for a caller who may also write upstream) under the target's own, and its provenance.
 * The caller's permissions were checked; the source is a succeeded release of another environment of the same runtime.
 */
export function promotionDraft(
  ctx: AppContext,
  caller: Caller,
  source: ReleaseRecord,
  env: Environment,
  input: PromoteInput,
): ReleaseRecord {
  if (env.name === source.environment) {
    throw new ShipgateError('VALIDATION_FAILED', 'a release is promoted into another environment', {
      errors: [{ path: '/environment', message: `must differ from the release's environment "${source.environment}"` }],
    });
  }
  if (env.runtime !== source.runtime) {
    throw new ShipgateError('VALIDATION_FAILED', `environment "${env.name}" runs ${env.runtime}, the release ran on ${source.runtime}`, {
      errors: [{ path: '/environment', message: 'must run on the same runtime as the release' }],
    });
  }
  if (source.state !== 'succeeded') {
    throw new ShipgateError('INVALID_STATE', `only a succeeded release can be promoted; release ${source.id} is ${source.state}`, {
      state: source.state,
    });
  }
  const { spec, images } = promotedSpec(source);
  const carried = carriedFrom(caller, { ...source, spec }, env.name, true);
  const parameters = { ...carried.parameters, ...input.parameters };
  return {
    ...deployDraft(caller, {
      id: ctx.ids.newId(),
      now: ctx.nowIso(),
      application: source.application,
      env,
      spec,
      parameters,
      description: input.description ?? `Promotion of ${source.application} from ${source.environment} (release ${source.id})`,
      channel: input.channel,
    }),
    provenance: {
      releaseId: source.id,
      environment: source.environment,
      succeededAt: source.execution.finishedAt ?? source.updatedAt,
      images,
    },
  };
}

/**
 * Refuses (`PROMOTION_REQUIRED`) a release of an environment with a promotion rule unless it promotes the release
 * that still runs upstream, soaked there long enough, with the images that ran there.
 */
export async function checkPromotion(session: StoreSession, env: Environment, release: ReleaseRecord, now: Date): Promise<void> {
  const rule = env.promotion;
  if (!rule) return;
  const source = release.provenance ? await session.releases.get(release.provenance.releaseId) : null;
  const current = await session.releases.lastSucceeded(release.application, rule.from, null);
  const problem = promotionProblem(rule, release, { source, current }, now);
  if (problem) {
    throw new ShipgateError('PROMOTION_REQUIRED', `environment "${env.name}" takes promotions from "${rule.from}": ${problem}`, {
      from: rule.from,
      soakSeconds: rule.soakSeconds,
    });
  }
}
