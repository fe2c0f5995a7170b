import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Caller } from '../../../app/caller.js';
import type { Shipgate } from '../../../app/shipgate.js';
import type { Channel } from '../../../core/release/release.js';

declare module 'fastify' {
  interface FastifyRequest {
    caller: Caller;
  }
}

const CLIENT_CHANNELS: readonly Channel[] = ['ui', 'api', 'cli'];

/** The channel a client declares with `X-Shipgate-Channel` (`ui`, `api`, `cli`); `ai` is reserved to the command center. */
function channelOf(request: FastifyRequest): Channel {
  const declared = request.headers['x-shipgate-channel'];
  return typeof declared === 'string' && (CLIENT_CHANNELS as string[]).includes(declared) ? (declared as Channel) : 'api';
}

/** Authenticates every request of the encapsulated context with its bearer token. */
export function registerAuth(api: FastifyInstance, shipgate: Shipgate): void {
  api.decorateRequest('caller', null as unknown as Caller);
  api.addHook('onRequest', async (request) => {
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    const principal = await shipgate.access.authenticate(match?.[1]);
    request.caller = { principal, channel: channelOf(request) };
  });
}
