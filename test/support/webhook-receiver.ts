import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

/** One request the receiver got. */
export interface ReceivedRequest {
  /** The `webhook-id` header. */
  id: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** The request path (one receiver serves several subscriptions by path). */
  path: string;
  at: number;
}

/** What the receiver answers a request: an HTTP status, or `hang` (never answers). */
export type Answer = number | 'hang';

/**
 * A webhook receiver on this machine: keeps every request and answers as `answer` says (204 by default).
 * @example const receiver = await WebhookReceiver.start(); receiver.answer = () => 500
 */
export class WebhookReceiver {
  readonly requests: ReceivedRequest[] = [];
  /** How to answer the n-th (0-based) request for a delivery id. */
  answer: (request: ReceivedRequest, attempt: number) => Answer = () => 204;
  private readonly hanging = new Set<ServerResponse>();

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(): Promise<WebhookReceiver> {
    let receiver: WebhookReceiver | null = null;
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => receiver!.handle(req.url ?? '/', req.headers, Buffer.concat(chunks).toString('utf8'), res));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    receiver = new WebhookReceiver(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    return receiver;
  }

  /** The requests for one path. */
  at(path: string): ReceivedRequest[] {
    return this.requests.filter((r) => r.path === path);
  }

  /** Checks a request's signature with the library's `verify` and returns its parsed body (throws when it fails). */
  static verify(request: ReceivedRequest, secret: string): any {
    return new Webhook(secret).verify(request.body, request.headers as Record<string, string>);
  }

  async close(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private handle(path: string, headers: IncomingHttpHeaders, body: string, res: ServerResponse): void {
    const request: ReceivedRequest = { id: String(headers['webhook-id'] ?? ''), headers, body, path, at: Date.now() };
    const attempt = this.requests.filter((r) => r.id === request.id).length;
    this.requests.push(request);
    const answer = this.answer(request, attempt);
    if (answer === 'hang') {
      this.hanging.add(res);
      res.on('close', () => this.hanging.delete(res));
      return;
    }
    res.writeHead(answer).end();
  }
}
