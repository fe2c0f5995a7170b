import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Shipgate } from '../../app/shipgate.js';
import { isShipgateError, ShipgateError } from '../../core/errors.js';
import { TERMINAL_STATES } from '../../core/release/release.js';

const KEEPALIVE_MS = 15_000;

/** The headers of a Server-Sent Events response: never cached or transformed, never buffered by a proxy. */
export const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-transform',
  connection: 'keep-alive',
  'x-accel-buffering': 'no',
} as const;
/** Events per read; a full batch means more may be waiting. */
const BATCH_SIZE = 500;
/** How long a client refused for the stream caps should wait. */
const CAP_RETRY_AFTER_SECONDS = 5;

/** The bounds of the live streams, with their defaults and the range a configuration may choose from. */
export const STREAM_LIMITS = {
  /** Longest a stream stays open, in seconds; the client reconnects with `Last-Event-ID`. */
  maxSeconds: { default: 3_600, min: 1, max: 86_400 },
  /** Open streams one token may hold. */
  maxPerToken: { default: 10, min: 1, max: 1_000 },
  /** Open streams on this server. */
  maxTotal: { default: 1_000, min: 1, max: 100_000 },
} as const;

export type StreamLimits = { [K in keyof typeof STREAM_LIMITS]: number };

/** Why a stream ended, sent in its last frame (`event: end`); `reconnect` says whether reconnecting makes sense. */
type EndReason = 'terminal' | 'max_lifetime' | 'shutdown' | 'unauthenticated' | 'forbidden' | 'not_found' | 'error';

const RECONNECT: Record<EndReason, boolean> = {
  terminal: false,
  max_lifetime: true,
  // The server is stopping: another replica (or this one, restarted) takes the reconnection.
  shutdown: true,
  unauthenticated: false,
  forbidden: false,
  not_found: false,
  error: true,
};

function endReasonOf(error: unknown): EndReason {
  if (isShipgateError(error, 'UNAUTHENTICATED')) return 'unauthenticated';
  if (isShipgateError(error, 'FORBIDDEN')) return 'forbidden';
  if (isShipgateError(error, 'NOT_FOUND')) return 'not_found';
  return 'error';
}

/** Counts the open streams, per token and in all, so that neither can grow without bound. */
class StreamSlots {
  private readonly perToken = new Map<string, number>();
  private total = 0;

  constructor(private readonly limits: StreamLimits) {}

  /** Takes a slot for `tokenId`, or throws `RATE_LIMITED`; the returned function gives it back (once). */
  acquire(tokenId: string): () => void {
    const held = this.perToken.get(tokenId) ?? 0;
    if (held >= this.limits.maxPerToken) {
      throw new ShipgateError('RATE_LIMITED', `this token already holds ${held} open streams (limit ${this.limits.maxPerToken})`);
    }
    if (this.total >= this.limits.maxTotal) {
      throw new ShipgateError('RATE_LIMITED', `the server holds its limit of ${this.limits.maxTotal} open streams`);
    }
    this.perToken.set(tokenId, held + 1);
    this.total += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.total -= 1;
      const left = (this.perToken.get(tokenId) ?? 1) - 1;
      if (left > 0) this.perToken.set(tokenId, left);
      else this.perToken.delete(tokenId);
    };
  }
}

/**
 * Streams a release as Server-Sent Events: every timeline event after `Last-Event-ID` (its `seq`), then the release.
 * Wakes on in-process writes and polls for other processes' writes. Permission is checked before anything is sent,
 * and again, with the token authenticated anew, on every wake: a revoked or expired token, or a lost permission,
 * ends the stream. It also ends once the release is in a terminal state (after its last events and frame), and after
 * `limits.maxSeconds`. The last frame is `event: end` with `{ reason, reconnect }`.
 */
export class ReleaseStreams {
  readonly limits: StreamLimits;
  private readonly slots: StreamSlots;
  /** How to end each open stream, for a shutdown. */
  private readonly ends = new Set<(reason: EndReason) => void>();

  constructor(
    private readonly shipgate: Shipgate,
    limits: Partial<StreamLimits> = {},
  ) {
    this.limits = {
      maxSeconds: limits.maxSeconds ?? STREAM_LIMITS.maxSeconds.default,
      maxPerToken: limits.maxPerToken ?? STREAM_LIMITS.maxPerToken.default,
      maxTotal: limits.maxTotal ?? STREAM_LIMITS.maxTotal.default,
    };
    this.slots = new StreamSlots(this.limits);
  }

  /** Ends every open stream with `{ reason: 'shutdown', reconnect: true }`, before the server closes its connections. */
  shutdown(): void {
    for (const end of [...this.ends]) end('shutdown');
  }

  /** Answers `GET /releases/:id/stream`: `RATE_LIMITED` past the caps, or the stream (never both). */
  async open(request: FastifyRequest, reply: FastifyReply, id: string): Promise<void> {
    const { shipgate, slots, limits } = this;
    const lastEventId = Number.parseInt(String(request.headers['last-event-id'] ?? ''), 10);
    let after = Number.isFinite(lastEventId) && lastEventId >= 0 ? lastEventId : 0;
    let releaseSlot: () => void;
    try {
      releaseSlot = slots.acquire(request.credential.id);
    } catch (error) {
      reply.header('retry-after', CAP_RETRY_AFTER_SECONDS);
      throw error;
    }
    let first: Awaited<ReturnType<Shipgate['releases']['streamBatch']>>;
    try {
      first = await shipgate.releases.streamBatch(request.caller, id, after);
    } catch (error) {
      releaseSlot();
      throw error;
    }

    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, SSE_HEADERS);
    res.write('retry: 2000\n\n');

    let closed = false;
    let queued = false;
    let lastReleaseJson = '';
    let pending: Promise<void> = Promise.resolve();
    /** Sends a batch; true when the stream is done (the release is terminal and every event of it was sent). */
    const send = (batch: typeof first): boolean => {
      for (const event of batch.events) {
        res.write(`id: ${event.seq}\nevent: timeline\ndata: ${JSON.stringify(event)}\n\n`);
        after = event.seq;
      }
      const releaseJson = JSON.stringify(batch.release);
      if (releaseJson !== lastReleaseJson) {
        res.write(`event: release\ndata: ${releaseJson}\n\n`);
        lastReleaseJson = releaseJson;
      }
      return TERMINAL_STATES.includes(batch.release.state) && batch.events.length < BATCH_SIZE;
    };
    // One read at a time, and at most one waiting: a burst of wakes costs one read, not one each.
    const pull = () => {
      if (queued || closed) return;
      queued = true;
      pending = pending
        .then(async () => {
          queued = false;
          if (closed) return;
          const caller = await request.credential.reauthenticate();
          const batch = await shipgate.releases.streamBatch(caller, id, after);
          if (!closed && send(batch)) end('terminal');
        })
        .catch((error: unknown) => {
          const reason = endReasonOf(error);
          if (reason === 'error') request.log.warn({ err: error }, 'release stream ended');
          end(reason);
        });
    };
    const poll = setInterval(pull, shipgate.releases.watchPollMs);
    const keepalive = setInterval(() => res.write(': keep-alive\n\n'), KEEPALIVE_MS);
    const lifetime = setTimeout(() => end('max_lifetime'), limits.maxSeconds * 1_000);
    const unsubscribe = shipgate.releases.watch(id, pull);
    const close = () => {
      if (closed) return;
      closed = true;
      clearInterval(poll);
      clearInterval(keepalive);
      clearTimeout(lifetime);
      unsubscribe();
      releaseSlot();
      this.ends.delete(end);
      res.end();
    };
    const end = (reason: EndReason) => {
      if (closed) return;
      res.write(`event: end\ndata: ${JSON.stringify({ reason, reconnect: RECONNECT[reason] })}\n\n`);
      close();
    };
    this.ends.add(end);
    request.raw.on('close', close);
    res.on('close', close);
    // A client gone before the listeners were on would otherwise hold its slot until the lifetime ran out.
    if (res.destroyed) close();
    else if (send(first)) end('terminal');
  }
}
