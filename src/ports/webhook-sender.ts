import type { ParsedTarget, TargetRefused } from '../core/webhooks/webhook-target.js';

/** One signed POST of a message. */
export interface WebhookMessage {
  url: string;
  /** The `webhook-id` header: the delivery's id, the same on every attempt. */
  id: string;
  /** When the message is signed (the `webhook-timestamp` header). */
  timestamp: Date;
  /** The JSON body, sent as is. */
  body: string;
  /** The subscription's `whsec_…` secret the message is signed with. */
  secret: string;
}

/** How an attempt went: a 2xx answer, or the status (null when none came) and why it failed, without secrets. */
export type SendResult = { ok: true; status: number } | { ok: false; status: number | null; error: string };

/** Sends webhook messages, and judges where they may be sent. */
export interface WebhookSender {
  /**
   * Checks a URL at creation: its rules (`parseWebhookUrl`), and — unless private addresses are allowed — every
   * address its host resolves to.
   */
  checkTarget(url: string): Promise<ParsedTarget | TargetRefused>;
  /**
   * POSTs a signed message and waits at most `timeoutMs`. The host is resolved again and the connection made to an
   * address that passed the check (a name that now resolves to a private address is refused, not followed).
   */
  send(message: WebhookMessage, options: { timeoutMs: number; signal?: AbortSignal }): Promise<SendResult>;
}
