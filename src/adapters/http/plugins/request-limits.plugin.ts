import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import { isShipgateError, ShipgateError } from '../../../core/errors.js';
import type { RateCounter } from '../../../ports/rate-counter.js';

const WINDOW_MS = 60_000;

/** The request limits' defaults and the range a configuration may choose from; 0 turns a limit off. */
export const REQUEST_LIMITS = {
  perTokenPerMinute: { default: 3_000, min: 0, max: 1_000_000 },
  authFailuresPerMinute: { default: 60, min: 0, max: 1_000_000 },
} as const;

export interface RequestLimitOptions {
  /** Requests per minute one token may make (its bucket is keyed by the token's id, never by how the header is spelled). */
  perTokenPerMinute: number;
  /** Missing or failed authentications per minute one client address may cause; past it, the address is refused without a token lookup. */
  authFailuresPerMinute: number;
  /** Where the windows are counted when several processes share the store (PostgreSQL); default: this process's memory. */
  counter?: RateCounter;
}

type StoreCallback = (error: Error | null, result?: { current: number; ttl: number }) => void;

/** The rate-limit plugin's store, over a shared counter: every replica counts the same windows. */
function sharedStore(counter: RateCounter) {
  return class SharedRateLimitStore {
    incr(key: string, callback: StoreCallback, timeWindow: number): void {
      counter.hit(key, timeWindow).then(
        (r) => callback(null, { current: r.count, ttl: r.ttlMs }),
        (error: Error) => callback(error),
      );
    }

    read(key: string, callback: StoreCallback, timeWindow: number): void {
      counter.peek(key, timeWindow).then(
        (r) => callback(null, { current: r.count, ttl: r.ttlMs }),
        (error: Error) => callback(error),
      );
    }

    child(): SharedRateLimitStore {
      return this;
    }
  };
}

/** The rate limits around authentication: one budget per client address for failures, one per token for the rest. */
export interface RequestLimits {
  /**
   * Runs `authenticate` unless the request's address has spent its budget of failed authentications (then
   * `RATE_LIMITED`, with no token lookup); the failure of a `presented` credential is charged to the address (a request
   * without any, such as a signed-out page asking who is signed in, costs no lookup and is not charged).
   */
  authenticate<T>(request: FastifyRequest, reply: FastifyReply, authenticate: () => Promise<T>, presented: boolean): Promise<T>;
  /** Charges an authenticated request to its token's bucket (`request.credential.id`); `RATE_LIMITED` once the bucket is spent. */
  charge(request: FastifyRequest, reply: FastifyReply): Promise<void>;
}

/** No limits at all (`rateLimitPerMinute: 0`). */
export const NO_REQUEST_LIMITS: RequestLimits = {
  authenticate: (_request, _reply, authenticate) => authenticate(),
  charge: async () => undefined,
};

function rateLimited(reply: FastifyReply, retryAfterSeconds: number, what: string): ShipgateError {
  const seconds = Math.max(1, retryAfterSeconds);
  reply.header('retry-after', seconds);
  return new ShipgateError('RATE_LIMITED', `${what}; retry in ${seconds} s`);
}

/**
 * Registers the limiters on `api` (no hooks of their own: the auth hook calls them in order). A flood of bad tokens
 * from one address is answered from memory once the address's budget is spent, and lookups in flight count against
 * that budget, so even a concurrent flood causes at most `authFailuresPerMinute` lookups per window.
 * @example const limits = await registerRequestLimits(api, { perTokenPerMinute: 3000, authFailuresPerMinute: 60 })
 */
export async function registerRequestLimits(api: FastifyInstance, options: RequestLimitOptions): Promise<RequestLimits> {
  if (options.perTokenPerMinute <= 0) return NO_REQUEST_LIMITS;
  await api.register(rateLimit, { global: false, ...(options.counter ? { store: sharedStore(options.counter) } : {}) });
  // The default key is the client address (IPv6 folded to its /64).
  const failures = api.createRateLimit({ max: options.authFailuresPerMinute, timeWindow: WINDOW_MS });
  const tokens = api.createRateLimit({
    max: options.perTokenPerMinute,
    timeWindow: WINDOW_MS,
    keyGenerator: (request) => `token:${request.credential.id}`,
  });
  const inFlight = new Map<string, number>();

  return {
    async authenticate(request, reply, authenticate, presented) {
      if (options.authFailuresPerMinute <= 0) return authenticate();
      const spent = await failures(request, { increment: false });
      if (spent.isAllowed) return authenticate();
      // Without a credential nothing is looked up: refused only once the address has spent its budget.
      if (!presented && spent.remaining > 0) return authenticate();
      const pending = inFlight.get(spent.key) ?? 0;
      if (spent.remaining - pending <= 0) {
        throw rateLimited(reply, spent.ttlInSeconds, `too many failed authentications from this address (limit ${spent.max} per minute)`);
      }
      inFlight.set(spent.key, pending + 1);
      try {
        return await authenticate();
      } catch (error) {
        if (isShipgateError(error, 'UNAUTHENTICATED')) await failures(request);
        throw error;
      } finally {
        const left = (inFlight.get(spent.key) ?? 1) - 1;
        if (left > 0) inFlight.set(spent.key, left);
        else inFlight.delete(spent.key);
      }
    },

    async charge(request, reply) {
      const bucket = await tokens(request);
      if (bucket.isAllowed) return;
      reply.header('x-ratelimit-limit', bucket.max);
      reply.header('x-ratelimit-remaining', bucket.remaining);
      reply.header('x-ratelimit-reset', bucket.ttlInSeconds);
      if (bucket.isExceeded) throw rateLimited(reply, bucket.ttlInSeconds, `rate limit of ${bucket.max} requests per minute exceeded`);
    },
  };
}
