import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Shipgate } from '../../../app/shipgate.js';
import { SESSION_TTL_SECONDS, SIGN_IN_TTL_SECONDS } from '../../../app/identity.use-cases.js';
import { isSignInFailure } from '../../../core/access/sign-in-failures.js';
import { isShipgateError } from '../../../core/errors.js';
import { closed, Problem } from '../common.schemas.js';
import { cookieOf, SESSION_COOKIE } from '../plugins/auth.plugin.js';

/** The one-time cookie that binds a sign-in under way to the browser that started it. */
const SIGN_IN_COOKIE = 'shipgate_sign_in';

const AuthConfig = Type.Object(
  { oidc: Type.Union([Type.Object({ name: Type.String() }, closed), Type.Null()]) },
  { ...closed, description: 'What the sign-in page offers: OpenID Connect sign-in (with the provider name) when configured' },
);

const LoginQuery = Type.Object({ next: Type.Optional(Type.String({ maxLength: 500 })) }, closed);

/** Options of the `/auth` routes. */
export interface SignInRouteOptions {
  shipgate: Shipgate;
  /** Cookies carry `Secure` when people reach Shipgate over https (`SHIPGATE_PUBLIC_URL`). */
  secureCookies: boolean;
}

function setCookie(reply: FastifyReply, secure: boolean, name: string, value: string, maxAgeSeconds: number, path: string): void {
  const attributes = [
    `${name}=${value}`,
    `Path=${path}`,
    `Max-Age=${maxAgeSeconds}`,
    'HttpOnly',
    'SameSite=Lax',
    ...(secure ? ['Secure'] : []),
  ];
  const previous = reply.getHeader('set-cookie');
  const cookies = previous === undefined ? [] : Array.isArray(previous) ? previous.map(String) : [String(previous)];
  reply.header('set-cookie', [...cookies, attributes.join('; ')]);
}

/** True when the request comes from a browser navigating (it asks for HTML first), not from a program. */
function wantsPage(req: FastifyRequest): boolean {
  const accept = req.headers.accept;
  return typeof accept === 'string' && accept.split(',')[0]!.trim().toLowerCase().startsWith('text/html');
}

/**
 * `/auth`: browser sign-in with the OpenID Connect provider (login → provider → callback → session cookie), sign-out,
 * and what the sign-in page offers. Outside `/api/v1`: these answer without a token.
 */
export async function signInRoutes(app: FastifyInstance, { shipgate, secureCookies }: SignInRouteOptions): Promise<void> {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();

  api.get(
    '/auth/config',
    { schema: { tags: ['auth'], summary: 'What the sign-in page offers', security: [], response: { 200: AuthConfig } } },
    async () => shipgate.identity.config(),
  );

  api.get(
    '/auth/login',
    {
      schema: {
        tags: ['auth'],
        summary: 'Start signing in at the OpenID Connect provider; `next` is a same-origin path to return to',
        security: [],
        querystring: LoginQuery,
        response: { 302: Type.Null(), 400: Problem, 404: Problem },
      },
    },
    async (req, reply) => {
      const started = await shipgate.identity.startSignIn(req.query.next);
      setCookie(reply, secureCookies, SIGN_IN_COOKIE, started.key, SIGN_IN_TTL_SECONDS, '/auth');
      return reply.header('cache-control', 'no-store').redirect(started.redirectUrl, 302);
    },
  );

  api.get(
    '/auth/callback',
    {
      schema: {
        tags: ['auth'],
        summary: "The provider's answer: opens a session (cookie shipgate_session) and returns to `next`",
        description:
          'A failed sign-in answers 401 UNAUTHENTICATED with a `reason` (sign_in_expired, provider_declined, provider_unconfirmed); ' +
          'a browser navigating (Accept: text/html first) is sent to `/sign-in?failed=<reason>` instead.',
        security: [],
        response: { 302: Type.Null(), 401: Problem, 404: Problem },
      },
    },
    async (req, reply) => {
      const query = new URLSearchParams(req.url.includes('?') ? req.url.slice(req.url.indexOf('?') + 1) : '');
      const key = cookieOf(req, SIGN_IN_COOKIE);
      setCookie(reply, secureCookies, SIGN_IN_COOKIE, '', 0, '/auth');
      let finished;
      try {
        finished = await shipgate.identity.finishSignIn(key, query);
      } catch (error) {
        // A person in a browser lands on the sign-in page, which says what went wrong; a program gets the problem.
        if (!wantsPage(req) || !isShipgateError(error, 'UNAUTHENTICATED') || !isSignInFailure(error.metadata.reason)) throw error;
        return reply.header('cache-control', 'no-store').redirect(`/sign-in?failed=${error.metadata.reason}`, 302);
      }
      setCookie(reply, secureCookies, SESSION_COOKIE, finished.session, SESSION_TTL_SECONDS, '/');
      return reply.header('cache-control', 'no-store').redirect(finished.next, 302);
    },
  );

  api.post(
    '/auth/logout',
    {
      schema: {
        tags: ['auth'],
        summary: 'End the browser session',
        security: [],
        response: { 204: { type: 'null', description: 'Signed out' } },
      },
    },
    async (req, reply) => {
      await shipgate.identity.endSession(cookieOf(req, SESSION_COOKIE));
      setCookie(reply, secureCookies, SESSION_COOKIE, '', 0, '/');
      return reply.code(204).send(null);
    },
  );
}
