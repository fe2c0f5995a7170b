import * as oidc from 'openid-client';
import type { OidcProvider, SignInChallenge, VerifiedClaims } from '../../ports/identity-provider.js';

/** The provider's settings (SHIPGATE_OIDC_*): its issuer, Shipgate's client there, and where the browser comes back. */
export interface OpenIdClientOptions {
  issuer: string;
  clientId: string;
  /** Never logged. */
  clientSecret: string;
  /** What the sign-in button says: "Sign in with <name>" (default: the issuer's host). */
  name: string;
  scopes: string;
  /** `<SHIPGATE_PUBLIC_URL>/auth/callback`. */
  redirectUri: string;
}

/** Plain http is accepted only to a provider on this machine (a test or development provider). */
export function isLoopbackHttp(url: URL): boolean {
  return url.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
}

/**
 * Sign-in at an OpenID Connect provider with `openid-client`: discovery (once, retried after a failure), the
 * authorization code flow with PKCE (S256), state and nonce, and the ID token verified by the library.
 * @example
 * new OpenIdClientProvider({
 *   issuer: 'https://accounts.google.com', clientId, clientSecret, name: 'Google', scopes: 'openid email', redirectUri,
 * })
 */
export class OpenIdClientProvider implements OidcProvider {
  readonly name: string;
  private configuration: Promise<oidc.Configuration> | null = null;

  constructor(private readonly options: OpenIdClientOptions) {
    this.name = options.name;
  }

  get issuer(): string {
    return this.options.issuer;
  }

  async authorizationUrl(challenge: SignInChallenge): Promise<string> {
    const config = await this.discovered();
    return oidc.buildAuthorizationUrl(config, {
      redirect_uri: this.options.redirectUri,
      scope: this.options.scopes,
      response_type: 'code',
      state: challenge.state,
      nonce: challenge.nonce,
      code_challenge: await oidc.calculatePKCECodeChallenge(challenge.codeVerifier),
      code_challenge_method: 'S256',
    }).href;
  }

  async redeem(callback: URLSearchParams, challenge: SignInChallenge): Promise<VerifiedClaims> {
    const config = await this.discovered();
    // The configured redirect URI with the provider's answer: never the Host header the request came with.
    const callbackUrl = new URL(this.options.redirectUri);
    callbackUrl.search = callback.toString();
    const tokens = await oidc.authorizationCodeGrant(config, callbackUrl, {
      pkceCodeVerifier: challenge.codeVerifier,
      expectedState: challenge.state,
      expectedNonce: challenge.nonce,
      idTokenExpected: true,
    });
    const claims = tokens.claims();
    if (!claims) throw new Error('the provider returned no ID token');
    return { issuer: config.serverMetadata().issuer, claims: { ...claims } };
  }

  private discovered(): Promise<oidc.Configuration> {
    if (!this.configuration) {
      const issuer = new URL(this.options.issuer);
      const configuration = oidc.discovery(
        issuer,
        this.options.clientId,
        { redirect_uris: [this.options.redirectUri], response_types: ['code'] },
        oidc.ClientSecretBasic(this.options.clientSecret),
        isLoopbackHttp(issuer) ? { execute: [oidc.allowInsecureRequests] } : undefined,
      );
      configuration.catch(() => {
        this.configuration = null;
      });
      this.configuration = configuration;
    }
    return this.configuration;
  }
}
