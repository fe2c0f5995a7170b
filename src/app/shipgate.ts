import { AccessUseCases } from './access.use-cases.js';
import { AppContext, type AppContextOptions } from './app-context.js';
import type { AuditKeys } from '../ports/audit-keys.js';
import { ApprovalUseCases } from './approvals.use-cases.js';
import { AuditUseCases } from './audit.use-cases.js';
import { ConversationUseCases } from './conversations.use-cases.js';
import { DriftMonitor } from './drift-monitor.js';
import { DriftUseCases } from './drift.use-cases.js';
import { EnvironmentUseCases } from './environments.use-cases.js';
import { IdentityUseCases } from './identity.use-cases.js';
import { InsightsUseCases } from './insights.use-cases.js';
import type { OidcProvider, WorkloadTokenVerifier } from '../ports/identity-provider.js';
import { Executor, type ExecutorOptions } from './executor.js';
import { ReleaseUseCases } from './releases.use-cases.js';
import type { WebhookSender } from '../ports/webhook-sender.js';
import { WebhookDispatcher, type WebhookDispatcherOptions } from './webhook-dispatcher.js';
import { WebhookUseCases } from './webhooks.use-cases.js';

export interface ShipgateOptions extends AppContextOptions {
  adminToken?: string | null;
  /** The audit key: verifies the timeline's keyed chain and signs its checkpoints (the store chains with the same). */
  auditKeys: AuditKeys;
  executor: Omit<ExecutorOptions, 'approvals' | 'releases'>;
  /** How often every environment is checked for drift in the background, once started; 0 or unset: never. */
  driftIntervalMs?: number;
  /** Sends webhook messages; without it no subscription can be made and nothing is delivered. */
  webhooks?: { sender: WebhookSender; dispatcher?: Omit<WebhookDispatcherOptions, 'instanceId'> };
  /** OpenID Connect sign-in and the trusted issuers of CI workload tokens; without them, only `sgt_` tokens. */
  identity?: { oidc?: OidcProvider | null; workload?: WorkloadTokenVerifier | null };
}

/** Every use case of Shipgate, built over one context; the HTTP routes and the AI command center both call these. */
export class Shipgate {
  /** Private: adapters reach the use cases, never the store, drivers or bus behind them. */
  private readonly ctx: AppContext;
  readonly releases: ReleaseUseCases;
  readonly approvals: ApprovalUseCases;
  readonly environments: EnvironmentUseCases;
  readonly access: AccessUseCases;
  readonly identity: IdentityUseCases;
  readonly audit: AuditUseCases;
  readonly conversations: ConversationUseCases;
  readonly drift: DriftUseCases;
  readonly webhooks: WebhookUseCases;
  readonly insights: InsightsUseCases;
  readonly executor: Executor;
  /** The background drift check; started and stopped with the executor. */
  readonly driftMonitor: DriftMonitor;
  /** Delivers queued webhook messages (null without a sender); started and stopped with the executor. */
  readonly webhookDispatcher: WebhookDispatcher | null;

  constructor(options: ShipgateOptions) {
    this.ctx = new AppContext(options);
    this.releases = new ReleaseUseCases(this.ctx);
    this.approvals = new ApprovalUseCases(this.ctx);
    this.environments = new EnvironmentUseCases(this.ctx);
    this.access = new AccessUseCases(this.ctx, { adminToken: options.adminToken ?? null });
    this.identity = new IdentityUseCases(this.ctx, options.identity);
    this.audit = new AuditUseCases(this.ctx, options.auditKeys);
    this.conversations = new ConversationUseCases(this.ctx);
    this.drift = new DriftUseCases(this.ctx);
    this.webhooks = new WebhookUseCases(this.ctx, options.webhooks?.sender ?? null);
    this.insights = new InsightsUseCases(this.ctx);
    this.executor = new Executor(this.ctx, { ...options.executor, approvals: this.approvals, releases: this.releases });
    this.driftMonitor = new DriftMonitor(this.drift, options.logger, options.driftIntervalMs ?? 0);
    this.webhookDispatcher = options.webhooks
      ? new WebhookDispatcher(this.ctx, options.webhooks.sender, {
          ...options.webhooks.dispatcher,
          instanceId: options.executor.instanceId,
        })
      : null;
  }

  /** Resolves when the store and every configured runtime answer. */
  async readiness(): Promise<{ store: boolean; runtimes: Record<string, boolean> }> {
    const store = await this.ctx.store.ping().then(
      () => true,
      () => false,
    );
    const runtimes: Record<string, boolean> = {};
    for (const [name, driver] of Object.entries(this.ctx.drivers)) {
      runtimes[name] = await driver.ping().then(
        () => true,
        () => false,
      );
    }
    return { store, runtimes };
  }
}
