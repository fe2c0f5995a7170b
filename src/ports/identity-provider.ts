/** A verified token's issuer and claims. */
export interface VerifiedClaims {
  issuer: string;
  claims: Record<string, unknown>;
}

/** What a sign-in must find again at its callback; kept server-side, never trusted from the browser. */
export interface SignInChallenge {
  state: string;
  nonce: string;
  codeVerifier: string;
}

/** An OpenID Connect provider people sign in with (authorization code + PKCE, state and nonce). */
export interface OidcProvider {
  /** The issuer, as its discovery document names it. */
  readonly issuer: string;
  /** What the sign-in button says: "Sign in with <name>". */
  readonly name: string;
  /** Where to send the browser to sign in. */
  authorizationUrl(challenge: SignInChallenge): Promise<string>;
  /**
   * Redeems the code of the callback's query and returns the ID token's verified claims (issuer, audience, signature, expiry,
   * state, nonce and PKCE checked); throws when anything does not match.
   */
  redeem(callback: URLSearchParams, challenge: SignInChallenge): Promise<VerifiedClaims>;
}

/** Verifies bearer JWTs of the trusted issuers (a CI job's OIDC token) against each issuer's published keys. */
export interface WorkloadTokenVerifier {
  /** The verified issuer and claims, or null when the token is not a valid JWT of a trusted issuer for Shipgate's audience. */
  verify(jwt: string): Promise<VerifiedClaims | null>;
}
