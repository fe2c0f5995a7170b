import type { TimelineEventType } from '../core/audit/timeline-event.js';
import type { ShipgateError } from '../core/errors.js';
import type { ReleaseRecord } from '../core/release/release.js';
import type { AppContext } from './app-context.js';
import { canRead, type Caller } from './caller.js';

/**
 * Records a refused request. A caller who may read the release's environment finds the refusal on the release's
 * timeline; a refusal of anyone else goes to the security log only, so that a release's record never tells of
 * (nor can be filled by) people who may not see it.
 */
export async function recordRefusal(
  ctx: AppContext,
  caller: Caller,
  release: ReleaseRecord,
  type: Extract<TimelineEventType, 'apply.rejected' | 'approval.denied'>,
  error: ShipgateError,
  data: Record<string, unknown>,
): Promise<void> {
  if (!canRead(caller, release.environment)) {
    ctx.logger.warn(
      { security: true, subject: caller.principal.subject, channel: caller.channel, releaseId: release.id, code: error.code, type },
      'refused a caller without read access',
    );
    return;
  }
  try {
    await ctx.write([release.id], async (tx) => {
      await tx.timeline.append([
        ctx.events
          .for(release, caller)
          .make(type, { ...data, code: error.code, reason: error.metadata.reason ?? null, detail: error.detail }),
      ]);
    });
  } catch (recordError) {
    ctx.logger.error({ err: recordError, releaseId: release.id, type }, 'could not record a refusal');
  }
}
