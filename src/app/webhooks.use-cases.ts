import { ALL_ENVIRONMENTS } from '../core/access/access.js';
import type { TimelineEventType } from '../core/audit/timeline-event.js';
import { ShipgateError } from '../core/errors.js';
import {
  WEBHOOK_SECRET_PREFIX,
  WEBHOOK_TEST_EVENT,
  queuedDelivery,
  testMessage,
  type WebhookDelivery,
  type WebhookFormat,
  type WebhookSubscription,
} from '../core/webhooks/webhook.js';
import type { WebhookSender } from '../ports/webhook-sender.js';
import type { AppContext } from './app-context.js';
import { requireGlobal, type Caller } from './caller.js';

export interface CreateWebhookInput {
  url: string;
  events: TimelineEventType[];
  /** Environment names, or `["*"]`. */
  environments: string[];
  format: WebhookFormat;
}

/** A subscription as an admin may list it: everything but its secret. */
export type WebhookView = Omit<WebhookSubscription, 'secret'>;

/** A subscription just made: the only time its secret is shown. */
export interface CreatedWebhook extends WebhookView {
  secret: string;
}

/** A delivery as its subscription's page shows it: the counters, not the body. */
export type DeliveryView = Pick<
  WebhookDelivery,
  'id' | 'eventType' | 'eventSeq' | 'status' | 'attempts' | 'lastStatusCode' | 'lastError' | 'nextAttemptAt' | 'createdAt'
>;

/** The number of deliveries a subscription's page lists, newest first. */
const RECENT_DELIVERIES = 50;

function viewOf({ secret: _secret, ...view }: WebhookSubscription): WebhookView {
  return view;
}

function deliveryView({
  id,
  eventType,
  eventSeq,
  status,
  attempts,
  lastStatusCode,
  lastError,
  nextAttemptAt,
  createdAt,
}: WebhookDelivery): DeliveryView {
  return { id, eventType, eventSeq, status, attempts, lastStatusCode, lastError, nextAttemptAt, createdAt };
}

/** Webhook subscriptions (admin): make one (its secret shown once), list, delete, see its deliveries, send a test. */
export class WebhookUseCases {
  constructor(
    private readonly ctx: AppContext,
    private readonly sender: WebhookSender | null,
  ) {}

  async create(caller: Caller, input: CreateWebhookInput): Promise<CreatedWebhook> {
    requireGlobal(caller, 'admin');
    await this.checkEnvironments(input.environments);
    const sender = this.requireSender();
    const target = await sender.checkTarget(input.url);
    if (!target.ok) {
      throw new ShipgateError('VALIDATION_FAILED', `the webhook URL ${target.message}`, {
        reason: target.reason,
        errors: [{ path: '/body/url', message: target.message }],
      });
    }
    const subscription: WebhookSubscription = {
      id: this.ctx.ids.newId(),
      url: target.url.href,
      events: [...new Set(input.events)],
      environments: input.environments.includes(ALL_ENVIRONMENTS) ? [ALL_ENVIRONMENTS] : [...new Set(input.environments)],
      format: input.format,
      // Standard Webhooks: a random key of 24 to 64 bytes, base64 after the prefix.
      secret: WEBHOOK_SECRET_PREFIX + Buffer.from(this.ctx.ids.randomBytes(32)).toString('base64'),
      createdAt: this.ctx.nowIso(),
      createdBy: caller.principal.subject,
    };
    // Under the chain's head, as every appender: the subscriptions' version moves in one lock order with theirs.
    await this.ctx.write([], (tx) => tx.webhooks.insert(subscription));
    return { ...viewOf(subscription), secret: subscription.secret };
  }

  async list(caller: Caller): Promise<WebhookView[]> {
    requireGlobal(caller, 'admin');
    return (await this.ctx.store.webhooks.list()).map(viewOf);
  }

  /** Deletes a subscription; its pending deliveries are never sent. */
  async delete(caller: Caller, id: string): Promise<void> {
    requireGlobal(caller, 'admin');
    // Under the chain's head: an appender queueing a delivery to it finishes first, never deadlocking with this.
    if (!(await this.ctx.write([], (tx) => tx.webhooks.delete(id)))) throw new ShipgateError('NOT_FOUND', `webhook ${id} not found`);
  }

  /** The newest deliveries of a subscription, newest first. */
  async deliveries(caller: Caller, id: string): Promise<DeliveryView[]> {
    requireGlobal(caller, 'admin');
    await this.load(id);
    return (await this.ctx.store.webhooks.deliveries(id, RECENT_DELIVERIES)).map(deliveryView);
  }

  /** Queues a `webhook.test` message to the subscription, delivered (and retried) like any other. */
  async sendTest(caller: Caller, id: string): Promise<DeliveryView> {
    requireGlobal(caller, 'admin');
    const subscription = await this.load(id);
    const now = this.ctx.nowIso();
    const message = testMessage(subscription.format, { webhookId: subscription.id, at: now, publicUrl: this.ctx.publicUrl });
    const delivery = queuedDelivery({
      id: this.ctx.ids.newId(),
      webhookId: subscription.id,
      eventType: WEBHOOK_TEST_EVENT,
      eventSeq: null,
      message,
      at: now,
    });
    await this.ctx.store.webhooks.enqueue([delivery]);
    this.ctx.bus.notifyDeliveries();
    return deliveryView(delivery);
  }

  private async load(id: string): Promise<WebhookSubscription> {
    const subscription = await this.ctx.store.webhooks.get(id);
    if (!subscription) throw new ShipgateError('NOT_FOUND', `webhook ${id} not found`);
    return subscription;
  }

  private requireSender(): WebhookSender {
    if (!this.sender) throw new ShipgateError('RUNTIME_UNAVAILABLE', 'this server sends no webhooks');
    return this.sender;
  }

  /** `["*"]` alone, or names of environments that exist. */
  private async checkEnvironments(environments: string[]): Promise<void> {
    if (environments.includes(ALL_ENVIRONMENTS)) {
      if (environments.length === 1) return;
      throw new ShipgateError('VALIDATION_FAILED', '"*" stands for every environment and cannot be listed with names', {
        errors: [{ path: '/body/environments', message: 'must be ["*"] or environment names' }],
      });
    }
    const known = new Set((await this.ctx.store.environments.list()).map((e) => e.name));
    const unknown = environments.filter((e) => !known.has(e));
    if (unknown.length > 0) {
      throw new ShipgateError('VALIDATION_FAILED', `no environment named ${unknown.map((e) => `"${e}"`).join(', ')}`, {
        errors: unknown.map((e) => ({ path: '/body/environments', message: `no environment named "${e}"` })),
      });
    }
  }
}
