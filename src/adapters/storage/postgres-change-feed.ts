import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Change, ChangeFeed } from '../../ports/change-feed.js';

const RECONNECT_MS = 1_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A change as a NOTIFY payload (`r:<release id>`, `w`, `d`, `t`), and back; anything else is ignored. */
export function encodeChange(change: Change): string | null {
  switch (change.kind) {
    case 'release':
      return UUID.test(change.releaseId) ? `r:${change.releaseId}` : null;
    case 'work':
      return 'w';
    case 'deliveries':
      return 'd';
    case 'tokens':
      return 't';
    case 'resync':
      return null;
  }
}

export function decodeChange(payload: string): Change | null {
  if (payload === 'w') return { kind: 'work' };
  if (payload === 'd') return { kind: 'deliveries' };
  if (payload === 't') return { kind: 'tokens' };
  const id = payload.startsWith('r:') ? payload.slice(2) : '';
  return UUID.test(id) ? { kind: 'release', releaseId: id } : null;
}

/** Changes published in one turn of the event loop go out as one notification, `,`-separated (none has a comma). */
const SEPARATOR = ',';
/** Below PostgreSQL's 8,000-byte NOTIFY payload limit, with room for the origin. */
const MAX_PAYLOAD = 7_000;

/** The changes of one notification's body; those that do not decode are dropped. */
export function decodeChanges(body: string): Change[] {
  return body
    .split(SEPARATOR)
    .map(decodeChange)
    .filter((change): change is Change => change !== null);
}

/** Payloads joined into as few bodies as fit under {@link MAX_PAYLOAD}. */
export function batchPayloads(payloads: Iterable<string>): string[] {
  const bodies: string[] = [];
  let body = '';
  for (const payload of payloads) {
    if (body && body.length + SEPARATOR.length + payload.length > MAX_PAYLOAD) {
      bodies.push(body);
      body = '';
    }
    body = body ? `${body}${SEPARATOR}${payload}` : payload;
  }
  if (body) bodies.push(body);
  return bodies;
}

/**
 * LISTEN/NOTIFY on one channel per schema: one dedicated connection listens (reconnecting after a loss, then telling
 * its listeners to `resync`); publishing goes through a small pool. Each notification names the process that sent it,
 * which skips its own.
 */
export class PostgresChangeFeed implements ChangeFeed {
  private readonly listeners = new Set<(change: Change) => void>();
  private listener: pg.Client | null = null;
  private closed = false;
  private reconnect: NodeJS.Timeout | null = null;
  /** Names this process's notifications, so that it skips its own. */
  private readonly origin = randomBytes(6).toString('hex');
  /** What was published in this turn of the event loop, sent together at its end (each once). */
  private pending = new Set<string>();

  private constructor(
    private readonly url: string,
    private readonly channel: string,
    private readonly pool: pg.Pool,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** Connects the listening connection; `schema` (as the store's) keeps test databases sharing a server apart. */
  static async connect(options: { url: string; schema?: string; onError: (error: unknown) => void }): Promise<PostgresChangeFeed> {
    const schema = options.schema ?? 'public';
    if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`invalid schema name "${schema}"`);
    const pool = new pg.Pool({ connectionString: options.url, max: 2 });
    const feed = new PostgresChangeFeed(options.url, `shipgate_changes_${schema}`, pool, options.onError);
    await feed.listen();
    return feed;
  }

  private async listen(): Promise<void> {
    const client = new pg.Client({ connectionString: this.url });
    client.on('notification', (message) => {
      if (message.channel !== this.channel || !message.payload) return;
      // This process's own changes reached its listeners when they were made.
      const [origin, body = ''] = message.payload.split('|', 2);
      if (origin === this.origin) return;
      for (const change of decodeChanges(body)) this.emit(change);
    });
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client, null));
    await client.connect();
    await client.query(`listen ${this.channel}`);
    this.listener = client;
  }

  private lost(client: pg.Client, error: unknown): void {
    if (this.listener !== client || this.closed) return;
    this.listener = null;
    if (error) this.onError(error);
    client.end().catch(() => undefined);
    const retry = () => {
      this.reconnect = null;
      if (this.closed) return;
      this.listen().then(
        // What was published while no one listened is lost: every reader looks again.
        () => this.emit({ kind: 'resync' }),
        (failure: unknown) => {
          this.onError(failure);
          this.reconnect = setTimeout(retry, RECONNECT_MS);
          this.reconnect.unref();
        },
      );
    };
    this.reconnect = setTimeout(retry, RECONNECT_MS);
    this.reconnect.unref();
  }

  private emit(change: Change): void {
    for (const listener of this.listeners) listener(change);
  }

  publish(change: Change): void {
    const payload = encodeChange(change);
    if (payload === null || this.closed) return;
    // Busy writers publish many changes at once (a release, then work for the executors): one round trip for all.
    if (this.pending.size === 0) setImmediate(() => this.flush());
    this.pending.add(payload);
  }

  private flush(): void {
    const payloads = this.pending;
    this.pending = new Set();
    if (this.closed) return;
    for (const body of batchPayloads(payloads)) {
      this.pool.query('select pg_notify($1, $2)', [this.channel, `${this.origin}|${body}`]).catch((error: unknown) => this.onError(error));
    }
  }

  subscribe(listener: (change: Change) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    // What this turn published still goes out: a replica stopping right after a write tells the others of it.
    this.flush();
    this.closed = true;
    if (this.reconnect) clearTimeout(this.reconnect);
    const client = this.listener;
    this.listener = null;
    await client?.end().catch(() => undefined);
    await this.pool.end();
  }
}
