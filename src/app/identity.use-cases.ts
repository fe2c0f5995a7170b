import { createHash, timingSafeEqual } from 'node:crypto';
import type { Principal } from '../core/access/access.js';
import { bindingsFromClaims, subjectOf, type ClaimSource, type RoleMapping } from '../core/access/role-mapping.js';
import { ShipgateError } from '../core/errors.js';
import { SIGN_IN_FAILURES } from '../core/access/sign-in-failures.js';
import type { OidcProvider, WorkloadTokenVerifier } from '../ports/identity-provider.js';
import type { AppContext } from './app-context.js';
import { requireGlobal, type Caller } from './caller.js';

/** How long a browser session lasts, and how long a sign-in may take at the provider. */
export const SESSION_TTL_SECONDS = 8 * 3600;
export const SIGN_IN_TTL_SECONDS = 600;

/** A JWT's shape: three base64url parts (an opaque `sgt_` token never has it). */
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*$/;

function sha256(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

/** Who a credential stands for, the key of its rate limits, and — for a browser session — its CSRF value. */
export interface IdentityAuthentication {
  tokenId: string;
  principal: Principal;
  csrf?: string;
}

/** A started sign-in: the one-time cookie binding it to this browser, and where to send the browser. */
export interface StartedSignIn {
  key: string;
  redirectUrl: string;
}

/** A finished sign-in: the session cookie's value (shown to the browser only), where to go, and when it ends. */
export interface FinishedSignIn {
  session: string;
  next: string;
  expiresAt: string;
}

/**
 * Only a same-origin path is a place to go after signing in: `/` followed by path characters, never `//` or `/\`
 * (which browsers read as another host); anything else goes to `/`.
 */
export function safeNext(next: unknown): string {
  if (typeof next !== 'string' || next.length > 500) return '/';
  return /^\/(?![/\\])[A-Za-z0-9\-._~!$&'()*+,;=:@/%?]*$/.test(next) ? next : '/';
}

/** OpenID Connect sign-in, browser sessions, CI workload tokens and the claim → role mappings they are judged by. */
export class IdentityUseCases {
  constructor(
    private readonly ctx: AppContext,
    private readonly options: { oidc?: OidcProvider | null; workload?: WorkloadTokenVerifier | null } = {},
  ) {}

  /** What the sign-in page offers: the provider's name when OpenID Connect sign-in is configured. */
  config(): { oidc: { name: string } | null } {
    return { oidc: this.options.oidc ? { name: this.options.oidc.name } : null };
  }

  /** True when `token` has a JWT's shape and trusted issuers are configured. */
  acceptsJwt(token: string): boolean {
    return Boolean(this.options.workload) && JWT_SHAPE.test(token);
  }

  /** The principal of a CI job's JWT, by the mappings of its issuer; `UNAUTHENTICATED` unless it verifies. */
  async authenticateWorkload(jwt: string): Promise<IdentityAuthentication> {
    const verified = this.options.workload ? await this.options.workload.verify(jwt) : null;
    const sub = verified?.claims['sub'];
    if (!verified || typeof sub !== 'string' || sub === '') throw new ShipgateError('UNAUTHENTICATED', 'the token could not be verified');
    const subject = subjectOf(verified.issuer, sub);
    const bindings = await this.bindingsFor({ issuer: verified.issuer, signIn: false }, verified.claims);
    return { tokenId: `workload:${subject}`, principal: { subject, bindings } };
  }

  /** Starts a sign-in at the provider; its state, nonce and PKCE verifier stay on the server, keyed by a one-time cookie. */
  async startSignIn(next: unknown): Promise<StartedSignIn> {
    const oidc = this.requireOidc();
    const key = this.random();
    const challenge = { state: this.random(), nonce: this.random(), codeVerifier: this.random() };
    const now = this.ctx.clock.now();
    const expiresAt = new Date(now.getTime() + SIGN_IN_TTL_SECONDS * 1000).toISOString();
    await this.ctx.store.signIns.purgeExpired(now.toISOString());
    await this.ctx.store.signIns.insert({ keyHash: sha256(key), ...challenge, next: safeNext(next), expiresAt });
    return { key, redirectUrl: await oidc.authorizationUrl(challenge) };
  }

  /**
   * Finishes a sign-in: the browser's one-time cookie must name a sign-in under way whose state the callback carries;
   * the provider's answer is verified, and a session is opened for `<issuer-host>:<sub>`.
   */
  async finishSignIn(key: string | undefined, callback: URLSearchParams): Promise<FinishedSignIn> {
    const oidc = this.requireOidc();
    const pending = key ? await this.ctx.store.signIns.take(sha256(key)) : null;
    const now = this.ctx.clock.now();
    if (!pending || Date.parse(pending.expiresAt) <= now.getTime() || !sameSecret(callback.get('state'), pending.state)) {
      throw new ShipgateError('UNAUTHENTICATED', 'this sign-in was not started here or took too long; sign in again', {
        reason: SIGN_IN_FAILURES.expired,
      });
    }
    if (callback.has('error')) {
      // The provider's own answer (the user declined, or it refused this client); its words stay with the provider.
      throw new ShipgateError('UNAUTHENTICATED', 'the identity provider declined the sign-in', { reason: SIGN_IN_FAILURES.declined });
    }
    let verified;
    try {
      verified = await oidc.redeem(callback, pending);
    } catch {
      throw new ShipgateError('UNAUTHENTICATED', 'the identity provider did not confirm the sign-in', {
        reason: SIGN_IN_FAILURES.unconfirmed,
      });
    }
    const sub = verified.claims['sub'];
    if (typeof sub !== 'string' || sub === '') {
      throw new ShipgateError('UNAUTHENTICATED', 'the ID token names no subject', { reason: SIGN_IN_FAILURES.unconfirmed });
    }
    const session = this.random();
    const expiresAt = new Date(now.getTime() + SESSION_TTL_SECONDS * 1000).toISOString();
    // Sessions that can no longer be used go as new ones open, so the table holds little more than the live ones.
    await this.ctx.store.sessions.purgeUnusable(now.toISOString());
    await this.ctx.store.sessions.insert({
      id: this.ctx.ids.newId(),
      secretHash: sha256(session),
      csrf: this.random(),
      issuer: verified.issuer,
      subject: subjectOf(verified.issuer, sub),
      claims: verified.claims,
      createdAt: now.toISOString(),
      expiresAt,
      endedAt: null,
    });
    return { session, next: pending.next, expiresAt };
  }

  /** The principal of a session cookie, with the mappings as they are now; `UNAUTHENTICATED` once ended or expired. */
  async authenticateSession(session: string): Promise<IdentityAuthentication> {
    const record = await this.ctx.store.sessions.getBySecretHash(sha256(session));
    if (!record || record.endedAt || Date.parse(record.expiresAt) <= this.ctx.clock.now().getTime()) {
      throw new ShipgateError('UNAUTHENTICATED', 'the session ended; sign in again');
    }
    const bindings = await this.bindingsFor({ issuer: record.issuer, signIn: true }, record.claims);
    return { tokenId: `session:${record.id}`, principal: { subject: record.subject, bindings }, csrf: record.csrf };
  }

  /** Ends a session (sign-out); an unknown or ended one is already out. */
  async endSession(session: string | undefined): Promise<void> {
    if (session) await this.ctx.store.sessions.end(sha256(session), this.ctx.nowIso());
  }

  /** The claim → role mappings, in order (admin). */
  async listRoleMappings(caller: Caller): Promise<RoleMapping[]> {
    requireGlobal(caller, 'admin');
    return this.ctx.store.roleMappings.list();
  }

  /** Replaces every claim → role mapping (admin); they apply at the next request of each session or CI token. */
  async replaceRoleMappings(caller: Caller, mappings: RoleMapping[]): Promise<RoleMapping[]> {
    requireGlobal(caller, 'admin');
    await this.ctx.store.transaction((tx) => tx.roleMappings.replace(mappings));
    return this.ctx.store.roleMappings.list();
  }

  private async bindingsFor(source: ClaimSource, claims: Record<string, unknown>) {
    return bindingsFromClaims(await this.ctx.store.roleMappings.list(), source, claims);
  }

  private requireOidc(): OidcProvider {
    if (!this.options.oidc) throw new ShipgateError('NOT_FOUND', 'OpenID Connect sign-in is not configured');
    return this.options.oidc;
  }

  private random(): string {
    return Buffer.from(this.ctx.ids.randomBytes(32)).toString('base64url');
  }
}

/** Compares two secrets in constant time (by their hashes, so lengths do not leak). */
export function sameSecret(given: string | null | undefined, expected: string): boolean {
  if (typeof given !== 'string') return false;
  return timingSafeEqual(Buffer.from(sha256(given), 'hex'), Buffer.from(sha256(expected), 'hex'));
}
