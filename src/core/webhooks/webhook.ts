import { ALL_ENVIRONMENTS } from '../access/access.js';
import type { TimelineEvent, TimelineEventType } from '../audit/timeline-event.js';
import type { Release } from '../release/release.js';

/** How a subscription's messages are shaped: Standard Webhooks JSON, or a Slack incoming-webhook message. */
export const WEBHOOK_FORMATS = ['standard', 'slack'] as const;
export type WebhookFormat = (typeof WEBHOOK_FORMATS)[number];

/** Where a delivery stands: still to be (re)tried, answered with a 2xx, or given up after the retry horizon. */
export const DELIVERY_STATUSES = ['pending', 'delivered', 'failed'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** The type of the message the "send test event" button sends; it is no timeline event and matches no filter. */
export const WEBHOOK_TEST_EVENT = 'webhook.test';
export type DeliveryEventType = TimelineEventType | typeof WEBHOOK_TEST_EVENT;

/** The prefix of a webhook secret (Standard Webhooks: `whsec_` then the base64 key). */
export const WEBHOOK_SECRET_PREFIX = 'whsec_';

/** A subscription: which events of which environments go to which URL, in which format, signed with `secret`. */
export interface WebhookSubscription {
  id: string;
  url: string;
  events: TimelineEventType[];
  /** Environment names, or `["*"]` for every environment. */
  environments: string[];
  format: WebhookFormat;
  /** Signs every message; shown once, when the subscription is made. */
  secret: string;
  createdAt: string;
  createdBy: string;
}

/** One message to one subscription: its body is fixed when it is queued, so every attempt sends the same bytes. */
export interface WebhookDelivery {
  /** Also the `webhook-id` header: stable across retries, so a receiver can drop duplicates. */
  id: string;
  webhookId: string;
  eventType: DeliveryEventType;
  /** The timeline event it tells of; null for a test message. */
  eventSeq: number | null;
  /** The message body (JSON text). */
  payload: string;
  status: DeliveryStatus;
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
  /** When the next attempt is due; null once delivered or failed. */
  nextAttemptAt: string | null;
  createdAt: string;
}

/** A delivery just queued: due at once, not yet attempted. */
export function queuedDelivery(
  input: Pick<WebhookDelivery, 'id' | 'webhookId' | 'eventType' | 'eventSeq'> & { message: Record<string, unknown>; at: string },
): WebhookDelivery {
  return {
    id: input.id,
    webhookId: input.webhookId,
    eventType: input.eventType,
    eventSeq: input.eventSeq,
    payload: JSON.stringify(input.message),
    status: 'pending',
    attempts: 0,
    lastStatusCode: null,
    lastError: null,
    nextAttemptAt: input.at,
    createdAt: input.at,
  };
}

/**
 * True when a subscription asks for this event: its type is listed and its environment is one of the subscription's
 * (or the subscription's are `["*"]`).
 */
export function subscriptionMatches(
  subscription: Pick<WebhookSubscription, 'events' | 'environments'>,
  event: Pick<TimelineEvent, 'type' | 'release'>,
): boolean {
  if (!subscription.events.includes(event.type)) return false;
  return subscription.environments.includes(ALL_ENVIRONMENTS) || subscription.environments.includes(event.release.environment);
}

/** Links a message carries into the web UI. */
export interface WebhookLinks {
  release: string;
  /** The approval queue, while the release waits for a decision. */
  approval?: string;
}

/** The web UI pages of a release, under the server's public URL. */
export function linksOf(publicUrl: string, release: Pick<Release, 'id' | 'approval'>): WebhookLinks {
  const base = publicUrl.replace(/\/+$/, '');
  const links: WebhookLinks = { release: `${base}/releases/${release.id}` };
  if (release.approval.status === 'pending') links.approval = `${base}/approvals`;
  return links;
}

/**
 * The message telling of a timeline event, in a subscription's format. The event and the release are the API's own
 * views, secrets already masked. Standard: `{ type, timestamp, data: { event, release, links } }`.
 * @example eventMessage('standard', { event, release, links: linksOf(publicUrl, release) })
 */
export function eventMessage(
  format: WebhookFormat,
  input: { event: TimelineEvent; release: Release; links: WebhookLinks },
): Record<string, unknown> {
  const { event, release, links } = input;
  if (format === 'standard') return { type: event.type, timestamp: event.at, data: { event, release, links } };
  const who = event.actor.type === 'user' ? event.actor.id : `${event.actor.id} (${event.actor.type})`;
  const headline = `${release.application} → ${release.environment}: ${sentenceOf(event.type)}`;
  const detail = typeof event.data['message'] === 'string' ? event.data['message'] : null;
  return slackMessage({
    text: `${headline} (by ${who}) ${links.release}`,
    headline,
    link: links.release,
    lines: [
      `*State:* ${release.state.replaceAll('_', ' ')} · *by* ${escapeSlack(who)}`,
      ...[release.description, detail].filter((line): line is string => Boolean(line)).map(escapeSlack),
    ],
    context: `${event.type} · ${event.at}`,
    ...(links.approval ? { approvalLink: links.approval } : {}),
  });
}

/** The message the "send test event" button sends. */
export function testMessage(format: WebhookFormat, input: { webhookId: string; at: string; publicUrl: string }): Record<string, unknown> {
  const home = input.publicUrl.replace(/\/+$/, '');
  const text = 'Shipgate test event: this subscription is reachable and its messages are signed.';
  if (format === 'standard') {
    return { type: WEBHOOK_TEST_EVENT, timestamp: input.at, data: { webhookId: input.webhookId, message: text, links: { home } } };
  }
  return slackMessage({
    text: `${text} ${home}`,
    headline: 'Shipgate test event',
    link: home,
    lines: [text],
    context: `${WEBHOOK_TEST_EVENT} · ${input.at}`,
  });
}

/** An event type in words: `execution.failed` → "execution failed". */
function sentenceOf(type: TimelineEventType): string {
  return type.replace('.', ' ').replaceAll('_', ' ');
}

/** Slack's mrkdwn reserves `&`, `<` and `>`. */
function escapeSlack(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

/** A Slack incoming-webhook message: the plain `text` (notifications) and blocks with the deep link as a button. */
function slackMessage(m: {
  text: string;
  headline: string;
  link: string;
  lines: string[];
  context: string;
  approvalLink?: string;
}): Record<string, unknown> {
  const buttons = [{ type: 'button', text: { type: 'plain_text', text: 'Open in Shipgate' }, url: m.link }];
  if (m.approvalLink) buttons.push({ type: 'button', text: { type: 'plain_text', text: 'Open approvals' }, url: m.approvalLink });
  return {
    text: m.text,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: [`*<${m.link}|${escapeSlack(m.headline)}>*`, ...m.lines].join('\n') } },
      { type: 'actions', elements: buttons },
      { type: 'context', elements: [{ type: 'mrkdwn', text: escapeSlack(m.context) }] },
    ],
  };
}

/** How failed deliveries are retried: exponential backoff from `firstDelayMs`, capped, until `horizonMs` after queuing. */
export interface RetryPolicy {
  firstDelayMs: number;
  maxDelayMs: number;
  horizonMs: number;
}

/** 5 s, 10 s, 20 s, … up to an hour between attempts, for 24 hours. */
export const DEFAULT_RETRY: RetryPolicy = { firstDelayMs: 5_000, maxDelayMs: 3_600_000, horizonMs: 86_400_000 };

/**
 * When to try again after the `attempts`-th attempt failed, or null when that is past the horizon (the delivery has
 * failed). `jitter` in [0, 1) spreads the delay by ±20 % so that receivers coming back are not hit all at once.
 * @example nextAttemptAt(DEFAULT_RETRY, 1, created, now, 0.5) // now + 5 s
 */
export function nextAttemptAt(policy: RetryPolicy, attempts: number, createdAt: Date, now: Date, jitter: number): Date | null {
  const base = Math.min(policy.maxDelayMs, policy.firstDelayMs * 2 ** Math.max(0, attempts - 1));
  const next = new Date(now.getTime() + Math.round(base * (0.8 + 0.4 * jitter)));
  return next.getTime() > createdAt.getTime() + policy.horizonMs ? null : next;
}
