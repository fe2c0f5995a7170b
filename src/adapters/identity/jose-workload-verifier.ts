import { createRemoteJWKSet, decodeJwt, jwtVerify, type JWTVerifyGetKey } from 'jose';
import type { VerifiedClaims, WorkloadTokenVerifier } from '../../ports/identity-provider.js';

/** An issuer whose JWTs Shipgate accepts, for the audience its tokens must name. */
export interface TrustedIssuer {
  issuer: string;
  audience: string;
}

/** Asymmetric algorithms only: a shared-secret (HS*) or unsigned (`none`) token is never accepted. */
const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];
/** Clocks of Shipgate and a CI system may disagree a little, not more. */
const CLOCK_TOLERANCE_SECONDS = 30;

/**
 * Verifies CI workload JWTs with `jose` against the JWKS each trusted issuer publishes (found through its discovery
 * document, fetched once, then cached and refetched by `jose` when a token names a key it does not know: rotation).
 * @example new JoseWorkloadVerifier([{ issuer: 'https://token.actions.githubusercontent.com', audience: 'shipgate' }])
 */
export class JoseWorkloadVerifier implements WorkloadTokenVerifier {
  private readonly keySets = new Map<string, Promise<JWTVerifyGetKey>>();

  /**
   * @param options.refetchCooldownMs the least time between two fetches of a JWKS (a token naming an unknown key
   * fetches it again, so a flood of such tokens is not a flood of fetches); default 30 s
   */
  constructor(
    private readonly trusted: readonly TrustedIssuer[],
    private readonly options: { refetchCooldownMs?: number } = {},
  ) {}

  async verify(jwt: string): Promise<VerifiedClaims | null> {
    let issuer: unknown;
    try {
      issuer = decodeJwt(jwt).iss;
    } catch {
      return null;
    }
    const entry = this.trusted.find((t) => t.issuer === issuer);
    if (!entry) return null;
    try {
      const { payload } = await jwtVerify(jwt, await this.keySetOf(entry.issuer), {
        issuer: entry.issuer,
        audience: entry.audience,
        algorithms: ALGORITHMS,
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        requiredClaims: ['sub', 'exp'],
      });
      return { issuer: entry.issuer, claims: { ...payload } };
    } catch {
      return null;
    }
  }

  private keySetOf(issuer: string): Promise<JWTVerifyGetKey> {
    let keySet = this.keySets.get(issuer);
    if (!keySet) {
      keySet = discoverJwks(issuer).then((uri) =>
        createRemoteJWKSet(uri, { timeoutDuration: 5_000, cooldownDuration: this.options.refetchCooldownMs ?? 30_000 }),
      );
      // A failed discovery is tried again at the next token, not remembered.
      keySet.catch(() => this.keySets.delete(issuer));
      this.keySets.set(issuer, keySet);
    }
    return keySet;
  }
}

/** The `jwks_uri` of an issuer's discovery document. */
async function discoverJwks(issuer: string): Promise<URL> {
  const res = await fetch(`${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`, {
    signal: AbortSignal.timeout(5_000),
    redirect: 'error',
  });
  if (!res.ok) throw new Error(`discovery of ${issuer} answered ${res.status}`);
  const document = (await res.json()) as { jwks_uri?: unknown };
  if (typeof document.jwks_uri !== 'string') throw new Error(`discovery of ${issuer} names no jwks_uri`);
  const uri = new URL(document.jwks_uri);
  if (uri.protocol !== 'https:' && uri.protocol !== 'http:') throw new Error(`jwks_uri of ${issuer} is not http(s)`);
  return uri;
}
