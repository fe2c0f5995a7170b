import { lookup as systemLookup, type LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { Webhook } from 'standardwebhooks';
import {
  parseWebhookUrl,
  privateAddressRefusal,
  refused,
  type ParsedTarget,
  type TargetRefused,
} from '../../core/webhooks/webhook-target.js';
import type { SendResult, WebhookMessage, WebhookSender } from '../../ports/webhook-sender.js';

/** Every address a host name resolves to. */
export type Resolve = (host: string) => Promise<LookupAddress[]>;

export interface HttpWebhookSenderOptions {
  /** `SHIPGATE_WEBHOOK_ALLOW_PRIVATE`: loopback and private addresses may be sent to (a receiver inside the network). */
  allowPrivate: boolean;
  /** The resolver (default: the system's, as every connection uses). */
  resolve?: Resolve;
}

const resolveWithSystem: Resolve = (host) =>
  new Promise((resolve, reject) =>
    systemLookup(host, { all: true, verbatim: true }, (error, addresses) => (error ? reject(error) : resolve(addresses))),
  );

/** Why no connection was made to a host that resolves to a refused address. */
class RefusedAddressError extends Error {}

/**
 * Sends Standard Webhooks messages over HTTP(S): signed with the `standardwebhooks` package (`webhook-id`,
 * `webhook-timestamp`, `webhook-signature`), one POST per attempt with a time limit, redirects not followed. Unless
 * private addresses are allowed, the connection is made only to an address that passed the check: the host is
 * resolved when connecting and refused if any of its addresses is private (a name rebound to 127.0.0.1 between the
 * check and the delivery reaches nothing).
 * @example const sender = new HttpWebhookSender({ allowPrivate: false })
 */
export class HttpWebhookSender implements WebhookSender {
  private readonly allowPrivate: boolean;
  private readonly resolve: Resolve;
  private readonly lookup: LookupFunction;

  constructor(options: HttpWebhookSenderOptions) {
    this.allowPrivate = options.allowPrivate;
    this.resolve = options.resolve ?? resolveWithSystem;
    this.lookup = (host, lookupOptions, callback) => {
      this.publicAddresses(host).then(
        (addresses) => {
          const family = lookupOptions.family === 4 || lookupOptions.family === 6 ? lookupOptions.family : 0;
          const usable = family === 0 ? addresses : addresses.filter((a) => a.family === family);
          if (usable.length === 0) return callback(new Error(`${host} has no IPv${family} address`), '', 0);
          if (lookupOptions.all) return (callback as (e: null, a: LookupAddress[]) => void)(null, usable);
          return callback(null, usable[0]!.address, usable[0]!.family);
        },
        (error: Error) => callback(error, '', 0),
      );
    };
  }

  async checkTarget(url: string): Promise<ParsedTarget | TargetRefused> {
    const target = parseWebhookUrl(url);
    if (!target.ok || this.allowPrivate) return target;
    if (target.literal) return privateAddressRefusal(target.host, target.host) ?? target;
    try {
      await this.publicAddresses(target.host);
    } catch (error) {
      if (error instanceof RefusedAddressError) return refused('WEBHOOK_URL_PRIVATE', error.message);
      return refused('WEBHOOK_URL_UNRESOLVABLE', `names a host that does not resolve (${target.host})`);
    }
    return target;
  }

  async send(message: WebhookMessage, options: { timeoutMs: number; signal?: AbortSignal }): Promise<SendResult> {
    const target = parseWebhookUrl(message.url);
    if (!target.ok) return { ok: false, status: null, error: `the URL ${target.message}` };
    if (target.literal && !this.allowPrivate) {
      const refusal = privateAddressRefusal(target.host, target.host);
      if (refusal) return { ok: false, status: null, error: `the URL ${refusal.message}` };
    }
    const body = Buffer.from(message.body, 'utf8');
    const headers = {
      'content-type': 'application/json',
      'content-length': String(body.length),
      'user-agent': 'Shipgate-Webhooks/1',
      'webhook-id': message.id,
      'webhook-timestamp': String(Math.floor(message.timestamp.getTime() / 1000)),
      'webhook-signature': new Webhook(message.secret).sign(message.id, message.timestamp, message.body),
    };
    const client = target.url.protocol === 'https:' ? https : http;
    return new Promise<SendResult>((resolve) => {
      let settled = false;
      const finish = (result: SendResult) => {
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
        if (settled) return;
        settled = true;
        resolve(result);
      };
      const request = client.request(
        target.url,
        { method: 'POST', headers, agent: false, ...(this.allowPrivate ? {} : { lookup: this.lookup }) },
        (response) => {
          const status = response.statusCode ?? 0;
          // The answer's body is not wanted: read and dropped, and the connection closed with it.
          response.resume();
          response.on('end', () => request.destroy());
          finish(
            status >= 200 && status < 300 ? { ok: true, status } : { ok: false, status, error: `the receiver answered HTTP ${status}` },
          );
        },
      );
      const timer = setTimeout(() => request.destroy(new Error(`no answer within ${options.timeoutMs} ms`)), options.timeoutMs);
      const onAbort = () => request.destroy(new Error('the attempt was stopped'));
      options.signal?.addEventListener('abort', onAbort, { once: true });
      request.on('error', (error) => finish({ ok: false, status: null, error: error.message }));
      request.end(body);
    });
  }

  /** Every address of `host`, or an error when it resolves to none, or to any private one (unless allowed). */
  private async publicAddresses(host: string): Promise<LookupAddress[]> {
    const addresses = await this.resolve(host);
    if (addresses.length === 0) throw new Error(`${host} resolves to no address`);
    if (!this.allowPrivate) {
      for (const a of addresses) {
        const refusal = privateAddressRefusal(host, a.address);
        if (refusal) throw new RefusedAddressError(refusal.message);
      }
    }
    return addresses;
  }
}
