import type { Logger } from 'pino';
import type { Environment } from '../core/environment/environment.js';
import type { RuleEvaluator } from '../core/policy/policy.js';
import { ShipgateError } from '../core/errors.js';
import type { ReleaseRecord } from '../core/release/release.js';
import { secretValuesOf } from '../core/secrets/secret-masking.js';
import type { ChangeFeed } from '../ports/change-feed.js';
import type { Clock } from '../ports/clock.js';
import type { Ids } from '../ports/ids.js';
import { NO_METRICS, type Metrics } from '../ports/metrics.js';
import type { DeployTarget, DeployUnit, RuntimeDriver, RuntimeDrivers } from '../ports/runtime-driver.js';
import type { Store, StoreSession } from '../ports/store.js';
import { ReleaseEventBus, TimelineEvents } from './release-events.js';
import { ReleaseTransitions } from './release-transitions.js';
import { SecretCache } from './secret-cache.js';
import { OutboxStore, WebhookOutbox } from './webhook-outbox.js';

/** What every use case is built from; wired once in `main.ts`. */
export interface AppContextOptions {
  store: Store;
  drivers: RuntimeDrivers;
  clock: Clock;
  ids: Ids;
  logger: Logger;
  /** Evaluates environments' custom policy rules (CEL); without it, an environment cannot be given custom rules. */
  rules?: RuleEvaluator;
  /** Where people reach the web UI (`SHIPGATE_PUBLIC_URL`): the links webhook messages carry. */
  publicUrl?: string;
  /** Told of applies, approval decisions and webhook attempts as they happen; default: nowhere. */
  metrics?: Metrics;
  /** Changes to and from the other processes sharing the store (PostgreSQL); without it, each process polls briskly. */
  changeFeed?: ChangeFeed | null;
}

/** The shared parts of the use cases: store, drivers, clock, ids, event builders and the in-process event bus. */
export class AppContext {
  /** Every timeline append through it queues its webhook deliveries in the same transaction. */
  readonly store: Store;
  readonly drivers: RuntimeDrivers;
  readonly clock: Clock;
  readonly ids: Ids;
  readonly logger: Logger;
  readonly rules: RuleEvaluator | null;
  readonly publicUrl: string;
  readonly metrics: Metrics;
  readonly events: TimelineEvents;
  /** The one door through which a release changes state. */
  readonly transitions: ReleaseTransitions;
  readonly bus: ReleaseEventBus;
  readonly secrets = new SecretCache();

  constructor(options: AppContextOptions) {
    this.publicUrl = options.publicUrl ?? 'http://127.0.0.1:8080';
    this.bus = new ReleaseEventBus(options.changeFeed ?? null);
    const outbox = new WebhookOutbox({ ids: options.ids, clock: options.clock, secrets: this.secrets, publicUrl: this.publicUrl });
    this.store = new OutboxStore(options.store, outbox, () => this.bus.notifyDeliveries());
    this.drivers = options.drivers;
    this.clock = options.clock;
    this.ids = options.ids;
    this.logger = options.logger;
    this.rules = options.rules ?? null;
    this.metrics = options.metrics ?? NO_METRICS;
    this.events = new TimelineEvents(options.clock, options.ids, this.secrets);
    this.transitions = new ReleaseTransitions(this.events);
  }

  nowIso(): string {
    return this.clock.now().toISOString();
  }

  /** The driver of a runtime, or `RUNTIME_UNAVAILABLE` when this server has none configured for it. */
  driverFor(runtime: Environment['runtime']): RuntimeDriver {
    const driver = this.drivers[runtime];
    if (!driver) throw new ShipgateError('RUNTIME_UNAVAILABLE', `no ${runtime} runtime is configured on this server`, { runtime });
    return driver;
  }

  async environmentOf(session: StoreSession, release: ReleaseRecord): Promise<Environment> {
    const env = await session.environments.get(release.environment);
    if (!env) throw new ShipgateError('NOT_FOUND', `environment "${release.environment}" not found`);
    return env;
  }

  /**
   * Runs a transaction and tells stream listeners of the releases it touched. It queues for the timeline's head before
   * anything else, so every writer takes its locks in one order (head, then rows) and holds a release's row only
   * briefly: a lease renewal on that row never waits behind the chain.
   */
  async write<T>(releaseIds: string[], work: (tx: StoreSession) => Promise<T>): Promise<T> {
    const result = await this.store.transaction(async (tx) => {
      await tx.timeline.lockHead();
      return work(tx);
    });
    for (const id of releaseIds) this.bus.notify(id);
    return result;
  }
}

/** The target and unit a driver needs for a release. */
export function deployTargetOf(env: Environment, release: ReleaseRecord): DeployTarget {
  return { environment: env.name, application: release.application, target: env.target };
}

export function deployUnitOf(release: ReleaseRecord, restore: Record<string, unknown> | null): DeployUnit {
  return {
    releaseId: release.id,
    spec: release.spec,
    rendered: release.renderedSpec,
    secrets: secretValuesOf(release.renderedSpec, release.parameters),
    restore,
  };
}

/** The unit the executor drives a release with: a rollback restores the runtime facts of the release it returns to. */
export async function executionUnitOf(session: StoreSession, release: ReleaseRecord): Promise<DeployUnit> {
  const restore = release.rollbackTo ? ((await session.releases.get(release.rollbackTo))?.runtimeState ?? null) : null;
  return deployUnitOf(release, restore);
}
