import { DEFAULT_RETRY, nextAttemptAt, type RetryPolicy, type WebhookDelivery } from '../core/webhooks/webhook.js';
import type { DeliveryAttempt } from '../ports/store.js';
import type { WebhookSender } from '../ports/webhook-sender.js';
import type { AppContext } from './app-context.js';
import { PollingLoop } from './polling-loop.js';

export interface WebhookDispatcherOptions {
  /** This process's name in delivery leases. */
  instanceId: string;
  /** How often to look for due deliveries (others' included); queuing one here wakes it at once. Default 1 s. */
  pollMs?: number;
  /** How long one attempt may take, connection to last byte (default 10 s). */
  timeoutMs?: number;
  /** How many deliveries this process attempts at once (default 8). */
  concurrency?: number;
  /** The backoff and horizon of retries (default {@link DEFAULT_RETRY}: for 24 hours). */
  retry?: RetryPolicy;
}

/** How much longer than an attempt's time limit its lease lasts, so that it never runs out under a live attempt. */
const LEASE_MARGIN_MS = 30_000;
/** The longest error kept on a delivery. */
const MAX_ERROR_LENGTH = 500;

/**
 * Delivers queued webhook messages: claims due deliveries under a lease (several processes on one PostgreSQL make
 * each attempt once), POSTs each signed message, and records `delivered` on a 2xx, else the next attempt with
 * exponential backoff, and `failed` past the retry horizon. Everything it knows is in the table, so a restart — or
 * another process, once a dead one's lease runs out — carries on where it stopped.
 */
export class WebhookDispatcher {
  private readonly timeoutMs: number;
  private readonly concurrency: number;
  private readonly retry: RetryPolicy;
  private readonly running = new Map<string, { controller: AbortController; done: Promise<void> }>();
  private readonly loop: PollingLoop;
  private unsubscribe: (() => void) | null = null;

  constructor(
    private readonly ctx: AppContext,
    private readonly sender: WebhookSender,
    private readonly options: WebhookDispatcherOptions,
  ) {
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.concurrency = options.concurrency ?? 8;
    this.retry = options.retry ?? DEFAULT_RETRY;
    this.loop = new PollingLoop(
      () => this.tick(),
      // With a change feed, deliveries other processes queue wake this one: the poll finds retries that fell due.
      options.pollMs ?? (ctx.bus.shared ? 5_000 : 1_000),
      (error) => this.ctx.logger.error({ err: error }, 'webhook dispatch failed'),
    );
  }

  /** Starts delivering: what is due now, then whatever becomes due. */
  start(): void {
    if (this.loop.start()) this.unsubscribe = this.ctx.bus.onDeliveries(() => this.loop.wake());
  }

  /** Stops claiming, and ends the attempts under way without recording them: their deliveries are due again. */
  async stop(): Promise<void> {
    this.unsubscribe?.();
    await this.loop.stop();
    for (const run of this.running.values()) run.controller.abort();
    await Promise.all([...this.running.values()].map((r) => r.done));
  }

  private async tick(): Promise<void> {
    const free = this.concurrency - this.running.size;
    if (free <= 0) return;
    const now = this.ctx.clock.now();
    const leaseUntil = new Date(now.getTime() + this.timeoutMs + LEASE_MARGIN_MS).toISOString();
    const claimed = await this.ctx.store.webhooks.claimDue(now.toISOString(), this.options.instanceId, leaseUntil, free);
    for (const delivery of claimed) {
      const controller = new AbortController();
      const done = this.attempt(delivery, controller)
        .catch((error: unknown) => this.ctx.logger.error({ err: error, deliveryId: delivery.id }, 'webhook attempt failed unexpectedly'))
        .finally(() => {
          this.running.delete(delivery.id);
          // A slot is free: the next due delivery need not wait for the poll.
          this.loop.wake();
        });
      this.running.set(delivery.id, { controller, done });
    }
  }

  private async attempt(delivery: WebhookDelivery, controller: AbortController): Promise<void> {
    const owner = this.options.instanceId;
    const subscription = await this.ctx.store.webhooks.get(delivery.webhookId);
    // Deleted meanwhile: its deliveries went with it.
    if (!subscription) return;
    const message = {
      url: subscription.url,
      id: delivery.id,
      timestamp: this.ctx.clock.now(),
      body: delivery.payload,
      secret: subscription.secret,
    };
    const result = await this.sender.send(message, { timeoutMs: this.timeoutMs, signal: controller.signal });
    if (controller.signal.aborted) {
      await this.ctx.store.webhooks.releaseClaim(delivery.id, owner);
      return;
    }
    const attempts = delivery.attempts + 1;
    let attempt: DeliveryAttempt;
    if (result.ok) {
      attempt = { status: 'delivered', attempts, lastStatusCode: result.status, lastError: null, nextAttemptAt: null };
    } else {
      const now = this.ctx.clock.now();
      const next = nextAttemptAt(this.retry, attempts, new Date(delivery.createdAt), now, this.jitter());
      attempt = {
        status: next ? 'pending' : 'failed',
        attempts,
        lastStatusCode: result.status,
        lastError: result.error.slice(0, MAX_ERROR_LENGTH),
        nextAttemptAt: next?.toISOString() ?? null,
      };
    }
    const recorded = await this.ctx.store.webhooks.recordAttempt(delivery.id, owner, attempt);
    const facts = {
      deliveryId: delivery.id,
      webhookId: delivery.webhookId,
      eventType: delivery.eventType,
      attempts,
      statusCode: attempt.lastStatusCode,
    };
    if (recorded) this.ctx.metrics.webhookAttempted({ outcome: attempt.status === 'pending' ? 'retrying' : attempt.status });
    if (!recorded) this.ctx.logger.warn(facts, 'webhook delivery lease lost before its attempt was recorded');
    else if (attempt.status === 'failed') this.ctx.logger.warn({ ...facts, error: attempt.lastError }, 'webhook delivery failed for good');
    else if (attempt.status === 'pending')
      this.ctx.logger.info({ ...facts, error: attempt.lastError, nextAttemptAt: attempt.nextAttemptAt }, 'webhook attempt failed');
  }

  /** A fraction in [0, 1) from the random source. */
  private jitter(): number {
    const [a = 0, b = 0] = this.ctx.ids.randomBytes(2);
    return ((a << 8) | b) / 65_536;
  }
}
