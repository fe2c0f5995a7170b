import { driftEventData, driftView, nextDrift, type Drift, type DriftObservation, type DriftRecord } from '../core/drift/drift.js';
import type { Environment } from '../core/environment/environment.js';
import { ShipgateError, detailOf } from '../core/errors.js';
import type { ReleaseRecord } from '../core/release/release.js';
import { redactDeep, redactText } from '../core/secrets/secret-masking.js';
import { deployTargetOf, executionUnitOf, type AppContext } from './app-context.js';
import { requirePermission, type Caller } from './caller.js';

/** What a caller hears of an application whose release is being applied and was never checked. */
const APPLYING = 'a release of this application is being applied; drift is checked once it has finished';

/**
 * Drift: what runs, compared with the last succeeded release of each application of an environment through the
 * runtime's own preview. A new drift is written once on that release's timeline (`drift.detected`), however many
 * processes check at once: each result is stored by compare-and-set on its fingerprint, in the event's transaction.
 */
export class DriftUseCases {
  /** Checks under way, by environment: a second request for the same environment waits for the first. */
  private readonly running = new Map<string, Promise<Drift[]>>();

  constructor(private readonly ctx: AppContext) {}

  /**
   * The last stored drift of each application of an environment (`deployment:read`). Checks now when an application
   * was not checked against its last succeeded release yet.
   */
  async list(caller: Caller, environment: string): Promise<{ items: Drift[] }> {
    const env = await this.readable(caller, 'deployment:read', environment);
    const [releases, stored] = await Promise.all([
      this.ctx.store.releases.lastSucceededPerApplication(env.name),
      this.ctx.store.drift.list(env.name),
    ]);
    const current = new Map(stored.map((d) => [d.application, d]));
    if (releases.some((r) => current.get(r.application)?.releaseId !== r.id)) return { items: await this.checkOnce(env) };
    return { items: releases.map((r) => driftView(current.get(r.application)!)) };
  }

  /** Checks an environment now (`deployment:write`: a check drives the runtime) and answers what it found. */
  async check(caller: Caller, environment: string): Promise<{ items: Drift[] }> {
    const env = await this.readable(caller, 'deployment:write', environment);
    return { items: await this.checkOnce(env) };
  }

  /**
   * Checks every environment (the background check), until `signal` aborts; a failure in one environment is logged
   * and the others are still checked.
   */
  async checkEverywhere(signal?: AbortSignal): Promise<void> {
    for (const env of await this.ctx.store.environments.list()) {
      if (signal?.aborted) return;
      await this.checkOnce(env).catch((error: unknown) =>
        this.ctx.logger.error({ err: error, environment: env.name }, 'drift check of an environment failed'),
      );
    }
  }

  /** Permission first: whether an environment exists is itself something only its readers learn. */
  private async readable(caller: Caller, permission: 'deployment:read' | 'deployment:write', name: string): Promise<Environment> {
    requirePermission(caller, permission, name);
    const env = await this.ctx.store.environments.get(name);
    if (!env) throw new ShipgateError('NOT_FOUND', `environment "${name}" not found`);
    return env;
  }

  private checkOnce(env: Environment): Promise<Drift[]> {
    const running = this.running.get(env.name);
    if (running) return running;
    const check = this.checkEnvironment(env).finally(() => this.running.delete(env.name));
    this.running.set(env.name, check);
    return check;
  }

  private async checkEnvironment(env: Environment): Promise<Drift[]> {
    const [releases, applying, stored] = await Promise.all([
      this.ctx.store.releases.lastSucceededPerApplication(env.name),
      this.ctx.store.releases.list({ readable: 'all', environment: env.name, state: 'applying', limit: 500 }),
      this.ctx.store.drift.list(env.name),
    ]);
    const busy = new Set(applying.map((r) => r.application));
    const previous = new Map(stored.map((d) => [d.application, d]));
    const items: Drift[] = [];
    // One application after the other: a check is a preview, and a runtime is not to be flooded with them.
    for (const release of releases) {
      const before = previous.get(release.application) ?? null;
      if (!busy.has(release.application)) items.push(await this.checkApplication(env, release, before));
      // An apply under way changes what runs: what it would find now is neither drift nor the release.
      else if (before) items.push(driftView(before));
      else
        items.push({
          application: release.application,
          releaseId: release.id,
          status: 'unknown',
          checkedAt: this.ctx.nowIso(),
          changes: [],
          message: APPLYING,
        });
    }
    return items;
  }

  private async checkApplication(env: Environment, release: ReleaseRecord, previous: DriftRecord | null): Promise<Drift> {
    const observation = await this.observe(env, release);
    const subject = { environment: env.name, application: release.application, releaseId: release.id, checkedAt: this.ctx.nowIso() };
    const { record, isNew } = nextDrift(previous, observation, subject);
    const stored = await this.ctx.write(isNew ? [release.id] : [], async (tx) => {
      // Of two processes finding the same drift, the one whose result is stored first tells it.
      if (!(await tx.drift.put(record, previous?.fingerprint ?? null))) return false;
      if (isNew) await tx.timeline.append([this.ctx.events.for(release, null).make('drift.detected', driftEventData(record))]);
      return true;
    });
    if (stored) return driftView(record);
    const winner = await this.ctx.store.drift.get(env.name, release.application);
    return driftView(winner ?? record);
  }

  /** The release's preview against what runs, with the same unit the executor drives it with, secrets masked. */
  private async observe(env: Environment, release: ReleaseRecord): Promise<DriftObservation> {
    const unit = await executionUnitOf(this.ctx.store, release);
    try {
      const preview = await this.ctx.driverFor(env.runtime).preview(deployTargetOf(env, release), unit);
      return { changes: redactDeep(preview.changes, unit.secrets) };
    } catch (error) {
      const reason = redactText(detailOf(error), unit.secrets);
      this.ctx.logger.warn({ environment: env.name, application: release.application, reason }, 'drift check could not reach the runtime');
      return { unreachable: reason };
    }
  }
}
