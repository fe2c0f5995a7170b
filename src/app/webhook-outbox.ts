import type { NewTimelineEvent, TimelineEvent } from '../core/audit/timeline-event.js';
import type { Release } from '../core/release/release.js';
import { redactDeep } from '../core/secrets/secret-masking.js';
import {
  eventMessage,
  linksOf,
  queuedDelivery,
  subscriptionMatches,
  type WebhookDelivery,
  type WebhookSubscription,
} from '../core/webhooks/webhook.js';
import type { Clock } from '../ports/clock.js';
import type { Ids } from '../ports/ids.js';
import type { LockedHead, Store, StoreSession, TimelineRepository } from '../ports/store.js';
import { storedReleaseView } from './release-view.js';
import type { SecretCache } from './secret-cache.js';

export interface WebhookOutboxOptions {
  ids: Ids;
  clock: Clock;
  secrets: SecretCache;
  /** Where the web UI is reached: the links of every message start with it. */
  publicUrl: string;
}

/**
 * Queues, for each appended timeline event, a delivery to every webhook subscription that asks for it. The message is
 * made now, from the event and the release as the API shows it (secrets masked), so every attempt sends the same body.
 */
export class WebhookOutbox {
  /** The subscriptions as of a webhooks version of the chain's head (read again only once that moved). */
  private known: { version: number; subscriptions: WebhookSubscription[] } | null = null;

  constructor(private readonly options: WebhookOutboxOptions) {}

  /**
   * Queues the deliveries of `events` through `tx` and returns how many it queued. `head` is what `tx` learnt as it
   * took the chain's head: the subscriptions are those of its webhooks version, read again only when it moved.
   */
  async queue(tx: StoreSession, events: readonly TimelineEvent[], head: LockedHead): Promise<number> {
    const subscriptions = await this.subscriptions(tx, head.webhooksVersion);
    if (subscriptions.length === 0) return 0;
    const now = this.options.clock.now().toISOString();
    const releases = new Map<string, { view: Release; secrets: readonly string[] } | null>();
    const deliveries: WebhookDelivery[] = [];
    for (const event of events) {
      const matching = subscriptions.filter((s) => subscriptionMatches(s, event));
      if (matching.length === 0) continue;
      if (!releases.has(event.releaseId)) releases.set(event.releaseId, await this.releaseOf(tx, event.releaseId));
      const release = releases.get(event.releaseId);
      if (!release) continue;
      const links = linksOf(this.options.publicUrl, release.view);
      for (const subscription of matching) {
        const message = redactDeep(eventMessage(subscription.format, { event, release: release.view, links }), release.secrets);
        deliveries.push(
          queuedDelivery({
            id: this.options.ids.newId(),
            webhookId: subscription.id,
            eventType: event.type,
            eventSeq: event.seq,
            message,
            at: now,
          }),
        );
      }
    }
    await tx.webhooks.enqueue(deliveries);
    return deliveries.length;
  }

  private async subscriptions(tx: StoreSession, version: number): Promise<WebhookSubscription[]> {
    if (this.known?.version === version) return this.known.subscriptions;
    const subscriptions = await tx.webhooks.list();
    this.known = { version, subscriptions };
    return subscriptions;
  }

  private async releaseOf(tx: StoreSession, id: string): Promise<{ view: Release; secrets: readonly string[] } | null> {
    const record = await tx.releases.get(id);
    if (!record) return null;
    const secrets = this.options.secrets.of(record);
    return { view: await storedReleaseView(tx, record, this.options.clock.now(), secrets), secrets };
  }
}

/**
 * The store the use cases write through. Every timeline append — in a transaction, or on its own in one made for it —
 * queues its webhook deliveries in that same transaction: an event that commits has its deliveries, one that rolls
 * back has none. `onQueued` runs after a commit that queued any.
 */
export class OutboxStore implements Store {
  readonly environments;
  readonly releases;
  readonly previews;
  readonly approvals;
  readonly timeline: TimelineRepository;
  readonly tokens;
  readonly diagnostics;
  readonly conversations;
  readonly drift;
  readonly webhooks;
  readonly roleMappings;
  readonly sessions;
  readonly signIns;

  constructor(
    private readonly inner: Store,
    private readonly outbox: WebhookOutbox,
    private readonly onQueued: () => void,
  ) {
    this.environments = inner.environments;
    this.releases = inner.releases;
    this.previews = inner.previews;
    this.approvals = inner.approvals;
    this.tokens = inner.tokens;
    this.diagnostics = inner.diagnostics;
    this.conversations = inner.conversations;
    this.drift = inner.drift;
    this.webhooks = inner.webhooks;
    this.roleMappings = inner.roleMappings;
    this.sessions = inner.sessions;
    this.signIns = inner.signIns;
    this.timeline = { ...bound(inner.timeline), append: (events) => this.transaction((tx) => tx.timeline.append(events)) };
  }

  async transaction<T>(work: (tx: StoreSession) => Promise<T>): Promise<T> {
    let queued = 0;
    const result = await this.inner.transaction((tx) => {
      const append = async (events: NewTimelineEvent[]): Promise<TimelineEvent[]> => {
        // Taken first (where the transaction has not already): the head it locks tells which subscriptions hold.
        const head = await tx.timeline.lockHead();
        const chained = await tx.timeline.append(events);
        queued += await this.outbox.queue(tx, chained, head);
        return chained;
      };
      return work({ ...tx, timeline: { ...bound(tx.timeline), append } });
    });
    if (queued > 0) this.onQueued();
    return result;
  }

  ping(): Promise<void> {
    return this.inner.ping();
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

/** A timeline's methods bound to it, so that they survive being copied into another object. */
function bound(timeline: TimelineRepository): TimelineRepository {
  return {
    append: (events) => timeline.append(events),
    lockHead: () => timeline.lockHead(),
    listByRelease: (releaseId, afterSeq, limit) => timeline.listByRelease(releaseId, afterSeq, limit),
    scan: (afterSeq, limit) => timeline.scan(afterSeq, limit),
    headSeq: () => timeline.headSeq(),
    head: () => timeline.head(),
  };
}
