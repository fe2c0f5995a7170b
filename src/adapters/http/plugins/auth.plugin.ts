import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Caller } from '../../../app/caller.js';
import type { Shipgate } from '../../../app/shipgate.js';
import type { Channel } from '../../../core/release/release.js';
import { ShipgateError } from '../../../core/errors.js';
import { sameSecret, type IdentityAuthentication } from '../../../app/identity.use-cases.js';
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
  /** For a browser session (cookie): the value its mutations must carry in `x-shipgate-csrf`. */
  readonly csrf?: string;
}

/** The browser session cookie set by `GET /auth/callback`. */
export const SESSION_COOKIE = 'shipgate_session';
/** The header a cookie-authenticated change must carry, with the value `GET /api/v1/me` returns. */
export const CSRF_HEADER = 'x-shipgate-csrf';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The value of one cookie of the request, or undefined. */
export function cookieOf(request: FastifyRequest, name: string): string | undefined {
  const header = request.headers.cookie;
  if (typeof header !== 'string') return undefined;
  for (const part of header.split(';')) {
    const at = part.indexOf('=');
    if (at > 0 && part.slice(0, at).trim() === name) return part.slice(at + 1).trim() || undefined;
  }
  return undefined;
}

/** The token of the request's `Authorization: Bearer <token>` header, or undefined. */
export function bearerTokenOf(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  return (typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null)?.[1];
}

/**
 * Who a request's credential stands for: a bearer token (an opaque `sgt_` token, or a JWT of a trusted issuer), else
 * the browser session cookie. A bearer token wins, so automation is never judged by a cookie.
 */
function authenticatorOf(request: FastifyRequest, shipgate: Shipgate): { run: () => Promise<IdentityAuthentication>; presented: boolean } {
  const header = request.headers.authorization;
  const token = bearerTokenOf(request);
  if (token !== undefined) {
    const run = shipgate.identity.acceptsJwt(token)
      ? () => shipgate.identity.authenticateWorkload(token)
      : () => shipgate.access.authenticate(token);
    return { run, presented: true };
  }
  const session = header === undefined ? cookieOf(request, SESSION_COOKIE) : undefined;
  if (session !== undefined) return { run: () => shipgate.identity.authenticateSession(session), presented: true };
  // A malformed Authorization header counts as a credential presented; no header and no cookie as none.
  return { run: () => shipgate.access.authenticate(undefined), presented: header !== undefined };
}

const CLIENT_CHANNELS: readonly Channel[] = ['ui', 'api', 'cli'];

/** The channel a client declares with `X-Shipgate-Channel` (`ui`, `api`, `cli`); `ai` is reserved to the command center. */
function channelOf(request: FastifyRequest): Channel {
  const declared = request.headers['x-shipgate-channel'];
  return typeof declared === 'string' && (CLIENT_CHANNELS as string[]).includes(declared) ? (declared as Channel) : 'api';
}

function headerOf(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return typeof value === 'string' ? value : undefined;
}

/**
 * Authenticates every request of the encapsulated context with its bearer token or session cookie, within `limits`: an address that
 * spent its budget of failed authentications is refused before any lookup, and an authenticated request is charged
 * to its token's bucket.
 */
export function registerAuth(api: FastifyInstance, shipgate: Shipgate, limits: RequestLimits = NO_REQUEST_LIMITS): void {
  api.decorateRequest('caller', null as unknown as Caller);
  api.decorateRequest('credential', null as unknown as Credential);
  api.addHook('onRequest', async (request, reply) => {
    const { run: authenticate, presented } = authenticatorOf(request, shipgate);
    const channel = channelOf(request);
    const { tokenId, principal, csrf } = await limits.authenticate(request, reply, authenticate, presented);
    request.caller = { principal, channel };
    request.credential = {
      id: tokenId,
      reauthenticate: async () => ({ principal: (await authenticate()).principal, channel }),
      ...(csrf !== undefined ? { csrf } : {}),
    };
    // A cookie rides along with any request a browser makes, a header only with those the page itself sends.
    if (csrf !== undefined && !SAFE_METHODS.has(request.method) && !sameSecret(headerOf(request, CSRF_HEADER), csrf)) {
      throw new ShipgateError('CSRF_REQUIRED', `send the ${CSRF_HEADER} value of GET /api/v1/me with every change`);
    }
    await limits.charge(request, reply);
  });
}
