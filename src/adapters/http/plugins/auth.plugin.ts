import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Caller } from '../../../app/caller.js';
import type { Shipgate } from '../../../app/shipgate.js';
import type { Channel } from '../../../core/release/release.js';
import { NO_REQUEST_LIMITS, type RequestLimits } from './request-limits.plugin.js';

declare module 'fastify' {
  interface FastifyRequest {
    caller: Caller;
    /** The bearer token the caller authenticated with: its id, and a way to check it again (the secret stays in a closure, out of logs). */
    credential: Credential;
  }
}

/** The token behind a request, for what outlives one check (a stream): a revoked or expired token must stop it. */
export interface Credential {
  /** The token's id: the key of its rate-limit bucket and stream cap. */
  readonly id: string;
  /** Authenticates the same token again: `UNAUTHENTICATED` once it was revoked or expired. */
  reauthenticate(): Promise<Caller>;
}

const CLIENT_CHANNELS: readonly Channel[] = ['ui', 'api', 'cli'];

/** The channel a client declares with `X-Shipgate-Channel` (`ui`, `api`, `cli`); `ai` is reserved to the command center. */
function channelOf(request: FastifyRequest): Channel {
  const declared = request.headers['x-shipgate-channel'];
  return typeof declared === 'string' && (CLIENT_CHANNELS as string[]).includes(declared) ? (declared as Channel) : 'api';
}

/**
 * Authenticates every request of the encapsulated context with its bearer token, within `limits`: an address that
 * spent its budget of failed authentications is refused before any lookup, and an authenticated request is charged
 * to its token's bucket.
 */
export function registerAuth(api: FastifyInstance, shipgate: Shipgate, limits: RequestLimits = NO_REQUEST_LIMITS): void {
  api.decorateRequest('caller', null as unknown as Caller);
  api.decorateRequest('credential', null as unknown as Credential);
  api.addHook('onRequest', async (request, reply) => {
    const header = request.headers.authorization;
    const token = (typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null)?.[1];
    const channel = channelOf(request);
    const { tokenId, principal } = await limits.authenticate(request, reply, () => shipgate.access.authenticate(token));
    request.caller = { principal, channel };
    request.credential = {
      id: tokenId,
      reauthenticate: async () => ({ principal: (await shipgate.access.authenticate(token)).principal, channel }),
    };
    await limits.charge(request, reply);
  });
}
