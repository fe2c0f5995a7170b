import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { WebhookReceiver } from '../support/webhook-receiver.js';
import { HttpWebhookSender, type Resolve } from '../../src/adapters/webhooks/http-webhook-sender.js';

const SECRET = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
const message = (url: string) => ({ url, id: 'msg_0190a0a0', timestamp: new Date(), body: '{"type":"webhook.test"}', secret: SECRET });

/** A resolver answering from a table, counting its calls. */
function table(entries: Record<string, string[]>): Resolve & { calls: string[] } {
  const calls: string[] = [];
  const resolve = async (host: string) => {
    calls.push(host);
    const addresses = entries[host];
    if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  return Object.assign(resolve, { calls });
}

describe('webhook targets (SSRF) and signed delivery over HTTP', () => {
  let receiver: WebhookReceiver;
  let port: string;

  beforeAll(async () => {
    receiver = await WebhookReceiver.start();
    port = new URL(receiver.url).port;
  });

  afterAll(async () => {
    await receiver?.close();
  });

  it('checks every address a host name resolves to when a subscription is made', async () => {
    const sender = new HttpWebhookSender({
      allowPrivate: false,
      resolve: table({ 'hooks.example.com': ['93.184.216.34'], 'mixed.example': ['93.184.216.34', '10.0.0.7'], 'six.example': ['::1'] }),
    });
    expect(await sender.checkTarget('https://hooks.example.com/x')).toMatchObject({ ok: true, host: 'hooks.example.com' });
    expect(await sender.checkTarget('https://mixed.example/x')).toMatchObject({ ok: false, reason: 'WEBHOOK_URL_PRIVATE' });
    expect(await sender.checkTarget('https://six.example/x')).toMatchObject({
      ok: false,
      reason: 'WEBHOOK_URL_PRIVATE',
      message: 'points to a loopback address: six.example (::1)',
    });
    expect(await sender.checkTarget('https://nowhere.example/x')).toMatchObject({ ok: false, reason: 'WEBHOOK_URL_UNRESOLVABLE' });
    expect(await sender.checkTarget('http://[::ffff:127.0.0.1]:8080/')).toMatchObject({ ok: false, reason: 'WEBHOOK_URL_PRIVATE' });
    const open = new HttpWebhookSender({ allowPrivate: true, resolve: table({}) });
    expect(await open.checkTarget('http://127.0.0.1:9/')).toMatchObject({ ok: true });
    expect(await open.checkTarget('http://user@127.0.0.1:9/')).toMatchObject({ ok: false, reason: 'WEBHOOK_URL_CREDENTIALS' });
  });

  it('resolves again when delivering and connects to nothing when the name now points to a private address', async () => {
    const resolve = table({ 'rebound.example': ['127.0.0.1'] });
    const sender = new HttpWebhookSender({ allowPrivate: false, resolve });
    const before = receiver.requests.length;
    const result = await sender.send(message(`http://rebound.example:${port}/hook`), { timeoutMs: 2_000 });
    expect(result).toEqual({ ok: false, status: null, error: 'points to a loopback address: rebound.example (127.0.0.1)' });
    expect(resolve.calls).toContain('rebound.example');
    const literal = await sender.send(message(`http://127.0.0.1:${port}/hook`), { timeoutMs: 2_000 });
    expect(literal).toMatchObject({ ok: false, status: null, error: 'the URL points to a loopback address: 127.0.0.1' });
    expect(receiver.requests.length).toBe(before);
  });

  it('signs each message per Standard Webhooks, does not follow redirects, and gives up after the time limit', async () => {
    receiver.answer = (r) => (r.path === '/moved' ? 302 : r.path === '/slow' ? 'hang' : 202);
    const sender = new HttpWebhookSender({ allowPrivate: true });
    expect(await sender.send(message(`${receiver.url}/ok`), { timeoutMs: 2_000 })).toEqual({ ok: true, status: 202 });
    const [got] = receiver.at('/ok');
    expect(got!.headers['webhook-id']).toBe('msg_0190a0a0');
    expect(got!.headers['content-type']).toBe('application/json');
    expect(got!.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(new Webhook(SECRET).verify(got!.body, got!.headers as Record<string, string>)).toEqual({ type: 'webhook.test' });
    expect(await sender.send(message(`${receiver.url}/moved`), { timeoutMs: 2_000 })).toEqual({
      ok: false,
      status: 302,
      error: 'the receiver answered HTTP 302',
    });
    const started = Date.now();
    expect(await sender.send(message(`${receiver.url}/slow`), { timeoutMs: 300 })).toEqual({
      ok: false,
      status: null,
      error: 'no answer within 300 ms',
    });
    expect(Date.now() - started).toBeLessThan(2_000);
    const stopped = new AbortController();
    setTimeout(() => stopped.abort(), 50);
    expect(await sender.send(message(`${receiver.url}/slow`), { timeoutMs: 5_000, signal: stopped.signal })).toMatchObject({
      ok: false,
      error: 'the attempt was stopped',
    });
  });
});
